// The experiment: one plain object, built from the catalog, sent to the API, kept in the URL.

import { CONFIG } from "./api.js";
import { CUSTOM, DEFAULT_EXPRESSION, customFromQuery, customSpec, customToQuery } from "./panels/custom.js";
import { numberText, parseNumber } from "./format.js";
import { normaliseSchedule, scheduleFromQuery, scheduleRequest, scheduleToQuery } from "./panels/schedule.js";

/** Okabe-Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000", "#f0e442"];
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

export function surfaceSpec(experiment) {
  const params = Object.fromEntries(
    Object.entries(experiment.surfaceParams).filter(([, value]) => value !== null && value !== ""),
  );
  if (isDataset(experiment.surface)) return { dataset: { id: experiment.surface, params } };
  if (experiment.surface === CUSTOM) return customSpec(experiment.custom);
  return { id: experiment.surface, params };
}

// ---- URL ----------------------------------------------------------------------------------

export function toQuery(experiment, catalog) {
  const q = new URLSearchParams();
  q.set("surface", experiment.surface);
  if (experiment.surface === CUSTOM) customToQuery(q, experiment.custom);
  for (const [name, value] of Object.entries(experiment.surfaceParams)) q.set(`sp.${name}`, numberText(value));
  q.set("start", experiment.start.map(numberText).join(","));
  q.set("steps", numberText(experiment.steps));
  if (experiment.noise.std !== 0) q.set("noise", numberText(experiment.noise.std));
  if (experiment.noise.seed !== 0) q.set("seed", numberText(experiment.noise.seed));
  if (experiment.gradTol !== DEFAULT_GRAD_TOL) q.set("tol", numberText(experiment.gradTol));
  if (experiment.batch.size !== null) q.set("batch", numberText(experiment.batch.size));
  if (experiment.batch.seed !== 0) q.set("shuffle", numberText(experiment.batch.seed));
  if (experiment.batch.repeats !== 1) q.set("repeats", numberText(experiment.batch.repeats));
  experiment.runs.forEach((run, i) => {
    const key = `r${i + 1}`;
    const optimizer = catalog.optimizers.get(run.optimizer);
    q.set(key, run.optimizer);
    if (run.label !== optimizer.name) q.set(`${key}.label`, run.label);
    if (run.colour.toLowerCase() !== PALETTE[i % PALETTE.length]) q.set(`${key}.colour`, run.colour);
    if (run.batchSize !== null && run.batchSize !== undefined) q.set(`${key}.batch`, numberText(run.batchSize));
    if (run.noiseStd !== null && run.noiseStd !== undefined) q.set(`${key}.noise`, numberText(run.noiseStd));
    scheduleToQuery(q, key, run.schedule);
    for (const [name, value] of Object.entries(run.hyperparameters)) {
      const spec = optimizer.hyperparameters.find((h) => h.name === name);
      if (name === "lr" || !spec || value !== spec.default) q.set(`${key}.${name}`, String(value));
    }
  });
  if (experiment.layout !== "overlay") q.set("layout", experiment.layout);
  if (experiment.view !== "2d") q.set("view", experiment.view);
  if (experiment.step) q.set("step", String(experiment.step));
  if (experiment.lesson) q.set("lesson", experiment.lesson);
  if (experiment.basins) q.set("basins", "1");
  if (experiment.sweep) {
    q.set("sweep", String(experiment.sweep.run + 1));
    q.set("sweep.lr", [experiment.sweep.from, experiment.sweep.to].map(numberText).join(","));
    q.set("sweep.count", numberText(experiment.sweep.count));
  }
  return q.toString();
}

/** The experiment a query string describes, or null when it describes none. */
export function fromQuery(search, catalog) {
  const q = new URLSearchParams(search);
  if (!q.has("surface") && !q.has("r1")) return null;
  const problems = [];
  let surfaceId = q.get("surface") || DEFAULT_SURFACE;
  if (!catalog.surfaces.has(surfaceId)) {
    problems.push(`unknown surface "${surfaceId}"`);
    surfaceId = DEFAULT_SURFACE;
  }
  const surfaceParams = {};
  for (const [key, value] of q) {
    if (key.startsWith("sp.")) surfaceParams[key.slice(3)] = parseNumber(value);
  }
  const runs = [];
  const { max_runs: maxRuns } = CONFIG.limits;
  if (q.has(`r${maxRuns + 1}`)) problems.push(`more than ${maxRuns} runs (the ones after run ${maxRuns})`);
  for (let i = 1; q.has(`r${i}`) && i <= maxRuns; i += 1) {
    const key = `r${i}`;
    const optimizer = catalog.optimizers.get(q.get(key));
    if (!optimizer) {
      problems.push(`unknown optimizer "${q.get(key)}"`);
      continue;
    }
    const hyperparameters = {};
    for (const spec of optimizer.hyperparameters) {
      if (!q.has(`${key}.${spec.name}`)) continue;
      const raw = q.get(`${key}.${spec.name}`);
      hyperparameters[spec.name] = typeof spec.default === "boolean" ? raw === "true" : parseNumber(raw);
    }
    runs.push({
      optimizer: optimizer.id,
      label: q.get(`${key}.label`) ?? undefined,
      colour: validColour(q.get(`${key}.colour`)) ?? PALETTE[runs.length % PALETTE.length],
      hyperparameters,
      batchSize: q.has(`${key}.batch`) ? parseNumber(q.get(`${key}.batch`)) : null,
      noiseStd: q.has(`${key}.noise`) ? parseNumber(q.get(`${key}.noise`)) : null,
      schedule: scheduleFromQuery(q, key),
    });
  }
  const start = q.has("start") ? q.get("start").split(",").map(parseNumber) : undefined;
  const custom = customFromQuery(q);
  if (surfaceId === CUSTOM) problems.push(...custom.problems);
  const experiment = makeExperiment(catalog, {
    custom: custom.custom,
    surface: surfaceId,
    surfaceParams,
    start,
    steps: q.has("steps") ? parseNumber(q.get("steps")) : undefined,
    noise: { std: parseNumber(q.get("noise") ?? "0"), seed: parseNumber(q.get("seed") ?? "0") },
    gradTol: q.has("tol") ? parseNumber(q.get("tol")) : undefined,
    batch: {
      size: q.has("batch") ? parseNumber(q.get("batch")) : null,
      seed: parseNumber(q.get("shuffle") ?? "0"),
      repeats: parseNumber(q.get("repeats") ?? "1"),
    },
    runs: runs.length ? runs : undefined,
    layout: q.get("layout") === "side" ? "side" : "overlay",
    view: q.get("view") === "3d" ? "3d" : "2d",
    step: Math.max(0, Number.parseInt(q.get("step") || "0", 10) || 0),
    lesson: q.get("lesson"),
    basins: q.get("basins") === "1",
    sweep: sweepFromQuery(q, runs.length || DEFAULT_OPTIMIZERS.length),
  });
  return { experiment, problems };
}

/** The open sweep: sweep=<run number>&sweep.lr=<from>,<to>&sweep.count=<n>; null if none or bad. */
function sweepFromQuery(q, runCount) {
  const run = Number.parseInt(q.get("sweep") || "", 10);
  if (!(run >= 1 && run <= runCount)) return null;
  const [from, to] = (q.get("sweep.lr") || "").split(",").map(parseNumber);
  const count = parseNumber(q.get("sweep.count") || "64");
  if (![from, to, count].every((v) => typeof v === "number")) return null;
  return { run: run - 1, from, to, count };
}

function validColour(text) {
  return text && /^#[0-9a-fA-F]{6}$/.test(text) ? text.toLowerCase() : null;
}
