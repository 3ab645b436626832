// The pointer over a 2-D contour: a readout of the loss under it, and a click to start there.

import { fmt } from "../format.js";
import { subplotAxes } from "./plotly.js";
import { previewLayout } from "./preview.js";

/** The panel under the pointer: its axes and its plotting area on screen, or null. */
function panelAt(graph, event) {
  const target = event.target.closest ? event.target : null;
  const preview = previewLayout(graph);
  if (preview) {
    // The preview (preview.js) draws one panel; its canvas is the figure's size.
    if (!target || !target.matches("canvas.preview")) return null;
    const { xaxis: xa, yaxis: ya } = preview;
    const canvas = target.getBoundingClientRect();
    const rect = { left: canvas.left + xa._offset, top: canvas.top + ya._offset, width: xa._length, height: ya._length };
    return { xa, ya, rect };
  }
  return subplotAxes(graph, target);
}

/** Data coordinates under the pointer on a 2-D panel, or null off the plotting area. */
function pointerData(graph, event) {
  const panel = panelAt(graph, event);
  if (!panel) return null;
  const { xa, ya, rect } = panel;
  const u = (event.clientX - rect.left) / rect.width;
  const v = (event.clientY - rect.top) / rect.height;
  if (!(u >= 0 && u <= 1 && v >= 0 && v <= 1)) return null;
  return [xa.range[0] + u * (xa.range[1] - xa.range[0]), ya.range[1] - v * (ya.range[1] - ya.range[0])];
}

/** The loss at (x, y), interpolated in the grid the contour was drawn from. */
function gridLoss({ grid, rows }, [x, y]) {
  const nx = grid.x.length;
  const ny = grid.y.length;
  const u = ((x - grid.x[0]) / (grid.x[nx - 1] - grid.x[0])) * (nx - 1);
  const v = ((y - grid.y[0]) / (grid.y[ny - 1] - grid.y[0])) * (ny - 1);
  if (!(u >= 0 && v >= 0 && u <= nx - 1 && v <= ny - 1)) return null;
  const i = Math.min(nx - 2, Math.floor(u));
  const j = Math.min(ny - 2, Math.floor(v));
  const fx = u - i;
  const fy = v - j;
  const below = rows[j][i] * (1 - fx) + rows[j][i + 1] * fx;
  const above = rows[j + 1][i] * (1 - fx) + rows[j + 1][i + 1] * fx;
  return below * (1 - fy) + above * fy;
}

/**
 * `shown()` is what is on screen when it is a 2-D contour (else null); `onPick([x, y])` gets
 * a click that was not a drag (a zoom) nor a double-click (which resets the zoom).
 */
export function watchPointer(graph, { shown, readout, onPick }) {
  const at = (event) => (shown() ? pointerData(graph, event) : null);
  let down = null;
  let timer = 0;
  graph.addEventListener("pointerdown", (event) => {
    down = [event.clientX, event.clientY];
  }, true);
  graph.addEventListener("click", (event) => {
    const point = at(event);
    const still = down && Math.hypot(event.clientX - down[0], event.clientY - down[1]) < 5;
    if (!point || !still || event.detail > 1) return;
    clearTimeout(timer);
    timer = setTimeout(() => onPick(point), 300);
  });
  graph.addEventListener("dblclick", () => clearTimeout(timer));
  graph.addEventListener("pointermove", (event) => {
    const point = at(event);
    readout.hidden = !point;
    if (point) {
      const loss = gridLoss(shown().surfaceData, point);
      readout.textContent = `(${fmt(point[0], 3)}, ${fmt(point[1], 3)})  loss ${fmt(loss)}`;
    }
  });
  graph.addEventListener("pointerleave", () => {
    readout.hidden = true;
  });
}
