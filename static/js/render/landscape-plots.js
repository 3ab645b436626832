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

/** What moves with the step for a path at index `at`: its trail (every point up to the head),
 *  its head and, in 3-D, the drop from the head (the plane's loss) to the run's true loss. Each
 *  {x, y[, z]}; on a line (no v) the vertical coordinate is the plane's loss; `z` maps a loss to
 *  the 3-D scene's height (null in 2-D). */
export function pathUpdate(path, at, z = null) {
  const v = path.v ?? path.plane_loss;
  const part = (from, to) => {
    const out = { x: path.u.slice(from, to), y: v.slice(from, to) };
    if (z) out.z = path.plane_loss.slice(from, to).map(z);
    return out;
  };
  const update = { trail: part(0, at + 1), head: part(at, at + 1) };
  if (z) {
    const [u, w] = [path.u[at], v[at]];
    update.truth = { x: [u, u], y: [w, w], z: [z(path.plane_loss[at]), z(path.true_loss[at])] };
  }
  return update;
}

/** Whether distances on the plane are distances in parameter space (orthonormal directions). */
const metric = (landscape) => landscape.plane !== "random" && landscape.v !== null;

/** A dashed ring round each head whose radius is its distance from the plane (on the planes
 *  whose coordinates are parameter-space lengths: PCA and interpolation). */
export function ringShapes(landscape, runs, at) {
  if (!metric(landscape)) return [];
  return landscape.paths.map((path, k) => {
    const [u, v, d] = [path.u[at[k]], path.v[at[k]], path.distance_from_plane[at[k]]];
    return {
      type: "circle", xref: "x", yref: "y", x0: u - d, x1: u + d, y0: v - d, y1: v + d,
      line: { color: runs[k].colour, width: 1.5, dash: "dash" }, layer: "above",
    };
  });
}

/**
 * The plane's figure: the contour (a 3-D surface with `threeD`; on a line, the loss along it),
 * then for each run a faint full path, its trail to the head and the head (and in 3-D the drop
 * to its true loss). `runs`: [{label, colour}] in the paths' order; `at`: each run's path index.
 * Returns the figure, per run its moving traces' indices, and `z` (the 3-D height of a loss).
 */
export function buildLandscapeFigure({ landscape, runs, at, narrow = false, threeD = false }) {
  const rows = lossRows(landscape);
  const scale = zScale(rows);
  const line = landscape.v === null;
  const solid = threeD && !line;
  const z = solid ? (value) => (Number.isFinite(value) ? scale.forward(value) : null) : null;
  const [uTitle, vTitle] = AXIS_TITLES[landscape.plane];
  const text = rows.map((row) => row.map((v) => (Number.isFinite(v) ? v.toPrecision(4) : "—")));
  const colorbar = {
    title: { text: scale.title, side: "right" }, thickness: 10, len: 0.9, outlinewidth: 0,
    ...(scale.ticks ? { tickvals: scale.ticks.tickvals, ticktext: scale.ticks.ticktext } : {}),
    ...(narrow ? { orientation: "h", y: -0.3, yanchor: "top", x: 0.5, xanchor: "center", len: 1, title: { text: scale.title, side: "top" } } : {}),
  };
  const data = [];
  if (line) {
    data.push({
      type: "scatter", mode: "lines", uid: "plane", x: landscape.u, y: rows[0], line: { color: "#4a6380", width: 2 },
      hovertemplate: "u %{x:.3g}<br>loss %{y:.4g}<extra></extra>",
    });
  } else if (solid) {
    data.push({
      type: "surface", uid: "plane", x: landscape.u, y: landscape.v, z: rows.map((row) => row.map(z)), text,
      colorscale: COLORSCALE, showscale: !narrow, colorbar, opacity: 0.92,
      lighting: { ambient: 0.7, diffuse: 0.6, specular: 0.05, roughness: 0.9 },
      hovertemplate: "u %{x:.3g}, v %{y:.3g}<br>loss on the plane %{text}<extra></extra>",
    });
  } else {
    data.push({
      type: "contour", uid: "plane", x: landscape.u, y: landscape.v, z: rows.map((row) => row.map(scale.forward)), text,
      colorscale: COLORSCALE, ncontours: 24, line: { color: "rgba(36, 59, 83, 0.30)", width: 0.6 }, colorbar,
      hovertemplate: "u %{x:.3g}, v %{y:.3g}<br>loss on the plane %{text}<extra></extra>",
    });
  }
  // Over the surface: plotly draws a 3-D trace with opacity below 1 after the opaque ones.
  const place = solid ? { type: "scatter3d", opacity: 0.999 } : { type: "scatter" };
  const traces = [];
  landscape.paths.forEach((path, k) => {
    const run = runs[k];
    const name = plotlyText(run.label);
    const full = pathUpdate(path, path.steps.length - 1, z).trail;
    const moving = pathUpdate(path, at[k], z);
    const first = data.length;
    data.push(
      { ...place, mode: "lines", uid: `path-${k}`, ...full, hoverinfo: "skip", line: { color: run.colour, width: solid ? 2 : 1, dash: "dot" }, ...(solid ? {} : { opacity: 0.55 }) },
      {
        ...place, mode: "lines+markers", uid: `trail-${k}`, name, ...moving.trail,
        line: { color: run.colour, width: solid ? 4 : 2 }, marker: { size: solid ? 2.5 : 4, color: run.colour },
        customdata: path.steps, hovertemplate: `${name}: step %{customdata}<extra></extra>`,
      },
      {
        ...place, mode: "markers", uid: `head-${k}`, name, ...moving.head, hoverinfo: "skip",
        marker: { size: solid ? 6 : 11, color: run.colour, line: { color: "#ffffff", width: 2 } },
      },
    );
    const indices = { trail: first + 1, head: first + 2 };
    if (solid) {
      data.push({
        ...place, mode: "lines+markers", uid: `truth-${k}`, name: `${name}: true loss`, ...moving.truth, hoverinfo: "skip",
        line: { color: run.colour, width: 3 }, marker: { size: [0, 5], symbol: "diamond-open", color: run.colour },
      });
      indices.truth = first + 3;
    }
    traces.push(indices);
  });
  const range = (values) => [values[0], values[values.length - 1]];
  const layout = { ...BASE_LAYOUT, uirevision: `${landscape.plane}|${solid}` };
  if (solid) {
    layout.margin = { l: 0, r: 0, t: 10, b: 0 };
    layout.scene = {
      xaxis: { title: { text: uTitle }, range: range(landscape.u) },
      yaxis: { title: { text: vTitle }, range: range(landscape.v) },
      zaxis: { title: { text: "loss" }, ...(scale.ticks ? { tickvals: scale.ticks.tickvals.slice(1), ticktext: scale.ticks.ticktext.slice(1) } : {}) },
      aspectmode: "manual", aspectratio: { x: 1, y: 1, z: 0.55 },
      camera: { eye: narrow ? { x: -1.1, y: -1.75, z: 1.65 } : { x: -0.8, y: -1.3, z: 1.25 } },
    };
  } else {
    layout.margin = { l: 52, r: 10, t: 8, b: narrow && !line ? 96 : 44 };
    layout.xaxis = { title: { text: uTitle }, range: range(landscape.u), zeroline: false, showgrid: false, fixedrange: true };
    layout.yaxis = line
      ? { title: { text: "loss" }, type: "log", dtick: "D2", tickformat: ".2~g", zeroline: false, fixedrange: true }
      : { title: { text: vTitle }, range: range(landscape.v), zeroline: false, showgrid: false, fixedrange: true };
    layout.shapes = ringShapes(landscape, runs, at);
  }
  return { data, layout, traces, z };
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
