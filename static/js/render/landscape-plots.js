// The figures of a network's landscape (POST /networks/train's `landscape`): the loss on a
// plane through parameter space, as a contour (log-scaled like the surfaces' when it spans
// decades), with each run's path projected onto the plane and its head at the step; and each
// run's loss along the line from the initial to its final parameters. Pure builders of plotly
// data and layouts; panels/network-landscape.js draws them and moves the heads with the step.

import { plotlyText } from "../format.js";
import { zScale } from "./scale.js";

const FONT = { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 11, color: "#334e68" };
const COLORSCALE = [[0, "#f4f7fa"], [0.3, "#c9d6e3"], [0.6, "#8fa6be"], [1, "#4a6380"]];
const BASE_LAYOUT = { font: FONT, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff", showlegend: false, dragmode: false };

const AXIS_TITLES = {
  pca: ["principal direction 1", "principal direction 2"],
  random: ["random direction 1 (filter-normalised)", "random direction 2"],
  interpolation: ["initial → run 1's end", "towards run 2's end"],
};

/** The index of the last path point at or before `step` (path steps ascend; 0 before any). */
export function pathIndex(steps, step) {
  let index = 0;
  for (let i = 1; i < steps.length && steps[i] <= step; i += 1) index = i;
  return index;
}

/** The grid's loss as rows of numbers, NaN where it was not finite (null in the answer). */
function lossRows(landscape) {
  const rows = landscape.v === null ? [landscape.loss] : landscape.loss;
  return rows.map((row) => row.map((v) => (v === null ? NaN : v)));
}

/** A path's trail (every point up to the head) and head at path index `at`: {x, y} each. On a
 *  line (no v) the vertical coordinate is the plane's loss at the projected point. */
export function pathUpdate(path, at) {
  const v = path.v ?? path.plane_loss;
  return {
    trail: { x: path.u.slice(0, at + 1), y: v.slice(0, at + 1) },
    head: { x: [path.u[at]], y: [v[at]] },
  };
}

/**
 * The plane's figure: the contour (or, on a line, the loss along it), then for each run a faint
 * full path, its trail to the head and the head. `runs`: [{label, colour}] in the paths' order;
 * `at`: each run's path index. Returns the figure and, per run, its trail and head trace indices.
 */
export function buildLandscapeFigure({ landscape, runs, at, narrow = false }) {
  const rows = lossRows(landscape);
  const scale = zScale(rows);
  const line = landscape.v === null;
  const [uTitle, vTitle] = AXIS_TITLES[landscape.plane];
  const data = [];
  if (line) {
    data.push({
      type: "scatter", mode: "lines", uid: "plane", x: landscape.u, y: rows[0], line: { color: "#4a6380", width: 2 },
      hovertemplate: "u %{x:.3g}<br>loss %{y:.4g}<extra></extra>",
    });
  } else {
    data.push({
      type: "contour", uid: "plane", x: landscape.u, y: landscape.v, z: rows.map((row) => row.map(scale.forward)),
      text: rows.map((row) => row.map((v) => (Number.isFinite(v) ? v.toPrecision(4) : "—"))),
      colorscale: COLORSCALE, ncontours: 24, line: { color: "rgba(36, 59, 83, 0.30)", width: 0.6 },
      colorbar: {
        title: { text: scale.title, side: "right" }, thickness: 10, len: 0.9, outlinewidth: 0,
        ...(scale.ticks ? { tickvals: scale.ticks.tickvals, ticktext: scale.ticks.ticktext } : {}),
        ...(narrow ? { orientation: "h", y: -0.3, yanchor: "top", x: 0.5, xanchor: "center", len: 1, title: { text: scale.title, side: "top" } } : {}),
      },
      hovertemplate: "u %{x:.3g}, v %{y:.3g}<br>loss on the plane %{text}<extra></extra>",
    });
  }
  const traces = [];
  landscape.paths.forEach((path, k) => {
    const run = runs[k];
    const name = plotlyText(run.label);
    const v = path.v ?? path.plane_loss;
    const { trail, head } = pathUpdate(path, at[k]);
    const first = data.length;
    data.push(
      { type: "scatter", mode: "lines", uid: `path-${k}`, x: path.u, y: v, hoverinfo: "skip", line: { color: run.colour, width: 1, dash: "dot" }, opacity: 0.55 },
      {
        type: "scatter", mode: "lines+markers", uid: `trail-${k}`, name, x: trail.x, y: trail.y,
        line: { color: run.colour, width: 2 }, marker: { size: 4, color: run.colour },
        customdata: path.steps, hovertemplate: `${name}: step %{customdata}<extra></extra>`,
      },
      {
        type: "scatter", mode: "markers", uid: `head-${k}`, name, x: head.x, y: head.y, hoverinfo: "skip",
        marker: { size: 11, color: run.colour, line: { color: "#ffffff", width: 2 } },
      },
    );
    traces.push({ trail: first + 1, head: first + 2 });
  });
  const range = (values) => [values[0], values[values.length - 1]];
  const layout = {
    ...BASE_LAYOUT,
    margin: { l: 52, r: 10, t: 8, b: narrow && !line ? 96 : 44 },
    xaxis: { title: { text: uTitle }, range: range(landscape.u), zeroline: false, showgrid: false, fixedrange: true },
    yaxis: line
      ? { title: { text: "loss" }, type: "log", dtick: "D2", tickformat: ".2~g", zeroline: false, fixedrange: true }
      : { title: { text: vTitle }, range: range(landscape.v), zeroline: false, showgrid: false, fixedrange: true },
  };
  return { data, layout, traces };
}

/** Each run's loss along theta0 + alpha (final - theta0), alpha 0 the initial point, 1 its end. */
export function buildLineFigure({ landscape, runs }) {
  const data = landscape.lines.map((line, k) => ({
    type: "scatter", mode: "lines", uid: `line-${k}`, name: plotlyText(runs[k].label), x: line.alpha, y: line.loss,
    line: { color: runs[k].colour, width: 2 },
    hovertemplate: `${plotlyText(runs[k].label)}: α %{x:.2f}, loss %{y:.4g}<extra></extra>`,
  }));
  const mark = (x) => ({ type: "line", xref: "x", yref: "paper", x0: x, x1: x, y0: 0, y1: 1, line: { color: "#9fb3c8", width: 1, dash: "dot" } });
  const layout = {
    ...BASE_LAYOUT,
    showlegend: true,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
    margin: { l: 52, r: 10, t: 28, b: 40 },
    xaxis: { title: { text: "α: 0 the initial parameters, 1 the run's final ones" }, zeroline: false, fixedrange: true },
    yaxis: { title: { text: "loss" }, type: "log", dtick: "D2", tickformat: ".2~g", fixedrange: true },
    shapes: [mark(0), mark(1)],
  };
  return { data, layout };
}
