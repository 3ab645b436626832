// The network experiment's form: the data sets, the fields (written from a spec and read back),
// their sliders, the run cards' learning rates for a network, the surface menu's "Networks"
// group and where a server error on a field belongs. panels/network.js trains what it reads.

import { CONFIG } from "../config.js";
import { $, el } from "../dom.js";
import { numberText, parseNumber } from "../format.js";
import { NETWORK_PREFIX } from "./network-url.js";
import { attachSlider } from "./sliders.js";
import { makeRun } from "../state.js";

/** The data sets of app/numerics/networks.py (DATASETS): id, name, classes (0: regression), default noise. */
export const NETWORK_DATASETS = [
  { id: "moons", name: "Two moons", description: "Two interleaved half circles", classes: 2, noise: 0.2 },
  { id: "circles", name: "Circles", description: "A ring around a disc", classes: 2, noise: 0.1 },
  { id: "spiral", name: "Spiral", description: "Two arms winding round each other", classes: 2, noise: 0.05 },
  { id: "spiral3", name: "Spiral, 3 arms", description: "Three arms winding round each other", classes: 3, noise: 0.05 },
  { id: "xor", name: "XOR", description: "The sign of x times y", classes: 2, noise: 0.05 },
  { id: "blobs", name: "Gaussian blobs", description: "Three round clusters", classes: 3, noise: 0.4 },
  { id: "sine", name: "Noisy sine", description: "y = sin(x) + noise, for regression (mean squared error)", classes: 0, noise: 0.1 },
];

/** Learning rates that train the default network in a few hundred steps, by optimizer id. */
const NETWORK_LR = { sgd: 0.1, momentum: 0.05, nesterov: 0.05, adam: 0.01, adamw: 0.01, rmsprop: 0.005, adagrad: 0.05 };

export const datasetOf = (id) => NETWORK_DATASETS.find((d) => d.id === id);

/** The sliders beside the form's number fields: {id, label, range(spec)} (the limits of
 *  app/api/requests.py NetworkRequest and the data sets' params); a batch up to the examples. */
const NETWORK_SLIDERS = [
  { id: "net-n", label: "Examples (n)", range: () => ({ min: 4, max: 5000, log: true, integer: true }) },
  { id: "net-noise", label: "Noise", range: () => ({ min: 0, max: 2 }) },
  { id: "net-test-fraction", label: "Test fraction", range: () => ({ min: 0, max: 0.5 }) },
  { id: "net-steps", label: "Training steps", range: () => ({ min: 1, max: CONFIG.limits.max_steps, log: true, integer: true }) },
  { id: "net-batch-size", label: "Examples per batch", range: (spec) => ({ min: 1, max: Math.max(2, spec.n ?? 200), log: true, integer: true }) },
];

/** The surface menu's "Networks" group. */
export function networkOptgroup() {
  return el("optgroup", { label: "Networks" },
    NETWORK_DATASETS.map((d) => el("option", { value: NETWORK_PREFIX + d.id, text: `${d.name} (network)` })));
}

/** The form field a FastAPI error on /networks/train belongs to, most specific first. */
export function networkFieldIdFor(loc) {
  const path = loc[0] === "body" ? loc.slice(1) : loc;
  const [head, a, b] = path;
  if (head === "data") {
    if (a === "params") return [{ n: "net-n", noise: "net-noise", seed: "net-data-seed" }[b] || "surface", "surface"];
    if (a === "test_fraction") return ["net-test-fraction"];
    return ["surface"];
  }
  if (head === "model") return [{ hidden: "net-hidden", activation: "net-activation", seed: "net-init-seed" }[a] || "net-hidden"];
  if (head === "steps") return ["net-steps"];
  if (head === "batch_size") return ["net-batch-size"];
  if (head === "shuffle_seed") return ["net-shuffle-seed"];
  return null;
}

/** The experiment a lesson or a menu pick opens: the defaults with `spec`'s settings. */
export function networkSpec(spec = {}) {
  const dataset = datasetOf(spec.dataset) || NETWORK_DATASETS[0];
  return {
    dataset: dataset.id, n: 200, noise: dataset.noise, dataSeed: 0, testFraction: 0.25,
    hidden: [16, 16], activation: "tanh", initSeed: 0, steps: 500, batchSize: null, shuffleSeed: 0,
    ...spec,
  };
}

/** The form's fields from `spec` (networkSpec's shape). */
export function renderForm(spec) {
  const dataset = datasetOf(spec.dataset);
  $("surface").value = NETWORK_PREFIX + dataset.id;
  $("net-description").textContent = `${dataset.description}. ${dataset.classes ? `${dataset.classes} classes, cross-entropy loss` : "One output, squared error"}; the network is trained on the filled points and tested on the hollow ones.`;
  $("net-n").value = numberText(spec.n);
  $("net-noise").value = numberText(spec.noise);
  $("net-data-seed").value = numberText(spec.dataSeed);
  $("net-test-fraction").value = numberText(spec.testFraction);
  $("net-hidden").value = spec.hidden.join(", ");
  $("net-activation").value = spec.activation;
  $("net-init-seed").value = numberText(spec.initSeed);
  $("net-steps").value = numberText(spec.steps);
  $("net-batch-size").value = numberText(spec.batchSize);
  $("net-shuffle-seed").value = numberText(spec.shuffleSeed);
  for (const { id, label, range } of NETWORK_SLIDERS) {
    const input = $(id);
    input.parentElement.querySelector("input.slider")?.remove();
    const slider = attachSlider(input.parentElement, input, label, range(spec));
    // An empty batch is the whole training set: the slider's top.
    if (input.value === "") slider.value = slider.max;
  }
}

/** Run cards for a network: the optimizers kept (colours, labels and schedules as given or
 *  the defaults), each with a learning rate that trains it unless one is given. */
export function networkRuns(catalog, runs) {
  return runs.map((run, i) => {
    const optimizer = catalog.optimizers.get(run.optimizer);
    const hyperparameters = { ...run.hyperparameters };
    if (optimizer.hyperparameters.some((h) => h.name === "lr") && hyperparameters.lr === undefined && NETWORK_LR[run.optimizer]) {
      hyperparameters.lr = NETWORK_LR[run.optimizer];
    }
    return makeRun(catalog, null, run.optimizer, i, { ...run, hyperparameters });
  });
}

/** The experiment the form's fields describe (networkSpec's shape). */
export function readSpec() {
  const num = (id) => parseNumber($(id).value);
  const hidden = $("net-hidden").value.trim();
  return networkSpec({
    dataset: $("surface").value.slice(NETWORK_PREFIX.length), n: num("net-n"), noise: num("net-noise"),
    dataSeed: num("net-data-seed"), testFraction: num("net-test-fraction"),
    hidden: hidden ? hidden.split(/[,\s]+/).filter(Boolean) : [], activation: $("net-activation").value,
    initSeed: num("net-init-seed"), steps: num("net-steps"), batchSize: num("net-batch-size"), shuffleSeed: num("net-shuffle-seed"),
  });
}

/** steps x runs x examples of the form with `runs` runs, for Live's budget (null when not all
 *  numbers). */
export function exampleSteps(runs) {
  const steps = parseNumber($("net-steps").value);
  const n = parseNumber($("net-n").value) ?? 200;
  if (typeof steps !== "number" || typeof n !== "number") return null;
  return steps * runs * n;
}
