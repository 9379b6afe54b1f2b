// A form marked data-warn-unsaved (the invoerportaal's record) asks the browser to warn before the
// page is left with changes not yet saved: a link, the language switch or another form's button
// would otherwise drop what was typed. Saving the form itself leaves without a warning.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-warn-unsaved]");
  if (!form) return;
  let changed = false;
  form.addEventListener("input", () => { changed = true; });
  form.addEventListener("change", () => { changed = true; });
  form.addEventListener("submit", () => { changed = false; });
  window.addEventListener("beforeunload", (event) => {
    if (!changed) return;
    event.preventDefault();
    event.returnValue = "";  // (older browsers show their own text, never ours)
  });
});
