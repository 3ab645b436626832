// The moving part of the main figure: each run's trail and head at an animation step, as a
// plotly restyle (frameUpdate, restingFrame) or painted on the motion canvas (paintFrame).

import { FONT } from "./plots.js";
import { axesOf, dot, polyline, sceneOf } from "./motion.js";

function statusText(t, k) {
  if (k < t.len - 1) return "";
  if (t.run.status === "converged") return "✓ converged";
  if (t.run.status === "diverged") return "✗ diverged";
  if (t.run.status === "diverging") return "↗ diverging";
  return "";
}

/**
 * Where a run is at animation step `step`: its step k, the n thinned trail points before it;
 * null for a run with no point (it diverged at its start, outside a formula's domain).
 */
function reach(t, step) {
  if (!t.len) return null;
  const k = Math.min(step, t.len - 1);
  return { k, n: Math.floor(k / t.stride) + 1, at: t.coords(t.run, k) };
}

/**
 * What moves every trail and head (and the heads' hover targets) to animation step `step`: one
 * {x, y, z?, customdata, text} per trace in `traces`, for the trace numbers in `indices`.
 */
export function frameUpdate(model, step) {
  const traces = [];
  const heads = [];
  for (const t of model.tracks) {
    const reached = reach(t, step);
    if (!reached) {
      traces.push({ x: [], y: [], customdata: [], text: [], ...(model.is3d ? { z: [] } : {}) });
      heads.push({ x: [], y: [], customdata: [], text: [], ...(model.is3d ? { z: [] } : {}) });
      continue;
    }
    const { k, n, at } = reached;
    const trail = { x: t.xs.slice(0, n), y: t.ys.slice(0, n), customdata: t.cd.slice(0, n), text: [] };
    if (model.is3d) trail.z = t.zs.slice(0, n);
    const [px, py, pz] = at;
    if (t.pick[n - 1] !== k) {
      trail.x.push(px);
      trail.y.push(py);
      if (model.is3d) trail.z.push(pz);
      trail.customdata.push(t.custom(k));
    }
    traces.push(trail);
    const head = { x: [px], y: [py], customdata: [t.custom(k)], text: [statusText(t, k)] };
    if (model.is3d) head.z = [pz];
    heads.push(head);
  }
  // The heads' hover targets (plots.js) are the heads again.
  const hits = model.hitIndex.length ? heads : [];
  return { traces: [...traces, ...heads, ...hits], indices: [...model.trailIndex, ...model.headIndex, ...model.hitIndex] };
}

/**
 * What plotly's own trails and heads show while the motion canvas plays over a 3-D scene (whose
 * WebGL traces the canvas cannot hide): each trail at its first point, which keeps its legend
 * item, and no heads.
 */
export function restingFrame(model) {
  const { traces, indices } = frameUpdate(model, 0);
  const trails = model.tracks.length; // frameUpdate lists the trails, then the heads
  const empty = (t) => Object.fromEntries(Object.keys(t).map((key) => [key, []]));
  return { traces: traces.map((t, i) => (i < trails ? t : empty(t))), indices };
}

/**
 * The same frame as frameUpdate, painted on the motion canvas (see motion.js) for a 2-D or 1-D
 * figure drawn by plotly with layout `full`: trails clipped to their panel, heads on top; or
 * projected onto the 3-D scene.
 */
export function paintFrame(ctx, full, model, step, hidden = () => false) {
  if (model.is3d) {
    paintFrame3d(ctx, sceneOf(full, ctx.canvas), model, step, hidden);
    return;
  }
  const reached = model.tracks.map((t) => reach(t, step));
  const panels = model.tracks.map((t, i) => (hidden(i) || !reached[i] ? null : axesOf(full, t.axes.xaxis, t.axes.yaxis)));
  ctx.lineJoin = "round";
  model.tracks.forEach((t, i) => {
    const axes = panels[i];
    if (!axes) return;
    const { k, n, at } = reached[i];
    ctx.save();
    ctx.beginPath();
    ctx.rect(...axes.box);
    ctx.clip();
    ctx.beginPath();
    // The thinned trail, then the head's own point when the thinning skipped it.
    polyline(ctx, axes, t.xs, t.ys, n);
    if (t.pick[n - 1] !== k) ctx.lineTo(axes.x(at[0]), axes.y(at[1]));
    ctx.strokeStyle = t.run.colour;
    ctx.lineWidth = 2.4;
    if (model.dim === 1) ctx.setLineDash([2.4, 3.6]);
    ctx.stroke();
    ctx.setLineDash([]);
    if (model.dim === 1) {
      for (let j = 0; j < n; j += 1) dot(ctx, axes.x(t.xs[j]), axes.y(t.ys[j]), 7, t.run.colour, "", 0);
    }
    ctx.restore();
  });
  ctx.font = `12px ${FONT.family}`;
  ctx.textBaseline = "bottom";
  model.tracks.forEach((t, i) => {
    const axes = panels[i];
    if (!axes) return;
    const { k, at } = reached[i];
    const [x, y] = [axes.x(at[0]), axes.y(at[1])];
    const size = model.dim === 1 ? 18 : 13;
    dot(ctx, x, y, size, t.run.colour, "#ffffff", 2);
    const text = statusText(t, k);
    if (text) {
      ctx.fillStyle = t.run.colour;
      ctx.fillText(text, x + size / 2, y - size / 2);
    }
  });
}

/** paintFrame in the 3-D view: each trail and head projected by the scene's camera (sceneOf). */
function paintFrame3d(ctx, scene, model, step, hidden) {
  if (!scene) return;
  const pixels = { x: (p) => p, y: (p) => p };
  const project = (x, y, z) => (Number.isFinite(z) ? scene.point(x, y, z) : [null, null]);
  // Always over the surface, even where it would hide the path (plotly's own traces, drawn
  // when the player stops, are hidden behind it); clipped to the scene.
  ctx.save();
  ctx.beginPath();
  ctx.rect(...scene.box);
  ctx.clip();
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  const heads = model.tracks.filter((t, i) => !hidden(i) && t.len).map((t) => {
    const { k, n, at } = reach(t, step);
    const points = Array.from({ length: n }, (_, j) => project(t.xs[j], t.ys[j], t.zs[j]));
    // The thinned trail, then the head's own point when the thinning skipped it.
    if (t.pick[n - 1] !== k) points.push(project(...at));
    ctx.beginPath();
    polyline(ctx, pixels, points.map((p) => p[0]), points.map((p) => p[1]));
    ctx.strokeStyle = t.run.colour;
    ctx.lineWidth = 4;
    ctx.stroke();
    return { t, k, point: project(...at) };
  });
  ctx.font = `12px ${FONT.family}`;
  ctx.textBaseline = "bottom";
  for (const { t, k, point: [x, y] } of heads) {
    if (x === null) continue;
    dot(ctx, x, y, 11, t.run.colour, "#ffffff", 2);
    const text = statusText(t, k);
    if (text) {
      ctx.fillStyle = t.run.colour;
      ctx.fillText(text, x + 6, y - 6);
    }
  }
  ctx.restore();
}
