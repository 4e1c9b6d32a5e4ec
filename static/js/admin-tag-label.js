// Wagtail's tag field (tag-it, behind the "w-tag" controller) hides the labelled <input> and types into a new,
// unlabelled one: give that one the field's label, so screen readers name it (axe rule "label").
(function () {
  "use strict";

  function labelTagInputs(root) {
    root.querySelectorAll('input[data-controller~="w-tag"][id]').forEach(function (field) {
      var typed = field.parentElement && field.parentElement.querySelector("ul.tagit li.tagit-new input");
      if (!typed || typed.hasAttribute("aria-labelledby")) {
        return;
      }
      var label = document.querySelector('label[for="' + field.id + '"]');
      if (!label) {
        return;
      }
      if (!label.id) {
        label.id = field.id + "-label";
      }
      typed.setAttribute("aria-labelledby", label.id);
      var help = field.parentElement.querySelector("p.help");
      if (help && !typed.hasAttribute("aria-describedby")) {
        if (!help.id) {
          help.id = field.id + "-tag-help";
        }
        typed.setAttribute("aria-describedby", help.id);
      }
    });
  }

  function start() {
    labelTagInputs(document);
    // tag fields added later (a new StreamField block, a modal) are labelled when tag-it builds them
    new MutationObserver(function () { labelTagInputs(document); })
      .observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
