// A first paint of a figure on a <canvas>, while plotly.js (4.8 MB, ~0.9 s of evaluation) loads
// after it (see renderer.js). It draws the very figure objects that plots.js and losschart.js build
// for plotly, laid out by plotly's rules (margins pushed by the legend and the colour bar, its
// automatic ticks and ranges, its legend and marker shapes; constants measured on plotly.js 4),
// so that plotly's interactive figure takes its place without a jump. It draws one cartesian
// panel of scatter traces (lines, markers, text, a fill between two traces) over a layout image,
// with a legend and a colour bar; a figure with anything else waits for plotly.
//
// Its parts: preview-layout.js (margins, axes and ranges, the legend's place, ticks and their
// labels, text measures) and preview-draw.js (grid, traces, markers, axes, legend, colour bar,
// annotations).

import { clearedContext } from "./motion.js";
import { clipTo, drawAnnotations, drawAxes, drawColourBar, drawGrid, drawLegend, drawTrace } from "./preview-draw.js";
import { place } from "./preview-layout.js";

/** Whether the experiment's main figure is one the preview draws (else plotly is needed now). */
export function previewable(experiment) {
  return experiment.layout !== "side" && experiment.view !== "3d" && !experiment.basins && !experiment.sweep;
}

/** Whether `figure` ({data, layout}) is within what the preview draws. */
export function canPaint({ data, layout }) {
  return !layout.scene && data.every((t) => (t.type || "scatter") === "scatter"
    && (t.xaxis || "x") === "x" && (t.yaxis || "y") === "y");
}

/** Removes the preview, and the motion canvas over it, from `container` (before plotly draws there). */
export function clearPreview(container) {
  for (const canvas of container.querySelectorAll(":scope > canvas.preview, :scope > canvas.motion-layer")) canvas.remove();
}

/** The layout of the preview in `container` as motion.js reads plotly's (see paintFigure), or null. */
export function previewLayout(container) {
  return container.querySelector(":scope > canvas.preview")?.layout ?? null;
}

/**
 * Paints `figure` ({data, layout}, as built for plotly) on a canvas in `container`, the size of
 * the figure. `frame` ({traces, indices}, as for Plotly.restyle) moves traces first; with
 * `moving: false` those traces are left for the motion canvas to draw (they still set the
 * ranges and the legend). `image` is drawn for the layout images (the contour's canvas).
 * Returns the figure's axes in the shape of plotly's full layout that motion.js's axesOf and
 * pointer.js read: `_offset`, `_length`, `range` and `c2p`, in CSS px of the canvas.
 */
export function paintFigure(container, { data, layout }, { frame = null, image = null, moving = true } = {}) {
  const traces = data.slice();
  frame?.indices.forEach((index, i) => {
    traces[index] = { ...traces[index], ...frame.traces[i] };
  });
  const skip = new Set(moving ? [] : frame?.indices);
  const ctx = canvasIn(container, layout.width, layout.height);
  const fig = place(ctx, traces, layout);
  const { gs, xa, ya } = fig;
  const axes = { x: xa.d2p, y: ya.d2p };
  ctx.fillStyle = layout.plot_bgcolor || "#ffffff";
  ctx.fillRect(gs.l, gs.t, gs.w, gs.h);
  ctx.save();
  clipTo(ctx, gs);
  for (const im of layout.images || []) {
    if (!image || im.xref !== "x" || im.yref !== "y") continue;
    const [x0, x1] = [xa.d2p(im.x), xa.d2p(im.x + im.sizex)];
    const [y0, y1] = [ya.d2p(im.y), ya.d2p(im.y - im.sizey)];
    // Scaled (down, on a phone) the way Chromium scales plotly's <image>.
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(image, x0, y0, x1 - x0, y1 - y0);
  }
  drawGrid(ctx, fig, layout);
  ctx.restore();
  traces.forEach((t, i) => skip.has(i) || drawTrace(ctx, t, traces[i - 1], axes, gs));
  drawAxes(ctx, fig, layout);
  drawLegend(ctx, fig, layout);
  if (fig.bar) drawColourBar(ctx, fig.bar, layout);
  drawAnnotations(ctx, gs, layout);
  const full = {
    width: layout.width, height: layout.height,
    xaxis: plotlyAxis(xa), yaxis: plotlyAxis(ya),
  };
  ctx.canvas.layout = full;
  return full;
}

/** An axis as plotly's full layout has it, for the few fields motion.js and pointer.js read. */
function plotlyAxis(axis) {
  const { offset, length, log } = axis;
  // A log axis's range is in log10 units, in plotly's full layout as here.
  return {
    _offset: offset, _length: length, range: axis.range.slice(), type: log ? "log" : "linear",
    c2p: (v) => axis.d2p(v) - offset,
  };
}

function canvasIn(container, width, height) {
  let canvas = container.querySelector(":scope > canvas.preview");
  if (!canvas) {
    canvas = document.createElement("canvas");
    canvas.className = "preview";
    canvas.setAttribute("aria-hidden", "true");
    container.prepend(canvas);
  }
  return clearedContext(canvas, width, height);
}
