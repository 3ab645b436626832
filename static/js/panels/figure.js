// The controls around the figure: the toggles above it (side by side, 3-D, basin map) and the
// notes under it; the player's buttons, slider, speed and keys (shortcuts.js listens for them);
// starting a run from a click on the figure (the 2-D contour or its basin map, the 1-D curve,
// the 3-D surface) with the loss under the pointer read out; the exports (PNG, JSON, CSV) and
// the link to this experiment.

import { $, toast } from "../dom.js";
import { downloadImage } from "../render/plotly.js";
import { watchPointer } from "../render/pointer.js";
import { knownPointsHold, requestsFor } from "../state.js";

// ---- the toggles above the figure and the notes under it -----------------------------------

function renderToggles(experiment, surface) {
  $("side-by-side").checked = experiment.layout === "side";
  $("view-3d").checked = experiment.view === "3d";
  $("view-3d").disabled = surface.dim === 1;
  $("view-3d").closest("label").title = surface.dim === 1 ? "The 3-D view needs a 2-D surface" : "";
  $("basin-map").checked = experiment.basins;
  $("basin-map").disabled = surface.dim === 1;
  $("basin-map").closest("label").title = surface.dim === 1 ? "The basin map needs a 2-D surface" : "";
}

function renderNotes(experiment, { surface, result }) {
  const notes = [];
  if (!knownPointsHold(experiment) && (surface.minima.length || surface.saddle_points.length)) {
    notes.push("Known minima and saddle points are marked for the default parameters only, so they are hidden.");
  }
  if (experiment.view === "3d" && experiment.layout === "side") notes.push("The 3-D view shows every run in one scene.");
  $("plot-note").textContent = notes.join(" ");
  $("plot-note").hidden = !notes.length;
  $("plot").setAttribute("aria-label", `${surface.name}: ${result.runs.length} optimizer paths`);
}

/** The toggles as the store has them; a change goes into the store's page settings. */
export function createViewPanel({ store, player }) {
  function onToggle() {
    const ui = {
      ...store.state.ui,
      layout: $("side-by-side").checked ? "side" : "overlay",
      view: $("view-3d").checked ? "3d" : "2d",
      basins: $("basin-map").checked,
    };
    store.update({ ui, step: player.step }, { because: "ui", history: store.state.shown ? "replace" : null });
  }
  for (const id of ["side-by-side", "view-3d", "basin-map"]) $(id).addEventListener("change", onToggle);

  return {
    render({ shown }) {
      renderToggles(store.experiment(), shown.surface);
      renderNotes(store.experiment(), shown);
    },
  };
}

// ---- the player's controls -----------------------------------------------------------------

export function wirePlayback({ player, whenDrawn }) {
  $("play").addEventListener("click", whenDrawn(() => player.play()));
  $("pause").addEventListener("click", whenDrawn(() => player.pause()));
  $("step-forward").addEventListener("click", whenDrawn(() => player.forward()));
  $("step-back").addEventListener("click", whenDrawn(() => player.back()));
  $("reset").addEventListener("click", whenDrawn(() => player.reset()));
  $("step-slider").addEventListener("input", whenDrawn((event) => {
    player.pause();
    player.seek(Number(event.target.value));
  }));
  $("speed").addEventListener("change", (event) => player.setSpeed(Number(event.target.value)));
}

/** The player's keys, as shortcuts.js's entries: not while a control has the focus. */
export function playerKeys({ player, whenDrawn }) {
  return [
    { label: "Space", does: "Play or pause", key: " ", run: () => player.toggle() },
    { label: "→", does: "One step forward", key: "ArrowRight", shift: false, run: () => player.forward(1) },
    { label: "←", does: "One step back", key: "ArrowLeft", shift: false, run: () => player.back(1) },
    { label: "Shift + →", does: "Ten steps forward", key: "ArrowRight", shift: true, run: () => player.forward(10) },
    { label: "Shift + ←", does: "Ten steps back", key: "ArrowLeft", shift: true, run: () => player.back(10) },
  ].map((entry) => ({ ...entry, scope: "player", run: whenDrawn(entry.run) }));
}

/** The buttons as the clock runs or stops. */
export function renderPlaying(playing) {
  $("play").disabled = playing;
  $("pause").disabled = !playing;
}

/** A new result: the slider's range and the clock at the experiment's step. */
export function loadPlayer(player, result, step) {
  const last = Math.max(0, ...result.runs.map((r) => r.points.length - 1));
  $("step-slider").max = String(last);
  player.load(last, step || 0);
}

// ---- starting a run from the figure --------------------------------------------------------

/**
 * `pick(point)` starts a run at a point, `drag(point, phase)` follows the start marker dragged
 * ("start", "move", "end"); `figure()` is the renderer's {screen, model} or null.
 */
export function createPlotPicks({ figure, pick, snap, drag }) {
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
    onDrag: drag,
  });
  watchPress();
  return { onPlotlyEvent };
}

// ---- exports and the link ------------------------------------------------------------------

const CSV_HEADER = ["run", "label", "optimizer", "step", "x", "y", "loss", "grad_x", "grad_y"];

/** Saves `text` as a file named `filename` (the browser's download). */
export function download(filename, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A CSV field: quoted when it must be, a would-be formula kept as text. */
export function csvField(value) {
  if (value === null || value === undefined) return "";
  let text = String(value);
  // A label that a spreadsheet would read as a formula is kept as text.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per run and step; y and grad_y are empty for 1-D surfaces. */
function runsToCsv(runs) {
  const lines = [CSV_HEADER.join(",")];
  runs.forEach((run, i) => {
    run.points.forEach((point, k) => {
      const grad = run.gradients[k] || [];
      lines.push([i + 1, run.label, run.optimizer, k, point[0], point[1], run.losses[k], grad[0], grad[1]].map(csvField).join(","));
    });
  });
  return `${lines.join("\n")}\n`;
}

function exportJson(name, request, response) {
  download(`${name}.json`, `${JSON.stringify({ request, response }, null, 2)}\n`, "application/json");
}

function exportCsv(name, response) {
  download(`${name}.csv`, runsToCsv(response.runs), "text/csv");
}

function exportPng(name, graphDiv) {
  return downloadImage(graphDiv, {
    format: "png", filename: name, width: graphDiv.clientWidth, height: graphDiv.clientHeight, scale: 2,
  });
}

/** `writeUrl()` brings the URL up to date; the PNG waits for plotly's figure (whenDrawn). */
export function wireShare({ store, player, whenDrawn, writeUrl }) {
  const name = () => (store.state.shown ? `gradscape-${store.state.shown.surface.id}` : "gradscape");
  // Paused first: while playing, plotly's own trails wait at the step Play was pressed at.
  $("export-png").addEventListener("click", whenDrawn(() => {
    player.pause();
    if (store.state.shown) exportPng(name(), $("plot"));
  }, { plotly: true }));
  $("export-json").addEventListener("click", () => {
    const { shown } = store.state;
    if (shown) exportJson(name(), requestsFor(store.experiment()), shown.result);
  });
  $("export-csv").addEventListener("click", () => store.state.shown && exportCsv(name(), store.state.shown.result));
  $("copy-link").addEventListener("click", async () => {
    writeUrl();
    try {
      await navigator.clipboard.writeText(location.href);
      toast("Link copied: it opens this exact experiment.");
    } catch {
      toast(`Copy this link: ${location.href}`);
    }
  });
}
