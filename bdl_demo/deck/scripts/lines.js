/* Every point a line: point at (or tap) a posterior draw in the slope–intercept cloud, and its
   line is drawn through the data in the corner — the draw under the pointer ringed, its line in
   the same colour. The figure states the draw it shows in data-draw, "[slope, intercept]". */
(function () {
  "use strict";

  function start(figure, build, svg) {
    const layer = BDL.svgElement("g", { class: "bdl-lines", visibility: "hidden" }, svg);
    const ring = BDL.svgElement("circle", { r: 7, class: "picked" }, layer);
    const line = BDL.svgElement("line", { class: "picked" }, layer);
    const [w0, b0] = build.spread; // distances in sds, so both axes count alike

    function nearest(w, b) {
      const distance = ([dw, db]) => ((dw - w) / w0) ** 2 + ((db - b) / b0) ** 2;
      return build.draws.reduce((best, draw) => (distance(draw) < distance(best) ? draw : best));
    }

    function pick(event) {
      const at = BDL.svgPoint(svg, event);
      const { x: w, y: b } = BDL.fromSvg(build.plane, at.x, at.y);
      const [dw, db] = nearest(w, b);
      const centre = BDL.toSvg(build.plane, dw, db);
      ring.setAttribute("cx", centre.x);
      ring.setAttribute("cy", centre.y);
      const [x0, x1] = build.x;
      const start = BDL.toSvg(build.inset, x0, dw * x0 + db), end = BDL.toSvg(build.inset, x1, dw * x1 + db);
      for (const [name, value] of [["x1", start.x], ["y1", start.y], ["x2", end.x], ["y2", end.y]]) line.setAttribute(name, value);
      layer.setAttribute("visibility", "visible");
      figure.dataset.draw = JSON.stringify([dw, db]);
    }

    svg.addEventListener("pointermove", pick);
    svg.addEventListener("pointerdown", pick);
    svg.addEventListener("pointerleave", (event) => {
      if (event.pointerType !== "touch") layer.setAttribute("visibility", "hidden");
    });
    BDL.keepGestures(svg);
  }

  BDL.each("lines", start);
})();
