// What is on screen follows the store. A new result or page setting redraws, in this order:
// the toggles and notes, the lesson, the table (before the figures, so the first paint shows
// it), the figures, the basin map and the sweep (which read the figure just built), the player
// at the store's step, then the gradient check and backprop cards at the first run's head.

import { $ } from "./dom.js";
import { inspectedPoint } from "./panels/gradcheck.js";
import { lessonById, renderLesson } from "./panels/lessons.js";
import { loadPlayer } from "./panels/playback.js";
import { renderSummary } from "./panels/summary.js";
import { decorate } from "./render/renderer.js";
import { surfaceSpec } from "./state.js";

/** What the panels are given: the store's shown, the whole experiment and the figure's model. */
export function screenOf(store, renderer) {
  const { shown } = store.state;
  return shown && { ...shown, experiment: store.experiment(), model: renderer.figure()?.model };
}

/** `panels`: {view, basins, sweep, cards: [gradcheck, backprop]}. Returns `inspect()`. */
export function followScreen({ store, renderer, player, panels }) {
  const { view, basins, sweep, cards } = panels;

  function summary() {
    const { result } = store.state.shown;
    if (result.runs.length) renderSummary($("summary").tBodies[0], decorate(store.experiment(), result), store.state.catalog.optimizers);
  }

  function inspect() {
    const shown = screenOf(store, renderer);
    for (const card of cards) card.at(surfaceSpec(shown.experiment), inspectedPoint(shown, player.step));
  }

  function show(state) {
    view.render(state);
    renderLesson(lessonById(state.ui.lesson), state.shown.result.runs.length ? state.shown.result : null);
    summary();
    renderer.draw();
    basins.sync(screenOf(store, renderer));
    sweep.sync(screenOf(store, renderer));
    loadPlayer(player, state.shown.result, state.step);
    // The clock keeps its step within the runs: the store (and the link) has the one it took.
    if (player.step !== store.state.step) store.update({ step: player.step }, { because: "step" });
    inspect();
  }

  store.subscribe((state, { because }) => {
    if (because === "lesson") renderLesson(null);
    if (!state.shown) return;
    if (because === "show" || because === "ui") show(state);
    if (because === "colour") {
      renderer.draw();
      summary();
    }
  });
  return { inspect };
}
