/* What the deck's other scripts share: the build's data in the page, the panel that answers a
   pointer, SVG coordinates, and the rule for which keys belong to a control rather than to
   reveal.js. Classic scripts (not ES modules), so the deck also runs from file://. */
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

  /** The JSON the build put in the page for `kind` ("figure", "parameters") and `key`. */
  function data(kind, key, root) {
    const script = (root || document).querySelector(
      `script.bdl-data[data-kind="${kind}"][data-key="${key}"]`);
    return script ? JSON.parse(script.textContent) : null;
  }

  /** An SVG element with attributes, appended to `parent` if given. */
  function svgElement(name, attributes, parent) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
    if (parent) parent.appendChild(element);
    return element;
  }

  /** A pointer's position in an SVG's own units (matplotlib's points, y down). */
  function svgPoint(svg, clientX, clientY) {
    const point = new DOMPoint(clientX, clientY).matrixTransform(svg.getScreenCTM().inverse());
    return { x: point.x, y: point.y };
  }

  /** [sx, tx, sy, ty] of the build: data → SVG units, and back. */
  const toSvg = (t, x, y) => ({ x: t[0] * x + t[1], y: t[2] * y + t[3] });
  const fromSvg = (t, x, y) => ({ x: (x - t[1]) / t[0], y: (y - t[3]) / t[2] });

  /** A number as the deck writes it: a few significant digits, a true minus sign. */
  function number(value, digits = 2) {
    const text = Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(digits);
    return text.replace("-", "\u2212");
  }

  const panel = {
    element: null,
    /** Show `html` in the panel at the foot of the screen; `owner` is what it describes. */
    show(html, owner) {
      if (!this.element) this.element = document.querySelector(".bdl-panel");
      if (!this.element) return;
      this.element.innerHTML = html;
      this.element.hidden = false;
      this.owner = owner;
    },
    hide(owner) {
      if (this.element && (owner === undefined || owner === this.owner)) this.element.hidden = true;
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

  /** Run `start` on every figure of a kind once the deck is ready. */
  function each(kind, start) {
    const run = () => document.querySelectorAll(`.reveal .interactive[data-kind="${kind}"]`).forEach((figure) => {
      const build = data("figure", figure.dataset.figure, figure);
      if (build) start(figure, build);
    });
    if (window.Reveal && !Reveal.isReady()) Reveal.on("ready", run); else run();
  }

  window.BDL = { data, svgElement, svgPoint, toSvg, fromSvg, number, panel, ownsKey, keepGestures, each,
                 reducedMotion };
})();
