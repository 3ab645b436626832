// Loss vs step for every run, with a head marker per run that follows the animation.

import { fmt, hexRgb } from "../format.js";
import { axesOf, dot } from "./motion.js";
import { FONT } from "./plots.js";
import { lossAxis } from "./scale.js";

const MAX_POINTS = 2500;

export function buildLossFigure({ runs, fStar, narrow, width, height }) {
  const axis = lossAxis(runs, fStar);
  const shown = (v) => {
    const y = v - axis.offset;
    return axis.type === "log" && !(y > 0) ? null : y;
  };
  const data = [];
  // Mini-batches: what each update saw, faint, and the band over repeats, under the full-data loss.
  const mini = runs.some((run) => run.batch_losses && run.batch_losses.some((v, k) => v !== run.losses[k]));
  const band = runs.some((run) => run.spread);
  runs.forEach((run) => {
    if (run.spread) data.push(...bandTraces(run, shown));
    if (mini && run.batch_losses) data.push(lossLine(run.batch_losses, shown, batchStyle(run)));
  });
  runs.forEach((run) => data.push(lossLine(run.losses, shown, {
    name: run.label_html, line: { color: run.colour, width: 2 }, hovertemplate: "%{fullData.name}: %{customdata}<extra></extra>",
  })));
  const note = mini || band ? key(mini, band, narrow) : null;
  const headIndex = runs.map((run, i) => {
    data.push({
      type: "scatter", mode: "markers", uid: `loss-head-${i}`, x: [0], y: [shown(run.losses[0])],
      marker: { color: run.colour, size: 9, line: { color: "#ffffff", width: 1.5 } },
      showlegend: false, hoverinfo: "skip",
    });
    return data.length - 1;
  });
  const layout = {
    font: FONT, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff", width, height, autosize: false,
    margin: { l: 62, r: 12, t: note ? 8 + 14 * note.lines : 8, b: 42 }, showlegend: false, hovermode: "x unified",
    annotations: note ? [note.annotation] : [],
    hoverlabel: { bgcolor: "#ffffff", bordercolor: "#9aa5b1", font: { family: FONT.family, size: 12 } },
    xaxis: { title: { text: "step" }, rangemode: "tozero", zeroline: false, gridcolor: "#eef1f4" },
    yaxis: {
      type: axis.type, title: { text: axis.title, font: { size: narrow ? 11 : 12 } },
      exponentformat: "power", gridcolor: "#eef1f4", zeroline: axis.type === "linear",
    },
  };
  const headAt = (run, step) => {
    const k = Math.min(step, run.losses.length - 1);
    return [k, shown(run.losses[k])];
  };
  const frame = (step) => ({
    traces: runs.map((run) => {
      const [x, y] = headAt(run, step);
      return { x: [x], y: [y] };
    }),
    indices: headIndex,
  });
  /** The head markers on the motion canvas (see motion.js), while the animation plays. */
  const paint = (ctx, full, step) => {
    const axes = axesOf(full, "xaxis", "yaxis");
    if (!axes) return;
    // Clipped to the plot area, as plotly clips them (a fixed range can leave a head outside).
    ctx.save();
    ctx.beginPath();
    ctx.rect(...axes.box);
    ctx.clip();
    for (const run of runs) {
      const [x, y] = headAt(run, step);
      if (y !== null) dot(ctx, axes.x(x), axes.y(y), 9, run.colour, "#ffffff", 1.5);
    }
    ctx.restore();
  };
  // A one-example loss can be far below the full-data loss: the axis follows the full-data one.
  if (mini) layout.yaxis.range = focusRange(runs, shown, axis);
  return { data, layout, frame, paint, axis };
}

function focusRange(runs, shown, axis) {
  let lo = Infinity;
  let hi = -Infinity;
  const take = (values) => {
    for (const v of values) {
      const y = shown(v);
      if (y === null || !Number.isFinite(y)) continue;
      lo = Math.min(lo, y);
      hi = Math.max(hi, y);
    }
  };
  for (const run of runs) {
    take(run.losses);
    if (run.spread) take([...run.spread.p10, ...run.spread.p90]);
  }
  if (!(hi >= lo)) return undefined;
  const [a, b] = axis.type === "log" ? [Math.log10(lo), Math.log10(hi)] : [lo, hi];
  const pad = (b - a || 1) * 0.08;
  return [a - pad, b + pad];
}

/** One loss line, thinned to MAX_POINTS; `trace` adds name, line and hover. */
function lossLine(values, shown, trace) {
  const len = values.length;
  const stride = Math.max(1, Math.ceil(len / MAX_POINTS));
  const steps = [];
  for (let k = 0; k < len; k += stride) steps.push(k);
  if (steps[steps.length - 1] !== len - 1) steps.push(len - 1);
  return {
    type: "scatter", mode: "lines", x: steps,
    y: steps.map((k) => shown(values[k])), customdata: steps.map((k) => fmt(values[k])), ...trace,
  };
}

function batchStyle(run) {
  return {
    name: `${run.label_html} (mini-batch)`, opacity: 0.35, line: { color: run.colour, width: 1 },
    hovertemplate: "%{fullData.name}: %{customdata}<extra></extra>",
  };
}

/** The 10–90 % band over repeats (filled between its edges) and its median, dashed. */
function bandTraces(run, shown) {
  const { p10, p90, median } = run.spread;
  const edge = { hoverinfo: "skip", line: { width: 0, color: run.colour } };
  return [
    lossLine(p10, shown, { ...edge, name: `${run.label_html} 10 %` }),
    lossLine(p90, shown, { ...edge, name: `${run.label_html} 90 %`, fill: "tonexty", fillcolor: translucent(run.colour, 0.2) }),
    lossLine(median, shown, {
      name: `${run.label_html} median`, line: { color: run.colour, width: 1.2, dash: "dash" },
      hovertemplate: "%{fullData.name}: %{customdata}<extra></extra>",
    }),
  ];
}

function translucent(hex, alpha) {
  const [r, g, b] = hexRgb(hex);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

function key(mini, band, narrow) {
  const parts = [];
  if (mini) parts.push("faint: mini-batch loss");
  parts.push("solid: full-data loss");
  if (band) parts.push("band: 10–90 % of repeats, dashed: median");
  const annotation = {
    text: parts.join(narrow ? "<br>" : " · "), xref: "paper", yref: "paper", x: 1, y: 1, xanchor: "right", yanchor: "bottom",
    showarrow: false, font: { size: 11, color: "#52606d" }, align: "right",
  };
  return { annotation, lines: narrow ? parts.length : 1 };
}
