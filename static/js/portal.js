// Progressive enhancement only: every feature works without this file.
document.documentElement.classList.add("js");

// A disclosure ([data-reveal] with aria-expanded) shows and hides its panel. A choice ([data-reveal-choice]:
// "No" of "Was this article helpful?") is one of a pair of toggles: pressing it picks it (aria-pressed, its
// partners unpressed) and opens its panel, which sends the choice; pressing it again keeps it picked.
document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-reveal]");
  if (!trigger) return;
  const panel = document.getElementById(trigger.dataset.reveal);
  if (!panel) return;
  if (trigger.hasAttribute("data-reveal-choice")) {
    trigger.parentElement.querySelectorAll("[aria-pressed]").forEach((button) => {
      const picked = button === trigger;
      button.setAttribute("aria-pressed", String(picked));
      button.classList.toggle("button--selected", picked);
    });
    panel.classList.add("is-open");
    panel.querySelector("textarea, input, button")?.focus();
    return;
  }
  const open = !panel.classList.contains("is-open");
  panel.classList.toggle("is-open", open);
  trigger.setAttribute("aria-expanded", String(open));
  if (open) panel.querySelector("textarea, input, button")?.focus();
});

// Focus after htmx swaps. Live updates triggered by typing (suggestions, preview, tag options) never
// move focus. Otherwise: an error message gets focus; else the control that was used (matched by its
// data-focus-key, since the swap replaced it); else what the new content marks with data-swap-focus (a
// confirmation in a new role=status: new, so not announced by itself); else its heading or status.
let focusKey = null;
document.addEventListener("htmx:beforeRequest", () => {
  focusKey = document.activeElement?.dataset?.focusKey || null;
});
document.addEventListener("htmx:afterSwap", (event) => {
  const source = event.detail.requestConfig?.elt;
  if (source?.matches?.("input, textarea, select")) return;
  const target = event.detail.target;
  const root = target.isConnected ? target : document.getElementById(target.id);
  if (!root) return;
  const alert = root.querySelector("[role=alert]");
  if (alert) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
    return;
  }
  if (focusKey) {
    const control = document.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
    if (control) {
      control.focus();
      return;
    }
  }
  const focusable = root.querySelector("[data-swap-focus]") || root.querySelector("h2, [role=status]");
  if (focusable) {
    focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
});

// Search autocomplete (header): a combobox over the suggestion list htmx loads while typing.
// ArrowDown/ArrowUp move through the options, Enter opens the active one, Escape closes the list (it is
// hidden, not thrown away: ArrowDown opens it again, as the APG combobox pattern has it).
function suggestOptions(input) {
  const list = document.getElementById(input.getAttribute("aria-controls"));
  return list ? Array.from(list.querySelectorAll("[role=option]")) : [];
}
function setActive(input, options, index) {
  options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
  if (index >= 0) input.setAttribute("aria-activedescendant", options[index].id);
  else input.removeAttribute("aria-activedescendant");
}
function closeSuggest(input) {
  const popup = input.form?.querySelector(".suggest-popup");
  if (popup) popup.hidden = true;
  setActive(input, suggestOptions(input), -1);
  input.setAttribute("aria-expanded", "false");
}
function openSuggest(input) {
  const popup = input.form?.querySelector(".suggest-popup");
  if (popup) popup.hidden = false;
  input.setAttribute("aria-expanded", "true");
}
document.addEventListener("htmx:afterSwap", (event) => {
  if (!event.detail.target.classList?.contains("suggest-popup")) return;
  const input = event.detail.target.closest("form")?.querySelector("[data-suggest-input]");
  if (!input) return;
  event.detail.target.hidden = false;
  const count = suggestOptions(input).length;
  input.setAttribute("aria-expanded", String(count > 0 && input.value.trim().length > 1));
  input.removeAttribute("aria-activedescendant");
});
document.addEventListener("keydown", (event) => {
  const input = event.target.closest?.("[data-suggest-input]");
  if (!input) return;
  const options = suggestOptions(input);
  const current = options.findIndex((option) => option.getAttribute("aria-selected") === "true");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    if (!options.length) return;
    event.preventDefault();
    if (input.getAttribute("aria-expanded") !== "true") {  // closed (Escape, a click elsewhere): open it again
      openSuggest(input);
      setActive(input, options, event.key === "ArrowDown" ? 0 : options.length - 1);
      return;
    }
    const step = event.key === "ArrowDown" ? 1 : -1;
    setActive(input, options, (current + step + options.length) % options.length);
  } else if (event.key === "Enter" && current >= 0 && input.getAttribute("aria-expanded") === "true") {
    event.preventDefault();
    window.location.assign(options[current].dataset.href);
  } else if (event.key === "Escape" && input.getAttribute("aria-expanded") === "true") {
    event.preventDefault(); // the first Escape closes the list; the next one clears the box as usual
    closeSuggest(input);
  } else if (event.key === "Escape" && input.type !== "search" && input.value) {
    input.value = ""; // a text box in the combobox role (valid HTML) clears like a search box
  }
});
document.addEventListener("click", (event) => {
  const option = event.target.closest?.("[role=option][data-href]");
  if (option) {
    window.location.assign(option.dataset.href);
    return;
  }
  document.querySelectorAll("[data-suggest-input][aria-expanded=true]").forEach((input) => {
    if (!input.form?.contains(event.target)) closeSuggest(input);
  });
});

// Small screens: the header's menu button shows and hides the navigation (a disclosure: the CSS reads
// aria-expanded). Escape closes it and returns focus to the button.
document.addEventListener("click", (event) => {
  const button = event.target.closest?.("[data-menu-button]");
  if (!button) return;
  button.setAttribute("aria-expanded", String(button.getAttribute("aria-expanded") !== "true"));
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || event.defaultPrevented) return;
  const button = document.querySelector("[data-menu-button][aria-expanded=true]");
  if (!button || !button.closest("header")?.contains(event.target)) return;
  if (event.target.matches?.("[data-suggest-input]") && event.target.value) return;  // Escape clears the box first
  button.setAttribute("aria-expanded", "false");
  button.focus();
});

// A form that came back with errors: its error summary (includes/error_summary.html) takes focus on load, so
// the summary is read first; each of its links moves focus to the field it names (a fragment link alone only
// scrolls). Without JavaScript the summary is still the first thing in the form.
// A form whose action carries a fragment (the question page's answer form: "#your-answer-heading") comes back at
// that fragment, and the browser's scroll to it, after this script, moves focus to the page: the summary
// takes it back once the page has loaded (unless the reader has moved on to something else already).
const errorSummary = document.querySelector("[data-error-summary]");
if (errorSummary) {
  errorSummary.focus();
  window.addEventListener("load", () => {
    const current = document.activeElement;
    if (!current || current === document.body) errorSummary.focus();
  });
}
document.addEventListener("click", (event) => {
  const link = event.target.closest?.("[data-error-summary] a[href^='#']");
  if (!link) return;
  const field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!field) return;
  event.preventDefault();
  const label = document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
  (label || field).scrollIntoView({ block: "start" });
  field.focus({ preventScroll: true });
});

// The header's account menu (a <details>, so it works without this script): Escape closes it and returns
// focus to its summary; a click or focus anywhere else closes it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = event.target.closest?.("[data-account-menu][open]");
  if (!menu) return;
  event.preventDefault();
  menu.open = false;
  menu.querySelector("summary").focus();
});
function closeAccountMenus(target) {
  document.querySelectorAll("[data-account-menu][open]").forEach((menu) => {
    if (!menu.contains(target)) menu.open = false;
  });
}
document.addEventListener("click", (event) => closeAccountMenus(event.target));
document.addEventListener("focusin", (event) => closeAccountMenus(event.target));
