// A scroll region (portal/templatetags/regions.py) is drawn as a tab stop, so that the keyboard
// can scroll a table or chart wider than the screen. Where its content fits (a wide screen), it
// has nothing to scroll: it stops being a tab stop, and becomes one again when the content no
// longer fits (a narrower window, content swapped in by htmx). Without JavaScript it stays one.
"use strict";
(() => {
  const update = () => {
    for (const region of document.querySelectorAll(".scroll-region")) {
      if (region.scrollWidth > region.clientWidth) region.setAttribute("tabindex", "0");
      else if (document.activeElement !== region) region.removeAttribute("tabindex");
    }
  };
  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("resize", update);
  document.addEventListener("htmx:afterSettle", update);
})();
