// The page's one state: the catalogue, the settings that live outside the form (layout, view,
// lesson, basin map, sweep), what is on screen and the animation step. Modules read it with
// `store.state` or `store.experiment()` and change it with `store.update(patch, change)`;
// subscribers (the panels, the renderer, the URL) are told of every change and why.

/** The experiment's fields that are page settings, kept in `state.ui` (not in the form). */
export const UI_KEYS = ["layout", "view", "lesson", "basins", "sweep", "glyphs"];

/** An experiment split into its page settings and the rest (what a run computes). */
export function splitExperiment(experiment) {
  const ui = {};
  const rest = { ...experiment };
  for (const key of UI_KEYS) {
    ui[key] = experiment[key];
    delete rest[key];
  }
  delete rest.step;
  return { ui, rest };
}

/**
 * state: {
 *   catalog,                  surfaces and optimizers (state.js makeCatalog)
 *   ui,                       {layout, view, lesson, basins, sweep, glyphs}
 *   shown,                    null, or {experiment (no ui fields, no step), result, surface, view, surfaceData}
 *   step,                     the animation step on screen (the URL's `step`)
 * }
 * A change is {because, history}. `because` names it: "show" (a new result on screen), "ui" (a
 * toggle), "colour", "lesson" (closed), "sweep" (its settings), "step", and "load" / "surface"
 * (page settings for the run about to start, which nothing redraws for). `history` says how the
 * URL follows: "push", "replace", "later" (the step, once the player has been still) or none;
 * `live` marks a result shown for a live edit (a slider moved, the start dragged).
 */
export function createStore(initial) {
  let state = { catalog: null, ui: {}, shown: null, step: 0, ...initial };
  let merged = null;
  const subscribers = [];

  /** The whole experiment on screen: the run's fields with the page settings; null before one. */
  function experiment() {
    if (!state.shown) return null;
    if (!merged || merged.shown !== state.shown || merged.ui !== state.ui) {
      merged = { shown: state.shown, ui: state.ui, experiment: { ...state.shown.experiment, ...state.ui } };
    }
    return merged.experiment;
  }

  function update(patch, change = {}) {
    state = { ...state, ...patch };
    for (const subscriber of subscribers) subscriber(state, change);
  }

  /** `fn(state, change)` after every update, in the order subscribed. */
  function subscribe(fn) {
    subscribers.push(fn);
  }

  return {
    get state() {
      return state;
    },
    experiment,
    update,
    subscribe,
  };
}
