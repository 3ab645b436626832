// The preview's layout, by plotly's rules: the margins the legend and the colour bar push,
// each axis's range (plotly's autorange) and pixel mapping, and where the legend's items go.

import { fromPlotlyText } from "../format.js";
import { BAR_PAD, horizontalBar, verticalBar } from "./preview-colourbar.js";
import { bigFont, boxWidth, lineHeight } from "./preview-ticks.js";

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
