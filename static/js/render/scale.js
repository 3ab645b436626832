// How loss values are drawn: the contour/surface colour scale and the loss-vs-step axis.

import { fmt } from "../format.js";
import { typedValues } from "../typed.js";

/** z as rows of numbers (NaN for non-finite cells), from JSON rows or a plotly typed-array spec. */
export function gridRows(grid) {
  const z = grid.z;
  if (Array.isArray(z)) {
    if (!Array.isArray(z[0])) return [z.map((v) => (v === null ? NaN : v))];
    return z.map((row) => row.map((v) => (v === null ? NaN : v)));
  }
  const flat = typedValues(z);
  const [ny, nx] = z.shape.length === 2 ? z.shape : [1, z.shape[0]];
  return Array.from({ length: ny }, (_, j) => Array.from(flat.subarray(j * nx, (j + 1) * nx)));
}

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

/**
 * A log scale, log10(z - z_min + delta), when most of the window is decades below its peak
 * (Rosenbrock, Goldstein-Price, Beale); otherwise z itself. Ticks are always in real units.
 */
export function zScale(rows) {
  // A typed array sorts numerically, without a comparator call per comparison.
  const finite = Float64Array.from(rows.flat().filter(Number.isFinite)).sort();
  const zMin = finite.length ? finite[0] : 0;
  const zMax = finite.length ? finite[finite.length - 1] : 1;
  const span = zMax - zMin;
  const low = quantile(finite, 0.05) - zMin;
  const log = span > 0 && span / Math.max(low, span * 1e-12) > 200;
  if (!log) {
    return { log: false, zMin, zMax, forward: (v) => v, ticks: null, title: "loss" };
  }
  const delta = Math.max(quantile(finite, 0.005) - zMin, span * 1e-7, 1e-12);
  const forward = (v) => Math.log10(Math.max(v - zMin, 0) + delta);
  return { log: true, zMin, zMax, forward, ticks: logTicks(zMin, span, forward), title: "loss (log scale)" };
}

// Ticks at round real values (±10^k and 0), at least an eighth of the colour range apart.
function logTicks(zMin, span, forward) {
  const gap = (forward(zMin + span) - forward(zMin)) / 8;
  const candidates = [0];
  for (let k = -12; k <= 15; k += 1) candidates.push(10 ** k, -(10 ** k));
  const inRange = candidates.filter((v) => v > zMin && v <= zMin + span).sort((a, b) => a - b);
  const tickvals = [forward(zMin)];
  const ticktext = [fmt(zMin, 3)];
  for (const value of inRange) {
    if (forward(value) - tickvals[tickvals.length - 1] < gap) continue;
    tickvals.push(forward(value));
    ticktext.push(fmt(value, 3));
  }
  return { tickvals, ticktext };
}

/**
 * The loss-vs-step y axis. Linear when the losses span less than 30x; log when every loss is
 * positive; when the surface has a known minimum f* below zero and no loss goes under it, log
 * of (loss - f*); otherwise linear.
 */
export function lossAxis(runs, fStar) {
  let lowest = Infinity;
  let highest = -Infinity;
  for (const run of runs) {
    for (const v of run.losses) {
      lowest = Math.min(lowest, v);
      highest = Math.max(highest, v);
    }
  }
  if (lowest > 0 && highest / lowest < 30) {
    return { type: "linear", offset: 0, title: "loss" };
  }
  if (lowest >= 0) {
    return { type: "log", offset: 0, title: "loss (log scale)" };
  }
  if (fStar !== null && Number.isFinite(fStar) && lowest >= fStar) {
    return { type: "log", offset: fStar, title: `loss − f*, f* = ${fmt(fStar)} (log scale)` };
  }
  return { type: "linear", offset: 0, title: "loss (linear scale: it goes below zero)" };
}
