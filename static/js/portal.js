// Progressive enhancement only: every feature works without this file.
document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  const trigger = event.target.closest("[data-reveal]");
  if (!trigger) return;
  const panel = document.getElementById(trigger.dataset.reveal);
  if (!panel) return;
  const open = !panel.classList.contains("is-open");
  panel.classList.toggle("is-open", open);
  trigger.setAttribute("aria-expanded", String(open));
  if (open) panel.querySelector("textarea, input, button")?.focus();
});

// Focus after htmx swaps. Live updates triggered by typing (suggestions, preview, tag options) never
// move focus. Otherwise: an error message gets focus; else the control that was used (matched by its
// data-focus-key, since the swap replaced it); else the new content's heading or status.
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
  const focusable = root.querySelector("h2, [role=status]");
  if (focusable) {
    focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
});
