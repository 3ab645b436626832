// The preview's ticks and their labels as plotly makes them (steps of 2, 5 or 10, SI or power
// exponents, log decades), and the text measures plotly's layout uses.



const MINUS = "\u2212";

const SI = { "-12": "p", "-9": "n", "-6": "µ", "-3": "m", 3: "k", 6: "M", 9: "B", 12: "T" };

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
export function boxWidth(ctx, text) {
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

export function lineHeight(ctx, size, family) {
  const { ascent, descent } = metrics(ctx, size, family);
  return ascent + descent;
}
