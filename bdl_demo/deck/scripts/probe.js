/* The uncertainty probe: point at the plane, tap it, or focus the figure and move with the arrow keys:
   the panel shows how p(class) is spread over the posterior's draws there, as a histogram the build
   computed on a grid, beside the MAP's single value. */
(function () {
  "use strict";

  function start(figure, build, svg) {
    // A crosshair, not a dot: it must not look like one more data point.
    const marker = BDL.svgElement("path", { d: "M -12 0 H -4 M 4 0 H 12 M 0 -12 V -4 M 0 4 V 12",
                                            class: "bdl-probe", visibility: "hidden" }, svg);
    const nx = build.xs.length, ny = build.ys.length;
    let at = [Math.floor(nx / 2), Math.floor(ny / 2)];

    figure.tabIndex = 0;
    figure.setAttribute("aria-label", "uncertainty probe: move with the arrow keys");

    const nearest = (values, v) => values.reduce((best, x, i) => (Math.abs(x - v) < Math.abs(values[best] - v) ? i : best), 0);

    function show([i, j]) {
      at = [i, j];
      const k = j * nx + i; // the grid runs along x first, as numpy's meshgrid ravels it
      const x = build.xs[i], y = build.ys[j];
      const p = BDL.toSvg(build.transform, x, y);
      marker.setAttribute("transform", `translate(${p.x} ${p.y})`);
      marker.setAttribute("visibility", "visible");
      figure.dataset.probe = JSON.stringify({ x, y, map: build.map[k], mean: build.mean[k], counts: build.counts[k] });
      BDL.panel.show(describe(build, k, x, y), figure, marker.getBoundingClientRect());
    }

    function hide() {
      marker.setAttribute("visibility", "hidden");
      BDL.panel.hide(figure);
    }

    function pointAt(event) {
      const s = BDL.svgPoint(svg, event);
      const d = BDL.fromSvg(build.transform, s.x, s.y);
      const inside = d.x >= build.xs[0] && d.x <= build.xs[nx - 1] && d.y >= build.ys[0] && d.y <= build.ys[ny - 1];
      if (inside) show([nearest(build.xs, d.x), nearest(build.ys, d.y)]); else hide();
    }

    // A mouse points by moving; a finger by touching down, and the answer stays after it lifts
    // (a touch "leaves" as it ends) until the figure loses focus to a tap elsewhere.
    svg.addEventListener("pointermove", pointAt);
    svg.addEventListener("pointerdown", pointAt);
    svg.addEventListener("pointerleave", (event) => { if (event.pointerType !== "touch") hide(); });
    figure.addEventListener("focus", () => show(at));
    figure.addEventListener("blur", hide);
    figure.addEventListener("keydown", (event) => {
      const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] }[event.key];
      if (!step) return;
      event.preventDefault();
      show([Math.min(nx - 1, Math.max(0, at[0] + step[0])), Math.min(ny - 1, Math.max(0, at[1] + step[1]))]);
    });
    BDL.keepGestures(svg);
  }

  /** The panel: where, the MAP's p, and the histogram of p over the draws with the MAP marked. */
  function describe(build, k, x, y) {
    const counts = build.counts[k], width = 240, height = 64, most = Math.max(...counts) || 1;
    const bar = width / counts.length;
    const bars = counts.map((c, b) => {
      const h = (c / most) * (height - 6);
      return `<rect x="${(b * bar + 1).toFixed(1)}" y="${(height - h).toFixed(1)}" width="${(bar - 2).toFixed(1)}" height="${h.toFixed(1)}" class="bar"/>`;
    }).join("");
    const map = (build.map[k] * width).toFixed(1), name = build.classes[1];
    return `at (${BDL.number(x)}, ${BDL.number(y)}): p(${name}) over ${build.draws} posterior draws, ` +
      `mean <b>${BDL.number(build.mean[k])}</b>; the MAP says <b>${BDL.number(build.map[k])}</b>` +
      `<svg class="histogram" width="${width}" height="${height + 14}" viewBox="0 0 ${width} ${height + 14}" aria-hidden="true">` +
      `${bars}<line x1="${map}" x2="${map}" y1="0" y2="${height}" class="map"/>` +
      `<text x="0" y="${height + 12}">0</text><text x="${width}" y="${height + 12}" text-anchor="end">1</text></svg>`;
  }

  BDL.each("probe", start);
})();
