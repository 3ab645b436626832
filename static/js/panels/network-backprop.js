// The network's "Backprop, layer by layer" card: one run's parameters at the snapshot nearest the
// animation step, sent to POST /networks/inspect, drawn as one column per layer (input first):
// the layer's gradient norm on the training set, then for one chosen training example its
// forward values (z, a) and backward gradients (dL/da, dL/dz); under them the gradient check
// (backprop against central differences) with both times and what each costs in passes.
// panels/network.js hands it each answer (load) and each step (step); nothing else calls it.

import { ApiError, createLatest, postNetworkInspect } from "../api.js";
import { $, el } from "../dom.js";
import { fmt, parseNumber } from "../format.js";
import { nearestSnapshot } from "../render/network-plots.js";

/** Parameters the check compares (the API's default; at most GRADSCAPE_MAX_CHECKED_PARAMETERS). */
const CHECKED = 12;
/** Inspections kept, by run, snapshot and example: replaying the animation asks again for none. */
const CACHE_SIZE = 64;
const POSITIVE = [230, 159, 0];
const NEGATIVE = [0, 114, 178];

/** The most snapshot parameters (runs x snapshots x parameters) a training asks for, for this
 *  card (about 4 MB in binary); past it the card has each run's initial and final ones. */
export const SNAPSHOT_PARAMETERS = 400_000;
/** Snapshots per run the page trains with (the API's default). */
const SNAPSHOTS = 50;

/** Whether a training of `runs` runs of `steps` steps of a network of layer widths `sizes`
 *  may ask for every snapshot's parameters (its `include_parameters`). */
export function snapshotsAffordable(sizes, runs, steps) {
  let parameters = 0;
  for (let l = 1; l < sizes.length; l += 1) parameters += (sizes[l - 1] + 1) * sizes[l];
  const snapshots = Math.min(SNAPSHOTS, (Number.isInteger(steps) ? steps : 0) + 1);
  return runs * snapshots * parameters <= SNAPSHOT_PARAMETERS;
}

/** `flat` (torch's order: each layer's weight row by row, then its bias) as [{weight, bias}]. */
export function layersOf(flat, sizes) {
  const layers = [];
  let at = 0;
  for (let l = 1; l < sizes.length; l += 1) {
    const [n_in, n_out] = [sizes[l - 1], sizes[l]];
    const weight = [];
    for (let j = 0; j < n_out; j += 1) weight.push(flat.slice(at + j * n_in, at + (j + 1) * n_in));
    at += n_in * n_out;
    layers.push({ weight, bias: flat.slice(at, at + n_out) });
    at += n_out;
  }
  return layers;
}

const ms = (seconds) => (seconds < 1e-3 ? `${fmt(seconds * 1e6, 3)} µs` : `${fmt(seconds * 1e3, 3)} ms`);

function cellColour(value, top) {
  const share = top > 0 ? Math.min(1, Math.abs(value) / top) : 0;
  const [r, g, b] = value >= 0 ? POSITIVE : NEGATIVE;
  const mix = (c) => Math.round(255 + (c - 255) * share);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

/** Units up to this many have their numbers written in their cells (the input, the output). */
const WRITTEN = 4;

/** One row of a layer's units: a coloured cell per unit (its number on hover, or written in a
 *  narrow layer), the largest |value| at the end; the numbers in order are the accessible name. */
function strip(name, values) {
  const top = Math.max(0, ...values.map(Math.abs).filter(Number.isFinite));
  const written = values.length <= WRITTEN;
  const cell = (v, j) => el("span", {
    class: "bp-cell", title: `unit ${j}: ${name} = ${fmt(v, 6)}`, text: written ? fmt(v, 3) : null,
    style: { background: cellColour(v, top), color: top > 0 && Math.abs(v) > 0.6 * top ? "#ffffff" : "var(--ink)" },
  });
  return el("div", { class: "bp-row" }, [
    el("span", { class: "bp-name", text: name }),
    el("div", { class: `bp-strip${written ? " written" : ""}`, role: "img", "aria-label": `${name}: ${values.map((v) => fmt(v, 4)).join(", ")}` },
      values.map(cell)),
    el("span", { class: "bp-top", text: written ? "" : `max ${fmt(top, 2)}` }),
  ]);
}

function layerTitle(sizes, l) {
  if (l === 0) return `Input (${sizes[0]})`;
  return `${l === sizes.length - 1 ? "Output" : `Layer ${l}`} (${sizes[l - 1]} → ${sizes[l]})`;
}

/** `onExample(index)`: the example on screen changed (network.js rings it on the boundaries). */
export function createNetworkBackprop({ onExample = () => {} } = {}) {
  const latest = createLatest(150);
  const cache = new Map();
  /** {answer, base: {data, model}} of the training on screen, or null. */
  let current = null;
  let step = 0;
  let shownKey = null;

  const runSelect = $("net-inspect-run");
  const exampleInput = $("net-inspect-example");
  runSelect.addEventListener("change", () => refresh());
  exampleInput.addEventListener("input", () => refresh());
  $("net-inspect-form").addEventListener("submit", (event) => event.preventDefault());

  /** A new training on screen: its runs in the menu (the same run kept, the last one at
   *  first), the example kept and checked against its training set. */
  function load(answer, base) {
    const keep = runSelect.selectedIndex;
    runSelect.replaceChildren(...answer.runs.map((run, i) => el("option", { value: String(i), text: run.label })));
    runSelect.selectedIndex = keep >= 0 && keep < answer.runs.length ? keep : answer.runs.length - 1;
    current = { answer, base: { data: base.data, model: base.model } };
    cache.clear();
    shownKey = null;
    refresh();
  }

  function example() {
    const n = current.answer.data.train.y.length;
    const value = parseNumber(exampleInput.value);
    const ok = Number.isInteger(value) && value >= 0 && value < n;
    exampleInput.setAttribute("aria-invalid", ok ? "false" : "true");
    return ok ? value : null;
  }

  function refresh() {
    if (!current) return;
    const runIndex = Number(runSelect.value);
    const run = current.answer.runs[runIndex];
    const index = example();
    if (index === null) {
      latest.cancel();
      shownKey = null;
      $("net-inspect").dataset.busy = "false";
      $("net-inspect-status").textContent = `Example must be a whole number from 0 to ${current.answer.data.train.y.length - 1} (the training set).`;
      return;
    }
    if (!run) return;
    const states = statesOf(run);
    const snapshot = nearestSnapshot(states.steps, step);
    const key = `${runIndex}|${snapshot}|${index}`;
    if (key === shownKey) return;
    const at = { run, step: states.steps[snapshot], partial: states.partial, index };
    if (cache.has(key)) {
      latest.cancel();
      $("net-inspect").dataset.busy = "false";
      shownKey = key;
      render(cache.get(key), at);
      return;
    }
    $("net-inspect").dataset.busy = "true";
    latest.run(async (signal) => {
      const body = {
        ...current.base,
        parameters: states.parameters(snapshot),
        example: index,
        check: CHECKED,
      };
      try {
        const answer = await postNetworkInspect(body, signal);
        if (signal.aborted) return;
        cache.set(key, answer);
        if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
        shownKey = key;
        render(answer, at);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        $("net-inspect-status").textContent = error.message;
      } finally {
        if (!signal.aborted) $("net-inspect").dataset.busy = "false";
      }
    });
  }

  /** The run's parameters the card can inspect: at every snapshot, or (a training too large to
   *  send them) the initial and the final ones. */
  function statesOf(run) {
    const { sizes, initial_parameters: initial } = current.answer;
    if (run.snapshots.parameters) {
      return { steps: run.snapshots.steps, parameters: (i) => layersOf(run.snapshots.parameters[i], sizes), partial: false };
    }
    return { steps: [0, run.losses.length - 1], parameters: (i) => (i === 0 ? initial : run.final_parameters), partial: true };
  }

  function render(answer, { run, step: at, partial, index }) {
    const box = $("net-inspect");
    const { sizes } = answer;
    const ex = answer.example;
    const classification = current.answer.grid.y !== null;
    const output = ex.layers[ex.layers.length - 1].activation;
    const predicted = output.indexOf(Math.max(...output));
    const what = classification ? `class ${ex.y}, predicted ${predicted}` : `target ${fmt(ex.y)}, predicted ${fmt(output[0])}`;
    const which = partial ? ` (${at === 0 ? "initial" : "final"} parameters: a network this large sends only those)` : "";
    $("net-inspect-status").textContent = `${run.label} at step ${at}${which}: training loss ${fmt(answer.loss)}. Example ${index} at (${ex.x.map((v) => fmt(v, 3)).join(", ")}): ${what}, its loss ${fmt(ex.loss)}.`;

    const topNorm = Math.max(0, ...answer.gradient_norms.filter(Number.isFinite));
    const columns = [el("section", { class: "bp-layer", role: "group", "aria-label": layerTitle(sizes, 0) }, [
      el("h3", { text: layerTitle(sizes, 0) }),
      el("p", { class: "bp-norm", text: "x and dL/dx" }),
      strip("x", ex.x),
      strip("dL/dx", ex.input_gradient),
    ])];
    ex.layers.forEach((layer, l) => {
      const norm = answer.gradient_norms[l];
      const last = l === ex.layers.length - 1;
      columns.push(el("section", { class: "bp-layer", role: "group", "aria-label": layerTitle(sizes, l + 1) }, [
        el("h3", { text: layerTitle(sizes, l + 1) }),
        el("p", { class: "bp-norm" }, [
          `gradient norm ${fmt(norm)}`,
          el("span", { class: "bar", style: { width: `${topNorm > 0 ? Math.max(2, (100 * norm) / topNorm) : 0}%` } }),
        ]),
        strip("z", layer.pre_activation),
        strip(last ? "a = z" : "a", layer.activation),
        strip("dL/da", layer.activation_gradient),
        strip("dL/dz", layer.pre_activation_gradient),
      ]));
    });
    $("net-inspect-layers").replaceChildren(...columns);
    renderCheck(answer);
    onExample(index);
    box.dataset.renders = String(Number(box.dataset.renders || 0) + 1);
  }

  function renderCheck(answer) {
    const { check, parameter_count: size } = answer;
    const n = current.answer.data.train.y.length;
    const checked = check.rows.length;
    const ratio = check.check_seconds_all / check.backprop_seconds;
    $("net-check-cost").textContent =
      `Backprop: one forward and one backward pass over the ${n} training examples gave all ${size} gradients in ${ms(check.backprop_seconds)} ` +
      `(per example ${check.multiply_adds.forward} multiply-adds forward, ${check.multiply_adds.backward} backward). ` +
      `Central differences need 2 forward passes per parameter: ${check.forward_passes} passes for these ${checked} took ${ms(check.check_seconds)}; ` +
      `all ${size} would take ${check.forward_passes_all} passes, about ${ms(check.check_seconds_all)}, ${fmt(ratio, 3)}× backprop. ` +
      `Largest |error| ${fmt(check.max_abs_error, 2)} (eps ${fmt(check.eps, 2)}).`;
    const table = $("net-check");
    const heads = ["Parameter", "Layer", "Backprop", "Central difference", "|error|"];
    table.tHead.replaceChildren(el("tr", {}, heads.map((h) => el("th", { scope: "col", text: h }))));
    table.tBodies[0].replaceChildren(...check.rows.map((row) => el("tr", {}, [
      el("th", { scope: "row", text: row.name }),
      el("td", { "data-label": heads[1], text: layerTitle(answer.sizes, row.layer + 1).split(" (")[0] }),
      el("td", { class: "num", "data-label": heads[2], text: fmt(row.backprop, 8) }),
      el("td", { class: "num", "data-label": heads[3], text: fmt(row.numeric, 8) }),
      el("td", { class: "num", "data-label": heads[4], text: fmt(row.abs_error, 2) }),
    ])));
  }

  return {
    load,
    /** The player moved: inspect the snapshot nearest `next` (when it is another snapshot). */
    step(next) {
      step = next;
      refresh();
    },
    /** A training point was clicked. */
    pickExample(index) {
      exampleInput.value = String(index);
      refresh();
    },
    clear() {
      latest.cancel();
      current = null;
      shownKey = null;
    },
  };
}
