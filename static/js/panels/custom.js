// Your own surface: a formula typed after "f(x, y) =", checked by the server as you type.
//
// The server parses it (POST /surfaces/resolve answers the surface record or a 422 that says
// what and where); the page never evaluates it. The latest resolved record is the catalog's
// "custom" surface, so the rest of the page treats it like any built-in one.

import { ApiError, createLatest, resolveSurface } from "../api.js";
import { numberText, parseNumber } from "../format.js";
import { $ } from "../dom.js";

export const CUSTOM = "custom";
export const DEFAULT_EXPRESSION = "x**2 + 2*y**2 + sin(3*x)";
const DEFAULT_WINDOW = [-3, 3];
const VALIDATE_MS = 250;
const AXES = ["x", "y"];

/** The surface reference the API takes: {expression, window?}. */
export function customSpec(custom) {
  return custom.window ? { expression: custom.expression, window: custom.window } : { expression: custom.expression };
}

/** The surface record of a formula (cached: Run after validating asks nothing again). */
export function resolveCustom(custom, signal) {
  return resolveSurface(customSpec(custom), signal);
}

/** The record of the surface an experiment uses; a custom one is resolved and becomes the catalog's. */
export async function surfaceRecord(catalog, experiment, signal) {
  if (experiment.surface !== CUSTOM) return catalog.surfaces.get(experiment.surface);
  const record = await resolveCustom(experiment.custom, signal);
  catalog.surfaces.set(CUSTOM, record);
  return record;
}

/** The custom record to start with: the link's formula, else the default one; null if neither resolves. */
export async function seedCustom(search) {
  const { custom } = customFromQuery(new URLSearchParams(search));
  for (const candidate of [custom, { expression: DEFAULT_EXPRESSION, window: null }]) {
    try {
      return await resolveCustom(candidate);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
  return null;
}

// ---- URL ------------------------------------------------------------------------------------

function isDefaultWindow(window) {
  return !window || AXES.every((axis) => !window[axis] || (window[axis][0] === DEFAULT_WINDOW[0] && window[axis][1] === DEFAULT_WINDOW[1]));
}

/** f=<formula> and, unless it is the default, window=x0,x1[,y0,y1]. */
export function customToQuery(q, custom) {
  q.set("f", custom.expression);
  if (!isDefaultWindow(custom.window)) {
    q.set("window", AXES.flatMap((axis) => custom.window[axis] || []).map(numberText).join(","));
  }
}

export function customFromQuery(q) {
  const problems = [];
  let window = null;
  if (q.has("window")) {
    const values = q.get("window").split(",").map(parseNumber);
    if ((values.length === 2 || values.length === 4) && values.every(Number.isFinite)) {
      window = { x: values.slice(0, 2), ...(values.length === 4 ? { y: values.slice(2) } : {}) };
    } else {
      problems.push("an invalid formula window");
    }
  }
  return { custom: { expression: q.get("f") ?? DEFAULT_EXPRESSION, window }, problems };
}

// ---- errors -----------------------------------------------------------------------------------

/**
 * The custom-surface controls an API error belongs to, or null. `path` starts after "surface"
 * (trajectories, grid) or at the body (resolve): ["expression"], ["window", "x", 1], ["window"].
 */
export function customFieldFor(path, msg = "") {
  const [head, axis, index] = path;
  if (head === "expression") return ["custom-expression"];
  if (head !== "window") return null;
  const named = AXES.includes(axis) ? axis : (/window\.([xy])\b/.exec(msg) || [])[1];
  if (!named) return ["custom-x-hi"];
  return [`custom-${named}-${index === 0 ? "lo" : "hi"}`];
}

export function errorText(msg) {
  return msg.replace(/^Value error, /, "");
}

// ---- the controls -----------------------------------------------------------------------------

/**
 * The formula and window inputs under "Surface". Each valid edit becomes the catalog's custom
 * record and calls `onResolved(record)` (the formula display, 1-D or 2-D). read() gives
 * {expression, window} as typed.
 */
export function createCustomInput({ catalog, onResolved }) {
  const box = $("custom-surface");
  const expression = $("custom-expression");
  const bounds = Object.fromEntries(AXES.map((axis) => [axis, [$(`custom-${axis}-lo`), $(`custom-${axis}-hi`)]]));
  const latest = createLatest(VALIDATE_MS);
  let dim = 2;

  function setDim(next) {
    dim = next;
    for (const input of bounds.y) input.closest(".field").hidden = dim === 1;
  }

  function clearErrors() {
    $("surface-formula").classList.remove("stale");
    for (const input of box.querySelectorAll("input")) {
      const message = $(`${input.id}-error`);
      message.hidden = true;
      message.textContent = "";
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  function showErrors(error) {
    clearErrors();
    const problems = error.fieldErrors.length ? error.fieldErrors : [{ loc: ["expression"], msg: error.message }];
    for (const { loc, msg } of problems) {
      const path = loc[0] === "body" ? loc.slice(1) : loc;
      const [id] = customFieldFor(path, msg) || ["custom-expression"];
      const message = $(`${id}-error`);
      if (!message.hidden) continue;
      message.textContent = errorText(msg);
      message.hidden = false;
      $(id).setAttribute("aria-invalid", "true");
      $(id).setAttribute("aria-describedby", message.id);
    }
    // The formula line still shows the last valid formula: dim it until this one is fixed.
    $("surface-formula").classList.add("stale");
  }

  function read() {
    const axes = dim === 1 ? ["x"] : AXES;
    const typed = axes.map((axis) => bounds[axis].map((input) => parseNumber(input.value)));
    if (typed.flat().every((v) => v === null)) return { expression: expression.value, window: null };
    return { expression: expression.value, window: Object.fromEntries(axes.map((axis, i) => [axis, typed[i]])) };
  }

  function validate(wait) {
    latest.run(async (signal) => {
      try {
        const record = await resolveCustom(read(), signal);
        if (signal.aborted) return;
        catalog.surfaces.set(CUSTOM, record);
        clearErrors();
        setDim(record.dim);
        onResolved(record);
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof ApiError)) throw error;
        showErrors(error);
      }
    }, wait);
  }

  /** Fills the inputs from an experiment's {expression, window}; checks them at once. */
  function render(custom, record) {
    expression.value = custom.expression;
    for (const axis of AXES) {
      const range = (custom.window && custom.window[axis]) || DEFAULT_WINDOW;
      bounds[axis].forEach((input, i) => {
        input.value = numberText(range[i]);
      });
    }
    if (record) setDim(record.dim);
    clearErrors();
    if (!box.hidden) validate(0);
  }

  function show(visible) {
    box.hidden = !visible;
    if (!visible) latest.cancel();
  }

  box.addEventListener("input", () => validate());
  return { render, read, show };
}
