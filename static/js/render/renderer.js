// The one renderer: for every frame it decides what draws the figure and the loss chart.
//
// - Before plotly.js has run: the canvas preview (preview.js) draws them whole when stopped;
//   while playing, the preview leaves out what moves and the motion layer paints it.
// - Once plotly.js has run: plotly draws them; while playing, the motion layer paints the trails
//   and heads over plotly's figure (motion.js says why), and when the clock stops plotly's own
//   traces are moved to the step (so hover and exports see them).
// plotly.js runs once the person leaves the page alone, or at once when something needs it: a
// figure the preview does not draw (side by side, 3-D, a basin map), the data set panel, the
// learning-rate chart, a PNG export, a click on the preview's legend.

import { $ } from "../dom.js";
import { plotlyText } from "../format.js";
import { knownPointsHold } from "../state.js";
import { frameUpdate, paintFrame, restingFrame } from "./frames.js";
import { createGlyphLayer } from "./glyphs.js";
import { buildLossFigure } from "./losschart.js";
import { axesOf, createMotionLayer } from "./motion.js";
import { afterPaint, createPlotlyGate, figureTraces, hasFigure, onFigure, react, restyleTraces } from "./plotly.js";
import { INK, buildFigure } from "./plots.js";
import { canPaint, clearPreview, paintFigure, previewLayout, previewable } from "./preview.js";

const NARROW_PX = 640;
// Figures get explicit sizes from their containers; a ResizeObserver redraws them (see watchSize).
const PLOT_CONFIG = {
  responsive: false, displaylogo: false, scrollZoom: false,
  modeBarButtonsToRemove: ["select2d", "lasso2d", "toImage"],
};
export const LOSS_CONFIG = { ...PLOT_CONFIG, displayModeBar: false };

/** The runs on screen with their colours (from the experiment) and labels as plotly text. */
export function decorate(experiment, result) {
  return result.runs.map((run, i) => ({ ...run, colour: experiment.runs[i].colour, label_html: plotlyText(run.label) }));
}

/**
 * `store` holds what is on screen; `player` the step; `layers.traces(screen, model)` adds
 * traces to the figure (the basin map, the sweep's fan); `layers.charts(screen, runs)` draws
 * the charts that need plotly (learning rates, the data set) and `layers.frame(step)` moves
 * them; `onStill(step)` follows a frame drawn while stopped; `setBusy(busy)` shows the spinner;
 * `onPlotlyEvent(name, event)` gets plotly's click and hover on the figure; `typeScale()` is
 * how much larger than usual the figure's text is (presenter mode).
 */
export function createRenderer({ store, player, layers, onStill, setBusy, isPending, onPlotlyEvent, typeScale = () => 1 }) {
  const plotDiv = $("plot");
  const lossDiv = $("loss-plot");
  const motion = createMotionLayer(plotDiv, ["trail-", "head-"]);
  const lossMotion = createMotionLayer(lossDiv, ["loss-head-"]);
  // While the start marker is dragged: the answers painted over plotly's figure, which waits.
  const heldLayer = createMotionLayer(plotDiv, ["trail-", "head-", "ghost-", "start-"]);
  let holding = false;
  let heldPaints = 0;
  let heldAnswers = 0;
  // The optimizer's state at the heads (glyphs.js), when the page settings ask for it.
  const glyphs = createGlyphLayer(plotDiv);
  /** What is drawn: {screen, model, loss, previewKey, synced}, screen being the store's shown + experiment. */
  let figure = null;
  /** Whether plotly draws the figures (after plotly.js has run for them). */
  let usePlotly = false;
  /** Whether the figure being computed is one the preview draws. */
  let previewing = true;
  /** Actions that wait for a figure on screen: {action, plotly}. */
  let waiting = [];
  let renders = 0;
  let framePending = false;
  let eventsWired = false;
  let size = "";

  const gate = createPlotlyGate({
    busy: () => player.playing,
    onLoad: () => {
      usePlotly = true;
      draw();
    },
    onFail: (error) => {
      $("form-error").textContent = `The interactive plot could not load (${error.message}): the next thing that needs it tries again.`;
      $("form-error").hidden = false;
      // What waited for plotly will not happen now; whatever needs it next asks again.
      waiting.length = 0;
      if (!isPending()) setBusy(false);
    },
  });

  /** The store's screen: what is shown, with the whole experiment (page settings included). */
  function screenOf() {
    const { shown } = store.state;
    return shown && { ...shown, experiment: store.experiment() };
  }

  /** A run starts: plotly.js at once if the preview cannot draw its figure. */
  function prepare(experiment) {
    previewing = !usePlotly && previewable(experiment);
    if (!previewable(experiment)) gate.request();
  }

  /** A run failed: player actions pressed while it ran were for a figure that will not come. */
  function forget() {
    waiting = waiting.filter((entry) => entry.plotly);
  }

  function draw() {
    const screen = screenOf();
    if (!screen) return;
    const runs = decorate(screen.experiment, screen.result);
    const narrow = window.innerWidth < NARROW_PX;
    const { experiment, surface } = screen;
    const numericStart = experiment.start.every(Number.isFinite) ? experiment.start : null;
    // Measure the container at its own (CSS) height, not at a tall side-by-side figure's.
    plotDiv.classList.remove("tall");
    plotDiv.style.height = "";
    const model = buildFigure({
      surface, surfaceData: screen.surfaceData, runs,
      start: runs[0]?.points[0] ?? numericStart,
      layoutMode: experiment.layout, view3d: experiment.view === "3d",
      width: plotDiv.clientWidth, height: plotDiv.clientHeight, narrow,
      showKnown: knownPointsHold(experiment), view: screen.view, typeScale: typeScale(),
    });
    plotDiv.classList.toggle("tall", Boolean(model.height));
    plotDiv.style.height = model.height ? `${model.height}px` : "";
    size = sizeKey();
    const minima = surface.minima.map((m) => m.value);
    const fStar = knownPointsHold(experiment) && minima.length ? Math.min(...minima) : null;
    const loss = buildLossFigure({ runs, fStar, narrow, width: lossDiv.clientWidth, height: lossDiv.clientHeight });
    figure = { screen, model, loss, previewKey: null, synced: null };
    // Appended, so the trail and head indices hold; a heatmap draws under scatter traces anyway.
    model.data.push(...layers.traces({ ...screen, model }, model));
    const canHold = hasFigure(plotDiv) && model.dim === 2 && !model.is3d && experiment.layout !== "side";
    if (usePlotly && holding && canHold) {
      figure.held = true;
      markHeld(true);
      paintHeld(figure);
      heldAnswers += 1;
      plotDiv.dataset.heldAnswers = String(heldAnswers);
    } else if (usePlotly) drawPlotly(figure, runs, narrow);
    else paintPreview(figure);
  }

  /**
   * Live edits (a slider moved, the start marker dragged) hold plotly's figure: each new answer
   * is painted on a canvas over it (trails, heads, the start), as playback paints, with no plotly
   * update per answer (one costs tens of ms); released, plotly draws the last answer. Only the
   * 2-D contour of one panel holds: the others are drawn by plotly each time.
   */
  function hold(on) {
    holding = on;
    if (!on && figure && figure.held) draw();
  }

  /** Whether the figure on screen is painted over a held plotly figure (tests wait on it). */
  function markHeld(held) {
    if (held) plotDiv.dataset.held = "1";
    else delete plotDiv.dataset.held;
  }

  function paintHeld(drawn) {
    const { model } = drawn;
    const last = Math.max(0, ...model.tracks.map((t) => t.run.points.length - 1));
    const step = Math.min(store.state.step || 0, last);
    const start = drawn.screen.result.runs[0]?.points[0];
    heldLayer.draw((ctx, full) => {
      paintFrame(ctx, full, model, step);
      const axes = model.tracks.length && axesOf(full, model.tracks[0].axes.xaxis, model.tracks[0].axes.yaxis);
      if (!axes || !start) return;
      ctx.fillStyle = "#ffffff";
      ctx.strokeStyle = INK;
      ctx.lineWidth = 2;
      ctx.fillRect(axes.x(start[0]) - 5, axes.y(start[1]) - 5, 10, 10);
      ctx.strokeRect(axes.x(start[0]) - 5, axes.y(start[1]) - 5, 10, 10);
    });
    paintGlyphs(step);
    heldPaints += 1;
    plotDiv.dataset.heldPaints = String(heldPaints);
  }

  function drawPlotly(drawn, runs, narrow) {
    clearPreview(plotDiv);
    clearPreview(lossDiv);
    Promise.all([
      react(plotDiv, drawn.model.data, drawn.model.layout, PLOT_CONFIG),
      react(lossDiv, drawn.loss.data, drawn.loss.layout, LOSS_CONFIG),
      layers.charts(drawn.screen, runs, narrow),
    ]).then(() => {
      if (!eventsWired) {
        for (const name of ["plotly_click", "plotly_hover", "plotly_unhover"]) {
          onFigure(plotDiv, name, (event) => onPlotlyEvent(name, event, figure));
        }
        // A zoom, a pan or a run hidden from the legend moves or hides the heads' glyphs.
        for (const name of ["plotly_relayout", "plotly_restyle"]) onFigure(plotDiv, name, () => paintGlyphs(player.step));
        eventsWired = true;
      }
      // A newer draw (a new result, a setting, a resize) finishes instead.
      if (figure !== drawn) return;
      heldLayer.clear();
      markHeld(false);
      renderFrame();
      renders += 1;
      plotDiv.dataset.renders = String(renders);
      plotDiv.dataset.painted = "1";
      runWaiting(waiting.splice(0));
    });
  }

  /** Does what waited for a figure, now that one is on screen. */
  function runWaiting(entries) {
    if (entries.length && !isPending()) setBusy(false);
    for (const { action } of entries) action();
  }

  /** Before plotly.js has run: the figure and the loss chart as pictures, which the player moves. */
  function paintPreview(drawn) {
    if (!canPaint(drawn.model)) {
      // No stale picture of the previous figure while plotly comes.
      clearPreview(plotDiv);
      clearPreview(lossDiv);
      gate.request();
      return;
    }
    paintPreviewAt(drawn, store.state.step || 0);
    plotDiv.dataset.painted = "1";
    // Play or a step pressed before this first picture happens on the preview, once the player
    // has its runs.
    const forPreview = waiting.filter((entry) => !entry.plotly);
    waiting = waiting.filter((entry) => entry.plotly);
    queueMicrotask(() => runWaiting(forPreview));
    const { surface, result } = drawn.screen;
    const others = surface.kind === "dataset" || result.runs.some((run) => run.lrs?.length);
    if (others) afterPaint().then(gate.request);
    else gate.requestWhenQuiet();
  }

  /**
   * The previews at `step`. Stopped, each is painted whole; playing, what moves is left out of
   * them and painted on the motion canvases, as over plotly's figures (so ranges stay put).
   */
  function paintPreviewAt(drawn, step) {
    const { playing } = player;
    const key = playing ? "playing" : step;
    const { model, loss } = drawn;
    if (drawn.previewKey !== key) {
      const image = drawn.screen.surfaceData.cells?.canvas;
      paintFigure(plotDiv, model, { frame: frameUpdate(model, step), image, moving: !playing });
      paintFigure(lossDiv, loss, { frame: loss.frame(step), moving: !playing });
      drawn.previewKey = key;
    }
    if (playing) {
      motion.draw((ctx, full) => paintFrame(ctx, full, model, step));
      lossMotion.draw((ctx, full) => loss.paint(ctx, full, step));
    } else {
      motion.clear();
      lossMotion.clear();
    }
    paintGlyphs(step);
  }

  /** A run hidden from plotly's legend (its trail's `visible`), whose glyphs are hidden too. */
  function legendHidden(model) {
    return (i) => figureTraces(plotDiv)[model.trailIndex[i]]?.visible === "legendonly";
  }

  /** The state glyphs at `step`, playing or still, over plotly's figure or the preview. */
  function paintGlyphs(step) {
    const on = figure && figure.model.tracks.length && store.experiment()?.glyphs;
    if (on) glyphs.draw(figure.model, step, hasFigure(plotDiv) ? legendHidden(figure.model) : () => false);
    else glyphs.clear();
  }

  /** The player moved: the slider and readout now, the figures at the next animation frame. */
  function scheduleFrame() {
    const { step, last } = player;
    $("step-slider").value = String(step);
    $("step-readout").textContent = `step ${step} / ${last}`;
    if (framePending) return;
    framePending = true;
    requestAnimationFrame(() => {
      framePending = false;
      renderFrame();
    });
  }

  /** Moves only the trails and heads, on whichever draws the figure now. */
  function renderFrame() {
    if (!figure || !figure.model.tracks.length) {
      glyphs.clear();
      return;
    }
    if (figure.held) {
      paintHeld(figure);
      return;
    }
    const { model, loss } = figure;
    const { step } = player;
    if (hasFigure(plotDiv)) {
      // A run hidden from the legend stays hidden on the canvas.
      const hidden = legendHidden(model);
      const painted = player.playing
        && motion.draw((ctx, full) => paintFrame(ctx, full, model, step, hidden))
        && lossMotion.draw((ctx, full) => loss.paint(ctx, full, step));
      // The 3-D scene draws with WebGL, not elements the canvas can hide: its own trails and
      // heads are set aside once, when playing starts.
      if (painted && model.is3d && figure.synced !== "playing") {
        moveTraces(plotDiv, restingFrame(model));
        figure.synced = "playing";
      }
      if (!painted && figure.synced !== step) {
        motion.clear();
        lossMotion.clear();
        moveTraces(plotDiv, frameUpdate(model, step));
        moveTraces(lossDiv, loss.frame(step));
        figure.synced = step;
      }
      paintGlyphs(step);
    } else if (previewLayout(plotDiv)) {
      paintPreviewAt(figure, step);
    } else {
      return;
    }
    layers.frame(step);
    store.update({ step }, { because: "step", history: player.playing ? null : "later" });
    if (!player.playing) onStill(step);
  }

  function moveTraces(graph, { traces, indices }) {
    restyleTraces(graph, traces, indices);
  }

  /**
   * Wraps a player action: it happens at once on plotly's figure or the preview; before the
   * first figure is on screen it waits for it (for plotly's, when the preview does not draw
   * this one). With `plotly`, the action needs plotly's own figure (an export).
   */
  function whenDrawn(action, { plotly = false } = {}) {
    return (...args) => {
      if (hasFigure(plotDiv) || (!plotly && previewLayout(plotDiv))) {
        action(...args);
        return;
      }
      waiting.push({ action: () => action(...args), plotly });
      // Say it is coming: the action happens once the preview or plotly has drawn.
      setBusy(true);
      if (plotly || !previewing) gate.request();
    };
  }

  /** The player stopped: plotly's own traces take over, and the wait for a quiet moment restarts. */
  function stopped() {
    renderFrame();
    gate.arm();
  }

  function sizeKey() {
    return [plotDiv.clientWidth, plotDiv.classList.contains("tall") ? 0 : plotDiv.clientHeight, lossDiv.clientWidth].join("x");
  }

  /** Containers change size with the window, the lesson panel and the layout: redraw to fit. */
  function watchSize() {
    let timer = 0;
    const observer = new ResizeObserver(() => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (store.state.shown && sizeKey() !== size) draw();
      }, 120);
    });
    observer.observe(plotDiv.parentElement);
    observer.observe(lossDiv);
  }

  /** The preview's legend is a picture: a click on it (or off the plotting area) asks for plotly. */
  function watchPreviewClicks() {
    plotDiv.addEventListener("click", (event) => {
      const full = previewLayout(plotDiv);
      if (!full || !event.target.matches("canvas.preview")) return;
      const box = event.target.getBoundingClientRect();
      const [x, y] = [event.clientX - box.left, event.clientY - box.top];
      const inside = (axis, v) => v >= axis._offset && v <= axis._offset + axis._length;
      if (!(inside(full.xaxis, x) && inside(full.yaxis, y))) gate.request();
    });
  }

  watchSize();
  watchPreviewClicks();
  return {
    draw, prepare, forget, scheduleFrame, whenDrawn, stopped, hold,
    /** What is drawn now: {screen, model, loss}, or null. */
    figure: () => figure,
  };
}
