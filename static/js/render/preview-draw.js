// Painting the preview: the grid and zero lines, scatter traces (lines, fills, markers, text),
// the axes with their ticks and titles, the legend, the annotations, and the colour bar
// (vertical or horizontal: its size, which pushes the margins, its ticks and its gradient).

import { fromPlotlyText, hexRgb } from "../format.js";
import { dot, polyline } from "./motion.js";
import { LEGEND, autoTicks, axisTicks, bigFont, drawLabel, labelWidth, metrics, tickSpan } from "./preview-layout.js";

const AXIS_COLOUR = "#444444"; // plotly's default for ticks, zero lines and grid mixing

export const BAR_PAD = 10; // plotly's colour bar xpad and ypad

function intersects(a, b, pad) {
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

/** The ticks of the colour bar: its own tickvals and ticktext, else plotly's automatic ones. */
function barTicks(spec, length, minPx) {
  const size = spec.tickfont.size;
  if (spec.tickvals) {
    const [lo, hi] = tickSpan([spec.scale.cmin, spec.scale.cmax]);
    return spec.tickvals.map((value, i) => ({ value, label: { text: spec.ticktext[i], size } }))
      .filter(({ value }) => value >= lo && value <= hi);
  }
  return autoTicks([spec.scale.cmin, spec.scale.cmax], length, minPx, size);
}

/** A vertical bar right of the plot: its width (`outer`, what it pushes) is known before `place`. */
export function verticalBar(ctx, spec, gs, family) {
  const { thickness, tickfont } = spec;
  const len = Math.round(spec.len * gs.h);
  const bottomAt = (spec.y ?? 0.5) - len / gs.h / 2;
  const top = gs.t + gs.h * (1 - bottomAt) - len + BAR_PAD;
  const bottom = gs.t + gs.h * (1 - bottomAt) - BAR_PAD;
  const scale = spec.scale;
  const at = (v) => bottom - ((v - scale.cmin) / (scale.cmax - scale.cmin)) * (bottom - top);
  // Everything relative to the bar's left edge until `place` knows where that is. The offsets
  // of labels and title are plotly's, as measured on its figures.
  const labelLeft = thickness + 2.7;
  const { ascent, descent } = metrics(ctx, tickfont.size, family);
  const labels = barTicks(spec, bottom - top, 40).map(({ value, label }) => {
    const baseline = at(value) + 0.35 * tickfont.size;
    const width = labelWidth(ctx, label, family, true);
    return { label, baseline, box: { left: labelLeft, right: labelLeft + width, top: baseline - ascent, bottom: baseline + descent } };
  });
  const titleSize = bigFont(tickfont.size);
  const title = metrics(ctx, titleSize, family);
  ctx.font = `${titleSize}px ${family}`;
  const half = ctx.measureText(spec.title.text).width / 2;
  const middle = (top + bottom) / 2;
  let titleX = thickness + 10 + titleSize;
  const box = { left: titleX - title.ascent, right: titleX + title.descent, top: middle - half, bottom: middle + half };
  const shift = Math.max(0, ...labels.filter((l) => intersects(box, l.box, 2)).map((l) => l.box.right - box.left + 2));
  titleX += shift;
  const widest = Math.max(0, ...labels.map((l) => l.box.right - labelLeft));
  const outer = 2 * BAR_PAD + Math.max(thickness + widest, titleX + title.descent);
  const bar = {
    outer, top, bottom, scale, thickness, labels, titleX, titleSize, middle, text: spec.title.text, vertical: true,
    place(final) {
      bar.left = final.l + Math.round((spec.x ?? 1.02) * final.w + BAR_PAD);
    },
  };
  return bar;
}

/** A horizontal bar under the plot (on a phone): title above, labels below. */
export function horizontalBar(ctx, spec, gs, family) {
  const { thickness, tickfont } = spec;
  const titleSize = bigFont(tickfont.size);
  const title = metrics(ctx, titleSize, family);
  const tick = metrics(ctx, tickfont.size, family);
  const left = gs.l + BAR_PAD;
  const right = gs.l + gs.w - BAR_PAD;
  const top = gs.t + title.ascent + title.descent + Math.round((1 - spec.y) * gs.h + BAR_PAD);
  const scale = spec.scale;
  const at = (v) => left + ((v - scale.cmin) / (scale.cmax - scale.cmin)) * (right - left);
  const baseline = top + thickness + 3.7 + tick.ascent;
  const labels = barTicks(spec, right - left, 80).map(({ value, label }) => ({ label, x: at(value), baseline }));
  return {
    left, right, top, scale, thickness, labels, titleSize, text: spec.title.text, vertical: false,
    titleBaseline: top - 3.8 - title.descent, middle: gs.l + gs.w / 2,
  };
}

export function drawColourBar(ctx, bar, layout) {
  const family = layout.font.family;
  const { scale } = bar;
  const [x0, y0, x1, y1] = bar.vertical
    ? [bar.left, bar.bottom, bar.left, bar.top]
    : [bar.left, bar.top, bar.right, bar.top];
  const gradient = ctx.createLinearGradient(x0, y0, x1, y1);
  for (const [stop, colour] of scale.colorscale) gradient.addColorStop(stop, colour);
  ctx.fillStyle = gradient;
  // plotly snaps the filled bar's ends to whole pixels, not its ticks.
  if (bar.vertical) ctx.fillRect(bar.left, Math.floor(bar.top), bar.thickness, Math.floor(bar.bottom) - Math.floor(bar.top));
  else ctx.fillRect(bar.left, bar.top, bar.right - bar.left, bar.thickness);
  ctx.fillStyle = layout.font.color;
  ctx.textBaseline = "alphabetic";
  for (const l of bar.labels) {
    if (bar.vertical) drawLabel(ctx, l.label, bar.left + l.box.left, l.baseline, "left", family);
    else drawLabel(ctx, l.label, l.x, l.baseline, "middle", family);
  }
  ctx.font = `${bar.titleSize}px ${family}`;
  ctx.textAlign = "center";
  if (!bar.vertical) {
    ctx.fillText(bar.text, bar.middle, bar.titleBaseline);
    return;
  }
  ctx.save();
  ctx.translate(bar.left + bar.titleX, bar.middle);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(bar.text, 0, 0);
  ctx.restore();
}
