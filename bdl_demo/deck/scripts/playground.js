/* Train it yourself. A net is trained in the page on the points the audience leaves — full-batch
   Adam on the loss the build minimises, Σ cross-entropy + ½ Σ (θ/s)², from a seeded start — and
   beside its probability map the doubt of its posterior: the linearised Laplace approximation at
   the current weights, as bdl_demo/model/laplace.py computes it (the GGN, τ by the evidence, the
   linearised predictive, its mutual information by the trapezoid rule). The figure keeps
   data-points, data-steps and data-train-accuracy current; its set-up lives in the page's query
   string, beside reveal.js's hash. */
(function () {
  "use strict";

  const ACTIVATIONS = {
    relu: { f: (z) => (z > 0 ? z : 0), slope: (z) => (z > 0 ? 1 : 0) },
    tanh: { f: Math.tanh, slope: (z) => 1 - Math.tanh(z) ** 2 },
  };
  const TAU_RANGE = [1e-4, 1e6]; // where τ is looked for, as in laplace.py
  const LEARNING_RATE = 0.02, BETAS = [0.9, 0.999];
  const SETTLE_STEPS = 300, SETTLE_GAIN = 1e-4; // settled: the best loss gained < 0.01 % in 300 steps
  const MOST_STEPS = 6000; // after a change, at most
  const FRAME_MS = 8, DOUBT_MS = 5; // training, and work on the doubt map, per animation frame
  const FAR_POINTS = 12, FAR_SPREAD = 0.15;
  const HIT = 6; // SVG units from a point's centre that count as clicking it
  const MOST_POINTS = 3000; // a link with more is not read
  const LIMITS = { layers: [0, 3], width: [1, 16], prior: [0.1, 10], noise: [0, 0.5], seed: [0, 99999] };

  // --- numbers ------------------------------------------------------------------------------

  /** A seeded stream of Normal numbers: Box–Muller on uniform ones in [0, 1) (mulberry32). */
  function normals(seed) {
    let a = seed >>> 0;
    const uniform = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  }

  const sigmoid = (z) => 1 / (1 + Math.exp(-z));
  const softplus = (z) => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
  const entropy = (p) => (p <= 0 || p >= 1 ? 0 : -(p * Math.log(p) + (1 - p) * Math.log(1 - p)));

  // --- the network --------------------------------------------------------------------------

  /** Two inputs, hidden layers, and the build's output: one score and a sigmoid, or two and a
     softmax. Either way the class-1 logit g (f, or f₁ − f₀) carries all it says, and the
     cross-entropy is softplus(g) − y g. Parameters in one vector in the order of laplace.py's
     flatten: W1 row by row, b1, W2, b2, …; `scale` is each one's prior sd. */
  function network({ hidden, activation, weightSd, biasSd, fanIn, outputs }) {
    const widths = [2, ...hidden, outputs];
    const layers = [];
    let size = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const nIn = widths[l], nOut = widths[l + 1];
      layers.push({ nIn, nOut, W: size, b: size + nIn * nOut });
      size += nIn * nOut + nOut;
    }
    const scale = new Float64Array(size);
    for (const layer of layers) {
      scale.fill(fanIn ? weightSd / Math.sqrt(layer.nIn) : weightSd, layer.W, layer.b);
      scale.fill(biasSd, layer.b, layer.b + layer.nOut);
    }
    const perLayer = () => widths.map((w) => new Float64Array(w));
    const tape = { a: perLayer(), z: perLayer(), d: perLayer() };
    return { layers, size, scale, act: ACTIVATIONS[activation], tape };
  }

  /** Starting weights as the build's random_initvals draws them: N(0, 0.5²) weights, N(0, 0.1²) biases. */
  function initial(net, seed) {
    const normal = normals(seed);
    const theta = new Float64Array(net.size);
    for (const layer of net.layers) {
      for (let i = layer.W; i < layer.b; i++) theta[i] = 0.5 * normal();
      for (let i = layer.b; i < layer.b + layer.nOut; i++) theta[i] = 0.1 * normal();
    }
    return theta;
  }

  /** The class-1 logit g(x; θ), each layer's input and output kept on the tape for `backward`. */
  function score(net, theta, x0, x1) {
    const { a, z } = net.tape;
    a[0][0] = x0; a[0][1] = x1;
    net.layers.forEach((layer, l) => {
      const input = a[l], out = z[l + 1], last = l === net.layers.length - 1;
      for (let j = 0; j < layer.nOut; j++) {
        let sum = theta[layer.b + j];
        for (let i = 0; i < layer.nIn; i++) sum += input[i] * theta[layer.W + i * layer.nOut + j];
        out[j] = sum;
        a[l + 1][j] = last ? sum : net.act.f(sum);
      }
    });
    const out = a[net.layers.length];
    return out.length === 2 ? out[1] - out[0] : out[0];
  }

  /** grad += by · ∂g/∂θ at the point `score` last saw: back-propagation through the tape. */
  function backward(net, theta, by, grad) {
    const { a, z, d } = net.tape;
    const last = net.layers.length - 1, top = d[last + 1];
    if (top.length === 2) { top[0] = -by; top[1] = by; } else top[0] = by;
    for (let l = last; l >= 0; l--) {
      const layer = net.layers[l], input = a[l], delta = d[l + 1];
      for (let j = 0; j < layer.nOut; j++) {
        grad[layer.b + j] += delta[j];
        for (let i = 0; i < layer.nIn; i++) grad[layer.W + i * layer.nOut + j] += input[i] * delta[j];
      }
      if (l === 0) break;
      for (let i = 0; i < layer.nIn; i++) {
        let sum = 0;
        for (let j = 0; j < layer.nOut; j++) sum += theta[layer.W + i * layer.nOut + j] * delta[j];
        d[l][i] = sum * net.act.slope(z[l][i]);
      }
    }
  }

  /** The negative log posterior, Σ [softplus(f) − y f] + ½ Σ (θ/s)², and its gradient into `grad`. */
  function loss(net, theta, points, grad) {
    grad.fill(0);
    let total = 0;
    for (const [x0, x1, y] of points) {
      const f = score(net, theta, x0, x1);
      total += softplus(f) - y * f;
      backward(net, theta, sigmoid(f) - y, grad);
    }
    for (let i = 0; i < net.size; i++) {
      const s2 = net.scale[i] * net.scale[i];
      total += (0.5 * theta[i] * theta[i]) / s2;
      grad[i] += theta[i] / s2;
    }
    return total;
  }

  function accuracy(net, theta, points) {
    if (!points.length) return 1;
    let right = 0;
    for (const [x0, x1, y] of points) right += (score(net, theta, x0, x1) > 0) === (y === 1);
    return right / points.length;
  }

  // --- the Laplace approximation -------------------------------------------------------------

  /** Σₙ p(1 − p) ∇gₙ∇gₙᵀ: the GGN of the cross-entropy (for two softmax scores, JᵀΛJ with
     Λ = diag(p) − ppᵀ is exactly this, Jₙ's two rows differing by ∇gₙ). */
  function ggn(net, theta, points) {
    const P = net.size, G = new Float64Array(P * P), J = new Float64Array(P);
    for (const [x0, x1] of points) {
      J.fill(0);
      const p = sigmoid(score(net, theta, x0, x1));
      backward(net, theta, 1, J);
      const w = p * (1 - p);
      for (let i = 0; i < P; i++) {
        const wi = w * J[i];
        if (wi === 0) continue;
        for (let j = i; j < P; j++) G[i * P + j] += wi * J[j];
      }
    }
    for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) G[i * P + j] = G[j * P + i];
    return G;
  }

  /** The eigenvalues of a symmetric n×n matrix (left intact): Householder reflections make it
     tridiagonal, then the implicit QL method with Wilkinson's shift finds them. */
  function eigenvalues(matrix, n) {
    const A = Float64Array.from(matrix), v = new Float64Array(n), p = new Float64Array(n);
    for (let k = 0; k < n - 2; k++) {
      let norm = 0;
      for (let i = k + 1; i < n; i++) norm += A[i * n + k] ** 2;
      norm = Math.sqrt(norm);
      if (norm === 0) continue;
      const alpha = A[(k + 1) * n + k] > 0 ? -norm : norm;
      let length = 0;
      for (let i = k + 1; i < n; i++) { v[i] = A[i * n + k] - (i === k + 1 ? alpha : 0); length += v[i] ** 2; }
      length = Math.sqrt(length);
      if (length === 0) continue;
      for (let i = k + 1; i < n; i++) v[i] /= length;
      let K = 0; // H B H = B − 2(v qᵀ + q vᵀ), p = B v, K = vᵀp, q = p − K v, on the trailing block B
      for (let i = k + 1; i < n; i++) {
        let sum = 0;
        for (let j = k + 1; j < n; j++) sum += A[i * n + j] * v[j];
        p[i] = sum; K += v[i] * sum;
      }
      for (let i = k + 1; i < n; i++) p[i] -= K * v[i];
      for (let i = k + 1; i < n; i++) for (let j = k + 1; j < n; j++) A[i * n + j] -= 2 * (v[i] * p[j] + p[i] * v[j]);
      A[(k + 1) * n + k] = alpha;
    }
    const d = new Float64Array(n), e = new Float64Array(n); // e[i] joins i and i + 1
    for (let i = 0; i < n; i++) { d[i] = A[i * n + i]; if (i + 1 < n) e[i] = A[(i + 1) * n + i]; }
    for (let l = 0; l < n; l++) {
      for (let iteration = 0; ; iteration++) {
        let m = l;
        while (m < n - 1 && Math.abs(e[m]) > Number.EPSILON * (Math.abs(d[m]) + Math.abs(d[m + 1]))) m++;
        if (m === l) break;
        if (iteration === 100) throw new Error("eigenvalues: no convergence");
        let g = (d[l + 1] - d[l]) / (2 * e[l]);
        let r = Math.hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
        let s = 1, c = 1, shift = 0, i = m - 1, underflow = false;
        for (; i >= l; i--) {
          const f = s * e[i], b = c * e[i];
          r = Math.hypot(f, g);
          e[i + 1] = r;
          if (r === 0) { d[i + 1] -= shift; e[m] = 0; underflow = true; break; }
          s = f / r; c = g / r;
          g = d[i + 1] - shift;
          r = (d[i] - g) * s + 2 * c * b;
          shift = s * r;
          d[i + 1] = g + shift;
          g = c * r - b;
        }
        if (underflow) continue;
        d[l] -= shift; e[l] = g; e[m] = 0;
      }
    }
    return d;
  }

  /** The lower Cholesky factor of a symmetric positive definite n×n matrix, in place. */
  function cholesky(A, n) {
    for (let j = 0; j < n; j++) {
      let diagonal = A[j * n + j];
      for (let k = 0; k < j; k++) diagonal -= A[j * n + k] ** 2;
      const root = Math.sqrt(diagonal);
      A[j * n + j] = root;
      for (let i = j + 1; i < n; i++) {
        let sum = A[i * n + j];
        for (let k = 0; k < j; k++) sum -= A[i * n + k] * A[j * n + k];
        A[i * n + j] = sum / root;
      }
      for (let k = j + 1; k < n; k++) A[j * n + k] = 0;
    }
    return A;
  }

  /** N(θ, (GGN + τ P₀)⁻¹) at θ, τ where the evidence peaks: with λ the GGN's eigenvalues in the
     prior's units and d = ‖θ/s‖², the root of γ(τ) = Σ λ/(λ + τ) = τ d (MacKay's update). */
  function laplace(net, theta, points) {
    const P = net.size, s = net.scale, G = ggn(net, theta, points);
    const scaled = new Float64Array(P * P);
    for (let i = 0; i < P; i++) for (let j = 0; j < P; j++) scaled[i * P + j] = G[i * P + j] * s[i] * s[j];
    const lambda = eigenvalues(scaled, P).map((value) => Math.max(value, 0)); // below zero is round-off
    let distance = 0;
    for (let i = 0; i < P; i++) distance += (theta[i] / s[i]) ** 2;
    const slope = (logTau) => {
      const tau = Math.exp(logTau);
      let gamma = 0;
      for (const value of lambda) gamma += value / (value + tau);
      return gamma - tau * distance;
    };
    let low = Math.log(TAU_RANGE[0]), high = Math.log(TAU_RANGE[1]), tau;
    if (slope(high) >= 0) tau = TAU_RANGE[1];
    else if (slope(low) <= 0) tau = TAU_RANGE[0];
    else {
      for (let k = 0; k < 200 && high - low > 1e-13; k++) {
        const middle = (low + high) / 2;
        if (slope(middle) > 0) low = middle; else high = middle;
      }
      tau = Math.exp((low + high) / 2);
    }
    for (let i = 0; i < P; i++) scaled[i * P + i] += tau;
    return { theta: Float64Array.from(theta), ggn: G, tau, factor: cholesky(scaled, P) };
  }

  /** The linearised net's class-1 logit at x: mean g(x; θ), variance ∇g S (S G S + τ I)⁻¹ S ∇gᵀ. */
  function predictive(net, posterior, x0, x1) {
    const P = net.size, L = posterior.factor, u = new Float64Array(P);
    const mean = score(net, posterior.theta, x0, x1);
    backward(net, posterior.theta, 1, u);
    let variance = 0;
    for (let i = 0; i < P; i++) { // solve L w = S J, then variance = ‖w‖²
      let sum = u[i] * net.scale[i];
      for (let k = 0; k < i; k++) sum -= L[i * P + k] * u[k];
      u[i] = sum / L[i * P + i];
      variance += u[i] * u[i];
    }
    return { mean, variance };
  }

  /** Probability of class 1 and mutual information of a Bernoulli whose logit is N(mean, variance). */
  function doubt(mean, variance, nodes, weights) {
    const sd = Math.sqrt(variance);
    let p = 0, expected = 0;
    for (let k = 0; k < nodes.length; k++) {
      const q = sigmoid(mean + sd * nodes[k]);
      p += weights[k] * q;
      expected += weights[k] * entropy(q);
    }
    return { p, information: Math.max(entropy(p) - expected, 0) };
  }

  /** Two interleaved half-moons as scikit-learn's make_moons draws them, with seeded noise, in
     the build's standardised units: class 0 the upper moon, class 1 the lower. */
  function moons(count, noise, seed, mean, scale) {
    const normal = normals(seed), upper = Math.floor(count / 2), points = [];
    for (let k = 0; k < count; k++) {
      const lower = k >= upper, t = Math.PI * (lower ? (k - upper) / Math.max(count - upper - 1, 1) : k / Math.max(upper - 1, 1));
      const x = lower ? 1 - Math.cos(t) : Math.cos(t), y = lower ? 0.5 - Math.sin(t) : Math.sin(t);
      points.push([(x + noise * normal() - mean[0]) / scale[0], (y + noise * normal() - mean[1]) / scale[1], lower ? 1 : 0]);
    }
    return points;
  }

  // --- the set-up in the page's URL -----------------------------------------------------------

  const clamp = (value, [low, high]) => Math.min(Math.max(value, low), high);
  const round = (value) => Math.round(value * 100) / 100;
  const rounded = (points) => points.map(([x0, x1, y]) => [round(x0), round(x1), y]); // as the URL keeps them

  /** The set-up the query string names, each value checked; anything else from the build. */
  function readUrl(build, search) {
    const query = new URLSearchParams(search);
    const state = { hidden: build.hidden.slice(0, 3), activation: build.activation, prior: build.weight_sd,
                    noise: build.noise, seed: build.seed, add: 1, points: null }; // null: the build's own points
    if (query.has("layers")) {
      const widths = query.get("layers") === "" ? [] : query.get("layers").split(",").map(Number);
      if (widths.length <= 3 && widths.every(Number.isInteger)) state.hidden = widths.map((w) => clamp(w, LIMITS.width));
    }
    if (ACTIVATIONS[query.get("activation")]) state.activation = query.get("activation");
    for (const key of ["prior", "noise", "seed"]) {
      const value = Number(query.get(key)); // absent or "": the build's
      if (query.get(key) && Number.isFinite(value)) state[key] = clamp(value, LIMITS[key]);
    }
    state.seed = Math.round(state.seed);
    if (query.get("add") === "0" || query.get("add") === "1") state.add = Number(query.get("add"));
    if (query.has("points")) {
      const text = query.get("points");
      const points = text === "" ? [] : text.split(";").map((item) => item.split(",").map(Number));
      if (points.length <= MOST_POINTS && points.every((p) => p.length === 3 && p.every(Number.isFinite)
                                                     && (p[2] === 0 || p[2] === 1))) {
        state.points = points.map(([x0, x1, y]) => [clamp(x0, build.xlim), clamp(x1, build.ylim), y]);
      }
    }
    return state;
  }

  function writeUrl(state) {
    const query = new URLSearchParams(location.search);
    query.set("layers", state.hidden.join(","));
    for (const key of ["activation", "prior", "noise", "seed", "add"]) query.set(key, String(state[key]));
    if (state.points) query.set("points", state.points.map((p) => p.join(",")).join(";"));
    else query.delete("points");
    history.replaceState(history.state, "", `${location.pathname}?${query}${location.hash}`);
  }

  // --- the figure ---------------------------------------------------------------------------

  function start(figure, build, svg) {
    const controls = figure.querySelector(".bdl-controls");
    const label = controls.querySelector("[data-role='label']");
    const trainButton = controls.querySelector("[data-role='train']");
    const prefix = figure.dataset.prefix;
    const deckPoints = build.x.map(([x0, x1], i) => [x0, x1, build.y[i]]);
    const state = readUrl(build, location.search);
    const layer = BDL.svgElement("g", { class: "bdl-playground" }, svg);
    const corner = (t) => [BDL.toSvg(t, build.xlim[0], build.ylim[1]), BDL.toSvg(t, build.xlim[1], build.ylim[0])];
    const panels = build.panels.map((t) => {
      const [from, to] = corner(t);
      const image = BDL.svgElement("image", { x: from.x, y: from.y, width: to.x - from.x, height: to.y - from.y,
                                             preserveAspectRatio: "none" }, layer);
      return { t, image, dots: BDL.svgElement("g", { class: "points" }, layer) };
    });
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = build.grid;
    const paint = canvas.getContext("2d"), pixels = paint.createImageData(build.grid, build.grid);
    const tables = [build.colors.probability, build.colors.doubt].map((table) => table.map((hex) =>
      [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)).concat(255))); // RGBA
    const cells = [];
    const step = (lim) => (lim[1] - lim[0]) / build.grid;
    for (let r = 0; r < build.grid; r++) {
      for (let c = 0; c < build.grid; c++) {
        cells.push([build.xlim[0] + (c + 0.5) * step(build.xlim), build.ylim[1] - (r + 0.5) * step(build.ylim)]);
      }
    }
    svg.querySelectorAll(`[id^="${prefix}-playground-"]`).forEach((element) => { element.style.display = "none"; });

    let net, theta, moments, gradient, steps, best, bestAt, lastChange, settled, posterior = null;
    let playing = true, shown = false, running = false, lastLoss = 0;
    let job = null, posteriorMs = 0, posteriorAt = -Infinity, posteriorSteps = -1; // the doubt map's state
    const points = () => state.points || deckPoints;

    function restart(quietly = false) {
      net = network({ hidden: state.hidden, activation: state.activation, weightSd: state.prior,
                      biasSd: build.bias_sd, fanIn: build.fan_in, outputs: build.outputs });
      theta = initial(net, state.seed);
      moments = [new Float64Array(net.size), new Float64Array(net.size)];
      gradient = new Float64Array(net.size);
      steps = 0;
      changed(quietly);
    }

    /** After any change: train again until the loss settles; the URL keeps the new set-up (not
       at the page's start, so the deck's own links stay as they are until someone plays). */
    function changed(quietly = false) {
      best = Infinity; bestAt = steps; lastChange = steps; settled = false;
      job = null; posteriorAt = -Infinity; posteriorSteps = -1;
      if (!quietly) writeUrl(state);
      drawPoints();
      go();
    }

    function trainStep() {
      lastLoss = loss(net, theta, points(), gradient);
      steps += 1;
      const [m, v] = moments, [b1, b2] = BETAS;
      const c1 = 1 - b1 ** steps, c2 = 1 - b2 ** steps;
      for (let i = 0; i < net.size; i++) {
        m[i] = b1 * m[i] + (1 - b1) * gradient[i];
        v[i] = b2 * v[i] + (1 - b2) * gradient[i] ** 2;
        theta[i] -= (LEARNING_RATE * m[i]) / c1 / (Math.sqrt(v[i] / c2) + 1e-8);
      }
      if (lastLoss < best * (1 - SETTLE_GAIN)) { best = lastLoss; bestAt = steps; }
      settled = steps - bestAt >= SETTLE_STEPS || steps - lastChange >= MOST_STEPS;
    }

    function paintMap(panel, value, table, top) {
      cells.forEach((cell, k) => {
        pixels.data.set(table[Math.round(clamp(value(cell, k) / top, [0, 1]) * (table.length - 1))], 4 * k);
      });
      paint.putImageData(pixels, 0, 0);
      panel.image.setAttribute("href", canvas.toDataURL());
    }

    function drawMap() {
      paintMap(panels[0], ([x0, x1]) => sigmoid(score(net, theta, x0, x1)), tables[0], 1);
    }

    /** The doubt map a slice at a time, so that a frame stays short: the approximation at the
       weights of one step, then its cells for as long as `budget` allows, painted when all are done. */
    function startDoubt() {
      const begun = performance.now();
      job = { posterior: laplace(net, theta, points()), at: steps, cell: 0, values: new Float64Array(cells.length) };
      job.spent = performance.now() - begun;
    }

    function continueDoubt(budget) {
      const begun = performance.now();
      while (job.cell < cells.length && performance.now() - begun < budget) {
        for (const end = Math.min(job.cell + 64, cells.length); job.cell < end; job.cell++) {
          const { mean, variance } = predictive(net, job.posterior, ...cells[job.cell]);
          job.values[job.cell] = doubt(mean, variance, build.nodes, build.weights).information;
        }
      }
      job.spent += performance.now() - begun;
      if (job.cell < cells.length) return;
      paintMap(panels[1], (cell, k) => job.values[k], tables[1], build.doubt_top);
      posterior = job.posterior;
      posteriorMs = job.spent; posteriorAt = performance.now(); posteriorSteps = job.at;
      job = null;
    }

    function drawPoints() {
      for (const panel of panels) {
        panel.dots.replaceChildren();
        for (const [x0, x1, y] of points()) {
          const p = BDL.toSvg(panel.t, x0, x1);
          if (y === 0) BDL.svgElement("circle", { cx: p.x, cy: p.y, r: 2.6, class: "point" }, panel.dots);
          else BDL.svgElement("path", { d: `M${p.x} ${p.y - 3.4}l2.95 5.1h-5.9z`, class: "point" }, panel.dots);
        }
      }
      figure.dataset.points = String(points().length);
    }

    /** The label and the figure's data-*: `settled` once training has and the doubt shown is that of its last step. */
    function report() {
      const correct = accuracy(net, theta, points()), done = settled && posteriorSteps === steps;
      Object.assign(figure.dataset, { steps: String(steps), trainAccuracy: String(correct), settled: String(done) });
      const tau = posterior ? ` · τ ${BDL.number(posterior.tau, 2)}` : "";
      label.textContent = `step ${steps} · loss ${BDL.number(lastLoss / Math.max(points().length, 1), 3)} · ` +
        `accuracy ${points().length ? `${Math.round(100 * correct)} %` : "—"}${tau}${settled ? " · settled" : ""}`;
      trainButton.textContent = playing && !settled ? "pause" : "train";
      trainButton.setAttribute("aria-pressed", String(playing && !settled));
    }

    /** Train while the figure is shown and not paused: a few milliseconds of steps a frame; the
       doubt again, a slice a frame, once its last map is a few times its cost old; the last
       step's doubt when training has settled. */
    function frame() {
      if (!shown || !playing) { running = false; return; }
      if (!settled) {
        const until = performance.now() + FRAME_MS;
        do trainStep(); while (!settled && performance.now() < until);
        drawMap();
      }
      if (job && settled && job.at !== steps) job = null; // settled since: only the last step's doubt matters now
      const due = settled || performance.now() - posteriorAt > Math.max(250, 3 * posteriorMs);
      if (!job && posteriorSteps !== steps && due) startDoubt();
      if (job) continueDoubt(DOUBT_MS);
      report();
      if (settled && !job) running = false; else requestAnimationFrame(frame);
    }

    /** Train a frame at a time while there is training to do; else (or with reduced motion: at
       once, without the animation) show the result now. */
    function go() {
      const instantly = BDL.reducedMotion.matches;
      if (!shown || (running && !instantly)) return;
      if (playing && !settled && !instantly) {
        running = true;
        return requestAnimationFrame(frame);
      }
      lastLoss = loss(net, theta, points(), gradient);
      if (playing) while (!settled) trainStep();
      drawMap();
      startDoubt();
      continueDoubt(Infinity);
      report();
    }

    function setControls() {
      controls.querySelector("[data-role='layers']").value = String(state.hidden.length);
      controls.querySelectorAll("[data-role='width']").forEach((input) => {
        const k = Number(input.dataset.layer);
        input.value = String(state.hidden[k] ?? state.hidden[state.hidden.length - 1] ?? 8);
        input.hidden = k >= state.hidden.length;
      });
      for (const key of ["activation", "prior", "noise", "seed"]) {
        controls.querySelector(`[data-role='${key}']`).value = String(state[key]);
      }
      controls.querySelectorAll("[data-role='class']").forEach((input) => { input.checked = Number(input.value) === state.add; });
    }

    /** The points as they are, rounded as the URL keeps them, to change. */
    const editable = () => (state.points = rounded(points()));

    svg.addEventListener("click", (event) => {
      const at = BDL.svgPoint(svg, event);
      const panel = panels.find(({ t }) => {
        const [from, to] = corner(t);
        return at.x >= from.x && at.x <= to.x && at.y >= from.y && at.y <= to.y;
      });
      if (!panel) return;
      const list = editable();
      const hit = list.findIndex(([x0, x1]) => {
        const p = BDL.toSvg(panel.t, x0, x1);
        return Math.hypot(p.x - at.x, p.y - at.y) <= HIT;
      });
      if (hit >= 0) list.splice(hit, 1);
      else {
        const d = BDL.fromSvg(panel.t, at.x, at.y);
        list.push([round(d.x), round(d.y), state.add]);
      }
      changed();
    });

    controls.addEventListener("click", (event) => {
      const button = event.target.closest("button");
      if (!button) return;
      const role = button.dataset.role;
      if (role === "train") {
        if (settled) { playing = true; changed(true); } else { playing = !playing; go(); }
        report();
        return;
      }
      if (role === "restart") { restart(); return; }
      if (button.dataset.set === "deck") { state.points = null; state.noise = build.noise; setControls(); }
      else if (button.dataset.set === "empty") state.points = [];
      else if (button.dataset.set === "far") {
        const list = editable(), normal = normals(state.seed + list.length);
        const centre = [[build.xlim, -1], [build.ylim, 1]].map(([lim, side]) => { // towards the top left
          const middle = (lim[0] + lim[1]) / 2;
          return middle + side * build.far * (lim[1] - middle);
        });
        const spread = FAR_SPREAD * (build.xlim[1] - build.xlim[0]) / 4;
        for (let k = 0; k < FAR_POINTS; k++) {
          list.push([round(centre[0] + spread * normal()), round(centre[1] + spread * normal()), state.add]);
        }
      }
      changed();
    });

    controls.addEventListener("change", (event) => {
      const input = event.target, role = input.dataset.role;
      if (role === "class") { state.add = Number(input.value); writeUrl(state); return; }
      if (role === "layers" || role === "width") {
        const count = Number(controls.querySelector("[data-role='layers']").value);
        const widths = [...controls.querySelectorAll("[data-role='width']")].map((w) => Math.round(clamp(Number(w.value) || 1, LIMITS.width)));
        state.hidden = widths.slice(0, count);
      } else if (role === "activation") state.activation = input.value;
      else if (role === "prior") state.prior = clamp(Number(input.value) || build.weight_sd, LIMITS.prior);
      else if (role === "seed") state.seed = Math.round(clamp(Number(input.value) || 0, LIMITS.seed));
      else if (role === "noise") {
        state.noise = clamp(Number(input.value), LIMITS.noise);
        state.points = rounded(moons(deckPoints.length, state.noise, state.seed,
                                     build.input_mean, build.input_scale));
      }
      setControls();
      if (role === "prior" || role === "noise") changed(); else restart(); // new data or prior: train on
    });

    BDL.keepGestures(svg);
    controls.hidden = false;
    controls.querySelectorAll("[data-role='class']").forEach((input) => { input.name = `${prefix}-add`; });
    setControls();
    restart(true);

    // Run only while on screen: the deck's current slide, or in view in the reading page.
    const onScreen = (visible) => {
      shown = visible;
      if (shown) go();
    };
    if (window.Reveal) {
      const slide = BDL.slideOf(figure);
      onScreen(Reveal.getCurrentSlide() === slide);
      BDL.onSlideChange(() => onScreen(Reveal.getCurrentSlide() === slide));
    } else {
      new IntersectionObserver((entries) => onScreen(entries[entries.length - 1].isIntersecting)).observe(figure);
    }
  }

  BDL.each("playground", start);
  window.BDL.playground = { network, loss, laplace, predictive, doubt }; // what the tests check against Python
})();
