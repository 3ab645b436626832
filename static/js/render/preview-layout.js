// The preview's layout, by plotly's rules: the margins the legend and the colour bar push,
// each axis's range (plotly's autorange) and pixel mapping, where the legend's items go, and
// the ticks and their labels as plotly makes them (steps of 2, 5 or 10, SI or power exponents,
// log decades), with the text measures its layout uses.

import { fromPlotlyText } from "../format.js";
import { BAR_PAD, horizontalBar, verticalBar } from "./preview-draw.js";

const MINUS = "\u2212";

const SI = { "-12": "p", "-9": "n", "-6": "µ", "-3": "m", 3: "k", 6: "M", 9: "B", 12: "T" };

// Legend items (11 px text): the text 40 px in, items 5 px apart, rows 29 px apart.
export const LEGEND = { textGap: 40, itemGap: 5, row: 29 };

const FROM_TL = { left: 0, center: 0.5, right: 1, top: 0, middle: 0.5, bottom: 1 };

const FROM_BR = { left: 1, center: 0.5, right: 0, top: 1, middle: 0.5, bottom: 0 };

export function place(ctx, traces, layout) {
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

export const bigFont = (size) => Math.round(1.2 * size);

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
export function tickSpan(range) {
  const [lo, hi] = range[0] < range[1] ? range : [range[1], range[0]];
  const slack = (hi - lo) * 1e-4;
  return [lo - slack, hi + slack];
}

/** Ticks ({value, label}) of an axis over `range` (log10 units on a log axis). */
export function autoTicks(range, length, minPx, size, { log = false, power = false } = {}) {
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

export function axisTicks(axis, layout) {
  const size = axis.spec.tickfont?.size ?? layout.font.size;
  const power = axis.spec.exponentformat === "power";
  return autoTicks(axis.range, axis.length, axis.vertical ? 40 : 80, size, { log: axis.log, power });
}

/** The width plotly's bounding boxes give a text: its advance, or its ink where that reaches further. */
function boxWidth(ctx, text) {
  const m = ctx.measureText(text);
  return Math.max(m.width, m.actualBoundingBoxRight);
}

/** A label's advance; with `ink`, as wide as its bounding box (see boxWidth). */
export function labelWidth(ctx, { text, sup, size }, family, ink = false) {
  const measure = (part) => (ink ? boxWidth(ctx, part) : ctx.measureText(part).width);
  ctx.font = `${size}px ${family}`;
  if (!sup) return measure(text);
  const width = ctx.measureText(text).width;
  ctx.font = `${size * 0.7}px ${family}`;
  return width + measure(sup);
}

/** A label (with its superscript) at `x` (left, middle or right of it) on `baseline`. */
export function drawLabel(ctx, label, x, baseline, align, family) {
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

export function metrics(ctx, size, family) {
  ctx.font = `${size}px ${family}`;
  const m = ctx.measureText("0");
  return { ascent: m.fontBoundingBoxAscent, descent: m.fontBoundingBoxDescent };
}

function lineHeight(ctx, size, family) {
  const { ascent, descent } = metrics(ctx, size, family);
  return ascent + descent;
}
