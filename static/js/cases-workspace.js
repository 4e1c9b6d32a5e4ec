/* Agent case page: "Insert into the reply" fills the reply box in place (the macros, already rendered for
   this case on the server, are in the page as JSON). Without this script the button posts and the server
   fills the box: the same result. */
(function () {
  "use strict";
  var data = document.getElementById("case-macros");
  var button = document.querySelector("button[name='action'][value='insert_macro']");
  if (!data || !button) { return; }
  var macros = JSON.parse(data.textContent);
  button.addEventListener("click", function (event) {
    var form = button.form;
    var select = form.querySelector("select[name='reply-macro']");
    var body = form.querySelector("textarea[name='reply-body']");
    var text = select && macros[select.value];
    if (!text || !body) { return; }  // nothing chosen: let the server say so
    event.preventDefault();
    var typed = body.value.replace(/\s+$/, "");
    body.value = typed ? typed + "\n\n" + text : text;
    select.value = "";
    body.focus();
  });
})();
