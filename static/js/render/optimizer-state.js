// The optimizer's state at an animation step, for every run: the gradient, the update taken and
// the state that explains it (momentum's velocity, Adam's first moment and per-coordinate step,
// RMSprop's and Adagrad's per-coordinate scale), and the surface's curvature there (the
// Hessian's eigenvalues and eigenvectors, its condition number, the stable lr), computed from
// /trajectories' answer (`include_state`, `include_curvature`). The readout (panels/readout.js)
// lists them; glyphs.js draws them at the heads.
//
// GLYPHS is the one list of what is shown: each entry is one column of the readout and, when it
// has a `draw`, one glyph at the heads. Another kind is one more entry whose `value(info)` reads
// its numbers from `explain`'s result.
//
// Conventions: at animation step k the head is at points[k]; the gradient is gradients[k], the
// update is points[k + 1] - points[k] (update number t = k + 1), and the state is the buffers
// after that update (state[name][k]), with the lr of that update (lrs[k], or the constant lr).
// Arrows point the way each term moves the point: -g, the update, -b (velocity) or -m (moment).

/**
 * One entry per readout column (and glyph): `value(info)` is {vector, symbol}, {text} (a number
 * that needs words) or null (the run has none: the cell says `missing`, or "—"); `draw` "arrow"
 * (drawn as `sign` x vector), "ellipse" (per-coordinate radii), "axes" (a double-headed segment
 * along each eigenvector, dashed where the curvature is negative) or none (a column only);
 * `table` "curvature" puts its column in the readout's curvature table (else the state's).
 */
export const GLYPHS = [
  {
    id: "gradient", header: "Gradient", note: "g at the head (arrow: -g, downhill)",
    draw: "arrow", sign: -1, width: 1.8, dash: [5, 3],
    value: (info) => info.gradient && { symbol: "g", vector: info.gradient },
  },
  {
    id: "update", header: "Update", note: "the step taken to the next point",
    draw: "arrow", sign: 1, width: 3, dash: [], missing: "— (last point)",
    value: (info) => info.update && { symbol: "Δθ", vector: info.update },
  },
  {
    id: "momentum", header: "Momentum", note: "velocity b or first moment m (arrow: -b, -m)",
    draw: "arrow", sign: -1, width: 1.8, dash: [1.5, 3],
    value: (info) => info.momentum,
  },
  {
    id: "scale", header: "Per-coordinate step", note: "the lr each coordinate gets (ellipse radii)",
    draw: "ellipse", width: 1.5,
    value: (info) => info.scale,
  },
  {
    id: "curvature", header: "Curvature λ", table: "curvature", note: "the Hessian's eigenvalues, ascending (segments along their eigenvectors, longer for larger |λ|, dashed for λ < 0)",
    draw: "axes", width: 1.6, dash: [], negativeDash: [4, 3],
    value: (info) => info.curvature && (info.curvature.eigenvalues
      ? { symbol: "λ", vector: info.curvature.eigenvalues, axes: info.curvature.eigenvectors }
      : { text: "— (not defined here)" }),
  },
  {
    id: "condition", header: "Condition number", table: "curvature", note: "|λ|max / |λ|min",
    value: (info) => info.curvature && conditionCell(info.curvature),
  },
  {
    id: "stable-lr", header: "Stable lr", table: "curvature", note: "gradient descent is stable near here while lr < 2 / λmax (momentum: 2 (1 + μ) / λmax)",
    value: (info) => info.curvature && stableCell(info.curvature),
  },
];

// ---- the numbers ---------------------------------------------------------------------------

const buffer = (run, name, k) => run.state?.[name]?.[k] ?? null;
const each = (v, f) => v.map((x, i) => f(x, i));

/** SGD, Momentum, Nesterov: the velocity b (torch's momentum_buffer), the step being -lr b. */
function sgdFamily(run, k) {
  const b = buffer(run, "momentum_buffer", k);
  return { momentum: b && { symbol: "b", vector: b } };
}

/** Adam, AdamW: m̂ = m / (1 - β1^t), v̂ = v / (1 - β2^t), step -lr / (sqrt(v̂) + ε) m̂. */
function adamFamily(run, k, h, lr, t) {
  const m = buffer(run, "exp_avg", k);
  const v = buffer(run, h.amsgrad ? "max_exp_avg_sq" : "exp_avg_sq", k);
  if (!m || !v) return {};
  const bc1 = 1 - h.beta1 ** t;
  const bc2Sqrt = Math.sqrt(1 - h.beta2 ** t);
  return {
    momentum: { symbol: "m̂", vector: each(m, (x) => x / bc1) },
    scale: { symbol: "lr/(√v̂+ε)", vector: each(v, (x) => lr / (Math.sqrt(x) / bc2Sqrt + h.eps)) },
  };
}

const EXPLAIN = {
  sgd: sgdFamily,
  momentum: sgdFamily,
  nesterov: sgdFamily,
  adam: adamFamily,
  adamw: adamFamily,
  /** lr / (1 + (t - 1) lr_decay) / (sqrt(Σ g²) + ε). */
  adagrad(run, k, h, lr, t) {
    const sum = buffer(run, "sum", k);
    const clr = lr / (1 + (t - 1) * h.lr_decay);
    return { scale: sum && { symbol: "lr/(√Σg²+ε)", vector: each(sum, (x) => clr / (Math.sqrt(x) + h.eps)) } };
  },
  /** lr / (sqrt(v) + ε), v the running mean square (less the squared mean when centred). */
  rmsprop(run, k, h, lr) {
    const v = buffer(run, "square_avg", k);
    const mean = h.centered ? buffer(run, "grad_avg", k) : null;
    const b = buffer(run, "momentum_buffer", k);
    const spread = (x, i) => (mean ? x - mean[i] * mean[i] : x);
    return {
      momentum: b && { symbol: "b", vector: b },
      scale: v && { symbol: "lr/(√v+ε)", vector: each(v, (x, i) => lr / (Math.sqrt(spread(x, i)) + h.eps)) },
    };
  },
  /** lr sqrt(Δ²_{t-1} + ε) / sqrt(v_t + ε): the step per unit of gradient. */
  adadelta(run, k, h, lr) {
    const v = buffer(run, "square_avg", k);
    const before = k > 0 ? buffer(run, "acc_delta", k - 1) : v && v.map(() => 0);
    if (!v || !before) return {};
    return { scale: { symbol: "lr·√(Δ²+ε)/√(v+ε)", vector: each(v, (x, i) => (lr * Math.sqrt(before[i] + h.eps)) / Math.sqrt(x + h.eps)) } };
  },
  /** NAdam mixes g and m with its momentum schedule; its denominator is Adam's. */
  nadam(run, k, h, lr, t) {
    const m = buffer(run, "exp_avg", k);
    const v = buffer(run, "exp_avg_sq", k);
    if (!m || !v) return {};
    const bc2 = 1 - h.beta2 ** t;
    return {
      momentum: { symbol: "m", vector: m },
      scale: { symbol: "lr/(√v̂+ε)", vector: each(v, (x) => lr / (Math.sqrt(x / bc2) + h.eps)) },
    };
  },
  /** RAdam: plain momentum steps (lr m̂) until the variance is tractable (ρ_t > 5), then rectified. */
  radam(run, k, h, lr, t) {
    const m = buffer(run, "exp_avg", k);
    const v = buffer(run, "exp_avg_sq", k);
    if (!m || !v) return {};
    const bc1 = 1 - h.beta1 ** t;
    const bc2 = 1 - h.beta2 ** t;
    const rhoInf = 2 / (1 - h.beta2) - 1;
    const rho = rhoInf - (2 * t * h.beta2 ** t) / bc2;
    const momentum = { symbol: "m̂", vector: each(m, (x) => x / bc1) };
    if (!(rho > 5)) return { momentum, scale: { symbol: "lr (not rectified yet)", vector: m.map(() => lr) } };
    const rect = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
    return { momentum, scale: { symbol: "lr·r/(√v̂+ε)", vector: each(v, (x) => lr * rect * (Math.sqrt(bc2) / (Math.sqrt(x) + h.eps))) } };
  },
  /** Adamax: -lr / u m̂, u the decaying maximum of |g|. */
  adamax(run, k, h, lr, t) {
    const m = buffer(run, "exp_avg", k);
    const u = buffer(run, "exp_inf", k);
    if (!m || !u) return {};
    const bc1 = 1 - h.beta1 ** t;
    return { momentum: { symbol: "m̂", vector: each(m, (x) => x / bc1) }, scale: { symbol: "lr/u", vector: each(u, (x) => lr / x) } };
  },
  /** Lion: the step is -lr sign(β1 m + (1 - β1) g); m is its momentum. */
  lion(run, k) {
    const m = buffer(run, "exp_avg", k);
    return { momentum: m && { symbol: "m", vector: m } };
  },
};

/**
 * What `run` (an API run) shows at its step k: {gradient, update, momentum?, scale?, lr, t}.
 * Past the last update only the gradient is left (and nothing past the last point).
 */
export function explain(run, k) {
  if (k < 0 || k >= run.points.length) return null;
  const info = { gradient: run.gradients[k] || null, update: null, lr: null, t: k + 1 };
  if (run.curvature) info.curvature = curvatureAt(run, k);
  if (k + 1 >= run.points.length) return info;
  info.update = run.points[k + 1].map((v, d) => v - run.points[k][d]);
  const h = run.hyperparameters;
  info.lr = run.lrs ? run.lrs[k] : h.lr;
  if (run.state && EXPLAIN[run.optimizer]) Object.assign(info, EXPLAIN[run.optimizer](run, k, h, info.lr, k + 1));
  return info;
}

/** Whether the answer has what the glyphs show: the optimizer's state and the curvature
 *  (asked for with include_state and include_curvature). */
export function hasState(result) {
  const has = (value) => value !== undefined && value !== null;
  return result.runs.length > 0 && result.runs.every((run) => has(run.state) && has(run.curvature));
}

// ---- the curvature -------------------------------------------------------------------------

/**
 * The curvature at `run`'s points[k]: {eigenvalues (ascending), eigenvectors (one array per
 * eigenvalue), condition, stable (2 / λmax), edge (this run's own, if it differs)}; eigenvalues
 * null where the curvature is not defined.
 */
function curvatureAt(run, k) {
  const c = run.curvature;
  const eigenvalues = c.eigenvalues[k];
  if (!eigenvalues || eigenvalues.some((v) => v === null)) return { eigenvalues: null };
  // The answer's eigenvectors are columns: [i][j] is component i of eigenvector j.
  const columns = c.eigenvectors[k];
  const eigenvectors = eigenvalues.map((_, j) => columns.map((row) => row[j]));
  const top = eigenvalues[eigenvalues.length - 1];
  return {
    eigenvalues, eigenvectors, top, bottom: eigenvalues[0],
    condition: c.condition_number[k], stable: c.stable_lr[k], edge: runEdge(run, top),
  };
}

/**
 * The SGD family's own edge near a point of top curvature λ, when it is not plain 2 / λ: on
 * the quadratic λ x²/2, torch's update with h = lr λ (weight decay wd adds wd to every
 * curvature, λ' = λ + wd) is stable while
 *   heavy ball, b ← μ b + (1 - d) g, θ ← θ - lr b:        h' (1 - d) < 2 (1 + μ)
 *   Nesterov,   θ ← θ - lr (g + μ b):                     h' (1 + μ (2 - d)) < 2 (1 + μ)
 * (the step's companion matrix has a root at -1 at equality). {label, value} or null.
 */
function runEdge(run, top) {
  const h = run.hyperparameters;
  if (!["sgd", "momentum", "nesterov"].includes(run.optimizer)) return null;
  const mu = h.momentum || 0;
  const d = h.dampening || 0;
  const wd = h.weight_decay || 0;
  if (mu === 0 && wd === 0) return null;
  const lambda = top + wd;
  const factor = mu === 0 ? 1 : h.nesterov ? 1 + mu * (2 - d) : 1 - d;
  const value = lambda > 0 && factor > 0 ? (2 * (1 + mu)) / (factor * lambda) : null;
  if (mu === 0) return { label: "2/(λmax+wd)", value, aside: `wd ${wd}` };
  if (d !== 0 || wd !== 0) return { label: "this run's edge", value, aside: `μ ${mu}, dampening ${d}, wd ${wd}` };
  return { label: h.nesterov ? "2(1+μ)/((1+2μ)λmax)" : "2(1+μ)/λmax", value, aside: `μ ${mu}` };
}

function conditionCell(c) {
  if (!c.eigenvalues) return { text: "— (not defined here)" };
  if (c.condition === null) return { text: "— (an eigenvalue is 0)" };
  return { symbol: "κ", vector: [c.condition] };
}

/** 2 / λmax (and the run's own edge), or why there is none. Numbers as the readout formats them. */
function stableCell(c) {
  if (!c.eigenvalues) return { text: "— (not defined here)" };
  if (c.stable === null) return { text: "none (λmax ≤ 0: no edge, the surface curves down or is flat here)" };
  const parts = [{ label: "2/λmax", value: c.stable }];
  if (c.edge) parts.push(c.edge);
  return { parts, note: c.bottom < 0 ? "λ < 0: grows along it at any lr" : null };
}
