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

// After an htmx swap, move focus to the first status or alert inside the new content.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target.querySelector?.("[role=status], [role=alert]") ? event.detail.target : null;
  const focusable = (target || document.getElementById(event.detail.target.id))?.querySelector?.("h2, [role=status], [role=alert]");
  if (focusable) {
    focusable.setAttribute("tabindex", "-1");
    focusable.focus();
  }
});
