// The run cards of the settings form: one per optimizer run (its optimizer, label, colour,
// hyperparameters, own batch size or noise, schedule), added, removed and read back.

import { CONFIG } from "../config.js";
import { $, el } from "../dom.js";
import { numberText, parseNumber } from "../format.js";
import { renderLatex } from "../latex.js";
import { makeRun } from "../state.js";
import { readRunOverride, runOverrideField } from "./batching.js";
import { readSchedule, scheduleEditor } from "./schedule.js";
import { attachSlider } from "./sliders.js";

/** A hyperparameter's name as people read it: "Learning rate", "Momentum", "Weight decay". */
export function hyperparameterLabel(name) {
  if (name === "lr") return "Learning rate";
  const words = name.replace(/_/g, " ");
  return words[0].toUpperCase() + words.slice(1);
}

/** A setting's range as a slider takes it ({min, max, log, integer}), or null for none. */
export function sliderRange(spec) {
  if (!spec || typeof spec.default === "boolean") return null;
  const { min, max } = spec;
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return null;
  return { min, max, log: Boolean(spec.log_scale), integer: Boolean(spec.integer) };
}

function rangeText(spec) {
  if (typeof spec.default === "boolean") return `default ${spec.default}`;
  const parts = [`default ${spec.default}`];
  if (spec.min !== null && spec.min !== undefined && spec.max !== null && spec.max !== undefined) {
    parts.push(`range ${spec.min} to ${spec.max}`);
  }
  return parts.join(", ");
}

/** A labelled number field, with a slider beside it when `spec` has a range (`slider` not false). */
export function numberField(id, label, value, spec, { slider = true } = {}) {
  const hint = spec ? [spec.description, rangeText(spec)].filter(Boolean).join(" · ") : undefined;
  const input = el("input", {
    id, type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false",
    value: numberText(value), placeholder: spec ? String(spec.default) : undefined, title: hint,
  });
  const field = el("div", { class: "field" }, [
    el("label", { for: id, text: label }),
    input,
    el("p", { class: "field-error", id: `${id}-error`, hidden: true }),
  ]);
  const range = slider ? sliderRange(spec) : null;
  if (range) attachSlider(field, input, label, range);
  return field;
}

function checkField(id, label, checked, spec) {
  const input = el("input", { id, type: "checkbox", title: spec.description });
  input.checked = Boolean(checked);
  return el("div", { class: "field check" }, [input, el("label", { for: id, text: label })]);
}

function hyperparameterValue(run, spec) {
  return spec.name in run.hyperparameters ? run.hyperparameters[spec.name] : spec.default;
}

/** The card of run `i` of `total` on `surfaceId`. */
function runCard(catalog, run, i, total, surfaceId) {
  const optimizer = catalog.optimizers.get(run.optimizer);
  const prefix = `run-${i}`;
  const select = el("select", { id: `${prefix}-optimizer`, dataset: { role: "optimizer" } });
  for (const o of catalog.optimizers.values()) select.append(el("option", { value: o.id, text: o.name }));
  select.value = run.optimizer;

  const main = [];
  const extra = [];
  for (const spec of optimizer.hyperparameters) {
    const id = `${prefix}-hp-${spec.name}`;
    const value = hyperparameterValue(run, spec);
    const field = typeof spec.default === "boolean"
      ? checkField(id, hyperparameterLabel(spec.name), value, spec)
      : numberField(id, hyperparameterLabel(spec.name), value, spec);
    (spec.name === "lr" ? main : extra).push(field);
  }
  const rule = el("p", { class: "formula small" });
  renderLatex(rule, optimizer.update_rule);
  const colour = el("input", { id: `${prefix}-colour`, type: "color", value: run.colour, "aria-label": "Colour" });

  // What the eye looks for first in one row (colour, optimizer, remove) and the learning rate
  // under it; the label, the run's own noise or batch size and the rest one click away.
  const label = el("div", { class: "field" }, [
    el("label", { for: `${prefix}-label`, text: "Label" }),
    el("input", {
      id: `${prefix}-label`, type: "text", maxlength: String(CONFIG.limits.max_label_chars),
      value: run.label, autocomplete: "off",
    }),
    el("p", { class: "field-error", id: `${prefix}-label-error`, hidden: true }),
  ]);
  return el("fieldset", { class: "run-card", dataset: { index: String(i) }, style: { "--run-colour": run.colour } }, [
    el("legend", { text: `Run ${i + 1}` }),
    el("div", { class: "run-head" }, [
      colour,
      el("div", { class: "field grow" }, [
        el("label", { for: `${prefix}-optimizer`, text: "Optimizer" }),
        select,
        el("p", { class: "field-error", id: `${prefix}-optimizer-error`, hidden: true }),
      ]),
      el("button", {
        type: "button", class: "button icon subtle", "aria-label": `Remove run ${i + 1}`,
        title: "Remove this run", dataset: { action: "remove" }, disabled: total <= 1,
      }, ["✕"]),
    ]),
    ...main,
    el("details", { class: "more" }, [
      el("summary", { text: `More settings (${extra.length + 2})` }),
      el("p", { class: "hint", text: optimizer.description }),
      rule,
      el("div", { class: "field-grid" }, [label, runOverrideField(run, i, surfaceId, numberField), ...extra]),
    ]),
    scheduleEditor(prefix, run.schedule),
    el("p", { class: "field-error", id: `${prefix}-error`, hidden: true }),
  ]);
}


/** Run `card` as the form has it now. */
function readRun(catalog, card) {
  const i = card.dataset.index;
  const optimizer = catalog.optimizers.get($(`run-${i}-optimizer`).value);
  const hyperparameters = {};
  for (const spec of optimizer.hyperparameters) {
    const input = $(`run-${i}-hp-${spec.name}`);
    if (!input) continue;
    // Empty: the optimizer's default (the field's placeholder), as the request would take it.
    hyperparameters[spec.name] = input.type === "checkbox" ? input.checked : parseNumber(input.value) ?? spec.default;
  }
  return {
    optimizer: optimizer.id,
    label: $(`run-${i}-label`).value,
    colour: $(`run-${i}-colour`).value,
    hyperparameters,
    ...readRunOverride(i),
    schedule: readSchedule(`run-${i}`),
  };
}

/**
 * The cards in #runs. `read()` is the form's experiment (an edit to the cards starts from it),
 * `surfaceId()` the surface whose fields are on screen, `onStale()` says the form was changed.
 */
export function createRunCards({ catalog, read, surfaceId, onStale }) {
  const runsBox = $("runs");

  function render(experiment) {
    runsBox.replaceChildren(...experiment.runs.map((run, i) => runCard(catalog, run, i, experiment.runs.length, surfaceId())));
    $("add-run").disabled = experiment.runs.length >= CONFIG.limits.max_runs;
  }

  /** Another optimizer for run `i`: its defaults, keeping the colour, schedule and an own label. */
  function changeOptimizer(i, optimizerId) {
    const experiment = read();
    const previous = experiment.runs[i];
    const keepLabel = previous.label && ![...catalog.optimizers.values()].some((o) => o.name === previous.label);
    experiment.runs[i] = makeRun(catalog, experiment.surface, optimizerId, i, {
      colour: previous.colour,
      label: keepLabel ? previous.label : undefined,
      schedule: previous.schedule,
    });
    render(experiment);
    $(`run-${i}-optimizer`).focus();
    onStale();
  }

  function removeRun(i) {
    const experiment = read();
    experiment.runs.splice(i, 1);
    render(experiment);
    onStale();
  }

  /** A run with the first optimizer not used yet. */
  function addRun() {
    const experiment = read();
    const used = new Set(experiment.runs.map((r) => r.optimizer));
    const next = [...catalog.optimizers.keys()].find((id) => !used.has(id)) || "sgd";
    experiment.runs.push(makeRun(catalog, experiment.surface, next, experiment.runs.length));
    render(experiment);
    onStale();
    $(`run-${experiment.runs.length - 1}-optimizer`).focus();
  }

  runsBox.addEventListener("change", (event) => {
    if (event.target.dataset.role !== "optimizer") return;
    changeOptimizer(Number(event.target.closest(".run-card").dataset.index), event.target.value);
  });
  runsBox.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=remove]");
    if (button) removeRun(Number(button.closest(".run-card").dataset.index));
  });
  $("add-run").addEventListener("click", addRun);

  return { render, read: () => [...runsBox.querySelectorAll(".run-card")].map((card) => readRun(catalog, card)) };
}
