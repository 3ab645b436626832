// While the animation plays, what moves (each run's trail and head) is painted on a canvas laid
// over a plotly figure, and plotly's own copies of those traces are hidden; when it stops they
// are brought up to date once and shown again, so hover and exports see the real traces. Before
// plotly.js has run, the same canvas lies over the figure's preview (preview.js), which then
// leaves those traces out.
//
// Why: any plotly update, Plotly.restyle or even Plotly.animate without redraw, re-runs the
// defaults of the whole figure. With 6 runs x 5,000 steps that cost 35-150 ms a frame (measured
// with Chromium's trace: the time is plotly's script, not painting); the canvas costs about 1 ms.

import { fullLayout, sceneCamera, traceUid } from "./plotly.js";

const HIDDEN_CLASS = "motion-hidden";
const MAX_PX = 1e6;

/** A pixel mapper for the axis pair named like plotly's layout keys ("xaxis2", "yaxis2"). */
export function axesOf(full, xaxis, yaxis) {
  const xa = full[xaxis];
  const ya = full[yaxis];
  if (!xa || !ya || !xa.c2p || !ya.c2p) return null;
  const clamp = (v) => Math.max(-MAX_PX, Math.min(MAX_PX, v));
  return {
    x: (v) => clamp(xa._offset + xa.c2p(v)),
    y: (v) => clamp(ya._offset + ya.c2p(v)),
    box: [xa._offset, ya._offset, xa._length, ya._length],
  };
}

/**
 * A pixel mapper for plotly's 3-D scene in the figure whose full layout is `full`, onto
 * `canvas` (laid over the figure): point(x, y, z) in data units -> [px, py]. It projects as
 * plotly places its 3-D hover labels: the camera's projection x view x model matrices (column
 * major, as gl-matrix keeps them) applied to the point scaled by the scene's data scale.
 */
export function sceneOf(full, canvas) {
  const camera = sceneCamera(full);
  if (!camera) return null;
  const matrix = multiply(camera.projection, multiply(camera.view, camera.model));
  const [sx, sy, sz] = camera.dataScale;
  const area = camera.container.getBoundingClientRect();
  const origin = canvas.getBoundingClientRect();
  const [left, top, width, height] = [area.left - origin.left, area.top - origin.top, area.width, area.height];
  return {
    point(x, y, z) {
      const v = [x * sx, y * sy, z * sz, 1];
      const p = [0, 0, 0, 0];
      for (let i = 0; i < 4; i += 1) for (let j = 0; j < 4; j += 1) p[j] += matrix[4 * i + j] * v[i];
      // Behind the camera: nowhere on screen.
      if (!(p[3] > 0)) return [null, null];
      return [left + (0.5 + (0.5 * p[0]) / p[3]) * width, top + (0.5 - (0.5 * p[1]) / p[3]) * height];
    },
    box: [left, top, width, height],
  };
}

/** a x b for 4 x 4 matrices in column-major order. */
function multiply(a, b) {
  const out = new Array(16).fill(0);
  for (let col = 0; col < 4; col += 1) {
    for (let row = 0; row < 4; row += 1) {
      for (let k = 0; k < 4; k += 1) out[4 * col + row] += a[4 * k + row] * b[4 * col + k];
    }
  }
  return out;
}

/** A polyline through the first `n` points (xs, ys) mapped by `axes`; a missing point breaks it. */
export function polyline(ctx, axes, xs, ys, n = xs.length) {
  let pen = false;
  for (let i = 0; i < n; i += 1) {
    const x = axes.x(xs[i]);
    const y = axes.y(ys[i]);
    if (xs[i] === null || ys[i] === null || !Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    if (pen) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    pen = true;
  }
}

/** A round marker of plotly's `size` (its diameter) with an outline. */
export function dot(ctx, x, y, size, fill, outline, outlineWidth) {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return;
  ctx.beginPath();
  ctx.arc(x, y, size / 2, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
  if (outlineWidth > 0) {
    ctx.lineWidth = outlineWidth;
    ctx.strokeStyle = outline;
    ctx.stroke();
  }
}

/** `canvas` sized to width x height CSS px (sharp on any screen), cleared: its 2-D context. */
export function clearedContext(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/**
 * The canvas over the plotly figure in `graph`, whose traces with a uid starting with one of
 * `prefixes` are the ones the canvas stands in for while it draws.
 */
export function createMotionLayer(graph, prefixes) {
  let canvas = null;
  let hidden = false;

  /** Where the canvas goes: after plotly's plot layer (below its legend and hover labels), or the preview. */
  function anchor() {
    const preview = graph.querySelector(":scope > canvas.preview");
    if (preview) return { base: preview, full: preview.layout };
    const svg = graph.querySelector(".svg-container > .main-svg");
    // A 3-D scene draws in the WebGL layer that follows: the canvas goes above it.
    const gl = graph.querySelector(".svg-container > .gl-container");
    const base = gl && gl.childElementCount ? gl : svg;
    return { base, full: base && fullLayout(graph) };
  }

  function place() {
    const { base, full } = anchor();
    if (!base || !full) return null;
    if (!canvas) {
      canvas = document.createElement("canvas");
      canvas.className = "motion-layer";
      canvas.setAttribute("aria-hidden", "true");
    }
    if (canvas.previousElementSibling !== base) base.after(canvas);
    return [clearedContext(canvas, full.width, full.height), full];
  }

  function hideTraces(hide) {
    for (const el of graph.querySelectorAll(".scatterlayer .trace")) {
      const uid = traceUid(el);
      if (typeof uid === "string" && prefixes.some((p) => uid.startsWith(p))) el.classList.toggle(HIDDEN_CLASS, hide);
    }
    hidden = hide;
  }

  return {
    /** Clears the canvas and calls paint(ctx, fullLayout); false when there is no figure yet. */
    draw(paint) {
      const placed = place();
      if (!placed) return false;
      paint(...placed);
      // Every frame: a redraw of the figure (a resize, a zoom) makes new trace elements.
      hideTraces(true);
      return true;
    },
    /** Back to plotly's own traces (or the preview's). */
    clear() {
      if (canvas && canvas.width) canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
      if (hidden) hideTraces(false);
    },
  };
}
