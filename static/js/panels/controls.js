// The settings form: draws an experiment into labelled controls and reads it back.

import { CONFIG } from "../config.js";
import { $, el } from "../dom.js";
import { numberText, parseNumber } from "../format.js";
import { renderLatex } from "../latex.js";
import { withSurface } from "../state.js";
import { readBatching, renderBatching, wireBatching } from "./batching.js";
import { CUSTOM, createCustomInput, customFieldFor } from "./custom.js";
import { NETWORK_PREFIX, networkFieldIdFor, networkOptgroup } from "./network.js";
import { createRunCards, numberField } from "./runs.js";
import { attachSlider, syncSliders } from "./sliders.js";

/** The sliders of the form's fixed fields: {id, label, range(surface)}. */
const FIXED_SLIDERS = [
  { id: "steps", label: "Steps", range: () => ({ min: 1, max: CONFIG.limits.max_steps, log: true, integer: true }) },
  { id: "noise-std", label: "Noise std", range: () => ({ min: 0, max: CONFIG.limits.max_noise_std, log: true }) },
  {
    id: "batch-size", label: "Batch size",
    range: (surface, params) => {
      const n = surface.params.find((p) => p.name === "n");
      if (!n) return null;
      return { min: 1, max: Math.min(CONFIG.limits.max_batch_size, params.n ?? n.default), log: true, integer: true };
    },
  },
];

/** A slider for fixed field `id` with `range` (none for null), in place of the one before. */
function fixedSlider(id, label, range) {
  const input = $(id);
  input.parentElement.querySelector("input.slider")?.remove();
  if (range) attachSlider(input.parentElement, input, label, range);
}

/** The number fields that cannot be left empty (the others then take a default). */
const REQUIRED = /^(run-\d+-hp-|sp-|start-|steps$|net-steps$)/;

/** The surface menu: the functions, Custom, then the data sets in their own group. */
function fillSurfaceSelect(select, catalog) {
  const datasets = el("optgroup", { label: "Data sets" });
  for (const surface of catalog.surfaces.values()) {
    if (surface.id === CUSTOM) continue;
    const tag = surface.dim === 1 ? " (1-D)" : "";
    (surface.kind === "dataset" ? datasets : select).append(el("option", { value: surface.id, text: surface.name + tag }));
  }
  if (catalog.surfaces.has(CUSTOM)) select.append(el("option", { value: CUSTOM, text: "Custom" }));
  if (datasets.children.length) select.append(datasets);
  select.append(networkOptgroup());
}

/**
 * `onRun(experiment)` on Run, `onSurfaceChange(experiment)` when another surface is picked (it
 * runs at once), `onColour(runIndex, colour)` as a run's colour is edited (only drawing).
 * `network()` is the network panel (panels/network.js): while it is active, Run, Live and the
 * errors are its own, and picking a surface leaves it.
 */
export function createControls({ catalog, onRun, onLive, onSurfaceChange, onColour, network }) {
  const form = $("controls");
  const surfaceSelect = $("surface");
  // The surface whose parameter fields are on screen (the select may already show another).
  let rendered = null;
  fillSurfaceSelect(surfaceSelect, catalog);
  const runs = createRunCards({
    catalog, read, surfaceId: () => (network().active() ? surfaceSelect.value : rendered.id), onStale: () => edited(),
  });
  const liveSwitch = $("live");
  // Your own formula: a valid edit redraws the formula line and the 1-D or 2-D start fields.
  const custom = createCustomInput({
    catalog,
    onResolved: (record) => {
      renderSurface({ surface: CUSTOM, surfaceParams: {} });
      if (record.dim === 2 && !$("start-y").value) $("start-y").value = numberText(record.default_start[1]);
      dropStaleSummary();
    },
  });

  function renderSurface(experiment) {
    const surface = catalog.surfaces.get(experiment.surface);
    rendered = surface;
    surfaceSelect.value = surface.id;
    renderLatex($("surface-formula"), surface.formula);
    $("surface-description").textContent = surface.description;
    $("surface-params").replaceChildren(
      ...surface.params.map((spec) => {
        const value = spec.name in experiment.surfaceParams ? experiment.surfaceParams[spec.name] : spec.default;
        return numberField(`sp-${spec.name}`, spec.name, value, spec, { slider: spec.name !== "seed" });
      }),
    );
    for (const { id, label, range } of FIXED_SLIDERS) fixedSlider(id, label, range(surface, experiment.surfaceParams));
    $("start-y-field").hidden = surface.dim === 1;
    // A data set's axes are its model's parameters: "Start w" and "Start b".
    const [xName, yName] = surface.axes || ["x", "y"];
    form.querySelector("label[for=start-x]").textContent = `Start ${xName}`;
    form.querySelector("label[for=start-y]").textContent = `Start ${yName}`;
    custom.show(surface.id === CUSTOM);
  }

  function render(experiment) {
    renderSurface(experiment);
    if (experiment.custom) custom.render(experiment.custom, catalog.surfaces.get(CUSTOM));
    $("start-x").value = numberText(experiment.start[0]);
    $("start-y").value = numberText(experiment.start[1] ?? "");
    $("steps").value = numberText(experiment.steps);
    $("noise-std").value = numberText(experiment.noise.std);
    $("noise-seed").value = numberText(experiment.noise.seed);
    $("grad-tol").value = numberText(experiment.gradTol);
    renderBatching(experiment, experiment.surface);
    runs.render(experiment);
    syncSliders(form);
    clearErrors();
    setStale(false);
  }

  /**
   * The form was edited: with Live on, a valid form runs at once (the lab keeps one request in
   * flight and sends the newest form after it); with Live off, or a field still being typed
   * (not a number yet), it waits for Run.
   */
  function edited() {
    if (!liveSwitch.checked || !complete()) {
      setStale(true);
      return;
    }
    setStale(false);
    if (network().active()) network().live();
    else onLive(read());
  }

  /** Every number field holds a number, or is empty where it may be. */
  function complete() {
    for (const input of form.querySelectorAll("input[inputmode]")) {
      if (input.closest("[hidden]") || input.disabled) continue;
      const value = parseNumber(input.value);
      if (typeof value === "string") return false;
      if (value === null && REQUIRED.test(input.id)) return false;
    }
    return true;
  }

  /** The experiment the form describes now (not yet run); layout, view and lesson are not here. */
  function read() {
    const surface = rendered;
    const surfaceParams = {};
    for (const spec of surface.params) {
      const value = parseNumber($(`sp-${spec.name}`).value);
      if (value !== null && value !== spec.default) surfaceParams[spec.name] = value;
    }
    const start = [parseNumber($("start-x").value)];
    if (surface.dim === 2) start.push(parseNumber($("start-y").value));
    return {
      surface: surface.id,
      surfaceParams,
      start,
      steps: parseNumber($("steps").value),
      noise: { std: parseNumber($("noise-std").value) ?? 0, seed: parseNumber($("noise-seed").value) ?? 0 },
      gradTol: parseNumber($("grad-tol").value),
      batch: readBatching(),
      runs: runs.read(),
      custom: custom.read(),
    };
  }

  /** "Use this learning rate": into that run's Learning rate field, then run again. */
  function useLr(index, lr) {
    const input = $(`run-${index}-hp-lr`);
    if (!input) return;
    input.value = String(lr);
    syncSliders(input.parentElement);
    form.requestSubmit();
  }

  /** A start point picked on the figure, into the start fields. */
  function setStart(start) {
    $("start-x").value = String(start[0]);
    if (start.length > 1) $("start-y").value = String(start[1]);
    syncSliders(form);
  }

  function setStale(stale) {
    $("stale-note").hidden = !stale;
  }

  /** "1 setting needs fixing: see the messages above" goes once no message is left above it. */
  function dropStaleSummary() {
    const box = $("form-error");
    // Only the summary: a message of its own (one with no field) stays until the next run.
    if (!box.dataset.summary || box.textContent !== box.dataset.summary) return;
    if ([...form.querySelectorAll(".field-error")].some((p) => p !== box && !p.hidden)) return;
    box.hidden = true;
    box.textContent = "";
    delete box.dataset.summary;
  }

  function clearErrors() {
    delete $("form-error").dataset.summary;
    for (const p of form.querySelectorAll(".field-error")) {
      p.hidden = true;
      p.textContent = "";
    }
    for (const input of form.querySelectorAll("[aria-invalid]")) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
    }
  }

  function showError(id, message) {
    const target = $(`${id}-error`) ? id : "form";
    const box = $(`${target}-error`);
    box.textContent = box.textContent ? `${box.textContent} ${message}` : message;
    box.hidden = false;
    const input = $(target);
    if (input && input.matches("input, select")) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", box.id);
    }
    const details = box.closest("details");
    if (details) details.open = true;
  }

  /** Puts each API error next to the control that caused it (one message per control). */
  function showErrors(error, { quiet = false } = {}) {
    clearErrors();
    if (!error.fieldErrors.length) {
      showError("form", error.message);
      return;
    }
    const shown = new Set();
    for (const { loc, msg } of error.fieldErrors) {
      const ids = (network().active() && networkFieldIdFor(loc)) || fieldIdFor(loc, msg);
      const id = ids.find((candidate) => $(`${candidate}-error`)) || "form";
      if (shown.has(id)) continue;
      shown.add(id);
      const text = msg.replace(/^Value error, /, "");
      showError(id, id === "form" ? `${loc.filter((p) => p !== "body").join(" › ")}: ${text}` : text);
    }
    // The fields may be scrolled out of sight: say so by the Run button, and go to the first.
    const fields = [...shown].filter((id) => id !== "form");
    if (fields.length) {
      const count = fields.length === 1 ? "1 setting needs" : `${fields.length} settings need`;
      const summary = `${count} fixing: see the messages above.`;
      showError("form", summary);
      $("form-error").dataset.summary = summary;
      // A live edit keeps the focus (a slider being dragged) and the scroll where they are.
      const first = form.querySelector("[aria-invalid=true]") || $(`${fields[0]}-error`);
      if (!quiet) first.scrollIntoView({ block: "nearest" });
      if (!quiet && first.matches("input, select")) first.focus({ preventScroll: true });
    }
  }

  /** An emptied hyperparameter runs at the optimizer's default: the field shows it. */
  function showDefaults() {
    for (const input of $("runs").querySelectorAll("input[id*='-hp-'][placeholder]")) {
      if (!input.value.trim()) input.value = input.placeholder;
    }
  }

  wireBatching();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showDefaults();
    if (network().active()) network().run();
    else onRun(read());
  });
  form.addEventListener("input", (event) => {
    // A colour is only drawing: it applies at once, without a new run.
    if (event.target.type === "color") {
      const card = event.target.closest(".run-card");
      card.style.setProperty("--run-colour", event.target.value);
      onColour(Number(card.dataset.index), event.target.value);
    } else if (event.target === surfaceSelect || event.target.dataset.role === "optimizer") {
      // Another surface runs at once; another optimizer re-renders its card, then runs.
    } else if (event.target.id === "custom-expression") {
      // A formula is checked as it is typed (custom.js) and runs on Run.
      setStale(true);
    } else {
      edited();
    }
  });
  liveSwitch.addEventListener("change", () => {
    if (liveSwitch.checked && !$("stale-note").hidden) edited();
  });
  surfaceSelect.addEventListener("change", () => {
    if (surfaceSelect.value.startsWith(NETWORK_PREFIX)) {
      network().pick(surfaceSelect.value);
      return;
    }
    network().leave();
    const next = withSurface(catalog, read(), surfaceSelect.value);
    render(next);
    onSurfaceChange(next);
  });

  /** The run cards for a network (panels/network.js): drawn from `list`, read back. */
  function setRuns(list) {
    runs.render({ runs: list });
    syncSliders(form);
  }

  return { render, read, showErrors, clearErrors, setStale, setStart, useLr, setRuns, readRuns: () => runs.read() };
}

/**
 * The ids of the controls a FastAPI error may belong to, most specific first. A hyperparameter's
 * error is at ["body", "runs", i, "hyperparameters", name]: that run's field for the name, or
 * the run itself for a name it has no field for (an unknown one).
 */
export function fieldIdFor(loc, msg = "") {
  const path = loc[0] === "body" ? loc.slice(1) : loc;
  const [head, a, b, c] = path;
  const custom = customFieldFor(head === "surface" ? path.slice(1) : path, msg);
  if (custom) return [...custom, "surface"];
  if (head === "surface") {
    if (a === "params" && b !== undefined) return [`sp-${b}`, "surface"];
    // A data set names the parameter in the message: "n must be between 2 and 5000 ...".
    const param = /^(?:Value error, )?(\w+) must be\b/.exec(msg);
    return param ? [`sp-${param[1]}`, "surface"] : ["surface"];
  }
  if (head === "batch_size") return ["batch-size"];
  if (head === "repeats") return ["repeats"];
  if (head === "seed") return ["batch-seed"];
  if (head === "start") return [a === 1 ? "start-y" : "start-x"];
  if (head === "steps") return ["steps"];
  if (head === "noise") return [a === "seed" ? "noise-seed" : "noise-std"];
  if (head === "grad_tol") return ["grad-tol"];
  if (head === "runs") {
    if (typeof a !== "number") return ["runs"];
    if (b === "hyperparameters" && c !== undefined) return [`run-${a}-hp-${c}`, `run-${a}`];
    if (b === "optimizer" || b === "label") return [`run-${a}-${b}`, `run-${a}`];
    if (b === "schedule") return [...(c === undefined ? [] : [`run-${a}-schedule-${c}`]), `run-${a}-schedule`, `run-${a}`];
    // Set by batching.js for a run's own batch size or noise (one request per setting).
    if (b === "batch_size" || b === "noise_std") return [`run-${a}-${b.replace("_", "-")}`, `run-${a}`];
    return [`run-${a}`];
  }
  return ["form"];
}
