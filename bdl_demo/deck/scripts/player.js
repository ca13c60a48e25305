/* The posterior player: one posterior draw at a time — its line or boundary drawn over the figure
   (the build computed each in the figure's SVG coordinates) — or every draw so far. On a slide
   with the net's diagram, its edges take the widths of the same draw: one draw is one network. */
(function () {
  "use strict";

  const STEP_MS = 450;

  function start(figure, build, svg) {
    const controls = figure.querySelector(".bdl-controls");
    const slider = controls.querySelector("[data-role='draw']");
    const play = controls.querySelector("[data-role='play']");
    const keep = controls.querySelector("[data-role='accumulate']");
    const label = controls.querySelector("[data-role='label']");
    const layer = BDL.svgElement("g", { class: "bdl-player" }, svg);
    const count = build.paths.length;
    const net = BDL.slideOf(figure)?.querySelector(".interactive[data-view='diagram']"); // the net's, if shown
    let timer = null;

    function show(k) {
      figure.dataset.draw = String(k);
      slider.value = String(k);
      label.textContent = `draw ${k + 1} of ${count}`;
      const shown = keep.checked ? build.paths.slice(0, k + 1) : [build.paths[k]];
      layer.replaceChildren(...shown.map((d, i) => BDL.svgElement("path", {
        d, class: i === shown.length - 1 ? "draw current" : "draw earlier" })));
      if (build.draws && net) {
        net.dataset.draw = String(k);
        const [thinnest, extra] = build.edges.width;
        net.querySelectorAll("[data-part='edge'], [data-part='bias']").forEach((edge) => {
          const values = build.draws[edge.dataset.param];
          const line = edge.querySelector("path");
          if (values && line) line.style.strokeWidth = `${thinnest + extra * Math.min(1, Math.abs(values[k]) / build.edges.scale)}px`;
        });
      }
    }

    function stop() {
      clearInterval(timer);
      timer = null;
      play.textContent = "play";
      play.setAttribute("aria-pressed", "false");
    }

    function toggle() {
      if (timer) return stop();
      if (BDL.reducedMotion.matches) { // no animation: every draw at once
        keep.checked = true;
        return show(count - 1);
      }
      play.textContent = "pause";
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(() => show((Number(slider.value) + 1) % count), STEP_MS);
    }

    slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
    keep.addEventListener("change", () => show(Number(slider.value)));
    play.addEventListener("click", toggle);
    BDL.onSlideChange(stop);
    controls.hidden = false;
    show(0);
  }

  BDL.each("player", start);
})();
