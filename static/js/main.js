// Boots the page and wires it: the catalogue from the API, the store, the renderer, the panels
// (each renders from the store and sends changes to it), the URL following the store.

import { getOptimizers, getSurfaces } from "./api.js";
import { $, toast } from "./dom.js";
import { createLab, followScreen, screenOf, setBusy } from "./lab.js";
import { createBackpropPanel } from "./panels/backprop.js";
import { createBasinMap } from "./panels/basins.js";
import { createControls } from "./panels/controls.js";
import { CUSTOM, seedCustom } from "./panels/custom.js";
import { createDataPanel, loadDatasets } from "./panels/data.js";
import { createGradcheckPanel } from "./panels/gradcheck.js";
import { createLessonMenu } from "./panels/lessons.js";
import { createNetworkPanel } from "./panels/network.js";
import { createStateReadout } from "./panels/readout.js";
import { createPlotPicks, createViewPanel, playerKeys, renderPlaying, wirePlayback, wireShare } from "./panels/figure.js";
import { createPresenter, keepFigureInView } from "./panels/presenter.js";
import { drawLrChart } from "./panels/schedule.js";
import { wireShortcuts } from "./panels/shortcuts.js";
import { createSweep } from "./panels/sweep.js";
import { createPlayer } from "./player.js";
import { LOSS_CONFIG, createRenderer } from "./render/renderer.js";
import { makeCatalog, makeExperiment } from "./state.js";
import { createStore } from "./store.js";
import { experimentFromUrl, followUrl } from "./url.js";

async function loadCatalog() {
  const [surfaces, optimizers, custom] = await Promise.all([getSurfaces(), getOptimizers(), seedCustom(location.search)]);
  const datasets = await loadDatasets(surfaces.datasets || []);
  const catalog = makeCatalog([...surfaces.surfaces, ...datasets], optimizers.optimizers);
  if (custom) catalog.surfaces.set(CUSTOM, custom);
  return catalog;
}

function wire(catalog) {
  const store = createStore({ catalog });
  const ui = (patch, change) => store.update({ ui: { ...store.state.ui, ...patch } }, change);
  let renderer = null;
  let lab = null;
  let controls = null;
  let screen = null;
  let network = null;
  const presenter = createPresenter({ onChange: () => renderer.draw() });
  const player = createPlayer({
    onStep: () => (network?.active() ? network.frame() : renderer.scheduleFrame()),
    onStateChange: (playing) => {
      renderPlaying(playing);
      // Stopped: plotly's own trails and heads take over from the motion canvas at once.
      if (!playing && !network?.active()) renderer.stopped();
    },
  });
  const data = createDataPanel();
  const gradcheck = createGradcheckPanel();
  const backprop = createBackpropPanel();
  const basins = createBasinMap({ catalog, onChange: () => renderer.draw() });
  const sweep = createSweep({
    catalog, getShown: () => screenOf(store, renderer), onFan: () => renderer.draw(),
    onSettings: (settings) => ui({ sweep: settings }, { because: "sweep", history: "replace" }),
    onUse: (index, lr) => controls.useLr(index, lr),
  });
  const picks = createPlotPicks({
    figure: () => renderer.figure(),
    snap: (shown, point) => basins.snap(shown, point),
    pick: (point) => lab.runFrom(point),
    drag: (point, phase) => lab.dragStart(point, phase),
  });
  renderer = createRenderer({
    store, player, setBusy, isPending: () => lab.isPending(), onStill: () => screen.inspect(), onPlotlyEvent: picks.onPlotlyEvent,
    typeScale: presenter.typeScale,
    layers: {
      traces: (shown, model) => [...basins.traces(shown, model), ...sweep.traces(shown, model)],
      charts: (shown, runs, narrow) => Promise.all([drawLrChart(runs, LOSS_CONFIG), data.draw({ surface: shown.surface, runs, narrow })]),
      frame: (step) => data.frame(step),
    },
  });
  controls = createControls({
    catalog,
    onRun: (experiment) => lab.runForm(experiment),
    onLive: (experiment) => lab.live(experiment),
    onSurfaceChange: (experiment) => {
      ui({ lesson: null }, { because: "surface" });
      lab.runForm(experiment);
    },
    onColour: (index, colour) => lab.recolour(index, colour),
    network: () => network,
  });
  network = createNetworkPanel({ catalog, controls, player, setBusy });
  lab = createLab({ store, controls, player, renderer });
  const view = createViewPanel({ store, player });
  // Turned on over an answer without the optimizer's state: the same experiment again, with it.
  createStateReadout({ store, player, rerun: () => lab.run({ ...store.experiment(), step: player.step }, "replace") });

  screen = followScreen({ store, renderer, player, panels: { view, basins, sweep, cards: [gradcheck, backprop] } });
  const url = followUrl(store, () => network.active());

  // The player waits for the surface's figure, but not on a network (one opened by a link has
  // never drawn a surface).
  const whenDrawn = (action, options) => {
    const later = renderer.whenDrawn(action, options);
    return (...args) => (network.active() ? action(...args) : later(...args));
  };
  wirePlayback({ player, whenDrawn });
  wireShortcuts([
    { title: "Playing (while no button or field has the focus)", entries: playerKeys({ player, whenDrawn }) },
    { title: "Presenting", entries: presenter.keys },
  ]);
  keepFigureInView(store);
  wireShare({ store, player, whenDrawn: renderer.whenDrawn, writeUrl: url.writeNow });
  $("close-lesson").addEventListener("click", () => {
    network.closeLesson();
    ui({ lesson: null }, { because: "lesson", history: "replace" });
  });
  createLessonMenu({
    onPick: (lesson) => {
      if (lesson.network) {
        network.open(lesson);
        $("main").focus({ preventScroll: true });
        return;
      }
      network.leave();
      lab.load(makeExperiment(catalog, { ...lesson.experiment, lesson: lesson.id }), "push");
      $("main").focus({ preventScroll: true });
    },
  });
  /** The experiment the URL describes: a network's (panels/network-url.js) or a surface's. */
  function openUrl(history) {
    const linked = network.fromUrl(location.search);
    if (!linked) {
      network.leave();
      return lab.load(experimentFromUrl(catalog, toast), history);
    }
    if (linked.problems.length) toast(`This link has ${linked.problems.join(" and ")}: left out, or defaults used.`);
    return network.openLink(linked, history === "none" ? null : history);
  }
  window.addEventListener("popstate", () => openUrl("none"));
  renderPlaying(false);
  renderer.stopped();
  // The surface form is drawn even when a link opens a network: it is there to go back to.
  if (network.fromUrl(location.search)) controls.render(makeExperiment(catalog));
  return openUrl("replace");
}

async function start() {
  setBusy(true);
  let catalog;
  try {
    catalog = await loadCatalog();
  } catch (error) {
    setBusy(false);
    $("form-error").textContent = `Could not load the surfaces and optimizers: ${error.message}`;
    $("form-error").hidden = false;
    document.body.dataset.state = "error";
    return;
  }
  await wire(catalog);
}

start();
