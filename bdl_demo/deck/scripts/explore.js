/* Add data, watch the posterior move. A click in the left panel adds a point, a click on a point
   removes it, and the exact posterior of the linear model is computed again — the conjugate Normal
   update of bdl_demo/model/exact.py, prior N(0, diag(σw², σb²)), known noise σ — and redrawn as
   its band of lines and as its 1- and 2-sd ellipses over (slope, intercept). The figure states
   its posterior in data-post-mean, data-post-sd and data-post-cov, its points in data-points. */
(function () {
  "use strict";

  const HIT = 7; // SVG units (points) from a point's centre that count as clicking it

  /** Mean and covariance of (w, b) after points (x, y): Σ = (ΦᵀΦ/σ² + Λ₀)⁻¹, m = Σ Φᵀy / σ². */
  function posterior(points, priorSd, noiseSd) {
    const s2 = noiseSd * noiseSd;
    let a = 1 / (priorSd[0] * priorSd[0]), b = 0, d = 1 / (priorSd[1] * priorSd[1]);
    let u = 0, v = 0;
    for (const [x, y] of points) {
      a += (x * x) / s2; b += x / s2; d += 1 / s2;
      u += (x * y) / s2; v += y / s2;
    }
    const det = a * d - b * b;
    const cov = [[d / det, -b / det], [-b / det, a / det]];
    const mean = [cov[0][0] * u + cov[0][1] * v, cov[1][0] * u + cov[1][1] * v];
    return { mean, cov };
  }

  /** Points on the curve `radius` sds from the mean of a 2-D Normal. */
  function ellipse(mean, cov, radius, steps = 72) {
    const [[p, q], [, r]] = cov;
    const half = (p + r) / 2, gap = Math.sqrt(((p - r) / 2) ** 2 + q * q);
    const l1 = half + gap, l2 = Math.max(half - gap, 0);
    const angle = q === 0 && p >= r ? 0 : Math.atan2(l1 - p, q);
    const c = Math.cos(angle), s = Math.sin(angle);
    return Array.from({ length: steps + 1 }, (_, i) => {
      const t = (2 * Math.PI * i) / steps;
      const e1 = radius * Math.sqrt(l1) * Math.cos(t), e2 = radius * Math.sqrt(l2) * Math.sin(t);
      return [mean[0] + c * e1 - s * e2, mean[1] + s * e1 + c * e2];
    });
  }

  function start(figure, build, svg) {
    const controls = figure.querySelector(".bdl-controls");
    const label = controls.querySelector("[data-role='label']");
    const prefix = figure.dataset.prefix;
    const layer = BDL.svgElement("g", { class: "bdl-explore" }, svg);
    const pairs = (set) => set.x.map((x, i) => [x, set.y[i]]); // the build's points, or a preset's
    let points = pairs(build);

    // The build's own band, lines, points and ellipses (gids explore-*) give way to the redrawn ones.
    svg.querySelectorAll(`[id^="${prefix}-explore-"]`).forEach((element) => { element.style.display = "none"; });

    const line = (pts, t) => pts.map(([x, y], i) => {
      const p = BDL.toSvg(t, x, y);
      return `${i ? "L" : "M"}${p.x.toFixed(2)} ${p.y.toFixed(2)}`;
    }).join(" ");

    /** A clip path to one panel's axes box (given by its data limits); its url() for clip-path. */
    function clipTo(name, transform, xlim, ylim) {
      const id = `${prefix}-explore-${name}`;
      const clipPath = BDL.svgElement("clipPath", { id }, layer);
      const corner = BDL.toSvg(transform, xlim[0], ylim[1]), far = BDL.toSvg(transform, xlim[1], ylim[0]);
      BDL.svgElement("rect", { x: corner.x, y: corner.y, width: far.x - corner.x, height: far.y - corner.y }, clipPath);
      return `url(#${id})`;
    }

    function draw() {
      const { mean, cov } = posterior(points, build.prior_sd, build.noise_sd);
      const sd = [Math.sqrt(cov[0][0]), Math.sqrt(cov[1][1])];
      Object.assign(figure.dataset, {
        postMean: JSON.stringify(mean), postSd: JSON.stringify(sd), postCov: JSON.stringify(cov),
        points: JSON.stringify(points),
      });
      const centre = build.xs.map((x) => [x, mean[0] * x + mean[1]]);
      const half = build.xs.map((x) => build.band * Math.sqrt(cov[0][0] * x * x + 2 * cov[0][1] * x + cov[1][1]));
      const upper = centre.map(([x, y], i) => [x, y + half[i]]);
      const lower = centre.map(([x, y], i) => [x, y - half[i]]).reverse();
      layer.replaceChildren();
      const clip = clipTo("line", build.line, build.xlim, build.ylim);
      const planeClip = clipTo("plane", build.plane, build.wlim, build.blim);
      BDL.svgElement("path", { d: line([...upper, ...lower], build.line) + " Z", class: "band", fill: build.colors.model,
                               "clip-path": clip }, layer);
      BDL.svgElement("path", { d: line(centre, build.line), class: "mean", stroke: build.colors.model, "clip-path": clip }, layer);
      for (const radius of [1, 2]) {
        BDL.svgElement("path", { d: line(ellipse(mean, cov, radius), build.plane) + " Z", class: `ellipse sd${radius}`,
                                 stroke: build.colors.model, "clip-path": planeClip }, layer);
      }
      const m = BDL.toSvg(build.plane, mean[0], mean[1]);
      BDL.svgElement("circle", { cx: m.x, cy: m.y, r: 4, fill: build.colors.model, "clip-path": planeClip }, layer);
      for (const [x, y] of points) {
        const p = BDL.toSvg(build.line, x, y);
        BDL.svgElement("circle", { cx: p.x, cy: p.y, r: 4.5, class: "point", stroke: build.colors.data }, layer);
      }
      label.textContent = `${points.length} point${points.length === 1 ? "" : "s"} · slope ` +
        `${BDL.number(mean[0])} ± ${BDL.number(sd[0])}, intercept ${BDL.number(mean[1])} ± ${BDL.number(sd[1])}`;
    }

    svg.addEventListener("click", (event) => {
      const at = BDL.svgPoint(svg, event);
      const hit = points.findIndex(([x, y]) => {
        const p = BDL.toSvg(build.line, x, y);
        return Math.hypot(p.x - at.x, p.y - at.y) <= HIT;
      });
      if (hit >= 0) {
        points.splice(hit, 1);
      } else {
        const d = BDL.fromSvg(build.line, at.x, at.y);
        const inside = d.x >= build.xlim[0] && d.x <= build.xlim[1] && d.y >= build.ylim[0] && d.y <= build.ylim[1];
        if (!inside) return;
        points.push([d.x, d.y]);
      }
      draw();
    });
    controls.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      points = pairs(button.dataset.role === "reset" ? build : build.presets[button.dataset.n]);
      draw();
    });
    BDL.keepGestures(svg);
    controls.hidden = false;
    draw();
  }

  BDL.each("explore", start);
})();
