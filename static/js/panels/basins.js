// The basin map: from every start of a grid over the contour, which known minimum does the
// first run's optimizer reach (one batched POST /basins)? Drawn as a heatmap under the paths.

import { CONFIG, affordableLanes } from "../config.js";
import { ApiError, postBasins } from "../api.js";
import { fmt, fmtPoint, plotlyText } from "../format.js";
import { surfaceSpec } from "../state.js";
import { $ } from "../dom.js";

const MAX_RESOLUTION = 96;
const OPACITY = 0.55;
// ColorBrewer Set2: none of the (Okabe-Ito) run colours, light enough at half opacity for the
// paths to stay readable over them.
const MINIMUM_COLOURS = ["#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#ffd92f", "#e5c494", "#b3b3b3"];
const NONE_COLOUR = "#9aa5b1";
const DIVERGED_COLOUR = "#111111";
const INK = "#243b53";

/**
 * The finest grid of starts on `surface` for `steps` within the server's budgets, at most
 * 96 x 96; 0 when not even 2 x 2 starts can afford that many steps.
 */
export function basinResolution(surface, steps) {
  const affordable = Math.floor(Math.sqrt(affordableLanes(surface, steps)));
  if (affordable < 2) return 0;
  return Math.min(MAX_RESOLUTION, CONFIG.limits.max_basin_resolution, affordable);
}

/** POST /basins for the first run of `experiment` on `surface`, over the window the contour shows. */
export function basinRequest(experiment, surface, view) {
  const run = experiment.runs[0];
  const hyperparameters = Object.fromEntries(
    Object.entries(run.hyperparameters).filter(([, value]) => value !== null && value !== ""),
  );
  return {
    surface: surfaceSpec(experiment), optimizer: run.optimizer, hyperparameters, steps: experiment.steps,
    resolution: basinResolution(surface, experiment.steps), window: { x: view.x, y: view.y }, grad_tol: experiment.gradTol,
  };
}

export function minimumColour(index) {
  return MINIMUM_COLOURS[index % MINIMUM_COLOURS.length];
}

/** The heatmap's z (category: 0 diverged, 1 none, 2 + i minimum i), hover text and colours. */
function cells(result) {
  const names = result.minima.map((m, i) => `→ minimum ${i + 1} ${fmtPoint(m.point, 3)}`);
  const z = result.outcome.map((row) => row.map((o) => o + 2));
  const text = result.outcome.map((row, j) => row.map((o, i) => {
    const steps = result.steps[j][i];
    if (o === -2) return `diverged<br>at step ${steps}`;
    if (o === -1) return `no minimum<br>stopped after ${steps} steps`;
    return `${names[o]}<br>${steps} steps`;
  }));
  const colours = [DIVERGED_COLOUR, NONE_COLOUR, ...result.minima.map((_, i) => minimumColour(i))];
  const n = colours.length;
  const colorscale = colours.flatMap((c, k) => [[k / n, c], [(k + 1) / n, c]]);
  return { z, text, colorscale, n };
}

/** `onChange()` redraws the main figure once a map arrives. */
export function createBasinMap({ catalog, onChange }) {
  const legend = $("basin-legend");
  let state = null;
  let pending = null;
  let shownKey = null;

  function showError(message) {
    const box = $("basin-map-error");
    box.textContent = message;
    box.hidden = !message;
    if (message) $("basin-map").setAttribute("aria-invalid", "true");
    else $("basin-map").removeAttribute("aria-invalid");
  }

  function renderLegend(experiment, note = "") {
    const { result } = state;
    const run = experiment.runs[0];
    const optimizer = catalog.optimizers.get(run.optimizer);
    const lr = run.hyperparameters.lr;
    const total = result.x.length * result.y.length;
    const key = (colour, label, count) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.setProperty("background", colour);
      swatch.style.setProperty("opacity", String(colour === DIVERGED_COLOUR ? 0.8 : 0.65));
      const share = document.createElement("small");
      share.textContent = `${count.toLocaleString("en")} (${Math.round((100 * count) / total)}%)`;
      item.append(swatch, `${label} `, share);
      item.dataset.count = String(count);
      return item;
    };
    const items = result.minima.map((m, i) => key(minimumColour(i), `minimum ${i + 1} ${fmtPoint(m.point, 3)}`, result.reached[i]));
    items.push(key(NONE_COLOUR, "no minimum", result.none), key(DIVERGED_COLOUR, "diverged", result.diverged));
    const caption = document.createElement("p");
    caption.className = "basin-caption";
    const lrText = typeof lr === "number" ? `, lr ${fmt(lr)}` : "";
    caption.textContent = `Basin map: where ${optimizer ? optimizer.name : run.optimizer}${lrText} (run 1) ends up after `
      + `${experiment.steps} steps from each of ${result.x.length} × ${result.y.length} starts. `
      + (note || "Hover a cell for its outcome; click it to start there.");
    const list = document.createElement("ul");
    list.className = "basin-keys";
    list.append(...items);
    legend.replaceChildren(caption, list);
    legend.dataset.state = "ready";
    legend.hidden = false;
  }

  function waiting(text) {
    const p = document.createElement("p");
    p.className = "basin-caption";
    p.textContent = text;
    legend.replaceChildren(p);
    legend.dataset.state = "busy";
    legend.hidden = false;
  }

  async function load(experiment, body, key) {
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    waiting("Computing the basin map…");
    document.body.dataset.basins = "busy";
    try {
      const result = await postBasins(body, controller.signal);
      state = { key, result, cells: cells(result) };
      if (shownKey !== key) return;
      renderLegend(experiment);
      document.body.dataset.basins = "ready";
      onChange();
    } catch (error) {
      if (error.name === "AbortError") return;
      if (!(error instanceof ApiError)) throw error;
      legend.hidden = true;
      showError(`Basin map: ${error.message.replace(/^Value error, /, "")}`);
      document.body.dataset.basins = "error";
    } finally {
      if (pending === controller) pending = null;
    }
  }

  function keyFor(shown) {
    const { experiment, surface } = shown;
    if (!experiment.basins || surface.dim !== 2 || !experiment.runs.length || !shown.result.runs.length) return null;
    return JSON.stringify(basinRequest(experiment, surface, shown.view));
  }

  /** After every new result on screen: fetch the map it needs (if the toggle is on). */
  function sync(shown) {
    const key = keyFor(shown);
    shownKey = key;
    showError("");
    if (key && JSON.parse(key).resolution === 0) {
      // Sent, it would only be refused: say so here, with what to change.
      pending?.abort();
      legend.hidden = true;
      showError(`Basin map: ${shown.experiment.steps} steps are more than the work budget allows even for 2 × 2 starts (GRADSCAPE_MAX_WORK): use fewer steps.`);
      document.body.dataset.basins = "error";
      return;
    }
    if (!key) {
      pending?.abort();
      legend.hidden = true;
      delete document.body.dataset.basins;
      return;
    }
    if (state && state.key === key) {
      renderLegend(shown.experiment, shown.model && shown.model.is3d ? "The map is drawn on the 2-D contour: turn off the 3-D view to see it." : "");
      document.body.dataset.basins = "ready";
      return;
    }
    load(shown.experiment, JSON.parse(key), key);
  }

  /** The heatmap (under every scatter trace, whatever its place in `data`) and the minima. */
  function traces(shown, model) {
    const key = keyFor(shown);
    if (!key || !state || state.key !== key || model.is3d) return [];
    const { result } = state;
    const { z, text, colorscale, n } = state.cells;
    return [
      {
        type: "heatmap", uid: "basin-map", name: "basin map", x: result.x, y: result.y, z, text,
        zmin: -0.5, zmax: n - 0.5, colorscale, showscale: false, opacity: OPACITY, xaxis: "x", yaxis: "y",
        hoverongaps: false, zsmooth: false,
        hovertemplate: "start (%{x:.3g}, %{y:.3g})<br>%{text}<extra>basin map</extra>",
      },
      {
        type: "scatter", mode: "markers+text", uid: "basin-minima", name: "minima (basin map)", showlegend: false,
        xaxis: "x", yaxis: "y", x: result.minima.map((m) => m.point[0]), y: result.minima.map((m) => m.point[1]),
        text: result.minima.map((_, i) => `<b>${i + 1}</b>`), textposition: "top center",
        textfont: { color: INK, size: 13 }, cliponaxis: false,
        marker: { size: 9, color: result.minima.map((_, i) => minimumColour(i)), line: { color: "#ffffff", width: 1.5 } },
        customdata: result.minima.map((m, i) => [i + 1, plotlyText(fmt(m.value))]),
        hovertemplate: "minimum %{customdata[0]} (%{x:.3g}, %{y:.3g})<br>loss %{customdata[1]}<extra></extra>",
      },
    ];
  }

  /** A click on the map starts from the centre of the cell under it: the start it describes. */
  function snap(shown, point) {
    if (!shown || !state || keyFor(shown) !== state.key || point.length !== 2) return point;
    const { x, y } = state.result;
    const nearest = (axis, v) => axis.reduce((best, c) => (Math.abs(c - v) < Math.abs(best - v) ? c : best), axis[0]);
    const inside = (axis, v) => v >= axis[0] - (axis[1] - axis[0]) / 2 && v <= axis[axis.length - 1] + (axis[1] - axis[0]) / 2;
    if (!inside(x, point[0]) || !inside(y, point[1])) return point;
    return [nearest(x, point[0]), nearest(y, point[1])];
  }

  return { sync, traces, snap };
}
