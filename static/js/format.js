// Number formatting and escaping shared by the plots, the table and the exports.

/** A compact human number: 4 significant digits, exponent form when very large or small. */
export function fmt(value, digits = 4) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) {
    const [mantissa, exponent] = value.toExponential(digits - 1).split("e");
    return `${trimZeros(mantissa)}e${Number(exponent)}`;
  }
  if (abs >= 10 ** (digits - 1)) return String(Math.round(value));
  return trimZeros(value.toPrecision(digits));
}

function trimZeros(text) {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

/** A point as "(x, y)" or "x" for 1-D. */
export function fmtPoint(point, digits = 4) {
  if (!point) return "—";
  const parts = point.map((v) => fmt(v, digits));
  return parts.length === 1 ? parts[0] : `(${parts.join(", ")})`;
}

/**
 * Plotly renders a subset of HTML in names, titles and hover text; user labels must reach it
 * as text. Plotly decodes &amp; &lt; &gt; (and numeric entities) back for display.
 */
export function plotlyText(text) {
  return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The text plotlyText escaped, back: for drawing a plotly name on a canvas (as text, never HTML). */
export function fromPlotlyText(html) {
  return String(html).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** "#rrggbb" as [r, g, b], each 0-255. */
export function hexRgb(hex) {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
}

/** Parses a typed number; returns the raw text when it is not one, so the API can say why. */
export function parseNumber(text) {
  const trimmed = String(text).trim();
  if (trimmed === "") return null;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** The way a number is written back into an input or a URL (round-trips exactly). */
export function numberText(value) {
  return value === null || value === undefined ? "" : String(value);
}
