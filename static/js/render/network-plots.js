// The figures of a network's training (POST /networks/train's answer): each run's decision
// boundary at a snapshot with the examples over it, and the loss and accuracy curves. Pure
// builders of plotly data and layouts; panels/network.js draws them and moves them with the step.
// A classifier's regions and 0.5 line are painted under the figure (render/network-region.js);
// its heatmap here is transparent, there for the probability under the pointer.

import { plotlyText } from "../format.js";
import { fullLayout } from "./plotly.js";

/** The classes' colours: strong for the examples, light for the regions. Purple, brown and
 *  teal (the ends of ColorBrewer's colour-blind safe PuOr and BrBG), darker than the runs'
 *  Okabe-Ito palette (state.js PALETTE) and none of its first hues, so a class is not read as a
 *  run; purple and brown stay apart for red-green colour blindness (blue against yellow), and
 *  each class has its own marker shape besides. */
export const CLASS_COLOURS = ["#542788", "#8c510a", "#01665e"];
export const REGION_COLOURS = ["#b2abd2", "#dfc27d", "#80cdc1"];
/** Two classes' region colour where P(class 1) = 0.5. */
export const REGION_MIDDLE = "#f7f7f4";
/** The classes' marker shapes (test examples: the same shape, open). */
export const CLASS_SYMBOLS = ["circle", "square", "diamond"];

const FONT = { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 11, color: "#334e68" };

/** The index of the snapshot nearest `step` (snapshot steps ascend). */
export function nearestSnapshot(steps, step) {
  let best = 0;
  for (let i = 1; i < steps.length; i += 1) {
    if (Math.abs(steps[i] - step) < Math.abs(steps[best] - step)) best = i;
  }
  return best;
}

/** The step's line over the curves: its left edge and the plot area's top and height, in
 *  pixels of the curves' figure `div` (null before plotly has laid it out). */
export function stepLinePlace(div, step) {
  const layout = fullLayout(div);
  if (!layout || !layout.xaxis || !layout.xaxis._length) return null;
  const ys = [layout.yaxis, layout.yaxis2].filter(Boolean);
  const top = Math.min(...ys.map((a) => a._offset));
  const bottom = Math.max(...ys.map((a) => a._offset + a._length));
  return { left: layout.xaxis._offset + layout.xaxis.c2p(step), top, height: bottom - top };
}

/** The plotted surface of one snapshot (`boundary[s]`: [classes][ny][nx], or [1][nx] for
 *  regression): class 1's probability for two classes, the most probable class for three. */
export function boundaryZ(snapshot, classes) {
  if (classes === 2) return snapshot[1];
  if (classes < 2) return snapshot[0];
  const [first] = snapshot;
  return first.map((row, j) =>
    row.map((_, i) => {
      let best = 0;
      for (let c = 1; c < classes; c += 1) if (snapshot[c][j][i] > snapshot[best][j][i]) best = c;
      return best;
    }),
  );
}

/** The snapshot's values for the pointer: a transparent heatmap over the painted regions. */
function regionTrace(grid, z, classes) {
  return {
    type: "heatmap", uid: "boundary", x: grid.x, y: grid.y, z, opacity: 0, showscale: false, zsmooth: false,
    hovertemplate: `x %{x:.2f}, y %{y:.2f}<br>${classes === 2 ? "P(class 1) %{z:.3f}" : "class %{z}"}<extra></extra>`,
  };
}

function examplesTrace(examples, uid, hollow, regression) {
  const x = examples.x.map((p) => p[0]);
  const y = regression ? examples.y : examples.x.map((p) => p[1]);
  const colours = regression ? "#334e68" : examples.y.map((c) => CLASS_COLOURS[c % CLASS_COLOURS.length]);
  const shapes = regression ? ["circle"] : examples.y.map((c) => CLASS_SYMBOLS[c % CLASS_SYMBOLS.length]);
  const symbol = (shape) => (hollow ? `${shape}-open` : shape);
  // Training points answer hover and clicks (the Backprop card inspects the one clicked).
  const hover = hollow ? { hoverinfo: "skip" } : { hovertemplate: "training example %{pointNumber}<extra>click to inspect</extra>" };
  return {
    type: "scatter", mode: "markers", uid, name: hollow ? "test" : "train", x, y, ...hover,
    marker: hollow
      ? { symbol: regression ? symbol(shapes[0]) : shapes.map(symbol), size: 7, color: colours, line: { width: 1.6, color: colours } }
      : { symbol: regression ? shapes[0] : shapes, size: 6, color: colours, line: { width: 0.6, color: "#ffffff" } },
  };
}

/** One run's boundary panel at snapshot `index`: [the snapshot's values (or prediction line),
 *  train (filled), test (hollow)], with a transparent plot area for the painted regions. */
export function buildBoundaryFigure({ answer, run, index, classes }) {
  const { grid, data } = answer;
  const regression = grid.y === null;
  const z = boundaryZ(run.snapshots.boundary[index], classes);
  const traces = [];
  if (regression) {
    traces.push({ type: "scatter", mode: "lines", uid: "boundary", name: "prediction", x: grid.x, y: z, line: { color: "#102a43", width: 2.5 } });
  } else {
    traces.push(regionTrace(grid, z, classes));
  }
  traces.push(examplesTrace(data.train, "train", false, regression), examplesTrace(data.test, "test", true, regression));
  const range = (values) => [values[0], values[values.length - 1]];
  const layout = {
    margin: { l: 30, r: 8, t: 6, b: 24 }, font: FONT, showlegend: false, dragmode: false,
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: regression ? "#ffffff" : "rgba(0,0,0,0)",
    xaxis: { range: range(grid.x), zeroline: false, showgrid: false, fixedrange: true },
    yaxis: regression ? { zeroline: false, fixedrange: true } : { range: range(grid.y), zeroline: false, showgrid: false, fixedrange: true },
  };
  return { data: traces, layout };
}

/** The loss (top) and accuracy (bottom, classification only) of every run, train solid and
 *  test dashed (the step's line is panels/network.js's, over the figure). `runs` are the
 *  answer's with `colour`. */
export function buildCurvesFigure({ runs, classification }) {
  const data = [];
  for (const run of runs) {
    const name = plotlyText(run.label);
    const steps = run.losses.map((_, k) => k);
    const line = (dash) => ({ color: run.colour, width: dash ? 1.5 : 2, dash: dash ? "dash" : "solid" });
    const trace = (values, what, test, yaxis) => ({
      type: "scatter", mode: "lines", x: steps, y: values, yaxis, legendgroup: name,
      // One legend entry per run (its train loss); the hint under the chart says solid and dashed.
      showlegend: what === "loss" && !test, uid: `${test ? "test" : "train"}-${what}`,
      name: `${name}: ${test ? "test" : "train"} ${what}`, line: line(test),
      hovertemplate: `${name}, ${test ? "test" : "train"} ${what} %{y:.4g} at step %{x}<extra></extra>`,
    });
    data.push(trace(run.losses, "loss", false, "y"));
    if (run.test_losses) data.push(trace(run.test_losses, "loss", true, "y"));
    if (classification && run.accuracies) {
      data.push(trace(run.accuracies, "accuracy", false, "y2"));
      if (run.test_accuracies) data.push(trace(run.test_accuracies, "accuracy", true, "y2"));
    }
  }
  const layout = {
    margin: { l: 52, r: 10, t: 28, b: 36 }, font: FONT, hovermode: "closest",
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", font: { size: 11 } },
    paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff",
    xaxis: { title: { text: "step" }, zeroline: false, anchor: classification ? "y2" : "y" },
    yaxis: { title: { text: "loss" }, type: "log", nticks: 5, tickformat: ".2~g", domain: classification ? [0.48, 1] : [0, 1], exponentformat: "power" },
  };
  if (classification) layout.yaxis2 = { title: { text: "accuracy" }, domain: [0, 0.4], range: [0, 1.02], tickformat: ".0%" };
  return { data, layout };
}
