/* What the deck's other scripts share: the build's data (lib/bdl/data.js) and each interactive
   figure's SVG put in place of its static image, the panel that answers a pointer, SVG
   coordinates, and the rule for which keys belong to a control rather than to reveal.js. Classic
   scripts (not ES modules), so the deck also runs from file://; the reading view loads them too. */
(function () {
  "use strict";

  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  const DATA = window.BDL_DATA || { figures: {}, parameters: {} }; // lib/bdl/data.js, from the build

  /** What the build found for one model's parameters (null for a model it has none of). */
  const parameters = (model) => DATA.parameters[model] || null;

  /** Put each interactive figure's SVG in place of its static image, ids made unique per copy. */
  function hydrate() {
    const copies = {};
    document.querySelectorAll(".interactive[data-figure]").forEach((figure) => {
      const id = figure.dataset.figure;
      const built = DATA.figures[id];
      const image = figure.querySelector("img.figure");
      if (!built || !image) return;
      copies[id] = (copies[id] || 0) + 1;
      const prefix = `${id}-${copies[id]}`;
      const holder = document.createElement("div");
      holder.innerHTML = built.svg.replace(/@@figure@@/g, prefix);
      image.replaceWith(holder.firstElementChild);
      figure.dataset.prefix = prefix;
    });
  }

  /** The slide (deck) or section (reading view) a part of the page belongs to. */
  const slideOf = (element) => element.closest("section");

  /** When the page is ready: at once in the reading view, after reveal.js's start in the deck. */
  function whenReady(start) {
    if (window.Reveal && !Reveal.isReady()) Reveal.on("ready", start); else start();
  }

  /** Run `listener` when the deck moves to another slide (never, in the reading view). */
  function onSlideChange(listener) {
    if (window.Reveal) Reveal.on("slidechanged", listener);
  }

  /** An SVG element with attributes, appended to `parent` if given. */
  function svgElement(name, attributes, parent) {
    const element = document.createElementNS("http://www.w3.org/2000/svg", name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (parent) parent.appendChild(element);
    return element;
  }

  /** A pointer event's position in an SVG's own units (matplotlib's points, y down). */
  const svgPoint = (svg, event) =>
    new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());

  /** [sx, tx, sy, ty] of the build: data → SVG units, and back. */
  const toSvg = (t, x, y) => ({ x: t[0] * x + t[1], y: t[2] * y + t[3] });
  const fromSvg = (t, x, y) => ({ x: (x - t[1]) / t[0], y: (y - t[3]) / t[2] });

  /** A number as the deck writes it: a few significant digits, a true minus sign. */
  const number = (value, digits = 2) =>
    value.toFixed(Math.abs(value) >= 100 ? 0 : digits).replace("-", "\u2212");

  const panel = {
    element: document.querySelector(".bdl-panel"), // the page has it before its scripts
    /** Show `html` in the panel next to `near` (a box on the screen: what it describes, or the
       pointer), on whichever side has room; `owner` is what it describes. */
    show(html, owner, near) {
      if (!this.element) return;
      this.element.innerHTML = html;
      this.element.hidden = false;
      this.owner = owner;
      const box = this.element.getBoundingClientRect(), gap = 14, edge = 8;
      const width = window.innerWidth, height = window.innerHeight;
      let left = near.right + gap, top = (near.top + near.bottom) / 2 - box.height / 2;
      if (left + box.width > width - edge) left = near.left - gap - box.width;
      if (left < edge) { // no room beside it: under it, or over it
        left = Math.min(Math.max(edge, near.left), width - box.width - edge);
        top = near.bottom + gap + box.height < height - edge ? near.bottom + gap : near.top - gap - box.height;
      }
      this.element.style.left = `${Math.round(left)}px`;
      this.element.style.top = `${Math.round(Math.min(Math.max(edge, top), height - box.height - edge))}px`;
      this.element.style.right = "auto";
    },
    /** Hide the panel if what it shows is `owner`'s. */
    hide(owner) {
      if (this.element && owner === this.owner) this.element.hidden = true;
    },
  };

  /** Keys a focused control uses itself; reveal.js gets every other key (its keyboardCondition). */
  function ownsKey(event) {
    const target = event.target;
    if (!(target instanceof Element)) return false;
    if (target.closest(".bdl-controls")) return true;
    const arrows = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"].includes(event.key);
    return arrows && target.matches(".interactive[data-kind='probe']");
  }

  /** Keep touch gestures on a figure for the figure, not for reveal.js's swipe between slides. */
  function keepGestures(element) {
    for (const name of ["touchstart", "touchmove", "touchend"]) {
      element.addEventListener(name, (event) => event.stopPropagation(), { passive: true });
    }
  }

  /** Run `start(figure, build, svg)` on every figure of a kind, its SVG in place, once the page is ready. */
  function each(kind, start) {
    whenReady(() => document.querySelectorAll(`.interactive[data-kind="${kind}"]`).forEach((figure) => {
      const built = DATA.figures[figure.dataset.figure], svg = figure.querySelector("svg");
      if (built && built.interaction && svg) start(figure, built.interaction, svg);
    }));
  }

  hydrate();
  window.BDL = { parameters, svgElement, svgPoint, toSvg, fromSvg, number, panel, ownsKey, keepGestures, each,
                 slideOf, whenReady, onSlideChange, reducedMotion };
})();
