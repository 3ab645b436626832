// The sweep panel's chart: final loss against learning rate (log-log where the losses allow
// it), each lr marked by how its run ended, the region where the loss grows (diverged or
// diverging) shaded, the best and the chosen lr marked, the fan's lrs ringed in their colours,
// and the edges the curvature predicts, 2 / λmax at the start and at the nearest minimum.

import { fmt } from "../format.js";
import { FONT } from "../render/plots.js";
import { lossAxis } from "../render/scale.js";

const STATUS = {
  converged: { name: "converged", colour: "#0b6e4f", symbol: "circle" },
  max_steps: { name: "still going", colour: "#52606d", symbol: "circle" },
  diverging: { name: "diverging (loss grows)", colour: "#d55e00", symbol: "triangle-up" },
  diverged: { name: "diverged", colour: "#a23b00", symbol: "x" },
};
const EDGE_COLOUR = "#0b5cad";

/** The index of the lr in `lrs` nearest `lr` (in log lr). */
export function nearestIndex(lrs, lr) {
  let best = 0;
  for (let i = 1; i < lrs.length; i += 1) {
    if (Math.abs(Math.log(lrs[i] / lr)) < Math.abs(Math.log(lrs[best] / lr))) best = i;
  }
  return best;
}

/** How run `i` of a sweep `result` ended, in words. */
export function statusText(result, i) {
  const status = result.status[i];
  if (status === "converged") return `converged at step ${result.stopped_at[i]}`;
  if (status === "diverged") return `diverged at step ${result.stopped_at[i]}`;
  if (status === "diverging") return `diverging: the loss grows over ${result.stopped_at[i]} steps`;
  return `still going after ${result.stopped_at[i]} steps`;
}

/** The edges to draw: those inside [low, high], one line for points whose edges agree. */
export function edgesInRange(edges, low, high) {
  const marks = [];
  for (const edge of edges) {
    if (edge.lr === null || !(edge.lr >= low && edge.lr <= high)) continue;
    const same = marks.find((m) => Math.abs(m.lr / edge.lr - 1) < 1e-9);
    if (same) same.label = `${same.label} and ${edge.label.replace(/^at /, "")}`;
    else marks.push({ ...edge });
  }
  return marks;
}

/** The chart: final loss against lr, log-log where the losses allow it. */
export function sweepFigure({ result, chosen, fan, fStar, width, height, narrow, edges = [] }) {
  const { lrs } = result;
  const axis = lossAxis([{ losses: result.final_loss.filter((v) => v !== null) }], fStar);
  const shown = (v) => {
    if (v === null) return null;
    const y = v - axis.offset;
    return axis.type === "log" && !(y > 0) ? null : y;
  };
  const data = [{
    type: "scatter", mode: "lines", x: lrs, y: result.final_loss.map(shown), line: { color: "#bcccdc", width: 1.5 },
    hoverinfo: "skip", showlegend: false,
  }];
  for (const [status, look] of Object.entries(STATUS)) {
    const idx = lrs.map((_, i) => i).filter((i) => result.status[i] === status);
    if (!idx.length) continue;
    data.push({
      type: "scatter", mode: "markers", name: look.name, x: idx.map((i) => lrs[i]), y: idx.map((i) => shown(result.final_loss[i])),
      marker: { color: look.colour, symbol: look.symbol, size: 7 },
      customdata: idx.map((i) => [fmt(lrs[i]), statusText(result, i), fmt(result.final_loss[i])]),
      hovertemplate: "lr %{customdata[0]}<br>%{customdata[1]}<br>final loss %{customdata[2]}<extra></extra>",
    });
  }
  if (fan.length) {
    data.push({
      type: "scatter", mode: "markers", name: "paths on the plot", x: fan.map((f) => f.lr),
      y: fan.map((f) => shown(result.final_loss[f.index])), hoverinfo: "skip",
      marker: { color: "rgba(0,0,0,0)", size: 13, line: { color: fan.map((f) => f.colour), width: 2.5 } },
    });
  }
  const best = result.best_lr === null ? -1 : nearestIndex(lrs, result.best_lr);
  if (best >= 0) {
    data.push({
      type: "scatter", mode: "markers", name: "best lr", x: [lrs[best]], y: [shown(result.final_loss[best])],
      marker: { symbol: "star", size: 17, color: "#f0e442", line: { color: "#243b53", width: 1.2 } },
      hovertemplate: `best lr ${fmt(lrs[best])}<extra></extra>`,
    });
  }
  if (chosen >= 0) {
    data.push({
      type: "scatter", mode: "markers", name: "chosen", x: [lrs[chosen]], y: [shown(result.final_loss[chosen])],
      marker: { symbol: "circle-open", size: 22, color: "#0b5cad", line: { width: 2.5 } }, hoverinfo: "skip",
    });
  }
  const shapes = [];
  const annotations = [];
  const edge = result.smallest_diverged_lr;
  if (edge !== null) {
    // Shapes take data values on a log axis; annotations take log10 of them.
    shapes.push(
      { type: "rect", xref: "x", yref: "paper", x0: edge, x1: lrs[lrs.length - 1] * 1.5, y0: 0, y1: 1, fillcolor: "rgba(213,94,0,0.13)", line: { width: 0 }, layer: "below" },
      { type: "line", xref: "x", yref: "paper", x0: edge, x1: edge, y0: 0, y1: 1, line: { color: "#a23b00", width: 1.5, dash: "dash" } },
    );
    const [lo, hi] = [Math.log10(lrs[0]), Math.log10(lrs[lrs.length - 1])];
    const right = Math.log10(edge) - lo > (hi - lo) / 2;
    annotations.push({
      xref: "x", yref: "paper", x: Math.log10(edge), y: 1, xanchor: right ? "right" : "left", yanchor: "top",
      xshift: right ? -4 : 4, showarrow: false, text: `grows from lr ${fmt(edge)}${right ? " →" : ""}`,
      font: { color: "#a23b00", size: 11.5 }, bgcolor: "rgba(255,255,255,0.75)",
    });
  }
  // The curvature's edges, 2 / λmax, where they fall inside the swept range (a dotted line each).
  const [low, high] = [lrs[0], lrs[lrs.length - 1]];
  edgesInRange(edges, low, high).forEach((mark, i) => {
    shapes.push({
      type: "line", xref: "x", yref: "paper", x0: mark.lr, x1: mark.lr, y0: 0, y1: 1, name: "curvature-edge",
      line: { color: EDGE_COLOUR, width: 2, dash: "dot" },
    });
    const right = Math.log10(mark.lr / low) > Math.log10(high / low) / 2;
    annotations.push({
      xref: "x", yref: "paper", x: Math.log10(mark.lr), y: 0.02 + 0.09 * i, xanchor: right ? "right" : "left",
      yanchor: "bottom", xshift: right ? -4 : 4, showarrow: false,
      text: narrow ? `2/λmax = ${fmt(mark.lr)}` : `2/λmax ${mark.label} = ${fmt(mark.lr)}`,
      font: { color: EDGE_COLOUR, size: 11.5 }, bgcolor: "rgba(255,255,255,0.8)",
    });
  });
  const layout = {
    font: FONT, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff", width, height, autosize: false,
    margin: { l: 62, r: 12, t: 8, b: narrow ? 78 : 64 }, hovermode: "closest", shapes, annotations,
    hoverlabel: { bgcolor: "#ffffff", bordercolor: "#9aa5b1", font: { family: FONT.family, size: 12 } },
    showlegend: true,
    legend: {
      orientation: "h", x: 0, y: narrow ? -0.36 : -0.26, yanchor: "top", font: { size: 11 },
      ...(narrow ? { entrywidth: 0.5, entrywidthmode: "fraction" } : {}),
    },
    xaxis: {
      type: "log", title: { text: "learning rate (log scale)" }, exponentformat: "power", gridcolor: "#eef1f4",
      range: [Math.log10(lrs[0]) - 0.05, Math.log10(lrs[lrs.length - 1]) + 0.05],
    },
    yaxis: { type: axis.type, title: { text: `final ${axis.title}` }, exponentformat: "power", gridcolor: "#eef1f4" },
  };
  return { data, layout };
}
