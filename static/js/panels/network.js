// A "Network" landscape: a small multilayer perceptron trained on a generated 2-D (or 1-D) data
// set with the run cards' optimizers (POST /networks/train). Picked from the surface menu's
// "Networks" group, it swaps the surface's settings and figure for the data set, architecture
// and training fields, one decision-boundary panel per run (moved by the player: the snapshot
// nearest the step), the loss and accuracy curves, each layer's gradient norm at the step, and
// the loss on a plane through the parameters with the paths on it (panels/network-landscape.js).
// The form is network-form.js's. The player, the run cards, Run, Live and the busy spinner are
// the page's own. After each answer it writes the experiment into the URL (network-url.js); its
// exports are network-exports.js's, a seed lesson's table network-seeds.js's.

import { ApiError, postNetworkTrain } from "../api.js";
import { $, el } from "../dom.js";
import { fmt, parseNumber } from "../format.js";
import { onFigure, react, relayout, restyleTraces } from "../render/plotly.js";
import { buildBoundaryFigure, buildCurvesFigure, boundaryZ, nearestSnapshot, stepLinePlace } from "../render/network-plots.js";
import { paintRegion } from "../render/network-region.js";
import { lessonById } from "./lessons.js";
import { NETWORK_DATASETS, datasetOf, exampleSteps, networkRuns, networkSpec, readSpec, renderForm } from "./network-form.js";
import { createNetworkBackprop, snapshotsAffordable } from "./network-backprop.js";
import { createLandscapeView } from "./network-landscape.js";
import { wireNetworkExports } from "./network-exports.js";
import { seedTable, trainSeeds } from "./network-seeds.js";
import { lossNoiseTable, pct, renderGradientNorms } from "./network-tables.js";
import { NETWORK_PREFIX, networkFromQuery, networkToQuery } from "./network-url.js";
import { scheduleRequest } from "./schedule.js";
import { DEFAULT_OPTIMIZERS } from "../state.js";

export { NETWORK_PREFIX };
export { networkFieldIdFor, networkOptgroup } from "./network-form.js";

/** How long the step waits after the player stops before it goes into the URL. */
const STEP_MS = 400;
/** How long the step waits before plotly's (transparent) boundary values under the pointer
 *  follow the painted ones: once the player rests, not every frame. */
const HOVER_MS = 150;
/** Boundary grid points per axis: 40 x 40 painted smooth looks as 60 x 60 did, for under half
 *  the prediction, bytes and decoding (the default experiment: 2.7 MB against 5.9 MB). */
const BOUNDARY_RESOLUTION = 40;

/** Live re-trains while steps x runs x examples stays at most this (the default experiment,
 *  3 runs x 500 steps x 200 examples, redraws about 0.3 s after a change: bench.page); above
 *  it, Run. */
export const LIVE_EXAMPLE_STEPS = 300_000;

/**
 * `controls`: the form ({readRuns, setRuns, showErrors, clearErrors, setStale}), `player` the
 * page's clock, `setBusy` the page's busy state, `catalog` the optimizers.
 */
export function createNetworkPanel({ catalog, controls, player, setBusy }) {
  let active = false;
  let pending = null;
  let liveNext = null;
  let pumping = false;
  /** What is on screen: {answer (its runs with colours), classes, last, figures: [{div, canvas,
   *  index (the snapshot painted), hoverIndex (the one plotly holds)}], sent: {spec, runs,
   *  requests} (what was trained, for the URL and the exports)}. */
  let shown = null;
  let lesson = null;
  /** What each boundary figure shows (see show): plotly div -> its examples, grid and classes. */
  const drawnKeys = new WeakMap();
  wireNetworkExports(() => (shown?.sent ? { requests: shown.sent.requests, answer: shown.answer, dataset: shown.sent.spec.dataset } : null));
  const backprop = createNetworkBackprop({ onExample: ringExample });
  const landscapeView = createLandscapeView({ onPlane: () => train() });

  function setMode(on) {
    active = on;
    document.body.dataset.kind = on ? "network" : "surface";
    for (const node of document.querySelectorAll("#controls .surface-only")) node.hidden = on;
    for (const node of document.querySelectorAll(".network-only")) node.hidden = !on;
  }

  /** The request bodies of the form: one per distinct run batch size, with the runs' indices. */
  function requests() {
    const num = (id) => parseNumber($(id).value);
    const hiddenText = $("net-hidden").value.trim();
    const hidden = hiddenText === "" ? [] : hiddenText.split(/[,\s]+/).filter(Boolean).map(parseNumber);
    const params = { n: num("net-n") ?? 200, seed: num("net-data-seed") ?? 0 };
    if (num("net-noise") !== null) params.noise = num("net-noise");
    const shared = num("net-batch-size");
    const base = {
      data: { id: $("surface").value.slice(NETWORK_PREFIX.length), params, test_fraction: num("net-test-fraction") ?? 0.25 },
      model: { hidden, activation: $("net-activation").value, seed: num("net-init-seed") ?? 0 },
      steps: num("net-steps"),
      shuffle_seed: num("net-shuffle-seed") ?? 0,
      resolution: BOUNDARY_RESOLUTION,
    };
    const dataset = datasetOf(base.data.id);
    const sizes = [dataset?.classes === 0 ? 1 : 2, ...hidden, dataset?.classes || 1];
    const runs = controls.readRuns();
    const groups = new Map();
    runs.forEach((run, i) => {
      const size = run.batchSize ?? shared;
      const key = JSON.stringify(size);
      if (!groups.has(key)) groups.set(key, { batch_size: size, indices: [], runs: [] });
      const group = groups.get(key);
      group.indices.push(i);
      group.runs.push({
        optimizer: run.optimizer,
        hyperparameters: Object.fromEntries(Object.entries(run.hyperparameters).filter(([, v]) => v !== null && v !== "")),
        label: run.label,
        ...(scheduleRequest(run.schedule) ? { schedule: scheduleRequest(run.schedule) } : {}),
      });
    });
    // The landscape rides with the first request: its plane is of those runs' paths.
    return {
      runs,
      groups: [...groups.values()].map((g, j) => ({
        indices: g.indices,
        body: { ...base, batch_size: g.batch_size, runs: g.runs, include_parameters: snapshotsAffordable(sizes, g.runs.length, base.steps), ...(j === 0 ? { landscape: landscapeView.request() } : {}) },
      })),
    };
  }

  /** Trains the form's experiment and shows it; `history`: how the URL follows ("push",
   *  "replace", or null to leave it), `step`: where the player starts. */
  async function train({ live = false, history = live ? "replace" : "push", step = 0 } = {}) {
    pending?.abort();
    // The step of what was on screen must not be written over a link being opened.
    clearTimeout(stepTimer);
    seedsPending?.abort();
    const controller = new AbortController();
    pending = controller;
    if (!live) player.pause();
    busy(true);
    controls.clearErrors();
    try {
      const { runs, groups } = requests();
      const sent = { spec: readSpec(), runs, requests: groups.map((g) => g.body) };
      const answers = await Promise.allSettled(groups.map((g) => postNetworkTrain(g.body, controller.signal)));
      const failed = answers.filter((a) => a.status === "rejected").map((a) => a.reason);
      if (failed.length) {
        const other = failed.find((e) => !(e instanceof ApiError));
        if (other) throw other;
        const fieldErrors = [];
        answers.forEach((a, j) => {
          if (a.status !== "rejected") return;
          for (const e of a.reason.fieldErrors) {
            const [body, head, k, ...rest] = e.loc;
            const loc = head === "runs" && typeof k === "number" ? [body, head, groups[j].indices[k], ...rest] : e.loc;
            fieldErrors.push({ loc, msg: e.msg });
          }
        });
        throw new ApiError(failed.map((e) => e.message).join("; "), fieldErrors);
      }
      if (pending !== controller) return;
      const merged = [];
      groups.forEach((g, j) => g.indices.forEach((i, k) => (merged[i] = { ...answers[j].value.runs[k], colour: runs[i].colour })));
      controls.setStale(false);
      await show({ ...answers[0].value, runs: merged, landscapeRuns: groups[0].indices }, live, groups[0].body, step);
      shown.sent = sent;
      writeUrl(history);
      renderLessonTable();
    } catch (error) {
      if (error.name === "AbortError") return;
      if (!(error instanceof ApiError)) throw error;
      controls.showErrors(error, { quiet: live });
      document.body.dataset.state = "error";
    } finally {
      if (pending === controller) {
        pending = null;
        busy(false);
      }
    }
  }

  function busy(on) {
    $("net-busy").hidden = !on;
    setBusy(on);
  }

  async function pump() {
    pumping = true;
    try {
      while (liveNext) {
        liveNext = null;
        await train({ live: true });
      }
    } finally {
      pumping = false;
    }
  }

  // ---- what is on screen ------------------------------------------------------------------

  async function show(answer, live, base, startStep = 0) {
    const last = Math.max(0, ...answer.runs.map((r) => r.losses.length - 1));
    const classes = answer.sizes.length && answer.grid.y !== null ? Math.max(2, answer.sizes[answer.sizes.length - 1]) : 0;
    const box = $("net-boundaries");
    if (box.children.length !== answer.runs.length) {
      box.replaceChildren(...answer.runs.map((_, i) => el("div", { class: "net-panel" }, [
        el("h3", { id: `net-title-${i}` }, [el("span", { class: "swatch", "aria-hidden": "true" }), el("span", { class: "net-label" })]),
        el("div", { class: "net-plot-box" }, [
          el("canvas", { class: "net-region", id: `net-region-${i}`, "aria-hidden": "true" }),
          el("div", { class: "net-plot", id: `net-plot-${i}`, role: "region" }),
        ]),
        el("p", { class: "net-metrics", id: `net-metrics-${i}` }),
      ])));
    }
    const step = Math.min(live ? player.step : startStep, last);
    shown = { answer, classes, last, figures: [] };
    // The examples and axes as drawn: a new answer on the same data (a learning rate moved) keeps
    // plotly's figure, and only its regions are painted again (its values under the pointer
    // follow once the page rests).
    const figureKey = JSON.stringify([answer.data, answer.grid, classes]);
    const draws = answer.runs.map((run, i) => {
      const panel = box.children[i];
      panel.style.setProperty("--run-colour", run.colour);
      panel.querySelector(".net-label").textContent = run.label;
      const div = $(`net-plot-${i}`);
      div.setAttribute("aria-label", `Decision boundary: ${run.label}`);
      const index = nearestSnapshot(run.snapshots.steps, step);
      const figure = buildBoundaryFigure({ answer, run, index, classes });
      const kept = classes > 0 && div.data && drawnKeys.get(div) === figureKey;
      shown.figures.push({ div, canvas: $(`net-region-${i}`), index, hoverIndex: kept ? -1 : index });
      if (kept) return null;
      drawnKeys.set(div, figureKey);
      div.dataset.boundaryStep = String(run.snapshots.steps[index]);
      return react(div, figure.data, figure.layout, { displayModeBar: false, responsive: true }).then(() => onTrainClick(div));
    });
    const curves = buildCurvesFigure({ runs: answer.runs, classification: classes > 0 });
    draws.push(react($("net-curves"), curves.data, curves.layout, { displayModeBar: false, responsive: true }));
    draws.push(landscapeView.show(answer.landscape, answer.landscapeRuns.map((i) => answer.runs[i]), step, answer.runs.length));
    $("net-note").textContent = `${answer.sizes.join("–")} network, ${answer.parameter_count} parameters; ${answer.data.train.y.length} training examples (filled), ${answer.data.test.y.length} test (hollow).`;
    $("step-slider").max = String(last);
    player.load(last, step);
    backprop.load(answer, base);
    await Promise.all(draws);
    // A resize (or any redraw) moves the axes: the regions and the step's line follow them.
    shown.figures.forEach((figure, i) => follow(figure.div, () => paint(i)));
    follow($("net-curves"), () => placeStepLine(player.step));
    shown.figures.forEach((_, i) => paint(i));
    placeStepLine(player.step);
    frame(player.step);
    if (shown.figures.some((f) => f.hoverIndex !== f.index)) {
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(syncHover, HOVER_MS);
    }
    const stage = $("net-stage");
    stage.dataset.renders = String(Number(stage.dataset.renders || 0) + 1);
    document.body.dataset.state = "ready";
  }

  let framePending = false;
  let stepTimer = 0;
  /** The player moved: the slider and readout now, the figures at the next animation frame. */
  function frame() {
    clearTimeout(stepTimer);
    stepTimer = setTimeout(() => writeUrl("replace"), STEP_MS);
    $("step-slider").value = String(player.step);
    $("step-readout").textContent = `step ${player.step} / ${player.last}`;
    if (framePending || !shown) return;
    framePending = true;
    requestAnimationFrame(() => {
      framePending = false;
      drawStep(player.step);
    });
  }

  /** Calls `handler` after each of plotly's redraws of `div` (once per div). */
  function follow(div, handler) {
    if (div.dataset.follows) return;
    div.dataset.follows = "1";
    onFigure(div, "plotly_afterplot", handler);
  }

  /** Run `i`'s regions at its snapshot on screen, painted under its figure (none for regression). */
  function paint(i) {
    const figure = shown?.figures[i];
    if (!figure) return;
    if (!shown.classes) {
      figure.canvas.width = 0;
      return;
    }
    const run = shown.answer.runs[i];
    const z = boundaryZ(run.snapshots.boundary[figure.index], shown.classes);
    if (paintRegion(figure.canvas, figure.div, { grid: shown.answer.grid, z, classes: shown.classes })) {
      figure.canvas.dataset.step = String(run.snapshots.steps[figure.index]);
    }
  }

  function placeStepLine(step) {
    const place = stepLinePlace($("net-curves"), step);
    const line = $("net-step-line");
    line.hidden = !place;
    if (!place) return;
    line.style.left = `${place.left}px`;
    line.style.top = `${place.top}px`;
    line.style.height = `${place.height}px`;
    line.dataset.step = String(step);
  }

  let hoverTimer = 0;
  /** The player rests: plotly's values under the pointer are the snapshots painted. */
  function syncHover() {
    if (!shown) return;
    shown.figures.forEach((figure, i) => {
      if (figure.hoverIndex === figure.index || !figure.div.data) return;
      figure.hoverIndex = figure.index;
      const run = shown.answer.runs[i];
      restyleTraces(figure.div, [{ z: boundaryZ(run.snapshots.boundary[figure.index], shown.classes) }], [0]);
      figure.div.dataset.boundaryStep = String(run.snapshots.steps[figure.index]);
    });
  }

  function drawStep(step) {
    if (!shown || !shown.figures.length || !shown.figures[0].div.data) return;
    const { answer, classes } = shown;
    answer.runs.forEach((run, i) => {
      const figure = shown.figures[i];
      const index = nearestSnapshot(run.snapshots.steps, step);
      if (index !== figure.index) {
        figure.index = index;
        if (classes) paint(i);
        else {
          // Regression: the prediction's line is plotly's own.
          figure.hoverIndex = index;
          restyleTraces(figure.div, [{ y: boundaryZ(run.snapshots.boundary[index], classes) }], [0]);
          figure.div.dataset.boundaryStep = String(run.snapshots.steps[index]);
        }
      }
      const k = Math.min(step, run.losses.length - 1);
      const parts = [`step ${k} (boundary at ${run.snapshots.steps[index]})`, `loss ${fmt(run.losses[k])}`];
      if (run.test_losses) parts.push(`test ${fmt(run.test_losses[k])}`);
      if (run.accuracies) parts.push(`accuracy ${pct(run.accuracies[k])}`);
      if (run.test_accuracies) parts.push(`test ${pct(run.test_accuracies[k])}`);
      if (run.status !== "max_steps" && k >= run.losses.length - 1) parts.push(run.message);
      $(`net-metrics-${i}`).textContent = parts.join(" · ");
    });
    clearTimeout(hoverTimer);
    if (classes) hoverTimer = setTimeout(syncHover, HOVER_MS);
    placeStepLine(step);
    renderGradientNorms($("net-gradnorms"), shown.answer, step);
    backprop.step(step);
    landscapeView.frame(step);
  }

  /** The Backprop card's example, ringed on every boundary panel. */
  function ringExample(index) {
    if (!shown) return;
    const { train } = shown.answer.data;
    const regression = shown.answer.grid.y === null;
    const [x, y] = regression ? [train.x[index][0], train.y[index]] : train.x[index];
    const ring = {
      type: "circle", xref: "x", yref: "y", xsizemode: "pixel", ysizemode: "pixel", xanchor: x, yanchor: y,
      x0: -7, x1: 7, y0: -7, y1: 7, line: { color: "#102a43", width: 2 },
    };
    for (const { div } of shown.figures) if (div.data) relayout(div, { shapes: [ring] });
  }

  /** A click on a filled (training) point inspects that example. */
  function onTrainClick(div) {
    if (div.dataset.inspects) return;
    div.dataset.inspects = "true";
    div.on("plotly_click", (event) => {
      const point = event.points.find((p) => p.data.uid === "train");
      if (point) backprop.pickExample(point.pointNumber);
    });
  }

  let seedsPending = null;
  /** The lesson's seed table: its first run from each seed (network-seeds.js), filled in
   *  when they have all trained; a new experiment abandons it. */
  async function compareSeeds(box, seeds) {
    seedsPending?.abort();
    const controller = new AbortController();
    seedsPending = controller;
    box.replaceChildren(el("p", { class: "hint", text: `Training from init seeds ${seeds.join(", ")}…` }));
    try {
      const trained = await trainSeeds(shown.sent.requests[0], seeds, controller.signal);
      if (seedsPending === controller) box.replaceChildren(seedTable(trained));
    } catch (error) {
      if (error.name === "AbortError") return;
      box.replaceChildren(el("p", { class: "field-error", text: `The seeds could not be trained: ${error.message}` }));
    }
  }

  /** A network lesson's table: the seeds compared, or each run's loss noise. */
  function renderLessonTable() {
    const box = $("lesson-checkpoints");
    if (!lesson || !shown || lesson.view === "backprop") return;
    if (lesson.network.seeds) {
      compareSeeds(box, lesson.network.seeds);
      return;
    }
    box.replaceChildren(lossNoiseTable(shown.answer.runs));
  }

  // ---- entering, leaving, lessons ---------------------------------------------------------

  /** The surface menu picked a network data set: its defaults, keeping the architecture. */
  function pick(value) {
    const dataset = datasetOf(value.slice(NETWORK_PREFIX.length));
    const wasActive = active;
    if (!wasActive) {
      setMode(true);
      controls.setRuns(networkRuns(catalog, controls.readRuns().map((run) => ({ ...run, hyperparameters: {}, batchSize: null }))));
      renderForm(networkSpec({ dataset: dataset.id }));
    } else {
      renderForm({ ...readSpec(), dataset: dataset.id, noise: dataset.noise });
    }
    if (lesson) dropLesson();
    train();
  }

  function dropLesson() {
    seedsPending?.abort();
    lesson = null;
    $("lesson").hidden = true;
  }

  /** The lesson's Close button: the experiment stays, the URL loses the lesson. */
  function closeLesson() {
    if (!lesson) return;
    dropLesson();
    writeUrl("replace");
  }

  /** The experiment on screen (as trained, with the lesson open and the step) into the URL. */
  function writeUrl(mode) {
    if (!mode || !active || !shown?.sent) return;
    const { spec, runs } = shown.sent;
    const plane = shown.answer.landscape?.plane;
    const query = networkToQuery({ spec, runs, dataset: datasetOf(spec.dataset), plane, lesson: lesson?.id, step: player.step }, catalog);
    const url = `${location.pathname}?${query}`;
    if (url === location.pathname + location.search) return;
    if (mode === "push") history.pushState(null, "", url);
    else history.replaceState(null, "", url);
  }

  /** A link's network experiment (networkFromQuery's), with its lesson's text if it names one. */
  function openLink({ spec, runs, plane, lesson: id, step }, history) {
    const record = id ? lessonById(id) : null;
    if (record?.network) {
      const network = { ...record.network, ...spec, runs: runs || record.network.runs, ...(plane ? { plane } : {}) };
      return open({ ...record, network }, { history, step });
    }
    setMode(true);
    landscapeView.setPlane(plane);
    dropLesson();
    renderForm(networkSpec(spec));
    controls.setRuns(networkRuns(catalog, runs || DEFAULT_OPTIMIZERS.map((optimizer) => ({ optimizer, hyperparameters: {}, batchSize: null }))));
    return train({ history, step });
  }

  /** Opens a network lesson ({title, text, network: {runs, ...settings}}) and trains it;
   *  `options` are train's. */
  function open(next, options = {}) {
    const { runs, plane, ...spec } = next.network;
    setMode(true);
    landscapeView.setPlane(plane);
    renderForm(networkSpec(spec));
    controls.setRuns(networkRuns(catalog, runs.map((run) => ({ batchSize: null, hyperparameters: {}, ...run }))));
    lesson = next;
    $("lesson").hidden = false;
    $("lesson-title").textContent = next.title;
    $("lesson-text").replaceChildren(...next.text.map((sentence) => el("p", { text: sentence })));
    $("lesson-checkpoints").replaceChildren();
    return train(options);
  }

  /** Back to the surfaces (another surface picked, a surface lesson, a link). */
  function leave() {
    if (!active) return;
    pending?.abort();
    pending = null;
    liveNext = null;
    busy(false);
    clearTimeout(stepTimer);
    clearTimeout(hoverTimer);
    backprop.clear();
    if (lesson) dropLesson();
    setMode(false);
  }

  return {
    active: () => active,
    pick,
    open,
    openLink,
    /** The network experiment a link describes (networkFromQuery's answer), or null. */
    fromUrl: (search) => networkFromQuery(search, catalog, NETWORK_DATASETS),
    leave,
    closeLesson,
    frame,
    run: () => train(),
    /** A valid edit with Live on: re-trains when small enough (one request in flight, the
     *  newest edit next); a larger experiment waits for Run. */
    live() {
      const cost = exampleSteps(controls.readRuns().length);
      if (cost === null || cost > LIVE_EXAMPLE_STEPS) {
        controls.setStale(true);
        return;
      }
      liveNext = true;
      if (!pumping) pump();
    },
  };
}
