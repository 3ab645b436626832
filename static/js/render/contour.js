// Filled contours drawn once into a canvas: the figure shows it under the paths (plotly as a PNG
// layout image, the first paint in preview.js as the canvas itself).
//
// Why not a plotly contour trace: every Plotly.restyle recomputes and redraws every trace in the
// figure, and a 200x200 contour made each such update cost ~90 ms (a step while paused; while
// playing, motion.js paints the moving paths itself). Plotly.animate with redraw: false deletes
// non-animatable traces such as contours from the plot.

import { hexRgb } from "../format.js";

const LINE_COLOUR = "rgba(36, 59, 83, 0.30)";

/** Colour of the colorscale ([[t, "#rrggbb"], ...]) at t in [0, 1], as [r, g, b]. */
function colourAt(colorscale, t) {
  const clamped = Math.max(0, Math.min(1, t));
  for (let i = 1; i < colorscale.length; i += 1) {
    const [t1, c1] = colorscale[i];
    if (clamped <= t1) {
      const [t0, c0] = colorscale[i - 1];
      const f = t1 > t0 ? (clamped - t0) / (t1 - t0) : 0;
      const a = hexRgb(c0);
      const b = hexRgb(c1);
      return a.map((v, k) => Math.round(v + (b[k] - v) * f));
    }
  }
  return hexRgb(colorscale[colorscale.length - 1][1]);
}

/** About `count` round-numbered levels spanning [lo, hi]. */
function contourLevels(lo, hi, count = 24) {
  if (!(hi > lo)) return { start: lo, step: 1, levels: [lo] };
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  const start = Math.ceil(lo / step) * step;
  const levels = [];
  for (let v = start; v < hi; v += step) levels.push(v);
  return { start, step, levels };
}

function fillBands(ctx, z, width, height, band) {
  const ny = z.length;
  const nx = z[0].length;
  const image = ctx.createImageData(width, height);
  const out = image.data;
  for (let py = 0; py < height; py += 1) {
    const v = (1 - py / (height - 1)) * (ny - 1);
    const j = Math.min(ny - 2, Math.floor(v));
    const fy = v - j;
    const row0 = z[j];
    const row1 = z[j + 1];
    for (let px = 0; px < width; px += 1) {
      const u = (px / (width - 1)) * (nx - 1);
      const i = Math.min(nx - 2, Math.floor(u));
      const fx = u - i;
      const value = (row0[i] * (1 - fx) + row0[i + 1] * fx) * (1 - fy) + (row1[i] * (1 - fx) + row1[i + 1] * fx) * fy;
      if (!Number.isFinite(value)) continue;
      const rgb = band(value);
      const o = 4 * (py * width + px);
      out[o] = rgb[0];
      out[o + 1] = rgb[1];
      out[o + 2] = rgb[2];
      out[o + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}

// Marching squares: for each cell and level, the segment where the bilinear surface crosses it.
// The levels are `step` apart from `start`, so a cell looks only at those within its own span.
function drawLines(ctx, z, width, height, { start, step, levels }) {
  const ny = z.length;
  const nx = z[0].length;
  const sx = (width - 1) / (nx - 1);
  const sy = (height - 1) / (ny - 1);
  const X = (i) => i * sx;
  const Y = (j) => height - 1 - j * sy;
  ctx.strokeStyle = LINE_COLOUR;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let j = 0; j < ny - 1; j += 1) {
    for (let i = 0; i < nx - 1; i += 1) {
      const a = z[j][i];
      const b = z[j][i + 1];
      const c = z[j + 1][i + 1];
      const d = z[j + 1][i];
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const lo = Math.min(a, b, c, d);
      const hi = Math.max(a, b, c, d);
      // One level early: the levels were summed step by step and may have drifted an ulp.
      const first = Math.max(0, Math.floor((lo - start) / step) - 1);
      for (let n = first; n < levels.length && levels[n] <= hi; n += 1) {
        const level = levels[n];
        if (level <= lo) continue;
        const points = [];
        if ((a < level) !== (b < level)) points.push([X(i + (level - a) / (b - a)), Y(j)]);
        if ((b < level) !== (c < level)) points.push([X(i + 1), Y(j + (level - b) / (c - b))]);
        if ((d < level) !== (c < level)) points.push([X(i + (level - d) / (c - d)), Y(j + 1)]);
        if ((a < level) !== (d < level)) points.push([X(i), Y(j + (level - a) / (d - a))]);
        for (let k = 0; k + 1 < points.length; k += 2) {
          ctx.moveTo(points[k][0], points[k][1]);
          ctx.lineTo(points[k + 1][0], points[k + 1][1]);
        }
      }
    }
  }
  ctx.stroke();
}

/**
 * A canvas of filled contour bands with contour lines, and the range of z. `z` is rows (bottom
 * row first, as plotly orders them) of values already on the drawing scale, NaN where undefined.
 */
export function contourImage(z, colorscale, { width = 640, height = 640, count = 24 } = {}) {
  const finite = z.flat().filter(Number.isFinite);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of finite) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const { start, step, levels } = contourLevels(lo, hi, count);
  const bands = levels.length + 1;
  const palette = Array.from({ length: bands }, (_, k) => colourAt(colorscale, bands > 1 ? k / (bands - 1) : 0));
  const band = (value) => palette[Math.max(0, Math.min(bands - 1, Math.floor((value - start) / step) + 1))];
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  fillBands(ctx, z, width, height, band);
  drawLines(ctx, z, width, height, { start, step, levels });
  return { canvas, lo, hi };
}
