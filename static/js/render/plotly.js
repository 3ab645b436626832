// The one handle on plotly.js: loading it, when it may run, retries, failures, and the only
// reads of its internals (the full layout, the 3-D camera, a trace element's uid).
//
// plotly.js is 4.8 MB whose evaluation holds the main thread for about a second, so the page
// paints and plays its first figures without it (preview.js) and runs it once the person
// leaves the page alone (the quiet-moment rule below) or something needs it. A
// <link rel="preload"> in the page's head has fetched the bytes by then. No other module
// touches window.Plotly.

import { CONFIG } from "../config.js";

/** How long the pointer, the keys and the player must be still before plotly.js runs. */
const QUIET_MS = 600;
const QUIET_EVENTS = ["pointermove", "pointerdown", "keydown", "wheel", "touchstart"];

let Plotly = null;
let loading = null;

/** Resolves to plotly.js, adding its <script> the first time it is asked for (again after a failure). */
export function loadPlotly() {
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = CONFIG.plotly;
    script.addEventListener("load", () => {
      Plotly = window.Plotly;
      resolve(Plotly);
    });
    script.addEventListener("error", () => {
      // The next call tries again (a dropped connection, a server restarting).
      script.remove();
      loading = null;
      reject(new Error("plotly.js did not load"));
    });
    document.head.append(script);
  });
  return loading;
}

/** Resolves once the browser has painted what is on screen now: a frame, then a task after it. */
export function afterPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
  });
}

/**
 * When the page's figures switch to plotly: `request()` runs plotly.js now (once; again after
 * a failure), `requestWhenQuiet()` once the pointer, the keys and the player have been still
 * for QUIET_MS (so its evaluation does not land on someone pressing Play or watching the paths
 * move), and `arm()` restarts that wait (the player calls it when it stops). `busy()` says the
 * player is running; `onLoad(plotly)` and `onFail(error)` follow each request.
 */
export function createPlotlyGate({ busy, onLoad, onFail }) {
  let requested = null;
  let quiet = null;

  function request() {
    quiet?.stop();
    requested ??= loadPlotly().then(onLoad, (error) => {
      // Whatever needs it next asks again.
      requested = null;
      onFail(error);
    });
  }

  function requestWhenQuiet() {
    if (requested || quiet) return;
    let timer = 0;
    const arm = () => {
      clearTimeout(timer);
      // While the player runs, its stop arms the timer again.
      timer = setTimeout(() => busy() || request(), QUIET_MS);
    };
    const stop = () => {
      clearTimeout(timer);
      for (const type of QUIET_EVENTS) window.removeEventListener(type, arm, true);
      quiet = null;
    };
    for (const type of QUIET_EVENTS) window.addEventListener(type, arm, { capture: true, passive: true });
    quiet = { arm, stop };
    arm();
  }

  return { request, requestWhenQuiet, arm: () => quiet?.arm() };
}

// ---- drawing (plotly.js must have loaded, except for react) --------------------------------

/** Plotly.react once plotly.js has loaded (a chart can be asked for before the figures switch). */
export function react(div, data, layout, config) {
  return loadPlotly().then((plotly) => plotly.react(div, data, layout, config));
}

/** Whether plotly has drawn a figure in `div`. */
export function hasFigure(div) {
  return Boolean(div.data);
}

/** The traces plotly drew in `div` (its `data`), or an empty list. */
export function figureTraces(div) {
  return div.data || [];
}

/** One restyle of the traces at `indices`: `traces` is one partial trace per index. */
export function restyleTraces(div, traces, indices) {
  const update = {};
  for (const key of Object.keys(traces[0])) update[key] = traces.map((t) => t[key]);
  Plotly.restyle(div, update, indices);
}

/** One relayout (plotly.js must have loaded: after a react in `div`). */
export function relayout(div, update) {
  Plotly.relayout(div, update);
}

export function purge(div) {
  if (Plotly && div.data) Plotly.purge(div);
}

export function downloadImage(div, options) {
  return Plotly.downloadImage(div, options);
}

/** plotly's event `name` ("plotly_click", ...) on the figure in `div`. */
export function onFigure(div, name, handler) {
  div.on(name, handler);
}

// ---- plotly's internals: read here only ------------------------------------------------------

/**
 * The full layout plotly computed for `div` (null before it drew): what is read of it is
 * `width`, `height`, and per axis (`xaxis`, `yaxis2`, ...) `_offset`, `_length`, `range` and
 * `c2p(value)` (data to pixels within the axis). The canvas preview (preview.js) hangs a layout
 * with the same fields on its canvas, so the motion layer and the pointer read either.
 */
export function fullLayout(div) {
  return div._fullLayout || null;
}

/** The axes of the 2-D subplot whose drag area is `target` (plotly's .nsewdrag), or null. */
export function subplotAxes(div, target) {
  const drag = target && target.closest(".nsewdrag");
  const layout = fullLayout(div);
  const match = drag && layout && /^x(\d*)y(\d*)$/.exec(drag.dataset.subplot || "");
  if (!match) return null;
  return { xa: layout[`xaxis${match[1]}`], ya: layout[`yaxis${match[2]}`], rect: drag.getBoundingClientRect() };
}

/** The uid of the trace a trace element of plotly's SVG (.scatterlayer .trace) draws. */
export function traceUid(element) {
  return element.__data__?.[0]?.trace?.uid;
}

/**
 * The 3-D scene of the figure whose full layout is `full`: its camera's projection, view and
 * model matrices (column major, as gl-matrix keeps them), its data scale [sx, sy, sz] and the
 * element it draws in; null without a scene on screen.
 */
export function sceneCamera(full) {
  const scene = full.scene?._scene;
  const camera = scene?.glplot?.cameraParams;
  if (!camera || !scene.container) return null;
  return { ...camera, dataScale: scene.dataScale, container: scene.container };
}
