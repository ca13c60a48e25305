/* One model, three views: pointing at (or focusing) any part that shows a parameter lights every
   part of the slide that shows it — the matrix cell, the diagram's edge, the equation's symbol —
   and the panel says what the build found for it: the MAP, and on a Bayesian slide the posterior's
   mean, 90 % interval and density. Parts carry the parameter and its array, data-param="W1[0,3]"
   data-array="W1"; the equation's symbols show a whole array, data-param="W1" data-array="W1". */
(function () {
  "use strict";

  let current = null; // the part lit now, with its slide

  /** Do two parts show the same thing? The same parameter, or an array and one of its entries. */
  function related(a, b) {
    const whole = (part) => part.dataset.param === part.dataset.array;
    return a.dataset.param === b.dataset.param ||
      (a.dataset.array === b.dataset.array && (whole(a) || whole(b)));
  }

  /** Light every part of the slide related to `part` (nothing for null); the panel says what it shows. */
  function light(part) {
    const slide = part && BDL.slideOf(part);
    if (!slide || (current && current.slide === slide && current.part.dataset.param === part.dataset.param)) return;
    clear();
    slide.querySelectorAll("[data-param]").forEach((other) => {
      if (related(part, other)) other.classList.add("linked");
    });
    current = { slide, part };
    const figure = part.closest("[data-model]") || slide.querySelector("[data-model]");
    const summaries = figure && BDL.parameters(figure.dataset.model);
    if (summaries) {
      const bayesian = Boolean(slide.querySelector("[data-estimate='posterior']"));
      BDL.panel.show(describe(part.dataset.param, part.dataset.array, summaries, bayesian), "linked", extent(part));
    }
  }

  /** The box around everything one figure draws for the part's parameter (a cell with its numbers
     and density, an edge with its halo), for the panel to sit beside. */
  function extent(part) {
    const figure = part.closest("svg") || part;
    const boxes = [...figure.querySelectorAll("[data-param]")].filter((other) => other.dataset.param === part.dataset.param)
      .concat(part).map((element) => element.getBoundingClientRect());
    return { left: Math.min(...boxes.map((b) => b.left)), right: Math.max(...boxes.map((b) => b.right)),
             top: Math.min(...boxes.map((b) => b.top)), bottom: Math.max(...boxes.map((b) => b.bottom)) };
  }

  function clear() {
    if (!current) return;
    current.slide.querySelectorAll(".linked").forEach((element) => element.classList.remove("linked"));
    current = null;
    BDL.panel.hide("linked");
  }

  /** The panel's text for one parameter (or a whole array, when `name` is `arrayName`) of a model. */
  function describe(name, arrayName, summaries, bayesian) {
    const all = summaries.parameters;
    const array = all[arrayName];
    const entry = name === arrayName ? null : all[name];
    const kind = array ? array.kind : "parameter";
    if (!entry) {
      const count = array ? array.shape.reduce((a, b) => a * b, 1) : 0;
      return `<strong>${name}</strong>: ${array ? array.shape.join("×") : "?"} — ${count} ${kind}${count === 1 ? "" : "s"}` +
        `, prior N(0, ${BDL.number(array ? array.prior_sd : NaN)}²)`;
    }
    let html = `<strong>${name}</strong> · ${kind} · MAP <b>${BDL.number(entry.map)}</b>`;
    if (bayesian) {
      html += ` · posterior mean <b>${BDL.number(entry.mean)}</b>, 90 % in ` +
        `[${BDL.number(entry.q05)}, ${BDL.number(entry.q95)}]` + density(entry);
    }
    return html;
  }

  /** A small drawing of the posterior density, its 90 % interval shaded, the MAP as a tick, over
     an axis of the parameter's values. */
  function density(entry) {
    const [xs, ys] = entry.density;
    if (xs.length < 2) return "";
    const width = 240, height = 56, axis = 18;
    const low = xs[0], high = xs[xs.length - 1], top = Math.max(...ys) || 1;
    const x = (v) => ((v - low) / (high - low || 1)) * width;
    const y = (v) => height - 4 - (v / top) * (height - 8);
    const curve = xs.map((v, i) => `${x(v).toFixed(1)},${y(ys[i]).toFixed(1)}`).join(" ");
    const map = Math.min(width, Math.max(0, x(entry.map)));
    const ticks = [[low, "start"], [(low + high) / 2, "middle"], [high, "end"]].map(([v, anchor]) =>
      `<text x="${x(v).toFixed(1)}" y="${height + axis - 3}" text-anchor="${anchor}">${BDL.number(v)}</text>`).join("");
    return `<svg class="density" width="${width}" height="${height + axis}" viewBox="0 0 ${width} ${height + axis}" aria-hidden="true">` +
      `<rect x="${x(entry.q05)}" y="0" width="${x(entry.q95) - x(entry.q05)}" height="${height}" class="interval"/>` +
      `<polyline points="${curve}" class="curve"/>` +
      `<line x1="${map}" x2="${map}" y1="0" y2="${height}" class="map"/>` +
      `<line x1="0" x2="${width}" y1="${height}" y2="${height}" class="axis"/>${ticks}</svg>`;
  }

  /** The part of a slide that shows a parameter: `element` or one around it (null if none). */
  function partOf(element) {
    const part = element instanceof Element ? element.closest("[data-param]") : null;
    return part && BDL.slideOf(part) ? part : null;
  }

  document.addEventListener("pointerover", (event) => light(partOf(event.target)));
  document.addEventListener("focusin", (event) => light(partOf(event.target)));
  // A finger's tap lights a part until the next tap elsewhere (a touch "leaves" as it ends).
  document.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "touch" && !partOf(event.target)) clear();
  });
  document.addEventListener("pointerout", (event) => {
    if (event.pointerType === "touch") return;
    const from = partOf(event.target), to = partOf(event.relatedTarget);
    if (from && !(to && current && related(current.part, to))) clear();
  });
  document.addEventListener("focusout", (event) => { if (partOf(event.target)) clear(); });

  // The equation's symbols come from KaTeX, which the deck typesets as it starts: make them
  // reachable by keyboard too, on whichever slide is shown.
  const focusable = () => document.querySelectorAll(".math [data-param]:not([tabindex])")
    .forEach((symbol) => symbol.setAttribute("tabindex", "0"));
  BDL.whenReady(() => {
    focusable();
    BDL.onSlideChange(() => { clear(); focusable(); });
  });
})();
