// Data set surfaces: their records (resolved for the chosen parameters) and the data panel, which
// shows the examples and each run's model at the animation step: the line y = w x + b, or the
// sigmoid p = σ(w x + b) with its decision boundary x = −b/w.

import { ApiError, resolveSurface } from "../api.js";
import { fmt } from "../format.js";
import { FONT } from "../render/plots.js";
import { surfaceSpec } from "../state.js";
import { $ } from "../dom.js";
import { hasFigure, purge, react, restyleTraces } from "../render/plotly.js";

const CONFIG = { responsive: false, displaylogo: false, displayModeBar: false, scrollZoom: false };
const CURVE_POINTS = 80;
const FIT_COLOUR = "#52606d";
// Light and dark: told apart without hue, and by neither of the runs' Okabe-Ito colours.
const CLASS_COLOURS = ["#a8b6c6", "#243b53"];
const AXES = ["w", "b"];

/** A data set's catalog entry: its record for these parameters, with the editable parameters. */
function datasetSurface(dataset, record) {
  return {
    ...record, id: dataset.id, name: dataset.name, description: dataset.description,
    params: dataset.params, kind: "dataset", axes: AXES,
  };
}

async function resolve(ref, signal) {
  try {
    return await resolveSurface(ref, signal);
  } catch (error) {
    // The body is the surface itself: its errors belong to the surface's fields.
    if (!(error instanceof ApiError)) throw error;
    const fieldErrors = error.fieldErrors.map(({ loc, msg }) => ({ loc: ["body", "surface", ...loc.slice(1)], msg }));
    throw new ApiError(error.message, fieldErrors);
  }
}

/** Catalog entries for GET /surfaces' "datasets", resolved with their default parameters. */
export function loadDatasets(datasets) {
  return Promise.all(
    datasets.map(async (dataset) => datasetSurface(dataset, await resolve({ dataset: { id: dataset.id, params: {} } }))),
  );
}

/** The surface to draw: a function's catalog entry, or a data set resolved for its parameters. */
export async function surfaceFor(catalog, experiment, signal) {
  const listed = catalog.surfaces.get(experiment.surface);
  if (listed.kind !== "dataset") return listed;
  return datasetSurface(listed, await resolve(surfaceSpec(experiment), signal));
}

// ---- the panel ------------------------------------------------------------------------------

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

function span(values, pad) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const margin = (hi - lo || 1) * pad;
  return [lo - margin, hi + margin];
}

/** The model of parameters (w, b) as x and y arrays over the x range. */
function modelCurve(logistic, [w, b], [x0, x1]) {
  if (!logistic) return { x: [x0, x1], y: [w * x0 + b, w * x1 + b] };
  const x = Array.from({ length: CURVE_POINTS }, (_, k) => x0 + ((x1 - x0) * k) / (CURVE_POINTS - 1));
  return { x, y: x.map((v) => sigmoid(w * v + b)) };
}

function boundary([w, b]) {
  return Math.abs(w) > 1e-12 ? { x: [-b / w, -b / w], y: [-0.1, 1.1] } : { x: [null], y: [null] };
}

function exampleTraces(logistic, data) {
  if (!logistic) {
    return [{
      type: "scatter", mode: "markers", name: "examples", x: data.x, y: data.y,
      marker: { color: "#7b8794", size: data.x.length > 1000 ? 3 : 5, opacity: 0.6 },
      hovertemplate: "x %{x:.3g}, y %{y:.3g}<extra></extra>",
    }];
  }
  // Labels are 0 or 1; a fixed vertical jitter shows how many points pile up at each x.
  return [0, 1].map((label) => {
    const index = data.y.map((y, i) => (y === label ? i : -1)).filter((i) => i >= 0);
    return {
      type: "scatter", mode: "markers", name: `label ${label}`,
      x: index.map((i) => data.x[i]), y: index.map((i) => label + (((i * 0.618034) % 1) - 0.5) * 0.1),
      marker: { color: CLASS_COLOURS[label], size: data.x.length > 1000 ? 3 : 6, line: { color: "#243b53", width: label ? 0 : 1 } },
      hovertemplate: `x %{x:.3g}, label ${label}<extra></extra>`,
    };
  });
}

/**
 * The panel for data set surfaces (hidden for functions). `runs` are the decorated API runs.
 * Returns the Plotly promise; `frame` then moves the models to a step.
 */
export function createDataPanel() {
  const card = $("data-card");
  const div = $("data-plot");
  let model = null;

  function draw({ surface, runs, narrow }) {
    if (surface.kind !== "dataset" || !surface.data || !runs.length) {
      card.hidden = true;
      model = null;
      purge(div);
      return Promise.resolve();
    }
    card.hidden = false;
    const logistic = surface.id === "logistic_regression";
    const { data } = surface;
    const xRange = span(data.x, 0.05);
    const traces = exampleTraces(logistic, data);
    const best = surface.minima[0];
    if (best) {
      traces.push({
        type: "scatter", mode: "lines", name: "full-data minimum", ...modelCurve(logistic, best.point, xRange),
        line: { color: FIT_COLOUR, width: 1.5, dash: "dash" }, hoverinfo: "skip",
      });
    }
    const modelIndex = [];
    const boundaryIndex = [];
    runs.forEach((run, i) => {
      modelIndex.push(traces.length);
      traces.push({
        type: "scatter", mode: "lines", uid: `data-model-${i}`, name: run.label_html, showlegend: false,
        x: [], y: [], line: { color: run.colour, width: 2.5 },
        hovertemplate: "<b>%{fullData.name}</b><br>%{customdata}<extra></extra>", customdata: [],
      });
      if (logistic) {
        boundaryIndex.push(traces.length);
        traces.push({
          type: "scatter", mode: "lines", uid: `data-boundary-${i}`, name: `${run.label_html} boundary`, showlegend: false,
          x: [], y: [], line: { color: run.colour, width: 1.5, dash: "dot" }, hoverinfo: "skip",
        });
      }
    });
    const layout = {
      font: FONT, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff", autosize: false,
      width: div.clientWidth, height: div.clientHeight, hovermode: "closest",
      margin: { l: 52, r: 12, t: 26, b: 40 },
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 }, bgcolor: "rgba(0,0,0,0)" },
      xaxis: { title: { text: "x" }, range: xRange, zeroline: false, gridcolor: "#eef1f4" },
      yaxis: logistic
        ? { title: { text: narrow ? "p(label 1)" : "p(label = 1)" }, range: [-0.12, 1.12], zeroline: false, gridcolor: "#eef1f4", tickvals: [0, 0.5, 1] }
        : { title: { text: "y" }, range: span(data.y, 0.1), zeroline: false, gridcolor: "#eef1f4" },
    };
    model = { runs, logistic, xRange, modelIndex, boundaryIndex };
    $("data-caption").textContent = caption(logistic, data.x.length, Boolean(best));
    return react(div, traces, layout, CONFIG);
  }

  /** Moves every run's model to its parameters (w, b) at `step`. */
  function frame(step) {
    if (!model || !hasFigure(div)) return;
    const traces = [];
    const indices = [];
    model.runs.forEach((run, i) => {
      const point = run.points[Math.min(step, run.points.length - 1)];
      const curve = modelCurve(model.logistic, point, model.xRange);
      const label = `w ${fmt(point[0])}, b ${fmt(point[1])}`;
      traces.push({ ...curve, customdata: curve.x.map(() => label) });
      indices.push(model.modelIndex[i]);
      if (model.logistic) {
        traces.push({ ...boundary(point), customdata: [] });
        indices.push(model.boundaryIndex[i]);
      }
    });
    restyleTraces(div, traces, indices);
  }

  return { draw, frame };
}

function caption(logistic, n, best) {
  const fit = best ? " Dashed: the model at the full-data minimum." : "";
  if (logistic) {
    return `${n} examples, label 0 (light) or 1 (dark), spread a little vertically. Each run's sigmoid p = σ(w x + b) at the current step, in its colour; dotted: its decision boundary x = −b/w.${fit}`;
  }
  return `${n} examples. Each run's line y = w x + b at the current step, in its colour: the plot above shows the same (w, b) as its position.${fit}`;
}

