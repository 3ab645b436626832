// Running an experiment and showing it. A run's answers from the API (trajectories, its
// surface, a grid) go into the store as what is on screen, one run at a time (a new one aborts
// the one before). What is on screen follows the store: a new result or page setting redraws,
// in this order, the toggles and notes, the lesson, the table (before the figures, so the first
// paint shows it), the figures, the basin map and the sweep (which read the figure just built),
// the player at the store's step, then the gradient check and backprop cards at the first
// run's head.

import { ApiError, fetchGrid, fetchTrajectories } from "./api.js";
import { affordableResolution } from "./config.js";
import { $ } from "./dom.js";
import { surfaceRecord } from "./panels/custom.js";
import { surfaceFor } from "./panels/data.js";
import { loadPlayer } from "./panels/figure.js";
import { inspectedPoint } from "./panels/gradcheck.js";
import { lessonById, renderLesson } from "./panels/lessons.js";
import { renderSummary, renderSummaryMessage } from "./panels/summary.js";
import { viewWindow } from "./render/plots.js";
import { decorate } from "./render/renderer.js";
import { surfaceSpec } from "./state.js";
import { splitExperiment } from "./store.js";

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** How long live edits must pause before plotly draws their last answer (until then the
 *  renderer paints each answer on its canvas: one plotly update costs tens of ms). */
const LIVE_QUIET_MS = 250;

/** The grid of `surface` over `view` for `experiment` (cached by the API client). */
function loadGrid(experiment, surface, view, signal) {
  const body = {
    surface: surfaceSpec(experiment),
    resolution: affordableResolution(surface, surface.dim === 1 ? 400 : 200),
    encoding: surface.dim === 1 ? "json" : "binary",
  };
  const sameAsDefault = Object.keys(view).every(
    (axis) => view[axis][0] === surface.window[axis][0] && view[axis][1] === surface.window[axis][1],
  );
  if (!sameAsDefault) body.window = view;
  return fetchGrid(body, signal);
}

export function setBusy(busy) {
  $("busy").hidden = !busy;
  document.body.dataset.busy = String(busy);
  $("main").setAttribute("aria-busy", String(busy));
}

/** `controls` is the form, `renderer` draws, `player` is paused when a run starts. */
export function createLab({ store, controls, player, renderer }) {
  let pending = null;

  /** Puts a result on screen; `history` says how the URL follows, `live` that a setting moved. */
  function show(experiment, rest, history, live = false) {
    const { ui, rest: run } = splitExperiment(experiment);
    store.update({ shown: { experiment: run, ...rest }, ui, step: experiment.step || 0 }, { because: "show", history, live });
    document.body.dataset.state = rest.result.runs.length ? "ready" : "error";
  }

  /**
   * Runs `experiment` (page settings included) and shows it. With `live` (a setting moved while
   * Live is on) the player keeps playing and its place, and the view stays where it is on the
   * same surface, so the paths change under a still frame.
   */
  async function run(experiment, history, { live = false } = {}) {
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    if (!live) {
      player.pause();
      liveSession = false;
      // Run pressed, a link or a lesson: plotly draws from now on, the live canvas is done.
      clearTimeout(quiet);
      renderer.hold(false);
    }
    setBusy(true);
    controls.clearErrors();
    renderer.prepare(experiment);
    // A custom formula is resolved first, so a bad one is named at its input and draws nothing.
    let surface = null;
    try {
      surface = await surfaceRecord(store.state.catalog, experiment, controller.signal);
      const trajectories = fetchTrajectories(experiment, controller.signal);
      // With a data set's own settings (n) its record, and so its grid's affordable resolution.
      const resolved = surfaceFor(store.state.catalog, experiment, controller.signal);
      // Most paths stay inside the surface's window: fetch its grid while the runs compute.
      resolved.then((shown) => loadGrid(experiment, shown, shown.window, controller.signal)).catch(() => {});
      const result = await trajectories;
      const shownSurface = await resolved;
      const before = store.state.shown;
      const sameSurface = live && before && sameJson(surfaceSpec(before.experiment), surfaceSpec(experiment));
      const view = sameSurface ? before.view : viewWindow(shownSurface, result.runs);
      const grid = await loadGrid(experiment, shownSurface, view, controller.signal);
      if (pending !== controller) return;
      controls.setStale(false);
      show(experiment, { result, surface: shownSurface, view, surfaceData: grid }, history, live);
    } catch (error) {
      if (error.name === "AbortError") return;
      renderer.forget();
      if (!(error instanceof ApiError)) throw error;
      controls.showErrors(error, { quiet: live });
      document.body.dataset.state = "error";
      const { shown } = store.state;
      if (surface && (!shown || shown.surface.id !== surface.id)) await showSurfaceOnly(experiment, surface, controller.signal);
    } finally {
      if (pending === controller) {
        pending = null;
        setBusy(false);
      }
    }
  }

  /** After an error on a new surface: draw the surface anyway, never a blank plot. */
  async function showSurfaceOnly(experiment, surface, signal) {
    try {
      const grid = await loadGrid({ ...experiment, surfaceParams: {} }, surface, surface.window, signal);
      show(experiment, { result: { runs: [] }, surface, view: { ...surface.window }, surfaceData: grid }, null);
      renderSummaryMessage($("summary").tBodies[0], "No results: fix the highlighted setting and press Run.");
    } catch (error) {
      if (error.name === "AbortError") return;
      $("form-error").textContent = error.message;
      $("form-error").hidden = false;
    }
  }

  /** Opens `experiment` (from a link, a lesson, the back button): the form shows it, then it runs. */
  function load(experiment, history) {
    store.update({ ui: splitExperiment(experiment).ui }, { because: "load" });
    controls.render(experiment);
    return run(experiment, history);
  }

  let liveNext = null;
  let livePumping = false;
  /** Whether the history entry on screen is a live one (a burst of edits shares one entry). */
  let liveSession = false;

  /**
   * A setting moved with Live on: latest wins. One request is in flight at a time; edits made
   * meanwhile replace each other, and the newest is sent when the answer is on screen. The link
   * follows in one history entry per burst of edits, so a drag is one Back press, not a hundred.
   */
  function live(experiment) {
    clearTimeout(quiet);
    // Answers go onto the renderer's canvas while edits keep coming; plotly draws the last one
    // once they stop (see quietly).
    renderer.hold(true);
    liveNext = experiment;
    if (!livePumping) pumpLive();
  }

  let quiet = 0;
  let dragging = false;

  /** Edits have stopped for LIVE_QUIET_MS (and no drag goes on): plotly draws what is shown. */
  function quietly() {
    clearTimeout(quiet);
    quiet = setTimeout(() => {
      if (!dragging && !livePumping) renderer.hold(false);
    }, LIVE_QUIET_MS);
  }

  async function pumpLive() {
    livePumping = true;
    try {
      while (liveNext) {
        const next = liveNext;
        liveNext = null;
        // The first edit of a burst adds a history entry (Back undoes the burst); the rest replace it.
        const history = liveSession ? "replace" : "push";
        liveSession = true;
        await run({ ...next, ...store.state.ui, step: store.state.step }, history, { live: true });
      }
    } finally {
      livePumping = false;
      for (const done of liveIdle.splice(0)) done();
      quietly();
    }
  }

  /** Calls `done` once no live request is in flight or waiting. */
  const liveIdle = [];
  function whenLiveIdle(done) {
    if (livePumping) liveIdle.push(done);
    else done();
  }

  /**
   * The start marker dragged on the contour: the paths follow it live (whether or not Live is on:
   * a drag is asked for by the hand on the marker). While the drag goes on the renderer paints the
   * answers on its canvas and plotly's figure waits; at the end plotly draws the last one.
   */
  function dragStart(point, phase) {
    if (phase === "start") {
      dragging = true;
      clearTimeout(quiet);
      renderer.hold(true);
    }
    if (point) {
      const start = point.map((v) => Math.round(v * 1000) / 1000);
      controls.setStart(start);
      if (phase !== "start") live({ ...controls.read(), start });
    }
    if (phase === "end") {
      dragging = false;
      whenLiveIdle(() => renderer.hold(false));
    }
  }

  /** Run pressed (or another surface picked): the form's experiment with the page settings. */
  function runForm(experiment) {
    run({ ...experiment, ...store.state.ui, step: 0 }, "push");
  }

  /** The form's experiment with the page settings, from step 0. */
  function fromForm() {
    return { ...controls.read(), ...store.state.ui, step: 0 };
  }

  /** A click on the figure: the form's experiment from `point` (rounded to 3 decimals). */
  function runFrom(point) {
    const start = point.map((v) => Math.round(v * 1000) / 1000);
    controls.setStart(start);
    run({ ...fromForm(), start }, "push");
  }

  let recolouring = 0;

  /** A run's colour is only drawing: the result on screen takes it, without a new run. */
  function recolour(index, colour) {
    clearTimeout(recolouring);
    recolouring = setTimeout(() => {
      const { shown } = store.state;
      if (!shown || index >= shown.experiment.runs.length) return;
      const runs = shown.experiment.runs.map((r, i) => (i === index ? { ...r, colour } : r));
      store.update({ shown: { ...shown, experiment: { ...shown.experiment, runs } } }, { because: "colour", history: "replace" });
    }, 80);
  }

  return { run, load, live, dragStart, runForm, runFrom, recolour, isPending: () => Boolean(pending) };
}

// ---- what is on screen follows the store ---------------------------------------------------

/** What the panels are given: the store's shown, the whole experiment and the figure's model. */
export function screenOf(store, renderer) {
  const { shown } = store.state;
  return shown && { ...shown, experiment: store.experiment(), model: renderer.figure()?.model };
}

/** `panels`: {view, basins, sweep, cards: [gradcheck, backprop]}. Returns `inspect()`. */
export function followScreen({ store, renderer, player, panels }) {
  const { view, basins, sweep, cards } = panels;

  function summary() {
    const { result } = store.state.shown;
    if (result.runs.length) renderSummary($("summary").tBodies[0], decorate(store.experiment(), result), store.state.catalog.optimizers);
  }

  function inspect() {
    const shown = screenOf(store, renderer);
    for (const card of cards) card.at(surfaceSpec(shown.experiment), inspectedPoint(shown, player.step));
  }

  function show(state) {
    view.render(state);
    renderLesson(lessonById(state.ui.lesson), state.shown.result.runs.length ? state.shown.result : null);
    summary();
    renderer.draw();
    basins.sync(screenOf(store, renderer));
    sweep.sync(screenOf(store, renderer));
    loadPlayer(player, state.shown.result, state.step);
    // The clock keeps its step within the runs: the store (and the link) has the one it took.
    if (player.step !== store.state.step) store.update({ step: player.step }, { because: "step" });
    inspect();
  }

  store.subscribe((state, { because }) => {
    if (because === "lesson") renderLesson(null);
    if (!state.shown) return;
    if (because === "show" || because === "ui") show(state);
    if (because === "colour") {
      renderer.draw();
      summary();
    }
  });
  return { inspect };
}
