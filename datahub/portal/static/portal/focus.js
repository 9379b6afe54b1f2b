// Focus on load: the element a page marks with data-focus-on-load (portal/_messages.html), so a
// screen reader reads it after a form reloaded the page. Not with autofocus: that is for controls.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const target = document.querySelector("[data-focus-on-load]");
  if (target) target.focus();
});
