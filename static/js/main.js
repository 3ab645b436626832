// Wires the page: catalog -> form -> API -> figures -> player, with the experiment in the URL.

import { ApiError, getJson, postJson } from "./api.js";
import { fetchTrajectories, requestsFor } from "./panels/batching.js";
import { affordableResolution } from "./budget.js";
import { createBackpropPanel } from "./panels/backprop.js";
import { createControls } from "./panels/controls.js";
import { CUSTOM, seedCustom, surfaceRecord } from "./panels/custom.js";
import { createDataPanel, loadDatasets, surfaceFor } from "./panels/data.js";
import { exportCsv, exportJson, exportPng } from "./exports.js";
import { plotlyText } from "./format.js";
import { createGradcheckPanel } from "./panels/gradcheck.js";
import { createLessonMenu, lessonById, renderLesson } from "./panels/lessons.js";
import { buildLossFigure } from "./render/losschart.js";
import { createPlayer } from "./player.js";
import { watchPointer } from "./render/pointer.js";
import { createMotionLayer } from "./render/motion.js";
import { frameUpdate, paintFrame, restingFrame } from "./render/frames.js";
import { buildFigure, viewWindow } from "./render/plots.js";
import { canPaint, clearPreview, paintFigure, previewLayout, previewable } from "./render/preview.js";
import { gridRows, zScale } from "./render/scale.js";
import {
  fromQuery, knownPointsHold, makeCatalog, makeExperiment, surfaceSpec, toQuery,
} from "./state.js";
import { renderSummary, renderSummaryMessage } from "./panels/summary.js";
import { createBasinMap } from "./panels/basins.js";
import { drawLrChart } from "./panels/schedule.js";
import { createSweep } from "./panels/sweep.js";
import { afterPaint, loadPlotly } from "./render/plotly.js";
import { $ } from "./dom.js";

/** plotly.js once it has run; until then the figures on screen are previews (preview.js). */
let Plotly = null;
const NARROW_PX = 640;
/** How long the page waits for the person to leave the pointer and keys alone before plotly.js runs. */
const QUIET_MS = 600;
const GRID_CACHE_SIZE = 8;
// Figures get explicit sizes from their containers; a ResizeObserver redraws them (see wire).
const PLOT_CONFIG = {
  responsive: false, displaylogo: false, scrollZoom: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"],
};
const LOSS_CONFIG = { ...PLOT_CONFIG, displayModeBar: false };

const plotDiv = $("plot");
const lossDiv = $("loss-plot");
const motion = createMotionLayer(plotDiv, ["trail-", "head-"]);
const lossMotion = createMotionLayer(lossDiv, ["loss-head-"]);

const app = {
  catalog: null,
  controls: null,
  player: null,
  data: null,
  /** What is on screen: {experiment, result, surface, view, surfaceData, model, loss}. */
  shown: null,
  /** Settings that live outside the form: layout, view and the open lesson. */
  ui: { layout: "overlay", view: "2d", lesson: null },
  pending: null,
  renders: 0,
  /** plotly.js on its way (see requestPlotly); what waited for a figure ({action, plotly}). */
  plotly: null,
  waiting: [],
  /** Whether the figure being computed is one the preview draws. */
  previewing: true,
  /** While plotly.js waits for a quiet moment: {arm, stop} (see requestPlotlyWhenQuiet). */
  quiet: null,
  gridCache: new Map(),
  framePending: false,
  urlTimer: 0,
  narrow: false,
  size: "",
  clickWired: false,
};

// ---- running an experiment --------------------------------------------------------------

function setBusy(busy) {
  $("busy").hidden = !busy;
  document.body.dataset.busy = String(busy);
  $("main").setAttribute("aria-busy", String(busy));
}

async function loadGrid(experiment, surface, view, signal) {
  const body = {
    surface: surfaceSpec(experiment),
    resolution: affordableResolution(surface, surface.dim === 1 ? 400 : 200),
    encoding: surface.dim === 1 ? "json" : "binary",
  };
  const sameAsDefault = Object.keys(view).every(
    (axis) => view[axis][0] === surface.window[axis][0] && view[axis][1] === surface.window[axis][1],
  );
  if (!sameAsDefault) body.window = view;
  const key = JSON.stringify(body);
  if (!app.gridCache.has(key)) {
    // The cache holds promises, so a grid fetched ahead (see run) is not fetched twice.
    const entry = postJson("/grid", body, signal).then((grid) => {
      const rows = gridRows(grid);
      return { grid, rows, scale: zScale(rows) };
    });
    entry.catch(() => app.gridCache.delete(key));
    app.gridCache.set(key, entry);
    if (app.gridCache.size > GRID_CACHE_SIZE) app.gridCache.delete(app.gridCache.keys().next().value);
  }
  return app.gridCache.get(key);
}

async function run(experiment, history) {
  app.pending?.abort();
  const controller = new AbortController();
  app.pending = controller;
  app.player.pause();
  setBusy(true);
  app.controls.clearErrors();
  app.previewing = !Plotly && previewable(experiment);
  if (!previewable(experiment)) requestPlotly();
  // A custom formula is resolved first, so a bad one is named at its input and draws nothing.
  let surface = null;
  try {
    surface = await surfaceRecord(app.catalog, experiment, controller.signal);
    const trajectories = fetchTrajectories(experiment, controller.signal);
    // With a data set's own settings (n) its record, and so its grid's affordable resolution.
    const resolved = surfaceFor(app.catalog, experiment, controller.signal);
    // Most paths stay inside the surface's window: fetch its grid while the runs compute.
    resolved.then((shown) => loadGrid(experiment, shown, shown.window, controller.signal)).catch(() => {});
    const result = await trajectories;
    const shownSurface = await resolved;
    const view = viewWindow(shownSurface, result.runs);
    const grid = await loadGrid(experiment, shownSurface, view, controller.signal);
    if (app.pending !== controller) return;
    show({ experiment, result, surface: shownSurface, view, surfaceData: grid });
    app.controls.setStale(false);
    writeUrl(history);
  } catch (error) {
    if (error.name === "AbortError") return;
    // Player actions pressed while it ran were for a figure that will not come.
    app.waiting = app.waiting.filter((entry) => entry.plotly);
    if (!(error instanceof ApiError)) throw error;
    app.controls.showErrors(error);
    document.body.dataset.state = "error";
    if (surface && (!app.shown || app.shown.surface.id !== surface.id)) await showSurfaceOnly(experiment, surface, controller.signal);
  } finally {
    if (app.pending === controller) {
      app.pending = null;
      setBusy(false);
    }
  }
}

/** After an error on a new surface: draw the surface anyway, never a blank plot. */
async function showSurfaceOnly(experiment, surface, signal) {
  try {
    const grid = await loadGrid({ ...experiment, surfaceParams: {} }, surface, surface.window, signal);
    show({ experiment, result: { runs: [] }, surface, view: { ...surface.window }, surfaceData: grid });
    renderSummaryMessage($("summary").tBodies[0], "No results: fix the highlighted setting and press Run.");
  } catch (error) {
    if (error.name === "AbortError") return;
    $("form-error").textContent = error.message;
    $("form-error").hidden = false;
  }
}

function show(next) {
  app.shown = next;
  const { experiment, result, surface } = next;
  setToggles(experiment, surface);
  renderLesson(lessonById(experiment.lesson), result.runs.length ? result : null);
  // Before the figures: the first paint (data-painted) shows the table with them.
  if (result.runs.length) renderSummary($("summary").tBodies[0], decorate(next), app.catalog.optimizers);
  draw();
  app.basins.sync(next);
  app.sweep.sync(next);
  const last = Math.max(0, ...result.runs.map((r) => r.points.length - 1));
  $("step-slider").max = String(last);
  app.player.load(last, experiment.step || 0);
  inspect();
  const notes = [];
  if (!knownPointsHold(experiment) && (surface.minima.length || surface.saddle_points.length)) {
    notes.push("Known minima and saddle points are marked for the default parameters only, so they are hidden.");
  }
  if (experiment.view === "3d" && experiment.layout === "side") notes.push("The 3-D view shows every run in one scene.");
  $("plot-note").textContent = notes.join(" ");
  $("plot-note").hidden = !notes.length;
  plotDiv.setAttribute("aria-label", `${surface.name}: ${result.runs.length} optimizer paths`);
  document.body.dataset.state = result.runs.length ? "ready" : "error";
}

function decorate(shown) {
  return shown.result.runs.map((run, i) => ({
    ...run,
    colour: shown.experiment.runs[i].colour,
    label_html: plotlyText(run.label),
  }));
}

// ---- drawing ------------------------------------------------------------------------------

function draw() {
  const s = app.shown;
  if (!s) return;
  const runs = decorate(s);
  app.narrow = window.innerWidth < NARROW_PX;
  const numericStart = s.experiment.start.every(Number.isFinite) ? s.experiment.start : null;
  // Measure the container at its own (CSS) height, not at a tall side-by-side figure's.
  plotDiv.classList.remove("tall");
  plotDiv.style.height = "";
  s.model = buildFigure({
    surface: s.surface, surfaceData: s.surfaceData, runs,
    start: runs.length ? runs[0].points[0] : numericStart,
    layoutMode: s.experiment.layout, view3d: s.experiment.view === "3d",
    width: plotDiv.clientWidth, height: plotDiv.clientHeight, narrow: app.narrow,
    showKnown: knownPointsHold(s.experiment), view: s.view,
  });
  plotDiv.classList.toggle("tall", Boolean(s.model.height));
  plotDiv.style.height = s.model.height ? `${s.model.height}px` : "";
  app.size = sizeKey();
  const minima = s.surface.minima.map((m) => m.value);
  const fStar = knownPointsHold(s.experiment) && minima.length ? Math.min(...minima) : null;
  s.loss = buildLossFigure({ runs, fStar, narrow: app.narrow, width: lossDiv.clientWidth, height: lossDiv.clientHeight });
  // Appended, so the trail and head indices hold; a heatmap draws under scatter traces anyway.
  s.model.data.push(...app.basins.traces(s, s.model), ...app.sweep.traces(s, s.model));
  if (!Plotly) {
    paintPreview(s);
    return;
  }
  clearPreview(plotDiv);
  clearPreview(lossDiv);
  const drawn = s;
  Promise.all([
    Plotly.react(plotDiv, s.model.data, s.model.layout, PLOT_CONFIG),
    Plotly.react(lossDiv, s.loss.data, s.loss.layout, LOSS_CONFIG),
    drawLrChart(runs, LOSS_CONFIG),
    app.data.draw({ surface: s.surface, runs, narrow: app.narrow }),
  ]).then(() => {
    if (!app.clickWired) {
      plotDiv.on("plotly_click", onPlotlyClick);
      plotDiv.on("plotly_hover", onPlotlyHover);
      plotDiv.on("plotly_unhover", () => {
        hovered3d = null;
      });
      app.clickWired = true;
    }
    if (app.shown !== drawn) return;
    renderFrame();
    app.renders += 1;
    plotDiv.dataset.renders = String(app.renders);
    plotDiv.dataset.painted = "1";
    runWaiting(app.waiting.splice(0));
  });
}

/** Does what waited for a figure, now that one is on screen. */
function runWaiting(entries) {
  if (entries.length && !app.pending) setBusy(false);
  for (const { action } of entries) action();
}

/**
 * Before plotly.js has run: the figure and the loss chart as pictures (preview.js), which the
 * player moves as it moves plotly's figures. plotly.js (about a second of the main thread) runs
 * once the person leaves the page alone, or at once when something needs it: a figure the
 * preview does not draw (side by side, 3-D, a basin map), the data set panel, the
 * learning-rate chart, a PNG export.
 */
function paintPreview(s) {
  if (!canPaint(s.model)) {
    // No stale picture of the previous figure while plotly comes.
    clearPreview(plotDiv);
    clearPreview(lossDiv);
    requestPlotly();
    return;
  }
  s.previewKey = null;
  paintPreviewAt(s, s.experiment.step || 0);
  plotDiv.dataset.painted = "1";
  // Play or a step pressed before this first picture happens on the preview, once show() has
  // given the player its runs.
  const [forPlotly, forPreview] = partition(app.waiting, (entry) => entry.plotly);
  app.waiting = forPlotly;
  queueMicrotask(() => runWaiting(forPreview));
  const others = s.surface.kind === "dataset" || s.result.runs.some((run) => run.lrs?.length);
  if (others) afterPaint().then(requestPlotly);
  else requestPlotlyWhenQuiet();
}

/**
 * The previews at `step`. Stopped, each is painted whole; playing, what moves is left out of
 * them and painted on the motion canvases, as over plotly's figures (so ranges stay put).
 */
function paintPreviewAt(s, step) {
  const playing = app.player.playing;
  const key = playing ? "playing" : step;
  if (s.previewKey !== key) {
    const image = s.surfaceData.cells?.canvas;
    paintFigure(plotDiv, s.model, { frame: frameUpdate(s.model, step), image, moving: !playing });
    paintFigure(lossDiv, s.loss, { frame: s.loss.frame(step), moving: !playing });
    s.previewKey = key;
  }
  if (playing) {
    motion.draw((ctx, full) => paintFrame(ctx, full, s.model, step));
    lossMotion.draw((ctx, full) => s.loss.paint(ctx, full, step));
  } else {
    motion.clear();
    lossMotion.clear();
  }
}

/**
 * Runs plotly.js once the pointer, the keys and the player have been still for QUIET_MS, so
 * its evaluation does not land on someone pressing Play or watching the paths move.
 */
function requestPlotlyWhenQuiet() {
  if (app.plotly || app.quiet) return;
  const events = ["pointermove", "pointerdown", "keydown", "wheel", "touchstart"];
  let timer = 0;
  const stop = () => {
    clearTimeout(timer);
    for (const type of events) window.removeEventListener(type, arm, true);
    app.quiet = null;
  };
  function arm() {
    clearTimeout(timer);
    // While the player runs, its stop arms the timer again (see setPlaying).
    timer = setTimeout(() => app.player.playing || requestPlotly(), QUIET_MS);
  }
  for (const type of events) window.addEventListener(type, arm, { capture: true, passive: true });
  app.quiet = { arm, stop };
  arm();
}

/** Runs plotly.js (once), then draws the interactive figures in place of the previews. */
function requestPlotly() {
  app.quiet?.stop();
  app.plotly ??= loadPlotly().then((loaded) => {
    Plotly = loaded;
    draw();
  }, (error) => {
    $("form-error").textContent = `The interactive plot could not load (${error.message}): the next thing that needs it tries again.`;
    $("form-error").hidden = false;
    // What waited for plotly will not happen now; whatever needs it next asks again.
    app.waiting.length = 0;
    app.plotly = null;
    if (!app.pending) setBusy(false);
  });
}

function partition(items, test) {
  const yes = [];
  const no = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

/**
 * Wraps a player action: it happens at once on plotly's figure or the preview; before the
 * first figure is on screen it waits for it (for plotly's, when the preview does not draw this
 * one). With `plotly`, the action needs plotly's own figure (an export).
 */
function whenDrawn(action, { plotly = false } = {}) {
  return (...args) => {
    if (plotDiv.data || (!plotly && previewLayout(plotDiv))) {
      action(...args);
      return;
    }
    app.waiting.push({ action: () => action(...args), plotly });
    // Say it is coming: the action happens once the preview or plotly has drawn.
    setBusy(true);
    if (plotly || !app.previewing) requestPlotly();
  };
}

function scheduleFrame() {
  const { step, last } = app.player;
  $("step-slider").value = String(step);
  $("step-readout").textContent = `step ${step} / ${last}`;
  if (app.framePending) return;
  app.framePending = true;
  requestAnimationFrame(() => {
    app.framePending = false;
    renderFrame();
  });
}

/**
 * Moves only the trails and heads. While playing they are painted on the motion canvases; when
 * the clock stops, plotly's own traces are moved to the step (so hover and exports see them).
 */
function renderFrame() {
  const s = app.shown;
  if (!s || !s.model || !s.model.tracks.length) return;
  const step = app.player.step;
  if (plotDiv.data) {
    // A run hidden from the legend stays hidden on the canvas.
    const hidden = (i) => plotDiv.data[s.model.trailIndex[i]]?.visible === "legendonly";
    const painted = app.player.playing
      && motion.draw((ctx, full) => paintFrame(ctx, full, s.model, step, hidden))
      && lossMotion.draw((ctx, full) => s.loss.paint(ctx, full, step));
    // The 3-D scene draws with WebGL, not elements the canvas can hide: its own trails and
    // heads are set aside once, when playing starts.
    if (painted && s.model.is3d && s.model.synced !== "playing") {
      moveTraces(plotDiv, restingFrame(s.model));
      s.model.synced = "playing";
    }
    if (!painted && s.model.synced !== step) {
      motion.clear();
      lossMotion.clear();
      moveTraces(plotDiv, frameUpdate(s.model, step));
      moveTraces(lossDiv, s.loss.frame(step));
      s.model.synced = step;
    }
  } else if (previewLayout(plotDiv)) {
    paintPreviewAt(s, step);
  } else {
    return;
  }
  app.data.frame(step);
  s.experiment.step = step;
  if (!app.player.playing) {
    scheduleUrlStep();
    inspect();
  }
}

/** The gradient check and backprop panels look at the first run's head (or the start point). */
function inspect() {
  const s = app.shown;
  if (!s) return;
  const first = s.result.runs[0];
  const point = first ? first.points[Math.min(app.player.step, first.points.length - 1)] : s.experiment.start;
  const surface = surfaceSpec(s.experiment);
  app.gradcheck.at(surface, point);
  app.backprop.at(surface, point);
}

/** One restyle of just the moving traces (trails and heads). */
function moveTraces(graph, { traces, indices }) {
  const update = {};
  for (const key of Object.keys(traces[0])) update[key] = traces.map((t) => t[key]);
  Plotly.restyle(graph, update, indices);
}

// ---- URL ------------------------------------------------------------------------------------

function writeUrl(mode) {
  const s = app.shown;
  if (!s) return;
  const url = `${location.pathname}?${toQuery({ ...s.experiment, step: app.player.step }, app.catalog)}`;
  if (url === location.pathname + location.search) return;
  if (mode === "push") history.pushState(null, "", url);
  else if (mode === "replace") history.replaceState(null, "", url);
}

function scheduleUrlStep() {
  clearTimeout(app.urlTimer);
  app.urlTimer = setTimeout(() => writeUrl("replace"), 400);
}

function experimentFromUrl() {
  const parsed = fromQuery(location.search, app.catalog);
  if (parsed && parsed.problems.length) toast(`This link has ${parsed.problems.join(" and ")}: left out, or defaults used.`);
  return parsed ? parsed.experiment : makeExperiment(app.catalog);
}

function load(experiment, history) {
  app.ui = {
    layout: experiment.layout, view: experiment.view, lesson: experiment.lesson,
    basins: experiment.basins, sweep: experiment.sweep,
  };
  app.controls.render(experiment);
  return run(experiment, history);
}

// ---- controls outside the form --------------------------------------------------------------

function setToggles(experiment, surface) {
  $("side-by-side").checked = experiment.layout === "side";
  $("view-3d").checked = experiment.view === "3d";
  $("view-3d").disabled = surface.dim === 1;
  $("view-3d").closest("label").title = surface.dim === 1 ? "The 3-D view needs a 2-D surface" : "";
  $("basin-map").checked = experiment.basins;
  $("basin-map").disabled = surface.dim === 1;
  $("basin-map").closest("label").title = surface.dim === 1 ? "The basin map needs a 2-D surface" : "";
}

function onToggle() {
  app.ui.layout = $("side-by-side").checked ? "side" : "overlay";
  app.ui.view = $("view-3d").checked ? "3d" : "2d";
  app.ui.basins = $("basin-map").checked;
  if (!app.shown) return;
  app.shown.experiment = { ...app.shown.experiment, layout: app.ui.layout, view: app.ui.view, basins: app.ui.basins };
  show({ ...app.shown, experiment: { ...app.shown.experiment, step: app.player.step } });
  writeUrl("replace");
}

/** The sweep panel's settings live in the experiment (so in the URL); null when it is closed. */
function setSweep(settings) {
  app.ui.sweep = settings;
  if (app.shown) app.shown.experiment = { ...app.shown.experiment, sweep: settings };
  writeUrl("replace");
}

/** "Use this learning rate": into that run's Learning rate field, then run again. */
function useLr(index, lr) {
  const input = $(`run-${index}-hp-lr`);
  if (!input) return;
  input.value = String(lr);
  $("controls").requestSubmit();
}

function recolour(index, colour) {
  const s = app.shown;
  if (!s || index >= s.experiment.runs.length) return;
  const runs = s.experiment.runs.map((run, i) => (i === index ? { ...run, colour } : run));
  s.experiment = { ...s.experiment, runs };
  clearTimeout(recolour.timer);
  recolour.timer = setTimeout(() => {
    draw();
    renderSummary($("summary").tBodies[0], decorate(s), app.catalog.optimizers);
    writeUrl("replace");
  }, 80);
}

function toast(message) {
  const box = $("toast");
  box.textContent = message;
  box.classList.add("show");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => box.classList.remove("show"), 3500);
}

async function copyLink() {
  writeUrl("replace");
  try {
    await navigator.clipboard.writeText(location.href);
    toast("Link copied: it opens this exact experiment.");
  } catch {
    toast(`Copy this link: ${location.href}`);
  }
}

function exportName() {
  return app.shown ? `gradscape-${app.shown.surface.id}` : "gradscape";
}

function onKey(event) {
  if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.target.closest("input, select, textarea, button, summary, a, [role=menu], [contenteditable]")) return;
  const jump = event.shiftKey ? 10 : 1;
  const action = {
    " ": () => app.player.toggle(),
    ArrowRight: () => app.player.forward(jump),
    ArrowLeft: () => app.player.back(jump),
  }[event.key];
  if (!action) return;
  event.preventDefault();
  whenDrawn(action)();
}

function setStartAndRun(point) {
  const round = (v) => Math.round(v * 1000) / 1000;
  const experiment = { ...app.controls.read(), ...app.ui, step: 0 };
  experiment.start = point.map(round);
  $("start-x").value = String(experiment.start[0]);
  if (experiment.start.length > 1) $("start-y").value = String(experiment.start[1]);
  run(experiment, "push");
}

/** The surface point under the pointer in the 3-D view (from plotly's hover), or null. */
let hovered3d = null;

/** On the 1-D curve plotly reports the clicked point itself (the 3-D view: see watchPress). */
function onPlotlyClick(event) {
  const point = event.points && event.points[0];
  const s = app.shown;
  if (!point || !s || s.model.is3d || !s.model.background.includes(point.curveNumber)) return;
  setStartAndRun([point.x]);
}

function onPlotlyHover(event) {
  const point = event.points && event.points[0];
  const s = app.shown;
  const onSurface = point && s && s.model.is3d && s.model.background.includes(point.curveNumber);
  hovered3d = onSurface ? [point.x, point.y] : null;
}

/**
 * A click on the 3-D surface starts a run there; a drag only turns the view. plotly's own 3-D
 * click comes (if at all) while the button is still down, before a drag can be told from a
 * click, so the page decides on the button's release, from where it went down and the surface
 * point last hovered.
 */
function watchPress() {
  let down = null;
  plotDiv.addEventListener("pointerdown", (event) => {
    // On the scene itself, not its legend or mode bar.
    down = event.target.closest(".gl-container") ? [event.clientX, event.clientY] : null;
  }, true);
  // On the window: a drag that turns the view can end outside the plot.
  window.addEventListener("pointerup", (event) => {
    const still = down && Math.hypot(event.clientX - down[0], event.clientY - down[1]) < 5;
    down = null;
    if (still && hovered3d && app.shown?.model.is3d && event.button === 0) setStartAndRun(hovered3d);
  }, true);
}

function sizeKey() {
  return [plotDiv.clientWidth, plotDiv.classList.contains("tall") ? 0 : plotDiv.clientHeight, lossDiv.clientWidth].join("x");
}

/** Containers change size with the window, the lesson panel and the layout: redraw to fit. */
function watchSize() {
  const observer = new ResizeObserver(() => {
    clearTimeout(watchSize.timer);
    watchSize.timer = setTimeout(() => {
      if (app.shown && sizeKey() !== app.size) draw();
    }, 120);
  });
  observer.observe(plotDiv.parentElement);
  observer.observe(lossDiv);
}

function wire() {
  const { player } = app;
  $("play").addEventListener("click", whenDrawn(() => player.play()));
  $("pause").addEventListener("click", whenDrawn(() => player.pause()));
  $("step-forward").addEventListener("click", whenDrawn(() => player.forward()));
  $("step-back").addEventListener("click", whenDrawn(() => player.back()));
  $("reset").addEventListener("click", whenDrawn(() => player.reset()));
  $("step-slider").addEventListener("input", whenDrawn((event) => {
    player.pause();
    player.seek(Number(event.target.value));
  }));
  $("speed").addEventListener("change", (event) => player.setSpeed(Number(event.target.value)));
  $("side-by-side").addEventListener("change", onToggle);
  $("view-3d").addEventListener("change", onToggle);
  $("basin-map").addEventListener("change", onToggle);
  // Paused first: while playing, plotly's own trails wait at the step Play was pressed at.
  $("export-png").addEventListener("click", whenDrawn(() => {
    player.pause();
    if (app.shown) exportPng(exportName(), plotDiv);
  }, { plotly: true }));
  $("export-json").addEventListener("click", () => {
    if (app.shown) exportJson(exportName(), requestsFor(app.shown.experiment), app.shown.result);
  });
  $("export-csv").addEventListener("click", () => app.shown && exportCsv(exportName(), app.shown.result));
  $("copy-link").addEventListener("click", copyLink);
  $("close-lesson").addEventListener("click", () => {
    app.ui.lesson = null;
    if (app.shown) app.shown.experiment = { ...app.shown.experiment, lesson: null };
    renderLesson(null);
    writeUrl("replace");
  });
  document.addEventListener("keydown", onKey);
  watchPointer(plotDiv, {
    shown: () => (app.shown && app.shown.model.dim === 2 && !app.shown.model.is3d ? app.shown : null),
    readout: $("cursor-readout"),
    onPick: (point) => setStartAndRun(app.basins.snap(app.shown, point)),
  });
  window.addEventListener("popstate", () => load(experimentFromUrl(), "none"));
  watchSize();
  watchPress();
  // The preview's legend is a picture: a click on it (or anywhere off the plotting area)
  // asks for plotly's interactive figure at once.
  plotDiv.addEventListener("click", (event) => {
    const full = previewLayout(plotDiv);
    if (!full || !event.target.matches("canvas.preview")) return;
    const box = event.target.getBoundingClientRect();
    const [x, y] = [event.clientX - box.left, event.clientY - box.top];
    const inside = (axis, v) => v >= axis._offset && v <= axis._offset + axis._length;
    if (!(inside(full.xaxis, x) && inside(full.yaxis, y))) requestPlotly();
  });
  createLessonMenu({
    onPick: (lesson) => {
      const experiment = makeExperiment(app.catalog, { ...lesson.experiment, lesson: lesson.id });
      load(experiment, "push");
      $("main").focus({ preventScroll: true });
    },
  });
}

function setPlaying(playing) {
  $("play").disabled = playing;
  $("pause").disabled = !playing;
  // Stopped: plotly's own trails and heads take over from the motion canvas at once.
  if (!playing) {
    renderFrame();
    app.quiet?.arm();
  }
}

async function start() {
  setBusy(true);
  let surfaces;
  let optimizers;
  let datasets;
  let custom;
  try {
    [surfaces, optimizers, custom] = await Promise.all([getJson("/surfaces"), getJson("/optimizers"), seedCustom(location.search)]);
    datasets = await loadDatasets(surfaces.datasets || []);
  } catch (error) {
    setBusy(false);
    $("form-error").textContent = `Could not load the surfaces and optimizers: ${error.message}`;
    $("form-error").hidden = false;
    document.body.dataset.state = "error";
    return;
  }
  app.catalog = makeCatalog([...surfaces.surfaces, ...datasets], optimizers.optimizers);
  app.data = createDataPanel();
  if (custom) app.catalog.surfaces.set(CUSTOM, custom);
  app.gradcheck = createGradcheckPanel();
  app.backprop = createBackpropPanel();
  app.player = createPlayer({ onStep: scheduleFrame, onStateChange: setPlaying });
  app.controls = createControls({
    catalog: app.catalog,
    onRun: (experiment) => run({ ...experiment, ...app.ui, step: 0 }, "push"),
    onSurfaceChange: (experiment) => {
      app.ui.lesson = null;
      run({ ...experiment, ...app.ui, step: 0 }, "push");
    },
    onColour: recolour,
  });
  app.basins = createBasinMap({ catalog: app.catalog, onChange: draw });
  app.sweep = createSweep({
    catalog: app.catalog, getShown: () => app.shown, onSettings: setSweep, onFan: draw, onUse: useLr,
  });
  wire();
  setPlaying(false);
  await load(experimentFromUrl(), "replace");
}

start();
