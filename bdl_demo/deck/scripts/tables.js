/* The reading view's tables: one wider than the column scrolls sideways in its box, and the box
   says so (data-scrolls="true" shows the cue); checked again when the page changes width. */
(function () {
  "use strict";

  function mark() {
    document.querySelectorAll(".table-scroll").forEach((box) => {
      box.dataset.scrolls = String(box.scrollWidth > box.clientWidth + 1);
    });
  }

  BDL.whenReady(mark);
  window.addEventListener("resize", mark);
})();
