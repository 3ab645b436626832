// Talks to the JSON API. Failures become ApiError with the fields FastAPI named.

/**
 * The page's settings from the server: the API base, the version, the plotly.js URL, and in
 * `limits` the server's request limits (app/config.py) that the page keeps its requests within.
 */
export const CONFIG = JSON.parse(document.getElementById("gradscape-config").textContent);
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

export function getJson(path, signal) {
  return request(path, { signal, headers: { Accept: "application/json" } });
}

export function postJson(path, body, signal) {
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
