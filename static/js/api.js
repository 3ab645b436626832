// The one API client: one function per endpoint, with the grid and resolve caches. Failures
// become ApiError with the fields FastAPI named. No other module fetches.

import { CONFIG } from "./config.js";
import { gridRows, zScale } from "./render/scale.js";
import { runGroups } from "./state.js";
import { untyped } from "./typed.js";

const BASE = CONFIG.api;

export class ApiError extends Error {
  /** fieldErrors: [{loc: ["body", ...], msg}] from a 422; empty for other failures. */
  constructor(message, fieldErrors = []) {
    super(message);
    this.name = "ApiError";
    this.fieldErrors = fieldErrors;
  }
}

async function readError(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: fall through to the status line.
  }
  const detail = body && body.detail;
  if (Array.isArray(detail)) {
    const fieldErrors = detail.map((d) => ({ loc: d.loc || [], msg: String(d.msg || "invalid value") }));
    return new ApiError(fieldErrors.map((e) => e.msg).join("; "), fieldErrors);
  }
  if (typeof detail === "string") return new ApiError(detail);
  return new ApiError(`The server answered ${response.status} ${response.statusText}`.trim());
}

async function request(path, options) {
  let response;
  try {
    response = await fetch(BASE + path, options);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("Could not reach the server: is it still running?");
  }
  if (!response.ok) throw await readError(response);
  return response.json();
}

function getJson(path, signal) {
  return request(path, { signal, headers: { Accept: "application/json" } });
}

function postJson(path, body, signal) {
  return request(path, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
}

/**
 * Requests where only the newest answer matters (validation as you type, the panels that follow
 * the animation step): `run(task)` waits `delay` ms of quiet, aborts the task before it, then
 * calls `task(signal)`. A task renders only while its signal is not aborted.
 */
export function createLatest(delay) {
  let timer = 0;
  let controller = null;
  function cancel() {
    clearTimeout(timer);
    controller?.abort();
    controller = null;
  }
  function run(task, wait = delay) {
    cancel();
    const own = new AbortController();
    controller = own;
    timer = setTimeout(() => {
      task(own.signal).catch((error) => {
        if (error.name !== "AbortError") throw error;
      });
    }, wait);
  }
  return { run, cancel };
}

// ---- the endpoints --------------------------------------------------------------------------

export const getSurfaces = () => getJson("/surfaces");
export const getOptimizers = () => getJson("/optimizers");
export const postGradcheck = (body, signal) => postJson("/gradcheck", body, signal);
export const postBackprop = (body, signal) => postJson("/backprop", body, signal);
export const postSweep = (body, signal) => postJson("/sweeps/lr", body, signal);
export const postBasins = (body, signal) => postJson("/basins", body, signal);
/** POST /trajectories in its binary encoding (float64 typed arrays, about a third of the JSON's
 *  bytes to move and far less to parse), answered in the JSON encoding's shapes. */
export const postTrajectories = (body, signal) =>
  postJson("/trajectories", { ...body, encoding: "binary" }, signal).then(untyped);
export const postCurvature = (body, signal) => postJson("/curvature", body, signal);
/** POST /networks/train in its binary encoding (the boundaries are float32 typed arrays either
 *  way), answered in the JSON encoding's shapes: nested lists, null for NaN. */
export const postNetworkTrain = (body, signal) =>
  postJson("/networks/train", { ...body, encoding: "binary" }, signal).then(untyped);
export const postNetworkInspect = (body, signal) => postJson("/networks/inspect", body, signal);

const RESOLVED_SIZE = 24;
const resolved = new Map();

/** POST /surfaces/resolve for a surface reference, cached: a formula checked as it was typed,
 *  or a data set at its settings, is not asked about again when it runs. */
export async function resolveSurface(ref, signal) {
  const key = JSON.stringify(ref);
  if (!resolved.has(key)) {
    resolved.set(key, await postJson("/surfaces/resolve", ref, signal));
    if (resolved.size > RESOLVED_SIZE) resolved.delete(resolved.keys().next().value);
  }
  return resolved.get(key);
}

const GRID_CACHE_SIZE = 8;
const grids = new Map();

/** POST /grid, cached with its rows and colour scale: {grid, rows, scale}. The cache holds
 *  promises, so a grid fetched ahead (while the runs compute) is not fetched twice. */
export function fetchGrid(body, signal) {
  const key = JSON.stringify(body);
  if (!grids.has(key)) {
    const entry = postJson("/grid", body, signal).then((grid) => {
      const rows = gridRows(grid);
      return { grid, rows, scale: zScale(rows) };
    });
    entry.catch(() => grids.delete(key));
    grids.set(key, entry);
    if (grids.size > GRID_CACHE_SIZE) grids.delete(grids.keys().next().value);
  }
  return grids.get(key);
}

/** POSTs every group and merges the runs back into the experiment's order. */
export async function fetchTrajectories(experiment, signal) {
  const groups = runGroups(experiment);
  const settled = await Promise.allSettled(groups.map((g) => postTrajectories(g.request, signal)));
  const failed = settled.filter((s) => s.status === "rejected");
  if (failed.length) {
    const errors = failed.map((s) => s.reason);
    const other = errors.find((e) => !(e instanceof ApiError));
    if (other) throw other;
    const fieldErrors = [];
    settled.forEach((s, j) => {
      if (s.status === "rejected") fieldErrors.push(...s.reason.fieldErrors.map((e) => groupLoc(e, groups[j])));
    });
    throw new ApiError(errors.map((e) => e.message).join("; "), fieldErrors);
  }
  const answers = settled.map((s) => s.value);
  const runs = [];
  groups.forEach((g, j) => g.indices.forEach((i, k) => (runs[i] = answers[j].runs[k])));
  return { ...answers[0], runs };
}

/** A group's error, placed on the experiment: run k of the group is run indices[k]. */
function groupLoc({ loc, msg }, group) {
  const [body, head, k, ...rest] = loc;
  if (head === "runs" && typeof k === "number") return { loc: [body, head, group.indices[k], ...rest], msg };
  if (group.own && head === "batch_size") return { loc: [body, "runs", group.indices[0], "batch_size"], msg };
  if (group.own && head === "noise" && k === "std") return { loc: [body, "runs", group.indices[0], "noise_std"], msg };
  return { loc, msg };
}
