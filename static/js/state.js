// The experiment: one plain object, built from the catalog, and the request bodies made from it
// (its URL form is url.js's).

import { CUSTOM, DEFAULT_EXPRESSION, customSpec } from "./panels/custom.js";
import { normaliseSchedule, scheduleRequest } from "./panels/schedule.js";

/**
 * One colour per run, for as many runs as a request may have by default (max_runs, 32; a
 * larger limit repeats them). The first eight are Okabe-Ito (distinguishable with the common
 * colour-vision deficiencies); each one after is the sRGB colour (L* 25 to 72, chroma 35 or
 * more) farthest, in CIEDE2000, from every colour before it and from the contour's greys: any
 * two differ by at least 14 (ΔE00).
 */
export const PALETTE = [
  "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000", "#f0e442",
  "#780078", "#5a5a00", "#87000f", "#c300ff", "#879600", "#ff1e4b", "#2d3c78", "#005a2d",
  "#693c00", "#b41e5a", "#f09687", "#00c31e", "#2d00ff", "#2dc3c3", "#96783c", "#0f8700",
  "#875a96", "#a55a4b", "#d287ff", "#e10fa5", "#695af0", "#ff964b", "#87b478", "#e10000",
];
export const DEFAULT_SURFACE = "rosenbrock";
export const DEFAULT_OPTIMIZERS = ["sgd", "momentum", "adam"];
export const DEFAULT_STEPS = 1000;
export const DEFAULT_GRAD_TOL = 1e-6;

/** Ids of the data set surfaces (sent as {"dataset": ...}); makeCatalog fills it. */
const datasetIds = new Set();

export function isDataset(surfaceId) {
  return datasetIds.has(surfaceId);
}

export function makeCatalog(surfaces, optimizers) {
  for (const s of surfaces) if (s.kind === "dataset") datasetIds.add(s.id);
  return {
    surfaces: new Map(surfaces.map((s) => [s.id, s])),
    optimizers: new Map(optimizers.map((o) => [o.id, o])),
  };
}

export function suggestedLr(catalog, surfaceId, optimizerId) {
  const surface = catalog.surfaces.get(surfaceId);
  const suggested = surface && surface.suggested_lr ? surface.suggested_lr[optimizerId] : undefined;
  if (suggested !== undefined && suggested !== null) return suggested;
  const lr = catalog.optimizers.get(optimizerId).hyperparameters.find((h) => h.name === "lr");
  return lr ? lr.default : null;
}

export function makeRun(catalog, surfaceId, optimizerId, index, overrides = {}) {
  const optimizer = catalog.optimizers.get(optimizerId);
  const hasLr = optimizer.hyperparameters.some((h) => h.name === "lr");
  const hyperparameters = hasLr ? { lr: suggestedLr(catalog, surfaceId, optimizerId) } : {};
  return {
    optimizer: optimizerId,
    label: overrides.label ?? optimizer.name,
    colour: overrides.colour ?? PALETTE[index % PALETTE.length],
    hyperparameters: { ...hyperparameters, ...(overrides.hyperparameters || {}) },
    // Per-run batch size (data sets) or noise std (functions); null: the experiment's.
    batchSize: overrides.batchSize ?? null,
    noiseStd: overrides.noiseStd ?? null,
    // A learning-rate schedule (schedule.js), or null for a constant lr.
    schedule: normaliseSchedule(overrides.schedule),
  };
}

export function makeExperiment(catalog, spec = {}) {
  const surfaceId = catalog.surfaces.has(spec.surface) ? spec.surface : DEFAULT_SURFACE;
  const surface = catalog.surfaces.get(surfaceId);
  const runs = (spec.runs || DEFAULT_OPTIMIZERS.map((optimizer) => ({ optimizer }))).map((run, i) =>
    makeRun(catalog, surfaceId, run.optimizer, i, run),
  );
  return {
    surface: surfaceId,
    surfaceParams: { ...(spec.surfaceParams || {}) },
    start: spec.start ? [...spec.start] : [...surface.default_start],
    steps: spec.steps ?? DEFAULT_STEPS,
    noise: { std: 0, seed: 0, ...(spec.noise || {}) },
    // size null: all n examples per update (batch GD); seed shuffles; repeats reruns.
    batch: { size: null, seed: 0, repeats: 1, ...(spec.batch || {}) },
    gradTol: spec.gradTol ?? DEFAULT_GRAD_TOL,
    runs,
    layout: spec.layout || "overlay",
    view: spec.view || "2d",
    step: spec.step || 0,
    lesson: spec.lesson || null,
    // The formula of the "custom" surface (kept while another surface is shown).
    custom: { expression: DEFAULT_EXPRESSION, window: null, ...(spec.custom || {}) },
    // The basin map toggle, and the open learning-rate sweep ({run, from, to, count}) or null.
    basins: Boolean(spec.basins),
    sweep: spec.sweep || null,
    // The optimizer's state and the curvature drawn at the heads and listed by step (render/glyphs.js).
    glyphs: Boolean(spec.glyphs),
  };
}

/** Switching surface: its own window, start and suggested learning rates. */
export function withSurface(catalog, experiment, surfaceId) {
  const surface = catalog.surfaces.get(surfaceId);
  return {
    ...experiment,
    surface: surfaceId,
    surfaceParams: {},
    start: [...surface.default_start],
    step: 0,
    lesson: null,
    view: surface.dim === 1 ? "2d" : experiment.view,
    runs: experiment.runs.map((run) => ({
      ...run,
      hyperparameters: "lr" in run.hyperparameters
        ? { ...run.hyperparameters, lr: suggestedLr(catalog, surfaceId, run.optimizer) }
        : run.hyperparameters,
    })),
  };
}

export function isDefaultParams(experiment) {
  return Object.keys(experiment.surfaceParams).length === 0;
}

/** Whether the listed minima fit these parameters: a data set's are computed for its own. */
export function knownPointsHold(experiment) {
  return isDefaultParams(experiment) || isDataset(experiment.surface);
}

/** The POST /trajectories body. Empty hyperparameter fields mean "the optimizer's default". */
export function trajectoryRequest(experiment) {
  return {
    surface: surfaceSpec(experiment),
    start: experiment.start,
    steps: experiment.steps,
    runs: experiment.runs.map((run) => ({
      optimizer: run.optimizer,
      hyperparameters: Object.fromEntries(
        Object.entries(run.hyperparameters).filter(([, value]) => value !== null && value !== ""),
      ),
      label: run.label,
      ...(scheduleRequest(run.schedule) ? { schedule: scheduleRequest(run.schedule) } : {}),
    })),
    grad_tol: experiment.gradTol,
    ...batchFields(experiment),
    // The state glyphs need the optimizer's buffers at every step and the curvature at every
    // point (a Hessian per point; in 2-D 8 more numbers a point): about 3 times the answer.
    ...(experiment.glyphs ? { include_state: true, include_curvature: true } : {}),
  };
}

/** Data sets take batch_size and a shuffle seed; functions take gradient noise instead. */
function batchFields(experiment) {
  const { size, seed, repeats } = experiment.batch;
  const fields = isDataset(experiment.surface)
    ? { seed, ...(size === null ? {} : { batch_size: size }) }
    : { noise: { std: experiment.noise.std, seed: experiment.noise.seed } };
  return repeats === 1 ? fields : { ...fields, repeats };
}

/** One request per distinct effective setting: [{request, indices, own}] in run order. */
export function runGroups(experiment) {
  const dataset = isDataset(experiment.surface);
  const groups = new Map();
  experiment.runs.forEach((run, i) => {
    const own = dataset ? run.batchSize : run.noiseStd;
    const key = own === null || own === undefined ? "shared" : `own ${own}`;
    if (!groups.has(key)) groups.set(key, { own: key === "shared" ? null : own, indices: [] });
    groups.get(key).indices.push(i);
  });
  return [...groups.values()].map(({ own, indices }) => {
    const part = { ...experiment, runs: indices.map((i) => experiment.runs[i]) };
    if (own !== null && dataset) part.batch = { ...experiment.batch, size: own };
    if (own !== null && !dataset) part.noise = { ...experiment.noise, std: own };
    return { request: trajectoryRequest(part), indices, own: own !== null };
  });
}

/** What Export JSON saves: the one request, or the list when runs needed several. */
export function requestsFor(experiment) {
  const groups = runGroups(experiment);
  return groups.length === 1 ? groups[0].request : groups.map((g) => g.request);
}

/** The POST /trajectories body for the sweep's fan: `sweep` (a POST /sweeps/lr body) at each pick's lr. */
export function fanRequest(sweep, picks, label) {
  return {
    surface: sweep.surface, start: sweep.start, steps: sweep.steps, grad_tol: sweep.grad_tol,
    runs: picks.map((p) => ({ optimizer: sweep.optimizer, hyperparameters: { ...sweep.hyperparameters, lr: p.lr }, label: label(p.lr) })),
  };
}

export function surfaceSpec(experiment) {
  const params = Object.fromEntries(
    Object.entries(experiment.surfaceParams).filter(([, value]) => value !== null && value !== ""),
  );
  if (isDataset(experiment.surface)) return { dataset: { id: experiment.surface, params } };
  if (experiment.surface === CUSTOM) return customSpec(experiment.custom);
  return { id: experiment.surface, params };
}
