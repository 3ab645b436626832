// Painting the preview: the grid and zero lines, scatter traces (lines, fills, markers, text),
// the axes with their ticks and titles, the legend and the annotations.

import { fromPlotlyText, hexRgb } from "../format.js";
import { dot, polyline } from "./motion.js";
import { LEGEND } from "./preview-layout.js";
import { axisTicks, bigFont, drawLabel, labelWidth, metrics } from "./preview-ticks.js";

const AXIS_COLOUR = "#444444"; // plotly's default for ticks, zero lines and grid mixing

export function intersects(a, b, pad) {
  return a.left <= b.right + pad && b.left <= a.right + pad && a.top <= b.bottom + pad && b.top <= a.bottom + pad;
}

/** The middle of the pixel row (or column) where Chromium draws plotly's crisp 1 px line at p. */
const crisp = (p) => Math.floor(p) + 0.5;

export function clipTo(ctx, gs) {
  ctx.beginPath();
  ctx.rect(gs.l, gs.t, gs.w, gs.h);
  ctx.clip();
}

/** Grid lines (a colour between the axis colour and the plot's) and the zero line. */
export function drawGrid(ctx, { xa, ya, gs }, layout) {
  for (const axis of [xa, ya]) {
    const line = (v, colour) => {
      const p = crisp(axis.l2p(v));
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1;
      ctx.beginPath();
      if (axis.vertical) {
        ctx.moveTo(gs.l, p);
        ctx.lineTo(gs.l + gs.w, p);
      } else {
        ctx.moveTo(p, gs.t);
        ctx.lineTo(p, gs.t + gs.h);
      }
      ctx.stroke();
    };
    const [lo, hi] = axis.range;
    if (axis.spec.showgrid !== false) {
      const colour = axis.spec.gridcolor || mix(AXIS_COLOUR, layout.plot_bgcolor || "#ffffff", 0.909);
      const inside = (v) => Math.abs(v - lo) > 1e-6 * Math.abs(hi - lo) && Math.abs(v - hi) > 1e-6 * Math.abs(hi - lo);
      for (const tick of axisTicks(axis, layout)) if (inside(tick.value)) line(tick.value, colour);
    }
    if (axis.spec.zeroline !== false && !axis.log && (lo < 0) !== (hi < 0)) line(0, AXIS_COLOUR);
  }
}

function mix(a, b, fraction) {
  const [p, q] = [hexRgb(a), hexRgb(b)];
  return `rgb(${p.map((v, i) => Math.round(v + (q[i] - v) * fraction)).join(",")})`;
}

function dashes(dash, width) {
  const unit = Math.max(width, 3);
  if (dash === "dot") return [unit, unit];
  if (dash === "dash") return [3 * unit, 3 * unit];
  return [];
}

export function drawTrace(ctx, t, previous, axes, gs) {
  const mode = t.mode || "lines";
  ctx.save();
  ctx.globalAlpha = t.opacity ?? 1;
  clipTo(ctx, gs);
  if (t.fill === "tonexty" && previous) {
    ctx.beginPath();
    polyline(ctx, axes, previous.x, previous.y);
    for (let i = t.x.length - 1; i >= 0; i -= 1) ctx.lineTo(axes.x(t.x[i]), axes.y(t.y[i]));
    ctx.fillStyle = t.fillcolor;
    ctx.fill();
  }
  const line = t.line || {};
  if (mode.includes("lines") && (line.width ?? 2) > 0) {
    ctx.beginPath();
    polyline(ctx, axes, t.x, t.y);
    ctx.strokeStyle = line.color;
    ctx.lineWidth = line.width ?? 2;
    ctx.setLineDash(dashes(line.dash, ctx.lineWidth));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  if (t.cliponaxis === false) {
    ctx.restore();
    ctx.save();
    ctx.globalAlpha = t.opacity ?? 1;
  }
  if (mode.includes("markers")) {
    t.x.forEach((x, i) => drawMarker(ctx, t.marker, axes.x(x), axes.y(t.y[i])));
  }
  if (mode.includes("text") && t.text) {
    const font = t.textfont || {};
    ctx.font = `${font.size ?? 12}px ${font.family}`;
    ctx.fillStyle = font.color;
    ctx.textAlign = "left";
    // plotly's "top right": the text box's corner r / 0.8 + 1 px right of and above the centre.
    const offset = (t.marker?.size ?? 6) / 2 / 0.8 + 1;
    const { descent } = metrics(ctx, font.size ?? 12, font.family);
    t.x.forEach((x, i) => {
      if (t.text[i]) ctx.fillText(t.text[i], axes.x(x) + offset, axes.y(t.y[i]) - offset - descent);
    });
  }
  ctx.restore();
}

/** plotly's marker shapes, as its SVG paths around (0, 0), for a marker of diameter `size`. */
function symbolPath(symbol, size) {
  const r = size / 2;
  const n = (v) => Math.round(v * 100) / 100;
  if (symbol === "square") return `M${n(r)},${n(r)}H${-n(r)}V${-n(r)}H${n(r)}Z`;
  if (symbol === "star") {
    const [x1, x2, x3, x4] = [0.225, 0.951, 0.363, 0.588].map((k) => n(1.4 * r * k));
    const [y1, y2, y3, y4, y5] = [-1, -0.309, 0.118, 0.809, 0.382].map((k) => n(1.4 * r * k));
    return `M${x1},${y2}H${x2}L${x3},${y3}L${x4},${y4}L0,${y5}L${-x4},${y4}L${-x3},${y3}L${-x2},${y2}H${-x1}L0,${y1}Z`;
  }
  if (symbol === "x") {
    const d = n((r * 0.8) / Math.SQRT2);
    const [ne, se, sw, nw] = [`l${d},${d}`, `l${d},${-d}`, `l${-d},${-d}`, `l${-d},${d}`];
    return `M0,${d}${ne}${se}${sw}${se}${sw}${nw}${sw}${nw}${ne}${nw}${ne}Z`;
  }
  return null;
}

function drawMarker(ctx, marker, x, y, maxSize = Infinity) {
  const size = Math.min(marker.size ?? 6, maxSize);
  const line = marker.line || {};
  const path = symbolPath(marker.symbol, size);
  if (!path) {
    dot(ctx, x, y, size, marker.color, line.color, line.width ?? 0);
    return;
  }
  if (!Number.isFinite(x) || !Number.isFinite(y)) return;
  ctx.save();
  ctx.translate(x, y);
  const shape = new Path2D(path);
  ctx.fillStyle = marker.color;
  ctx.fill(shape);
  if (line.width) {
    ctx.lineWidth = line.width;
    ctx.strokeStyle = line.color;
    ctx.stroke(shape);
  }
  ctx.restore();
}

/** Ticks, tick labels and titles; each title kept clear of the labels and inside the figure. */
export function drawAxes(ctx, { xa, ya, gs, family }, layout) {
  ctx.fillStyle = layout.font.color;
  ctx.textBaseline = "alphabetic";
  for (const axis of [xa, ya]) {
    const { spec } = axis;
    const size = spec.tickfont?.size ?? layout.font.size;
    const outside = spec.ticks === "outside";
    const ticklen = spec.ticklen ?? 5;
    // The labels' distance from the plot area, measured on plotly's figures.
    const standoff = outside ? ticklen + 0.2 * size : 0;
    const boxes = [];
    for (const { value, label } of axisTicks(axis, layout)) {
      const p = axis.l2p(value);
      if (outside) {
        ctx.strokeStyle = spec.tickcolor || AXIS_COLOUR;
        ctx.lineWidth = 1;
        ctx.beginPath();
        // plotly's ticks start a pixel off the plot area.
        const at = crisp(p);
        if (axis.vertical) {
          ctx.moveTo(gs.l - 1 - ticklen, at);
          ctx.lineTo(gs.l - 1, at);
        } else {
          ctx.moveTo(at, gs.t + gs.h + 1);
          ctx.lineTo(at, gs.t + gs.h + 1 + ticklen);
        }
        ctx.stroke();
      }
      ctx.fillStyle = spec.tickfont?.color ?? layout.font.color;
      const { ascent, descent } = metrics(ctx, label.size, family);
      const width = labelWidth(ctx, label, family);
      // A label that would stick out of the figure is left out, as plotly does.
      if (axis.vertical) {
        const right = gs.l - standoff - 1;
        const baseline = p + 0.35 * label.size;
        if (baseline - ascent < 0 || baseline + descent > layout.height) continue;
        drawLabel(ctx, label, right, baseline, "right", family);
        boxes.push({ left: right - width, right, top: baseline - ascent, bottom: baseline + descent });
      } else if (p - width / 2 >= 0 && p + width / 2 <= layout.width) {
        drawLabel(ctx, label, p, gs.t + gs.h + standoff + (13 / 12) * label.size, "middle", family);
      }
    }
    const text = spec.title?.text;
    if (!text) continue;
    const titleSize = spec.title.font?.size ?? bigFont(layout.font.size);
    const { ascent, descent } = metrics(ctx, titleSize, family);
    ctx.font = `${titleSize}px ${family}`;
    ctx.fillStyle = spec.title.font?.color ?? layout.font.color;
    ctx.textAlign = "center";
    if (!axis.vertical) {
      const baseline = Math.min(gs.t + gs.h + 10 + 3 * titleSize, layout.height - descent);
      ctx.fillText(text, gs.l + gs.w / 2, baseline);
      continue;
    }
    // Rotated a quarter turn: the baseline runs up the page at x, the glyphs to its left.
    let x = gs.l - (10 + 2 * titleSize);
    const middle = gs.t + gs.h / 2;
    const half = ctx.measureText(text).width / 2;
    const box = { left: x - ascent, right: x + descent, top: middle - half, bottom: middle + half };
    if (box.left < 0) x -= box.left;
    else {
      const shift = Math.max(0, ...boxes.filter((b) => intersects(box, b, 2)).map((b) => box.right - b.left + 2));
      x -= Math.min(shift, box.left);
    }
    ctx.save();
    ctx.translate(x, middle);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(text, 0, 0);
    ctx.restore();
  }
}

export function drawLegend(ctx, { legend, family }, layout) {
  if (!legend) return;
  for (const { trace, text, x, row } of legend.items) {
    const left = legend.left + x;
    const middle = legend.top + (row + 0.5) * LEGEND.row;
    const mode = trace.mode || "lines";
    ctx.save();
    ctx.globalAlpha = trace.opacity ?? 1;
    if (mode.includes("lines")) {
      ctx.strokeStyle = trace.line.color;
      ctx.lineWidth = Math.min(trace.line.width ?? 2, 5);
      ctx.setLineDash(dashes(trace.line.dash, ctx.lineWidth));
      ctx.beginPath();
      ctx.moveTo(left + 5, middle);
      ctx.lineTo(left + 35, middle);
      ctx.stroke();
    }
    if (mode.includes("markers")) drawMarker(ctx, trace.marker, left + 20, middle, 16);
    ctx.restore();
    ctx.font = `${legend.size}px ${family}`;
    ctx.fillStyle = layout.legend.font?.color ?? layout.font.color;
    ctx.textAlign = "left";
    ctx.fillText(text, left + LEGEND.textGap, middle + 0.39 * legend.size);
  }
}

/** Notes in paper coordinates (the loss chart's key): plain lines, as text. */
export function drawAnnotations(ctx, gs, layout) {
  for (const note of layout.annotations || []) {
    if (note.xref !== "paper" || note.yref !== "paper") continue;
    const size = note.font?.size ?? layout.font.size;
    const lines = String(note.text).split("<br>").map(fromPlotlyText);
    // Anchored by its box's bottom (as the loss chart's key is), 2 px of padding inside the box.
    const align = { left: "left", right: "right" }[note.xanchor] || "center";
    const x = gs.l + note.x * gs.w + { left: 2, right: -2, center: 0 }[align];
    const { descent } = metrics(ctx, size, layout.font.family);
    const last = gs.t + (1 - note.y) * gs.h - 2 - descent;
    ctx.fillStyle = note.font?.color ?? layout.font.color;
    ctx.textAlign = align;
    lines.forEach((line, i) => ctx.fillText(line, x, last - (lines.length - 1 - i) * 1.3 * size));
  }
}
