// Starting a run from the figure: a click on the 2-D contour (or its basin map), on the 1-D
// curve or on the 3-D surface runs again from there; the loss under the pointer is read out.

import { $ } from "../dom.js";
import { watchPointer } from "../render/pointer.js";

/** `pick(point)` starts a run at a point; `figure()` is the renderer's {screen, model} or null. */
export function createPlotPicks({ figure, pick, snap }) {
  const plotDiv = $("plot");
  /** The surface point under the pointer in the 3-D view (from plotly's hover), or null. */
  let hovered3d = null;

  const onSurface = (point, model) => point && model.background.includes(point.curveNumber);

  /** plotly's click and hover on its figure (the renderer passes them on). */
  function onPlotlyEvent(name, event) {
    const drawn = figure();
    const point = event.points && event.points[0];
    if (name === "plotly_unhover") hovered3d = null;
    if (!drawn) return;
    const { model } = drawn;
    // On the 1-D curve plotly reports the clicked point itself (the 3-D view: see watchPress).
    if (name === "plotly_click" && !model.is3d && onSurface(point, model)) pick([point.x]);
    if (name === "plotly_hover") hovered3d = model.is3d && onSurface(point, model) ? [point.x, point.y] : null;
  }

  /**
   * A click on the 3-D surface starts a run there; a drag only turns the view. plotly's own 3-D
   * click comes (if at all) while the button is still down, before a drag can be told from a
   * click, so the page decides on the button's release, from where it went down and the surface
   * point last hovered.
   */
  function watchPress() {
    let down = null;
    plotDiv.addEventListener("pointerdown", (event) => {
      // On the scene itself, not its legend or mode bar.
      down = event.target.closest(".gl-container") ? [event.clientX, event.clientY] : null;
    }, true);
    // On the window: a drag that turns the view can end outside the plot.
    window.addEventListener("pointerup", (event) => {
      const still = down && Math.hypot(event.clientX - down[0], event.clientY - down[1]) < 5;
      down = null;
      if (still && hovered3d && figure()?.model.is3d && event.button === 0) pick(hovered3d);
    }, true);
  }

  /** The 2-D contour on screen ({...screen, model}), or null. */
  function contour() {
    const drawn = figure();
    return drawn && drawn.model.dim === 2 && !drawn.model.is3d ? { ...drawn.screen, model: drawn.model } : null;
  }

  watchPointer(plotDiv, {
    shown: contour,
    readout: $("cursor-readout"),
    onPick: (point) => pick(snap(contour(), point)),
  });
  watchPress();
  return { onPlotlyEvent };
}
