// Loss vs step for every run, with a head marker per run that follows the animation.

import { fmt } from "./format.js";
import { FONT } from "./plots.js";
import { lossAxis } from "./scale.js";

const MAX_POINTS = 2500;

export function buildLossFigure({ runs, fStar, narrow, width, height }) {
  const axis = lossAxis(runs, fStar);
  const shown = (v) => {
    const y = v - axis.offset;
    return axis.type === "log" && !(y > 0) ? null : y;
  };
  const data = runs.map((run) => {
    const len = run.losses.length;
    const stride = Math.max(1, Math.ceil(len / MAX_POINTS));
    const steps = [];
    for (let k = 0; k < len; k += stride) steps.push(k);
    if (steps[steps.length - 1] !== len - 1) steps.push(len - 1);
    return {
      type: "scatter", mode: "lines", name: run.label_html, x: steps,
      y: steps.map((k) => shown(run.losses[k])), customdata: steps.map((k) => fmt(run.losses[k])),
      line: { color: run.colour, width: 2 }, hovertemplate: "%{fullData.name}: %{customdata}<extra></extra>",
    };
  });
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
    margin: { l: 62, r: 12, t: 8, b: 42 }, showlegend: false, hovermode: "x unified",
    hoverlabel: { bgcolor: "#ffffff", bordercolor: "#9aa5b1", font: { family: FONT.family, size: 12 } },
    xaxis: { title: { text: "step" }, rangemode: "tozero", zeroline: false, gridcolor: "#eef1f4" },
    yaxis: {
      type: axis.type, title: { text: axis.title, font: { size: narrow ? 11 : 12 } },
      exponentformat: "power", gridcolor: "#eef1f4", zeroline: axis.type === "linear",
    },
  };
  const frame = (step) => ({
    traces: runs.map((run) => {
      const k = Math.min(step, run.losses.length - 1);
      return { x: [k], y: [shown(run.losses[k])] };
    }),
    indices: headIndex,
  });
  return { data, layout, frame, axis };
}
