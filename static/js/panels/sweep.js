// The learning-rate sweep panel: final loss against lr for one run's optimizer (one batched
// POST /sweeps/lr), the diverged region shaded, the best lr marked, a fan of paths for a few
// lrs over the contour, and "Use this learning rate" to copy the chosen lr into the run. The
// chart marks the edge the curvature predicts, 2 / λmax, at the start and at the nearest known
// minimum (two POST /curvature).

import { CONFIG, affordableLanes, affordableRuns } from "../config.js";
import { ApiError, postCurvature, postSweep, postTrajectories } from "../api.js";
import { fmt, numberText, parseNumber, plotlyText } from "../format.js";
import { fanRequest, isDefaultParams, knownPointsHold, surfaceSpec } from "../state.js";
import { onFigure, react } from "../render/plotly.js";
import { edgesInRange, nearestIndex, statusText, sweepFigure } from "./sweep-chart.js";
import { $ } from "../dom.js";

const DEFAULT_COUNT = Math.min(64, CONFIG.limits.max_sweep_count);
const FAN_SIZE = 5;
const MAX_FAN_DRAWN = 800;
// Dark to warm as the lr grows; every colour stays readable on the light contour.
const FAN_COLOURS = ["#3b0f70", "#721f81", "#b5367a", "#e55064", "#d97b08"];
const PLOT_CONFIG = { responsive: false, displaylogo: false, displayModeBar: false, scrollZoom: false };

/** A round number near `value` for a default range end (2 significant digits). */
const round2 = (value) => Number(value.toPrecision(2));
/** What "Use this learning rate" writes: 4 significant digits read better than 17. */
export const usableLr = (value) => Number(value.toPrecision(4));

/** The POST /sweeps/lr body for run `settings.run` of `experiment` (its lr is what varies). */
export function sweepRequest(experiment, settings) {
  const run = experiment.runs[settings.run];
  const hyperparameters = Object.fromEntries(
    Object.entries(run.hyperparameters).filter(([name, value]) => name !== "lr" && value !== null && value !== ""),
  );
  return {
    surface: surfaceSpec(experiment), start: experiment.start, steps: experiment.steps,
    optimizer: run.optimizer, hyperparameters, lr_range: [settings.from, settings.to], count: settings.count,
    grad_tol: experiment.gradTol,
  };
}

/** Up to `n` indices spread evenly (in log lr, as the lrs are log-spaced) over `indices`. */
function spread(indices, n) {
  if (indices.length <= n) return indices;
  const picked = Array.from({ length: n }, (_, i) => indices[Math.round((i * (indices.length - 1)) / (n - 1))]);
  return [...new Set(picked)];
}

function runLr(catalog, experiment, index) {
  const run = experiment.runs[index];
  if (typeof run.hyperparameters.lr === "number" && run.hyperparameters.lr > 0) return run.hyperparameters.lr;
  const spec = catalog.optimizers.get(run.optimizer).hyperparameters.find((h) => h.name === "lr");
  return spec ? spec.default : 0.01;
}

/** A range two decades either side of the run's lr, within the optimizer's bounds. */
function defaults(catalog, shown, index) {
  const { experiment, surface } = shown;
  const lr = runLr(catalog, experiment, index);
  const spec = catalog.optimizers.get(experiment.runs[index].optimizer).hyperparameters.find((h) => h.name === "lr");
  const max = spec && spec.max ? Math.min(spec.max, 1e4) : 1e4;
  // As many lrs as the server's budgets allow at these steps (a long run gets fewer).
  const affordable = Math.max(2, affordableLanes(surface, experiment.steps));
  return { run: index, from: round2(lr / 100), to: Math.min(round2(lr * 100), max), count: Math.min(DEFAULT_COUNT, affordable) };
}

function renderRunOptions(experiment) {
  const select = $("sweep-run");
  const options = experiment.runs.map((run, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = `Run ${i + 1}: ${run.label}`;
    return option;
  });
  select.replaceChildren(...options);
}

function renderSettings(settings) {
  $("sweep-run").value = String(settings.run);
  $("sweep-from").value = numberText(settings.from);
  $("sweep-to").value = numberText(settings.to);
  $("sweep-count").value = numberText(settings.count);
}

function readSettings() {
  return {
    run: Number($("sweep-run").value) || 0,
    from: parseNumber($("sweep-from").value),
    to: parseNumber($("sweep-to").value),
    count: parseNumber($("sweep-count").value),
  };
}

function setBusy(busy) {
  const panel = $("sweep-panel");
  $("sweep-busy").hidden = !busy;
  panel.setAttribute("aria-busy", String(busy));
  panel.dataset.busy = String(busy);
  $("sweep-go").disabled = busy;
}

function clearErrors() {
  for (const id of ["sweep-from", "sweep-to", "sweep-count", "sweep"]) {
    const box = $(`${id}-error`);
    box.hidden = true;
    box.textContent = "";
    $(id)?.removeAttribute("aria-invalid");
  }
}

function showError(id, message) {
  const box = $(`${id}-error`);
  box.textContent = box.textContent ? `${box.textContent} ${message}` : message;
  box.hidden = false;
  $(id)?.setAttribute("aria-invalid", "true");
}

function lrTooHigh(catalog, body) {
  const spec = catalog.optimizers.get(body.optimizer).hyperparameters.find((h) => h.name === "lr");
  return Boolean(spec && spec.max !== null && spec.max !== undefined && body.lr_range[1] > spec.max);
}

/** Each 422 message beside the input it is about: From, To or Count. */
function showErrors(catalog, error, body) {
  clearErrors();
  if (!error.fieldErrors.length) {
    showError("sweep", error.message);
    return;
  }
  for (const { loc, msg } of error.fieldErrors) {
    const text = msg.replace(/^Value error, /, "");
    const [head, index] = loc.slice(1);
    let id = "sweep";
    if (head === "lr_range") id = index === 1 || /low < high/.test(text) ? "sweep-to" : "sweep-from";
    else if (head === "count" || /count/.test(text)) id = "sweep-count";
    else if (/^'?lr'? must\b/.test(text)) id = lrTooHigh(catalog, body) ? "sweep-to" : "sweep-from";
    else if (head === "steps") id = "sweep-count";
    showError(id, id === "sweep" ? `${loc.slice(1).join(" › ") || "sweep"}: ${text}` : text);
  }
  document.body.dataset.sweep = "error";
}

/** The known minimum nearest `start`, or null (none listed, or not for these parameters). */
function nearestMinimum(shown, start) {
  if (!knownPointsHold(shown.experiment) || !shown.surface.minima.length) return null;
  const distance = (m) => Math.hypot(...m.point.map((c, i) => c - start[i]));
  return shown.surface.minima.reduce((a, b) => (distance(b) < distance(a) ? b : a)).point;
}

/** Gradient descent's edge 2 / λmax at the start and at the nearest minimum: [{label, lr}],
 *  lr null where the curvature has no edge or is not defined there. */
async function loadEdges(shown, body, signal) {
  const places = [{ label: "at the start", point: body.start }];
  const minimum = nearestMinimum(shown, body.start);
  if (minimum) places.push({ label: "at the minimum", point: minimum });
  return Promise.all(places.map(async (place) => {
    try {
      const answer = await postCurvature({ surface: body.surface, point: place.point }, signal);
      return { ...place, lr: answer.stable_lr.sgd, eigenvalues: answer.eigenvalues };
    } catch (error) {
      if (error.name === "AbortError" || !(error instanceof ApiError)) throw error;
      return { ...place, lr: null, eigenvalues: null };
    }
  }));
}

/** The curvature's edges in words. */
function edgeText(edges, result) {
  if (!edges || !edges.length) return "";
  const lrs = result.lrs;
  const inside = new Set(edgesInRange(edges, lrs[0], lrs[lrs.length - 1]).map((e) => e.lr));
  const parts = edges.map((e) => {
    if (e.lr === null) return `no edge ${e.label} (λmax ≤ 0 or undefined)`;
    const where = [...inside].some((lr) => Math.abs(lr / e.lr - 1) < 1e-9) ? "" : ", outside this range";
    return `${fmt(e.lr)} ${e.label} (λmax ${fmt(e.eigenvalues[e.eigenvalues.length - 1])}${where})`;
  });
  return `Curvature predicts plain gradient descent's edge 2 / λmax: ${parts.join("; ")} (dotted).`;
}

/** The sweep's outcome in words, and the chosen lr. */
function renderReadout({ result, chosen, edges }) {
  const parts = [];
  if (result.best_lr !== null) parts.push(`Best lr ${fmt(result.best_lr)}: ${statusText(result, nearestIndex(result.lrs, result.best_lr))}.`);
  else parts.push("No lr in this range converged or kept a finite loss.");
  parts.push(result.smallest_diverged_lr !== null
    ? `The loss grows from lr ${fmt(result.smallest_diverged_lr)} up (diverging or diverged, shaded).`
    : "No lr in this range diverged.");
  const edge = edgeText(edges, result);
  if (edge) parts.push(edge);
  $("sweep-summary").textContent = parts.join(" ");
  const best = result.best_lr !== null && chosen === nearestIndex(result.lrs, result.best_lr);
  $("sweep-chosen").textContent = chosen >= 0
    ? `Chosen: lr ${fmt(result.lrs[chosen])}${best ? " (the best)" : ""}, ${statusText(result, chosen)}. Click a point to choose another.`
    : "Click a point on the chart to choose an lr.";
  $("sweep-use").disabled = chosen < 0;
}

/** A handful of converging lrs to draw over the contour (as many as one POST /trajectories affords). */
function fanPicks(result, { experiment, surface }) {
  // The converging range; without one, every lr that kept a finite loss.
  const all = result.lrs.map((_, i) => i);
  const converged = all.filter((i) => result.status[i] === "converged");
  const steady = converged.length ? converged : all.filter((i) => result.status[i] !== "diverged" && result.status[i] !== "diverging");
  // As many runs as one POST /trajectories can afford (none: no fan).
  const size = Math.min(FAN_SIZE, affordableRuns(surface, experiment.steps));
  return spread(steady, size).map((index, k, all) => ({
    index, lr: result.lrs[index], colour: FAN_COLOURS[Math.round((k * (FAN_COLOURS.length - 1)) / Math.max(1, all.length - 1))],
  }));
}

/** The fan's traces for the main figure (2-D contour or 1-D curve; none in 3-D). */
function fanTraces(state, shown, model) {
  if (!state || !state.fan || model.is3d || state.run >= shown.experiment.runs.length) return [];
  const trail = model.data[model.trailIndex[state.run]] || model.data[model.trailIndex[0]];
  const axes = trail ? { xaxis: trail.xaxis, yaxis: trail.yaxis } : {};
  return state.fan.runs.map((run, i) => {
    const pick = state.fan.picks[i];
    const stride = Math.max(1, Math.ceil(run.points.length / MAX_FAN_DRAWN));
    const ks = [];
    for (let k = 0; k < run.points.length; k += stride) ks.push(k);
    if (ks[ks.length - 1] !== run.points.length - 1) ks.push(run.points.length - 1);
    return {
      type: "scatter", mode: model.dim === 1 ? "lines+markers" : "lines", uid: `sweep-fan-${i}`, ...axes,
      name: plotlyText(`lr ${fmt(pick.lr)}`), showlegend: false, opacity: 0.9,
      x: ks.map((k) => run.points[k][0]), y: ks.map((k) => (model.dim === 1 ? run.losses[k] : run.points[k][1])),
      line: { color: pick.colour, width: 1.3 }, marker: { color: pick.colour, size: 4 }, customdata: ks,
      hovertemplate: `sweep path, lr ${fmt(pick.lr)}<br>step %{customdata}<br>loss %{text}<extra></extra>`,
      text: ks.map((k) => fmt(run.losses[k])),
    };
  });
}

/** The sweep's settings in `experiment`, for one of its runs (a link may name a run it lacks). */
function settingsFor(experiment) {
  const { sweep } = experiment;
  return sweep && { ...sweep, run: Math.min(sweep.run, experiment.runs.length - 1) };
}

/**
 * `getShown()` is what is on screen ({experiment, surface, model, ...}), whose experiment holds
 * the panel's settings (the store's; null when it is closed); `onSettings(s)` changes them;
 * `onFan()` redraws the main figure; `onUse(runIndex, lr)` puts an lr into a run and runs again.
 */
export function createSweep({ catalog, getShown, onSettings, onFan, onUse }) {
  const panel = $("sweep-panel");
  const chart = $("sweep-plot");
  const opener = $("sweep-open");
  let state = null;
  let pending = null;
  let clickWired = false;

  function draw() {
    if (!state || panel.hidden) return;
    const shown = getShown();
    const minima = shown ? shown.surface.minima.map((m) => m.value) : [];
    const fStar = shown && isDefaultParams(shown.experiment) && minima.length ? Math.min(...minima) : null;
    const figure = sweepFigure({
      result: state.result, chosen: state.chosen, fan: state.fan ? state.fan.picks : [], fStar,
      width: chart.clientWidth, height: chart.clientHeight, narrow: window.innerWidth < 640,
      edges: state.edges || [],
    });
    // A sweep in the link can arrive before plotly.js has run (see render/plotly.js).
    react(chart, figure.data, figure.layout, PLOT_CONFIG).then(() => {
      if (!clickWired) {
        onFigure(chart, "plotly_click", (event) => {
          const point = event.points && event.points[0];
          if (!point || !state) return;
          state.chosen = nearestIndex(state.result.lrs, point.x);
          draw();
          renderReadout(state);
        });
        clickWired = true;
      }
    }, () => {
      // plotly.js did not load: the renderer says so above the form.
    });
  }

  async function sweep() {
    const shown = getShown();
    const settings = shown && settingsFor(shown.experiment);
    if (!settings) return;
    const body = sweepRequest(shown.experiment, settings);
    const key = JSON.stringify(body);
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    clearErrors();
    setBusy(true);
    document.body.dataset.sweep = "busy";
    try {
      const result = await postSweep(body, controller.signal);
      const chosen = result.best_lr === null ? -1 : nearestIndex(result.lrs, result.best_lr);
      state = { key, body, result, chosen, fan: null, edges: null, surface: shown.experiment.surface, run: settings.run };
      renderReadout(state);
      draw();
      const mine = state;
      const [edges] = await Promise.all([loadEdges(shown, body, controller.signal), loadFan(shown, controller.signal)]);
      if (pending !== controller || state !== mine) return;
      state.edges = edges;
      renderReadout(state);
      draw();
      document.body.dataset.sweep = "ready";
    } catch (error) {
      if (error.name === "AbortError") return;
      if (!(error instanceof ApiError)) throw error;
      showErrors(catalog, error, body);
    } finally {
      if (pending === controller) {
        pending = null;
        setBusy(false);
      }
    }
  }

  /** The fan: one /trajectories request, drawn over the contour. */
  async function loadFan(shown, signal) {
    const picks = fanPicks(state.result, shown);
    if (!picks.length) return;
    const answer = await postTrajectories(fanRequest(state.body, picks, (lr) => `lr ${fmt(lr)}`), signal);
    state.fan = { picks, runs: answer.runs };
    draw();
    onFan();
  }

  function open(settings) {
    const shown = getShown();
    if (shown) renderRunOptions(shown.experiment);
    renderSettings(settings);
    panel.hidden = false;
    opener.setAttribute("aria-expanded", "true");
  }

  function close() {
    pending?.abort();
    pending = null;
    setBusy(false);
    panel.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    const hadFan = Boolean(state && state.fan);
    state = null;
    delete document.body.dataset.sweep;
    if (hadFan) onFan();
  }

  opener.addEventListener("click", () => {
    const shown = getShown();
    if (!shown) return;
    const next = panel.hidden ? settingsFor(shown.experiment) || defaults(catalog, shown, 0) : readSettings();
    if (panel.hidden) open(next);
    onSettings(next);
    panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
    sweep();
  });
  $("sweep-close").addEventListener("click", () => {
    close();
    onSettings(null);
    opener.focus();
  });
  $("sweep-form").addEventListener("submit", (event) => {
    event.preventDefault();
    onSettings(readSettings());
    sweep();
  });
  $("sweep-run").addEventListener("change", () => {
    const next = defaults(catalog, getShown(), Number($("sweep-run").value) || 0);
    renderSettings(next);
    onSettings(next);
    sweep();
  });
  $("sweep-use").addEventListener("click", () => {
    if (!state || state.chosen < 0) return;
    onUse(state.run, usableLr(state.result.lrs[state.chosen]));
  });

  /** After every new result on screen: follow the experiment's sweep settings and its runs. */
  function sync(shown) {
    let settings = settingsFor(shown.experiment);
    if (!settings) {
      if (!panel.hidden) close();
      return;
    }
    if (panel.hidden) {
      open(settings);
      sweep();
      return;
    }
    renderRunOptions(shown.experiment);
    if (state && state.surface !== shown.experiment.surface) {
      settings = defaults(catalog, shown, settings.run);
      onSettings(settings);
    }
    renderSettings(settings);
    if (!state || JSON.stringify(sweepRequest(shown.experiment, settings)) !== state.key) sweep();
    else draw();
  }

  return { sync, traces: (shown, model) => fanTraces(state, shown, model), redraw: draw };
}
