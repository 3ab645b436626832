// The optimizer's state and the curvature at each run's head (optimizer-state.js says what they
// are), drawn on a canvas of its own over the figure, playing or still: arrows, ellipses and the
// curvature's segments, each scaled to the typical size of its kind over the runs' paths.

import { clearedContext, axesOf } from "./motion.js";
import { fullLayout } from "./plotly.js";
import { GLYPHS, explain } from "./optimizer-state.js";

/** The glyphs drawn at the heads, the curvature's segments first (under the arrows). */
const DRAWN = [...GLYPHS.filter((g) => g.draw === "axes"), ...GLYPHS.filter((g) => g.draw && g.draw !== "axes")];

const ARROW_SHARE = 0.14;
const ELLIPSE_SHARE = 0.07;
const AXIS_SHARE = 0.12;
const SAMPLES = 200;

// ---- how long to draw them -----------------------------------------------------------------

const norm = (v) => Math.hypot(...v);

/**
 * Per glyph, the typical size of its vectors over every run's path (the median over up to
 * SAMPLES steps a run): a glyph is drawn `size / (size + typical)` of its longest, so lengths
 * compare across runs and steps, and a huge gradient (Rosenbrock's start) stays on screen.
 */
function typicalSizes(runs) {
  const sizes = Object.fromEntries(GLYPHS.map((g) => [g.id, []]));
  for (const run of runs) {
    const every = Math.max(1, Math.ceil(run.points.length / SAMPLES));
    for (let k = 0; k < run.points.length; k += every) {
      const info = explain(run, k);
      for (const glyph of GLYPHS) {
        const value = glyph.draw && glyph.value(info);
        if (!value || !value.vector) continue;
        const list = sizes[glyph.id];
        if (glyph.draw === "arrow") list.push(norm(value.vector));
        else list.push(...value.vector.map(Math.abs));
      }
    }
  }
  return Object.fromEntries(Object.entries(sizes).map(([id, list]) => [id, median(list.filter(Number.isFinite))]));
}

function median(values) {
  if (!values.length) return 1;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted[Math.floor(sorted.length / 2)];
  return mid > 0 ? mid : sorted[sorted.length - 1] || 1;
}

const saturate = (size, typical) => (size > 0 && Number.isFinite(size) ? size / (size + typical) : 0);

// ---- drawing -------------------------------------------------------------------------------

/** Per figure model: the typical sizes, computed the first time its glyphs are drawn. */
const typicalByModel = new WeakMap();

/**
 * The glyphs of every visible run of `model` at animation step `step`, painted on `ctx` over
 * the figure whose layout is `full`. Returns what was drawn: [{run, glyph, from, to} or
 * {run, glyph, at, radii}] in CSS px of the figure.
 */
export function paintGlyphs(ctx, full, model, step, hidden = () => false) {
  if (!typicalByModel.has(model)) typicalByModel.set(model, typicalSizes(model.tracks.map((t) => t.run)));
  const typical = typicalByModel.get(model);
  const drawn = [];
  model.tracks.forEach((t, i) => {
    const axes = hidden(i) ? null : axesOf(full, t.axes.xaxis, t.axes.yaxis);
    if (!axes) return;
    const k = Math.min(step, t.len - 1);
    const info = explain(t.run, k);
    const [hx, hy] = t.coords(t.run, k);
    const at = [axes.x(hx), axes.y(hy)];
    if (!at.every(Number.isFinite)) return;
    const [, , width, height] = axes.box;
    const reach = Math.min(width, height);
    // Pixels per data unit along each axis (the axes are linear): directions as drawn.
    const perUnit = [axes.x(hx + 1) - at[0], model.dim === 1 ? 0 : axes.y(hy + 1) - at[1]];
    ctx.save();
    ctx.beginPath();
    ctx.rect(...axes.box);
    ctx.clip();
    for (const glyph of DRAWN) {
      const value = info && glyph.value(info);
      if (!value || !value.vector) continue;
      const size = typical[glyph.id];
      if (glyph.draw === "axes") {
        // 1-D: the curve itself shows f''; the readout lists it.
        if (model.dim === 1) continue;
        value.vector.forEach((lambda, j) => {
          const half = reach * AXIS_SHARE * saturate(Math.abs(lambda), size);
          const v = value.axes[j];
          const screen = [v[0] * perUnit[0], v[1] * perUnit[1]];
          const pixels = Math.hypot(...screen);
          if (!(half >= 3) || !(pixels > 0)) return;
          const offset = [(screen[0] / pixels) * half, (screen[1] / pixels) * half];
          const from = [at[0] - offset[0], at[1] - offset[1]];
          const to = [at[0] + offset[0], at[1] + offset[1]];
          // An eigenvector's sign is arbitrary: a head at both ends.
          const style = { ...glyph, dash: lambda < 0 ? glyph.negativeDash : glyph.dash, head: Math.min(7, half * 0.7) };
          arrow(ctx, at, to, t.run.colour, style);
          arrow(ctx, at, from, t.run.colour, style);
          drawn.push({ run: i, glyph: glyph.id, axis: j, eigenvalue: lambda, dashed: lambda < 0, from, to });
        });
        continue;
      }
      if (glyph.draw === "ellipse") {
        const radii = value.vector.map((v) => reach * ELLIPSE_SHARE * saturate(Math.abs(v), size));
        if (model.dim === 1) radii.push(3);
        ellipse(ctx, at, radii, t.run.colour, glyph);
        drawn.push({ run: i, glyph: glyph.id, at, radii });
        continue;
      }
      const screen = [glyph.sign * value.vector[0] * perUnit[0], model.dim === 1 ? 0 : glyph.sign * value.vector[1] * perUnit[1]];
      const length = reach * ARROW_SHARE * saturate(norm(value.vector), size);
      const pixels = Math.hypot(...screen);
      if (!(length >= 1) || !(pixels > 0)) continue;
      const to = [at[0] + (screen[0] / pixels) * length, at[1] + (screen[1] / pixels) * length];
      arrow(ctx, at, to, t.run.colour, glyph);
      drawn.push({ run: i, glyph: glyph.id, from: at, to });
    }
    ctx.restore();
  });
  return drawn;
}

function stroke(ctx, colour, { width, dash = [] }) {
  // A white halo first: the glyph reads on any part of the contour and over other paths.
  ctx.setLineDash([]);
  ctx.strokeStyle = "rgba(255,255,255,0.85)";
  ctx.lineWidth = width + 2.5;
  ctx.stroke();
  ctx.setLineDash(dash);
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.stroke();
  ctx.setLineDash([]);
}

function arrow(ctx, from, to, colour, glyph) {
  const angle = Math.atan2(to[1] - from[1], to[0] - from[0]);
  const head = glyph.head ?? 5 + glyph.width * 1.5;
  ctx.beginPath();
  ctx.moveTo(...from);
  ctx.lineTo(to[0] - Math.cos(angle) * head * 0.6, to[1] - Math.sin(angle) * head * 0.6);
  stroke(ctx, colour, glyph);
  ctx.beginPath();
  ctx.moveTo(...to);
  ctx.lineTo(to[0] - head * Math.cos(angle - 0.45), to[1] - head * Math.sin(angle - 0.45));
  ctx.lineTo(to[0] - head * Math.cos(angle + 0.45), to[1] - head * Math.sin(angle + 0.45));
  ctx.closePath();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#ffffff";
  ctx.stroke();
  ctx.fillStyle = colour;
  ctx.fill();
}

function ellipse(ctx, at, [rx, ry], colour, glyph) {
  if (!(rx > 0.5) && !(ry > 0.5)) return;
  ctx.beginPath();
  ctx.ellipse(at[0], at[1], Math.max(rx, 0.5), Math.max(ry, 0.5), 0, 0, 2 * Math.PI);
  ctx.globalAlpha = 0.18;
  ctx.fillStyle = colour;
  ctx.fill();
  ctx.globalAlpha = 1;
  stroke(ctx, colour, glyph);
}

/**
 * The canvas the glyphs are painted on, over the figure in `graph` (plotly's or the preview),
 * above the motion layer's canvas. `draw(model, step, hidden)` paints them; `clear()` removes
 * them. What is drawn is kept on the figure as data-glyphs (JSON), for tests and tools.
 */
export function createGlyphLayer(graph) {
  let canvas = null;
  let summary = "";

  function anchor() {
    const preview = graph.querySelector(":scope > canvas.preview");
    if (preview) return { base: preview, full: preview.layout };
    const svg = graph.querySelector(".svg-container > .main-svg");
    return { base: svg, full: svg && fullLayout(graph) };
  }

  function place() {
    const { base, full } = anchor();
    if (!base || !full) return null;
    if (!canvas) {
      canvas = document.createElement("canvas");
      canvas.className = "glyph-layer";
      canvas.setAttribute("aria-hidden", "true");
    }
    // After the motion canvas when there is one, so the glyphs stay on top of the paths.
    const next = base.nextElementSibling;
    const after = next && next !== canvas && next.matches("canvas.motion-layer") ? next : base;
    if (canvas.previousElementSibling !== after) after.after(canvas);
    return [clearedContext(canvas, full.width, full.height), full];
  }

  function record(step, drawn) {
    const text = JSON.stringify({ step, glyphs: drawn }, (key, v) => (typeof v === "number" ? Math.round(v * 10) / 10 : v));
    if (text !== summary) graph.dataset.glyphs = text;
    summary = text;
  }

  return {
    draw(model, step, hidden) {
      const placed = place();
      if (!placed) return;
      const [ctx, full] = placed;
      // The 3-D view has no glyphs (its projection hides lengths and directions); the readout lists them.
      const drawn = model.is3d ? [] : paintGlyphs(ctx, full, model, step, hidden);
      record(step, drawn);
    },
    clear() {
      if (canvas && canvas.width) canvas.getContext("2d").clearRect(0, 0, canvas.width, canvas.height);
      if (summary) delete graph.dataset.glyphs;
      summary = "";
    },
  };
}
