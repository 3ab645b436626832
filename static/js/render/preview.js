// A first paint of a figure on a <canvas>, while plotly.js (4.8 MB, ~0.9 s of evaluation) loads
// after it (see main.js). It draws the very figure objects that plots.js and losschart.js build
// for plotly, laid out by plotly's rules (margins pushed by the legend and the colour bar, its
// automatic ticks and ranges, its legend and marker shapes; constants measured on plotly.js 4),
// so that plotly's interactive figure takes its place without a jump. It draws one cartesian
// panel of scatter traces (lines, markers, text, a fill between two traces) over a layout image,
// with a legend and a colour bar; a figure with anything else waits for plotly.

import { fromPlotlyText, hexRgb } from "../format.js";
import { clearedContext, dot, polyline } from "./motion.js";

const AXIS_COLOUR = "#444444"; // plotly's default for ticks, zero lines and grid mixing
const MINUS = "\u2212";
const SI = { "-12": "p", "-9": "n", "-6": "µ", "-3": "m", 3: "k", 6: "M", 9: "B", 12: "T" };
// Legend items (11 px text): the text 40 px in, items 5 px apart, rows 29 px apart.
const LEGEND = { textGap: 40, itemGap: 5, row: 29 };
const BAR_PAD = 10; // plotly's colour bar xpad and ypad
const FROM_TL = { left: 0, center: 0.5, right: 1, top: 0, middle: 0.5, bottom: 1 };
const FROM_BR = { left: 1, center: 0.5, right: 0, top: 1, middle: 0.5, bottom: 0 };

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

// ---- layout: plotly's margins, axes, legend and colour bar ---------------------------------

function place(ctx, traces, layout) {
  const { width, height, margin } = layout;
  const family = layout.font.family;
  const pad = Math.min(12, margin.l, margin.r, margin.t, margin.b);
  const push = (item) => Object.fromEntries(Object.entries(item).map(([side, [at, size]]) => [side, [at, size + pad]]));
  const scaled = traces.find((t) => t.marker && t.marker.showscale);
  const spec = scaled ? { ...scaled.marker.colorbar, scale: scaled.marker } : null;
  const vertical = spec && spec.orientation !== "h";
  let gs = autoMargin(width, height, margin, []);
  let legend = null;
  let bar = null;
  // Twice, as plotly redraws: the legend wraps at the plot's width, which the pushes narrow.
  for (let pass = 0; pass < 2; pass += 1) {
    const pushes = [];
    legend = legendLayout(ctx, traces, layout, gs.w, family);
    if (legend) {
      const { x, y, xanchor, yanchor } = layout.legend;
      pushes.push(push({
        l: [x, legend.width * FROM_TL[xanchor]], r: [x, legend.width * FROM_BR[xanchor]],
        t: [y, legend.height * FROM_TL[yanchor]], b: [y, legend.height * FROM_BR[yanchor]],
      }));
    }
    if (spec && vertical) {
      const y = spec.y ?? 0.5;
      pushes.push(push({ t: [y + spec.len / 2, 0], b: [y - spec.len / 2, 0] }));
    } else if (spec) {
      const size = spec.tickfont.size;
      const rows = lineHeight(ctx, size, family) + lineHeight(ctx, bigFont(size), family);
      pushes.push(push({ t: [spec.y, 0], b: [spec.y, 2 * BAR_PAD + spec.thickness + rows] }));
    }
    gs = autoMargin(width, height, margin, pushes);
    if (spec && vertical) {
      // Its width depends on its ticks, which depend on the plot's height: known only now.
      bar = verticalBar(ctx, spec, gs, family);
      pushes.push(push({ l: [spec.x ?? 1.02, 0], r: [spec.x ?? 1.02, bar.outer] }));
      gs = autoMargin(width, height, margin, pushes);
      bar.place(gs);
    } else if (spec) {
      bar = horizontalBar(ctx, spec, gs, family);
    }
  }
  const xa = makeAxis(layout.xaxis, gs.l, gs.w, false, traces, "x");
  const ya = makeAxis(layout.yaxis, gs.t, gs.h, true, traces, "y");
  if (legend) {
    const { x, y, xanchor, yanchor } = layout.legend;
    legend.left = gs.l + gs.w * x - FROM_TL[xanchor] * legend.width;
    legend.top = gs.t + gs.h * (1 - y) - FROM_TL[yanchor] * legend.height;
  }
  return { gs, xa, ya, legend, bar, family };
}

/** plotly's auto-margin: each item pushes a side, from a point of the plot area, by `size` px. */
function autoMargin(width, height, margin, pushes) {
  const items = [{ l: [0, margin.l], r: [1, margin.r], t: [1, margin.t], b: [0, margin.b] }, ...pushes];
  let { l, r, t, b } = margin;
  for (const a of items) {
    for (const c of items) {
      if (a.l && c.r && c.r[0] > a.l[0]) {
        const [[fl, pl], [fr, pr]] = [a.l, c.r];
        const left = (pl * fr + (pr - width) * fl) / (fr - fl);
        const right = (pr * (1 - fl) + (pl - width) * (1 - fr)) / (fr - fl);
        if (left + right > l + r) [l, r] = [left, right];
      }
      if (a.b && c.t && c.t[0] > a.b[0]) {
        const [[fb, pb], [ft, pt]] = [a.b, c.t];
        const bottom = (pb * ft + (pt - height) * fb) / (ft - fb);
        const top = (pt * (1 - fb) + (pb - height) * (1 - ft)) / (ft - fb);
        if (bottom + top > b + t) [b, t] = [bottom, top];
      }
    }
  }
  [l, r, t, b] = [l, r, t, b].map(Math.round);
  return { l, r, t, b, w: width - l - r, h: height - t - b };
}

function makeAxis(spec, offset, length, vertical, traces, key) {
  const log = spec.type === "log";
  const range = spec.range || autoRange(extremes(traces, key, log, length), length, spec.rangemode === "tozero");
  const [a, b] = range;
  const l2p = (v) => offset + (vertical ? (b - v) : (v - a)) / (b - a) * length;
  const d2p = (v) => (v === null || v === undefined ? NaN : l2p(log ? Math.log10(v) : v));
  return { spec, log, range, offset, length, vertical, l2p, d2p };
}

/** For each pad (px), the lowest and highest value that keeps it: what autoRange fits. */
function extremes(traces, key, log, length) {
  const byPad = new Map();
  for (const t of traces) {
    const values = t[key];
    if (!values || !values.length) continue;
    const mode = t.mode || "";
    const markers = mode.includes("markers");
    // plotly pads y always, x only for markers or text; a marker keeps size/1.6 px more.
    const padded = key === "y" || ((markers || mode.includes("text")) && !t.fill);
    const pad = padded ? (markers ? Math.max(t.marker.size / 1.6, 3) : 0) + 0.05 * length : 0;
    const [lo, hi] = byPad.get(pad) || [Infinity, -Infinity];
    let [low, high] = [lo, hi];
    for (const raw of values) {
      const v = log ? Math.log10(raw) : raw;
      if (raw === null || !Number.isFinite(v)) continue;
      if (v < low) low = v;
      if (v > high) high = v;
    }
    if (low <= high) byPad.set(pad, [low, high]);
  }
  return byPad;
}

/** plotly's autorange: the steepest value-per-pixel that keeps every value its pad inside. */
function autoRange(byPad, length, tozero) {
  const ends = [...byPad].map(([pad, [lo, hi]]) => ({ pad, lo, hi }));
  let best = null;
  for (const a of ends) {
    for (const c of ends) {
      const dv = c.hi - a.lo;
      const dp = length - a.pad - c.pad;
      if (!(dv > 0)) continue;
      const roomy = dp > length / 10;
      const m = roomy ? dv / dp : dv / length;
      if (!best || m > best.m) best = { m, lo: { v: a.lo, pad: roomy ? a.pad : 0 }, hi: { v: c.hi, pad: roomy ? c.pad : 0 } };
    }
  }
  if (!best) {
    const v = ends.length ? ends[0].lo : 0;
    return [v - 1, v + 1];
  }
  let { m, lo, hi } = best;
  if (tozero && (lo.v >= 0 || hi.v <= 0)) {
    if (lo.v >= 0) lo = { v: 0, pad: 0 };
    if (hi.v <= 0) hi = { v: 0, pad: 0 };
    m = (hi.v - lo.v) / (length - lo.pad - hi.pad);
  }
  return [lo.v - m * lo.pad, hi.v + m * hi.pad];
}

function legendLayout(ctx, traces, layout, maxWidth, family) {
  if (!layout.showlegend || !layout.legend) return null;
  const size = layout.legend.font?.size ?? layout.font.size;
  ctx.font = `${size}px ${family}`;
  let [x, row, widest] = [0, 0, 0];
  const items = traces.filter((t) => t.showlegend !== false && t.name !== undefined).map((trace) => {
    const text = fromPlotlyText(trace.name);
    const width = LEGEND.textGap + boxWidth(ctx, text);
    if (x > 0 && x + width >= maxWidth) [x, row] = [0, row + 1];
    const item = { trace, text, x, row };
    x += width + LEGEND.itemGap;
    widest = Math.max(widest, x);
    return item;
  });
  if (!items.length) return null;
  return { items, size, width: widest, height: (row + 1) * LEGEND.row };
}

// ---- ticks and their labels ------------------------------------------------------------------

const bigFont = (size) => Math.round(1.2 * size);
const tickCount = (length, minPx) => Math.min(9, Math.max(4, length / minPx)) + 1;

/** plotly's automatic tick step: 2, 5 or 10 times a power of ten, the first above `rough`. */
function autoStep(rough) {
  const base = 10 ** Math.floor(Math.log10(rough));
  return base * [2, 5, 10].find((m) => m > rough / base);
}

function multiples(lo, hi, step) {
  const out = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) out.push(k * step);
  return out;
}

/** `range` in increasing order, widened by plotly's tolerance for a tick at its very end. */
function tickSpan(range) {
  const [lo, hi] = range[0] < range[1] ? range : [range[1], range[0]];
  const slack = (hi - lo) * 1e-4;
  return [lo - slack, hi + slack];
}

/** Ticks ({value, label}) of an axis over `range` (log10 units on a log axis). */
function autoTicks(range, length, minPx, size, { log = false, power = false } = {}) {
  const [lo, hi] = tickSpan(range);
  const rough = (hi - lo) / tickCount(length, minPx);
  if (!log) {
    const step = autoStep(rough);
    const exponent = tickExponent(Math.max(Math.abs(lo), Math.abs(hi)), power);
    return multiples(lo, hi, step).map((v) => ({ value: v, label: numberLabel(v, step, exponent, size) }));
  }
  if (rough > 0.7) return multiples(lo, hi, Math.ceil(rough)).map((p) => ({ value: p, label: decade(p, size) }));
  if (hi - lo < 1) {
    // Within a decade: round values on a linear scale, labelled in full.
    const step = autoStep(Math.abs(10 ** hi - 10 ** lo) / (1.5 * ((hi - lo) / rough)));
    return multiples(10 ** lo, 10 ** hi, step).map((v) => ({ value: Math.log10(v), label: numberLabel(v, step, 0, size) }));
  }
  const digits = rough > 0.3 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ticks = [];
  for (let p = Math.floor(lo); p <= hi; p += 1) {
    for (const d of digits) {
      const value = p + Math.log10(d);
      if (value < lo - 1e-9 || value > hi + 1e-9) continue;
      ticks.push({ value, label: d === 1 ? decade(p, size) : { text: String(d), size: size * 0.75 } });
    }
  }
  return ticks;
}

/** plotly's exponent for tick labels: none up to 10^3, else SI steps (or any, for "power"). */
function tickExponent(largest, power) {
  const e = Math.floor(Math.log10(largest) + 0.01);
  if (!(Math.abs(e) > 3)) return 0;
  const si = 3 * Math.round((e - 1) / 3);
  return power || !SI[si] ? e : si;
}

function numberLabel(value, step, exponent, size) {
  const scaled = value / 10 ** exponent;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(step / 10 ** exponent) + 0.01));
  let text = Math.abs(scaled).toFixed(digits);
  if (text.includes(".")) text = text.replace(/\.?0+$/, "");
  if (Number(text) === 0) return { text: "0", size };
  const sign = scaled < 0 ? MINUS : "";
  if (!exponent) return { text: sign + text, size };
  if (SI[exponent]) return { text: sign + text + SI[exponent], size };
  return { text: `${sign}${text}×10`, sup: (exponent < 0 ? MINUS : "") + Math.abs(exponent), size };
}

function decade(p, size) {
  const big = size * 1.25;
  if (p === 0 || p === 1) return { text: p ? "10" : "1", size: big };
  return { text: "10", sup: (p < 0 ? MINUS : "") + Math.abs(p), size: big };
}

/** The width plotly's bounding boxes give a text: its advance, or its ink where that reaches further. */
function boxWidth(ctx, text) {
  const m = ctx.measureText(text);
  return Math.max(m.width, m.actualBoundingBoxRight);
}

/** A label's advance; with `ink`, as wide as its bounding box (see boxWidth). */
function labelWidth(ctx, { text, sup, size }, family, ink = false) {
  const measure = (part) => (ink ? boxWidth(ctx, part) : ctx.measureText(part).width);
  ctx.font = `${size}px ${family}`;
  if (!sup) return measure(text);
  const width = ctx.measureText(text).width;
  ctx.font = `${size * 0.7}px ${family}`;
  return width + measure(sup);
}

/** A label (with its superscript) at `x` (left, middle or right of it) on `baseline`. */
function drawLabel(ctx, label, x, baseline, align, family) {
  const width = labelWidth(ctx, label, family);
  let left = align === "right" ? x - width : align === "middle" ? x - width / 2 : x;
  ctx.textAlign = "left";
  ctx.font = `${label.size}px ${family}`;
  ctx.fillText(label.text, left, baseline);
  if (label.sup) {
    left += ctx.measureText(label.text).width;
    ctx.font = `${label.size * 0.7}px ${family}`;
    ctx.fillText(label.sup, left, baseline - 0.42 * label.size);
  }
}

function metrics(ctx, size, family) {
  ctx.font = `${size}px ${family}`;
  const m = ctx.measureText("0");
  return { ascent: m.fontBoundingBoxAscent, descent: m.fontBoundingBoxDescent };
}

function lineHeight(ctx, size, family) {
  const { ascent, descent } = metrics(ctx, size, family);
  return ascent + descent;
}

function intersects(a, b, pad) {
  return a.left <= b.right + pad && b.left <= a.right + pad && a.top <= b.bottom + pad && b.top <= a.bottom + pad;
}

// ---- drawing ---------------------------------------------------------------------------------

/** The middle of the pixel row (or column) where Chromium draws plotly's crisp 1 px line at p. */
const crisp = (p) => Math.floor(p) + 0.5;

function clipTo(ctx, gs) {
  ctx.beginPath();
  ctx.rect(gs.l, gs.t, gs.w, gs.h);
  ctx.clip();
}

function axisTicks(axis, layout) {
  const size = axis.spec.tickfont?.size ?? layout.font.size;
  const power = axis.spec.exponentformat === "power";
  return autoTicks(axis.range, axis.length, axis.vertical ? 40 : 80, size, { log: axis.log, power });
}

/** Grid lines (a colour between the axis colour and the plot's) and the zero line. */
function drawGrid(ctx, { xa, ya, gs }, layout) {
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

function drawTrace(ctx, t, previous, axes, gs) {
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
function drawAxes(ctx, { xa, ya, gs, family }, layout) {
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

function drawLegend(ctx, { legend, family }, layout) {
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

// ---- the colour bar --------------------------------------------------------------------------

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
function verticalBar(ctx, spec, gs, family) {
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
function horizontalBar(ctx, spec, gs, family) {
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

function drawColourBar(ctx, bar, layout) {
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

/** Notes in paper coordinates (the loss chart's key): plain lines, as text. */
function drawAnnotations(ctx, gs, layout) {
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
