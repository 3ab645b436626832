// The page's settings from the server (the API base, the version, the plotly.js URL and the
// request limits of app/config.py), and how large a request they afford: the server's budgets
// over what one unit of each request costs on a surface (its record's `cost`, from
// app/api/cost.py). The page sizes its own requests (grid resolution, sweep count, basin
// resolution, the sweep's fan of runs) with these, so it never asks for more than is allowed.

/**
 * The page's settings from the server: the API base, the version, the plotly.js URL, and in
 * `limits` the server's request limits (app/config.py) that the page keeps its requests within.
 */
export const CONFIG = JSON.parse(document.getElementById("gradscape-config").textContent);

/** Lanes (learning rates, starts) a batched pass of `steps` steps can afford on `surface`. */
export function affordableLanes(surface, steps) {
  const { max_work, max_memory_bytes } = CONFIG.limits;
  const { turn, lane_step, lane_bytes } = surface.cost;
  const byWork = (max_work / Math.max(1, steps) - turn) / lane_step;
  return Math.max(0, Math.floor(Math.min(byWork, max_memory_bytes / lane_bytes)));
}

/** Grid points per axis, at most `wanted`, that a grid of `surface` can afford. */
export function affordableResolution(surface, wanted) {
  const cells = CONFIG.limits.max_work / surface.cost.cell;
  const perAxis = surface.dim === 1 ? cells : Math.sqrt(cells);
  return Math.max(2, Math.min(wanted, CONFIG.limits.max_resolution, Math.floor(perAxis)));
}

/** Runs of `steps` steps one /trajectories request can afford on `surface`. */
export function affordableRuns(surface, steps) {
  const { max_work, max_points, max_runs } = CONFIG.limits;
  const steps1 = Math.max(1, steps);
  const byWork = max_work / (steps1 * surface.cost.run_step);
  return Math.max(0, Math.min(max_runs, Math.floor(max_points / steps1), Math.floor(byWork)));
}
