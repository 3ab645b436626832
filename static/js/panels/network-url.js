// A network experiment in the URL, so a link opens it again: surface=net:<data set>, the
// network form's settings (one table, PROPS, both directions; a value that is the default is
// not written), the runs as a surface's are (r1=<optimizer>&r1.lr=..., url.js), the landscape's
// plane (net.plane, PCA left out), the open lesson and the step. panels/network.js writes it after each answer; main.js reads it.

import { numberText, parseNumber } from "../format.js";
import { runsFromQuery, runsToQuery } from "../url.js";

/** The surface menu's values for the networks' data sets: "net:" and the data set's id. */
export const NETWORK_PREFIX = "net:";

const NUMBER = { text: numberText, parse: parseNumber };
/** Hidden widths "16,16"; "none" for no hidden layer (a linear model). */
const WIDTHS = {
  text: (widths) => (widths.length ? widths.map((w) => numberText(Number(w))).join(",") : "none"),
  parse: (raw) => (raw === "none" ? [] : raw.split(",").map(parseNumber)),
};
const ACTIVATION = { text: String, parse: (raw) => (["tanh", "relu", "sigmoid"].includes(raw) ? raw : "tanh") };

/** {key, field of the spec (panels/network.js networkSpec), type}; `fallback(dataset)` is the
 *  value left out of the URL. */
const PROPS = [
  { key: "net.n", field: "n", type: NUMBER, fallback: () => 200 },
  { key: "net.noise", field: "noise", type: NUMBER, fallback: (dataset) => dataset.noise },
  { key: "net.seed", field: "dataSeed", type: NUMBER, fallback: () => 0 },
  { key: "net.test", field: "testFraction", type: NUMBER, fallback: () => 0.25 },
  { key: "net.hidden", field: "hidden", type: WIDTHS, fallback: () => [16, 16] },
  { key: "net.act", field: "activation", type: ACTIVATION, fallback: () => "tanh" },
  { key: "net.init", field: "initSeed", type: NUMBER, fallback: () => 0 },
  { key: "steps", field: "steps", type: NUMBER, fallback: () => 500 },
  { key: "batch", field: "batchSize", type: NUMBER, fallback: () => null },
  { key: "shuffle", field: "shuffleSeed", type: NUMBER, fallback: () => 0 },
];

const missing = (value) => value === undefined || value === null || value === "";
/** The landscape card's planes (panels/network-landscape.js); the first is the default. */
const PLANES = ["pca", "random", "interpolation"];

/**
 * The query string of a network experiment: `spec` (networkSpec's shape), the run cards' `runs`,
 * the landscape's plane, the open lesson's id (or null) and the player's step.
 */
export function networkToQuery({ spec, runs, dataset, plane, lesson, step }, catalog) {
  const q = new URLSearchParams();
  q.set("surface", NETWORK_PREFIX + dataset.id);
  for (const { key, field, type, fallback } of PROPS) {
    const value = spec[field];
    const left = fallback(dataset);
    if (missing(value) || (!missing(left) && type.text(value) === type.text(left))) continue;
    q.set(key, type.text(value));
  }
  runsToQuery(q, runs, catalog);
  if (PLANES.includes(plane) && plane !== PLANES[0]) q.set("net.plane", plane);
  if (lesson) q.set("lesson", lesson);
  if (step > 0) q.set("step", String(step));
  return q.toString();
}

/**
 * The network experiment `search` describes, or null when it is not one (no surface=net:...):
 * {spec (the fields it names; the rest are networkSpec's defaults), runs (or undefined), plane (or
 * undefined), lesson, step, problems (what it had to leave out)}. `datasets` are panels/network.js's.
 */
export function networkFromQuery(search, catalog, datasets) {
  const q = new URLSearchParams(search);
  const surface = q.get("surface") || "";
  if (!surface.startsWith(NETWORK_PREFIX)) return null;
  const problems = [];
  const id = surface.slice(NETWORK_PREFIX.length);
  const dataset = datasets.find((d) => d.id === id);
  if (!dataset) problems.push(`unknown data set "${id}"`);
  const spec = { dataset: dataset ? dataset.id : datasets[0].id };
  for (const { key, field, type } of PROPS) {
    const raw = q.get(key);
    if (raw !== null && raw.trim() !== "") spec[field] = type.parse(raw);
  }
  const runs = runsFromQuery(q, catalog, problems);
  const step = Math.max(0, Number.parseInt(q.get("step") || "0", 10) || 0);
  const named = q.get("net.plane");
  if (named !== null && !PLANES.includes(named)) problems.push(`unknown plane "${named}"`);
  const plane = PLANES.includes(named) ? named : undefined;
  return { spec, runs, plane, lesson: q.get("lesson"), step, problems };
}
