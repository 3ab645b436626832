// The toggles above the figure (side by side, 3-D, basin map) and the notes under it.

import { $ } from "../dom.js";
import { knownPointsHold } from "../state.js";

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
