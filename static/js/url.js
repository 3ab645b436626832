// The URL is a view of the store: a subscriber writes the experiment on screen into it, and a
// link or the back button is read back. One table (PROPS) drives both directions, and a value
// that is missing or the default is simply not written.

import { CONFIG } from "./config.js";
import { numberText, parseNumber } from "./format.js";
import { CUSTOM, customFromQuery, customToQuery } from "./panels/custom.js";
import { scheduleFromQuery, scheduleToQuery } from "./panels/schedule.js";
import { DEFAULT_GRAD_TOL, DEFAULT_OPTIMIZERS, DEFAULT_SURFACE, PALETTE, makeExperiment } from "./state.js";

/** How long the step waits after the player stops before it goes into the URL. */
const STEP_MS = 400;

// ---- the table -------------------------------------------------------------------------------

/** How a value is written in the URL and read back. */
const NUMBER = { text: numberText, parse: parseNumber };
const NUMBERS = { text: (v) => v.map(numberText).join(","), parse: (raw) => raw.split(",").map(parseNumber) };
const TEXT = { text: String, parse: (raw) => raw };
const FLAG = { text: () => "1", parse: (raw) => raw === "1" };
const COUNT = { text: String, parse: (raw) => Math.max(0, Number.parseInt(raw, 10) || 0) };
const oneOf = (...values) => ({ text: String, parse: (raw) => (values.includes(raw) ? raw : values[0]) });

/** The experiment's surface, checked against the catalogue. */
const SURFACE = {
  write(q, e) {
    q.set("surface", e.surface);
  },
  read(q, spec, { catalog, problems }) {
    spec.surface = q.get("surface") || DEFAULT_SURFACE;
    if (!catalog.surfaces.has(spec.surface)) {
      problems.push(`unknown surface "${spec.surface}"`);
      spec.surface = DEFAULT_SURFACE;
    }
  },
};

/** f=<formula>&window=... for the custom surface (custom.js); kept while another is shown. */
const FORMULA = {
  write(q, e) {
    if (e.surface === CUSTOM) customToQuery(q, e.custom);
  },
  read(q, spec, { formulaProblems }) {
    const custom = customFromQuery(q);
    spec.custom = custom.custom;
    if (spec.surface === CUSTOM) formulaProblems.push(...custom.problems);
  },
};

/** sp.<name>=<value> for each surface parameter. */
const SURFACE_PARAMS = {
  write(q, e) {
    for (const [name, value] of Object.entries(e.surfaceParams)) if (!missing(value)) q.set(`sp.${name}`, numberText(value));
  },
  read(q, spec) {
    spec.surfaceParams = {};
    for (const [key, value] of q) if (key.startsWith("sp.") && !absent(value)) spec.surfaceParams[key.slice(3)] = parseNumber(value);
  },
};

/** r1=<optimizer>&r1.<hyperparameter>=...&r1.label=...&r1.colour=...&r1.schedule=... per run. */
const RUNS = {
  write(q, e, { catalog }) {
    runsToQuery(q, e.runs, catalog);
  },
  read(q, spec, { catalog, problems }) {
    spec.runs = runsFromQuery(q, catalog, problems);
  },
};

/** Writes `runs` as r1=<optimizer>&r1.<hyperparameter>=... (a surface's or a network's). */
export function runsToQuery(q, runs, catalog) {
  runs.forEach((run, i) => {
    const key = `r${i + 1}`;
    const optimizer = catalog.optimizers.get(run.optimizer);
    q.set(key, run.optimizer);
    if (run.label !== optimizer.name) q.set(`${key}.label`, run.label);
    if (run.colour.toLowerCase() !== PALETTE[i % PALETTE.length]) q.set(`${key}.colour`, run.colour);
    if (run.batchSize !== null && run.batchSize !== undefined) q.set(`${key}.batch`, numberText(run.batchSize));
    if (run.noiseStd !== null && run.noiseStd !== undefined) q.set(`${key}.noise`, numberText(run.noiseStd));
    scheduleToQuery(q, key, run.schedule);
    for (const [name, value] of Object.entries(run.hyperparameters)) {
      // An empty field is the optimizer's default: left out, never written as "null".
      if (missing(value)) continue;
      const spec = optimizer.hyperparameters.find((h) => h.name === name);
      if (name === "lr" || !spec || value !== spec.default) q.set(`${key}.${name}`, String(value));
    }
  });
}

/** The runs r1, r2, ... of `q` (undefined for none); what it leaves out goes into `problems`. */
export function runsFromQuery(q, catalog, problems) {
  const runs = [];
  const { max_runs: maxRuns } = CONFIG.limits;
  if (q.has(`r${maxRuns + 1}`)) problems.push(`more than ${maxRuns} runs (the ones after run ${maxRuns})`);
  for (let i = 1; q.has(`r${i}`) && i <= maxRuns; i += 1) {
    const run = runFromQuery(q, `r${i}`, catalog, runs.length);
    if (run) runs.push(run);
    else problems.push(`unknown optimizer "${q.get(`r${i}`)}"`);
  }
  return runs.length ? runs : undefined;
}

function runFromQuery(q, key, catalog, index) {
  const optimizer = catalog.optimizers.get(q.get(key));
  if (!optimizer) return null;
  const hyperparameters = {};
  for (const spec of optimizer.hyperparameters) {
    const raw = q.get(`${key}.${spec.name}`);
    if (raw === null || absent(raw)) continue;
    hyperparameters[spec.name] = typeof spec.default === "boolean" ? raw === "true" : parseNumber(raw);
  }
  return {
    optimizer: optimizer.id,
    label: q.get(`${key}.label`) ?? undefined,
    colour: validColour(q.get(`${key}.colour`)) ?? PALETTE[index % PALETTE.length],
    hyperparameters,
    batchSize: q.has(`${key}.batch`) ? parseNumber(q.get(`${key}.batch`)) : null,
    noiseStd: q.has(`${key}.noise`) ? parseNumber(q.get(`${key}.noise`)) : null,
    schedule: scheduleFromQuery(q, key),
  };
}

function validColour(text) {
  return text && /^#[0-9a-fA-F]{6}$/.test(text) ? text.toLowerCase() : null;
}

/** The open sweep: sweep=<run number>&sweep.lr=<from>,<to>&sweep.count=<n>; null if none or bad. */
const SWEEP = {
  write(q, { sweep }) {
    if (!sweep) return;
    q.set("sweep", String(sweep.run + 1));
    q.set("sweep.lr", [sweep.from, sweep.to].map(numberText).join(","));
    q.set("sweep.count", numberText(sweep.count));
  },
  read(q, spec) {
    const runCount = spec.runs ? spec.runs.length : DEFAULT_OPTIMIZERS.length;
    const run = Number.parseInt(q.get("sweep") || "", 10);
    const [from, to] = (q.get("sweep.lr") || "").split(",").map(parseNumber);
    const count = parseNumber(q.get("sweep.count") || "64");
    const valid = run >= 1 && run <= runCount && [from, to, count].every((v) => typeof v === "number");
    spec.sweep = valid ? { run: run - 1, from, to, count } : null;
  },
};

/**
 * Every URL parameter, in the order written: a plain one is {key, path, type, fallback}, where
 * `path` is the experiment field ("noise.std"), `fallback` the value left out of the URL (and
 * taken when the URL has none), and `always` writes it whatever its value; the others write
 * and read themselves.
 */
const PROPS = [
  SURFACE,
  FORMULA,
  SURFACE_PARAMS,
  { key: "start", path: "start", type: NUMBERS, always: true },
  { key: "steps", path: "steps", type: NUMBER, always: true },
  { key: "noise", path: "noise.std", type: NUMBER, fallback: 0 },
  { key: "seed", path: "noise.seed", type: NUMBER, fallback: 0 },
  { key: "tol", path: "gradTol", type: NUMBER, fallback: DEFAULT_GRAD_TOL },
  { key: "batch", path: "batch.size", type: NUMBER, fallback: null },
  { key: "shuffle", path: "batch.seed", type: NUMBER, fallback: 0 },
  { key: "repeats", path: "batch.repeats", type: NUMBER, fallback: 1 },
  RUNS,
  { key: "layout", path: "layout", type: oneOf("overlay", "side"), fallback: "overlay" },
  { key: "view", path: "view", type: oneOf("2d", "3d"), fallback: "2d" },
  { key: "step", path: "step", type: COUNT, fallback: 0 },
  { key: "lesson", path: "lesson", type: TEXT, fallback: null },
  { key: "basins", path: "basins", type: FLAG, fallback: false },
  { key: "state", path: "glyphs", type: FLAG, fallback: false },
  SWEEP,
];

const missing = (value) => value === undefined || value === null || value === "";
/** A number left empty in a link, or written as "null" by the pages before issue 14: the default. */
const absent = (raw) => raw.trim() === "" || raw === "null";

function getPath(object, path) {
  return path.split(".").reduce((value, key) => value?.[key], object);
}

function setPath(object, path, value) {
  const keys = path.split(".");
  const last = keys.pop();
  const parent = keys.reduce((node, key) => (node[key] ??= {}), object);
  parent[last] = value;
}

/** The query string of `experiment` (page settings and step included). */
export function toQuery(experiment, catalog) {
  const q = new URLSearchParams();
  for (const prop of PROPS) {
    if (prop.write) {
      prop.write(q, experiment, { catalog });
      continue;
    }
    const value = getPath(experiment, prop.path);
    if (prop.always || !(missing(value) || value === prop.fallback)) q.set(prop.key, prop.type.text(value));
  }
  return q.toString();
}

/** The experiment a query string describes and what it had to leave out; null when it describes none. */
export function fromQuery(search, catalog) {
  const q = new URLSearchParams(search);
  if (!q.has("surface") && !q.has("r1")) return null;
  const problems = [];
  // The formula's problems are named after the runs'.
  const formulaProblems = [];
  const spec = {};
  for (const prop of PROPS) {
    if (prop.read) prop.read(q, spec, { catalog, problems, formulaProblems });
    else if (q.has(prop.key)) setPath(spec, prop.path, prop.type.parse(q.get(prop.key)));
  }
  return { experiment: makeExperiment(catalog, spec), problems: [...problems, ...formulaProblems] };
}

// ---- following the store ---------------------------------------------------------------------

function write(store, mode, paused) {
  const experiment = store.experiment();
  if (!experiment || paused()) return;
  const url = `${location.pathname}?${toQuery({ ...experiment, step: store.state.step }, store.state.catalog)}`;
  if (url === location.pathname + location.search) return;
  if (mode === "push") history.pushState(null, "", url);
  else if (mode === "replace") history.replaceState(null, "", url);
}

/** Makes the URL follow the store: each change's `history` says push, replace or "later";
 *  not while `paused()` (a network is on screen: panels/network-url.js writes the URL then). */
export function followUrl(store, paused = () => false) {
  let timer = 0;
  store.subscribe((state, { history: mode }) => {
    if (!mode) return;
    clearTimeout(timer);
    if (mode === "later") timer = setTimeout(() => write(store, "replace", paused), STEP_MS);
    else write(store, mode, paused);
  });
  return { writeNow: () => write(store, "replace", paused) };
}

/** The experiment the URL describes (defaults without one); `onProblems(text)` names what it left out. */
export function experimentFromUrl(catalog, onProblems) {
  const parsed = fromQuery(location.search, catalog);
  if (parsed && parsed.problems.length) onProblems(`This link has ${parsed.problems.join(" and ")}: left out, or defaults used.`);
  return parsed ? parsed.experiment : makeExperiment(catalog);
}
