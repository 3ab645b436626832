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

/** How near the start marker (CSS px) a press picks it up: a finger is wider than a pointer. */
const GRAB_PX = { mouse: 14, pen: 14, touch: 26 };
/** A press that moves less than this (px) and lifts within TAP_MS is a tap or a click. */
const STILL_PX = 8;
const TAP_MS = 600;

/** The start marker's place on screen (client px), or null when it is not on this panel. */
function startOnScreen(graph, event, start) {
  const panel = panelAt(graph, event);
  if (!panel || !start || start.length < 2) return null;
  const { xa, ya, rect } = panel;
  const u = (start[0] - xa.range[0]) / (xa.range[1] - xa.range[0]);
  const v = (ya.range[1] - start[1]) / (ya.range[1] - ya.range[0]);
  return [rect.left + u * rect.width, rect.top + v * rect.height];
}

/** `point` kept within the ranges of `panel` (a drag may leave the plotting area). */
function clampedData(panel, event) {
  if (!panel) return null;
  const { xa, ya, rect } = panel;
  const u = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
  const v = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
  return [xa.range[0] + u * (xa.range[1] - xa.range[0]), ya.range[1] - v * (ya.range[1] - ya.range[0])];
}

/**
 * `shown()` is what is on screen when it is a 2-D contour (else null), with `start`; `onPick([x,
 * y])` gets a click or a tap that was not a drag (a zoom) nor a double-click (which resets the
 * zoom). A press on the start marker drags it instead (plotly's zoom never sees that press):
 * `onDrag(point, phase)` with phase "start", "move" (at most once a frame) and "end".
 */
export function watchPointer(graph, { shown, readout, onPick, onDrag = () => {} }) {
  const at = (event) => (shown() ? pointerData(graph, event) : null);
  let down = null;
  let timer = 0;
  let dragging = null;
  let frame = 0;
  let lastMove = null;

  function pick(point) {
    clearTimeout(timer);
    timer = setTimeout(() => onPick(point), 300);
  }

  graph.addEventListener("pointerdown", (event) => {
    down = { x: event.clientX, y: event.clientY, t: performance.now(), type: event.pointerType };
    const screen = shown();
    if (!screen || event.button > 0) return;
    const marker = startOnScreen(graph, event, screen.result.runs[0]?.points[0] || screen.experiment.start);
    const reach = GRAB_PX[event.pointerType] || GRAB_PX.mouse;
    if (!marker || Math.hypot(event.clientX - marker[0], event.clientY - marker[1]) > reach) return;
    // The press is the start marker's: not plotly's zoom box, not a page scroll.
    event.stopPropagation();
    event.preventDefault();
    // Captured, the moves arrive at the graph itself: the panel is the one pressed on.
    dragging = { id: event.pointerId, panel: panelAt(graph, event) };
    graph.setPointerCapture?.(event.pointerId);
    graph.classList.add("dragging-start");
    onDrag(clampedData(dragging.panel, event), "start");
  }, true);
  // plotly listens for mousedown and touchstart: a press on the marker never reaches it.
  for (const name of ["mousedown", "touchstart"]) {
    graph.addEventListener(name, (event) => {
      if (!dragging) return;
      event.stopPropagation();
      if (event.cancelable) event.preventDefault();
    }, { capture: true, passive: false });
  }
  graph.addEventListener("touchmove", (event) => {
    if (dragging && event.cancelable) event.preventDefault();
  }, { capture: true, passive: false });

  function endDrag(event) {
    if (!dragging || (event.pointerId !== undefined && event.pointerId !== dragging.id)) return false;
    cancelAnimationFrame(frame);
    frame = 0;
    const point = event.type === "pointercancel" ? lastMove : clampedData(dragging.panel, event) || lastMove;
    dragging = null;
    lastMove = null;
    graph.classList.remove("dragging-start");
    onDrag(point, "end");
    return true;
  }

  graph.addEventListener("pointerup", (event) => {
    if (endDrag(event)) {
      event.stopPropagation();
      down = null;
      return;
    }
    // A tap on a touch screen: its click (if any comes) has no place, so the press decides.
    const tap = down && down.type === "touch" && performance.now() - down.t < TAP_MS
      && Math.hypot(event.clientX - down.x, event.clientY - down.y) < STILL_PX;
    if (tap) {
      const point = at(event);
      if (point) pick(point);
    }
  }, true);
  graph.addEventListener("pointercancel", endDrag, true);
  graph.addEventListener("click", (event) => {
    if (down && down.type === "touch") return; // decided on pointerup
    const point = at(event);
    const still = down && Math.hypot(event.clientX - down.x, event.clientY - down.y) < 5;
    if (!point || !still || event.detail > 1) return;
    pick(point);
  });
  graph.addEventListener("dblclick", () => clearTimeout(timer));
  graph.addEventListener("pointermove", (event) => {
    if (dragging) {
      if (event.pointerId !== dragging.id) return;
      event.stopPropagation();
      lastMove = clampedData(dragging.panel, event);
      if (!frame) {
        frame = requestAnimationFrame(() => {
          frame = 0;
          if (dragging && lastMove) onDrag(lastMove, "move");
        });
      }
      return;
    }
    const point = at(event);
    readout.hidden = !point;
    if (point) {
      const loss = gridLoss(shown().surfaceData, point);
      readout.textContent = `(${fmt(point[0], 3)}, ${fmt(point[1], 3)})  loss ${fmt(loss)}`;
    }
  }, true);
  graph.addEventListener("pointerleave", () => {
    readout.hidden = true;
  });
}
