// The settings form: draws an experiment into labelled controls and reads it back.

import { CONFIG } from "../api.js";
import { numberText, parseNumber } from "../format.js";
import { readBatching, readRunOverride, renderBatching, runOverrideField, wireBatching } from "./batching.js";
import { CUSTOM, createCustomInput, customFieldFor } from "./custom.js";
import { renderLatex } from "../latex.js";
import { readSchedule, scheduleEditor } from "./schedule.js";
import { makeRun, withSurface } from "../state.js";
import { $, el } from "../dom.js";

function rangeText(spec) {
  if (typeof spec.default === "boolean") return `default ${spec.default}`;
  const parts = [`default ${spec.default}`];
  if (spec.min !== null && spec.min !== undefined && spec.max !== null && spec.max !== undefined) {
    parts.push(`range ${spec.min} to ${spec.max}`);
  }
  return parts.join(", ");
}

function numberField(id, label, value, spec) {
  const hint = spec ? [spec.description, rangeText(spec)].filter(Boolean).join(" · ") : undefined;
  return el("div", { class: "field" }, [
    el("label", { for: id, text: label }),
    el("input", {
      id, type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false",
      value: numberText(value), placeholder: spec ? String(spec.default) : undefined, title: hint,
    }),
    el("p", { class: "field-error", id: `${id}-error`, hidden: true }),
  ]);
}

function checkField(id, label, checked, spec) {
  const input = el("input", { id, type: "checkbox", title: spec.description });
  input.checked = Boolean(checked);
  return el("div", { class: "field check" }, [input, el("label", { for: id, text: label })]);
}

export function createControls({ catalog, onRun, onSurfaceChange, onColour }) {
  const form = $("controls");
  const surfaceSelect = $("surface");
  const runsBox = $("runs");
  // The surface whose parameter fields are on screen (the select may already show another).
  let rendered = null;
  const datasets = el("optgroup", { label: "Data sets" });
  for (const surface of catalog.surfaces.values()) {
    if (surface.id === CUSTOM) continue;
    const tag = surface.dim === 1 ? " (1-D)" : "";
    (surface.kind === "dataset" ? datasets : surfaceSelect).append(el("option", { value: surface.id, text: surface.name + tag }));
  }
  if (catalog.surfaces.has(CUSTOM)) surfaceSelect.append(el("option", { value: CUSTOM, text: "Custom" }));
  if (datasets.children.length) surfaceSelect.append(datasets);
  // Your own formula: a valid edit redraws the formula line and the 1-D or 2-D start fields.
  const custom = createCustomInput({
    catalog,
    onResolved: (record) => {
      renderSurface({ surface: CUSTOM, surfaceParams: {} });
      if (record.dim === 2 && !$("start-y").value) $("start-y").value = numberText(record.default_start[1]);
    },
  });

  function hyperparameterValue(run, spec) {
    return spec.name in run.hyperparameters ? run.hyperparameters[spec.name] : spec.default;
  }

  function runCard(run, i, total) {
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
        ? checkField(id, spec.name, value, spec)
        : numberField(id, spec.name === "lr" ? "Learning rate" : spec.name, value, spec);
      (spec.name === "lr" ? main : extra).push(field);
    }
    const rule = el("p", { class: "formula small" });
    renderLatex(rule, optimizer.update_rule);
    const colour = el("input", { id: `${prefix}-colour`, type: "color", value: run.colour, "aria-label": "Colour" });

    return el("fieldset", { class: "run-card", dataset: { index: String(i) }, style: { "--run-colour": run.colour } }, [
      el("legend", { text: `Run ${i + 1}` }),
      el("div", { class: "run-head" }, [
        colour,
        el("div", { class: "field grow" }, [
          el("label", { for: `${prefix}-label`, text: "Label" }),
          el("input", {
            id: `${prefix}-label`, type: "text", maxlength: String(CONFIG.limits.max_label_chars),
            value: run.label, autocomplete: "off",
          }),
          el("p", { class: "field-error", id: `${prefix}-label-error`, hidden: true }),
        ]),
        el("button", {
          type: "button", class: "button icon subtle", "aria-label": `Remove run ${i + 1}`,
          title: "Remove this run", dataset: { action: "remove" }, disabled: total <= 1,
        }, ["✕"]),
      ]),
      el("div", { class: "field-grid" }, [
        el("div", { class: "field" }, [
          el("label", { for: `${prefix}-optimizer`, text: "Optimizer" }),
          select,
          el("p", { class: "field-error", id: `${prefix}-optimizer-error`, hidden: true }),
        ]),
        ...main,
        runOverrideField(run, i, rendered.id, numberField),
      ]),
      el("details", { class: "more" }, [
        el("summary", { text: extra.length ? `More settings (${extra.length})` : "Update rule" }),
        el("p", { class: "hint", text: optimizer.description }),
        rule,
        el("div", { class: "field-grid" }, extra),
      ]),
      scheduleEditor(prefix, run.schedule),
      el("p", { class: "field-error", id: `${prefix}-error`, hidden: true }),
    ]);
  }

  function renderRuns(experiment) {
    runsBox.replaceChildren(...experiment.runs.map((run, i) => runCard(run, i, experiment.runs.length)));
    $("add-run").disabled = experiment.runs.length >= CONFIG.limits.max_runs;
  }

  function renderSurface(experiment) {
    const surface = catalog.surfaces.get(experiment.surface);
    rendered = surface;
    surfaceSelect.value = surface.id;
    renderLatex($("surface-formula"), surface.formula);
    $("surface-description").textContent = surface.description;
    $("surface-params").replaceChildren(
      ...surface.params.map((spec) => {
        const value = spec.name in experiment.surfaceParams ? experiment.surfaceParams[spec.name] : spec.default;
        return numberField(`sp-${spec.name}`, spec.name, value, spec);
      }),
    );
    $("start-y-field").hidden = surface.dim === 1;
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
    renderRuns(experiment);
    clearErrors();
    setStale(false);
  }

  function readRun(card) {
    const i = card.dataset.index;
    const optimizer = catalog.optimizers.get($(`run-${i}-optimizer`).value);
    const hyperparameters = {};
    for (const spec of optimizer.hyperparameters) {
      const input = $(`run-${i}-hp-${spec.name}`);
      if (!input) continue;
      hyperparameters[spec.name] = input.type === "checkbox" ? input.checked : parseNumber(input.value);
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
      runs: [...runsBox.querySelectorAll(".run-card")].map(readRun),
      custom: custom.read(),
    };
  }

  function setStale(stale) {
    $("stale-note").hidden = !stale;
  }

  function clearErrors() {
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
  function showErrors(error) {
    clearErrors();
    if (!error.fieldErrors.length) {
      showError("form", error.message);
      return;
    }
    const shown = new Set();
    for (const { loc, msg } of error.fieldErrors) {
      const id = fieldIdFor(loc, msg).find((candidate) => $(`${candidate}-error`)) || "form";
      if (shown.has(id)) continue;
      shown.add(id);
      const text = msg.replace(/^Value error, /, "");
      showError(id, id === "form" ? `${loc.filter((p) => p !== "body").join(" › ")}: ${text}` : text);
    }
    // The fields may be scrolled out of sight: say so by the Run button, and go to the first.
    const fields = [...shown].filter((id) => id !== "form");
    if (fields.length) {
      const count = fields.length === 1 ? "1 setting needs" : `${fields.length} settings need`;
      showError("form", `${count} fixing: see the messages above.`);
      const first = form.querySelector("[aria-invalid=true]") || $(`${fields[0]}-error`);
      first.scrollIntoView({ block: "nearest" });
      if (first.matches("input, select")) first.focus({ preventScroll: true });
    }
  }

  wireBatching();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    onRun(read());
  });
  form.addEventListener("input", (event) => {
    // A colour is only drawing: it applies at once, without a new run.
    if (event.target.type === "color") {
      const card = event.target.closest(".run-card");
      card.style.setProperty("--run-colour", event.target.value);
      onColour(Number(card.dataset.index), event.target.value);
    } else {
      setStale(true);
    }
  });
  surfaceSelect.addEventListener("change", () => {
    const next = withSurface(catalog, read(), surfaceSelect.value);
    render(next);
    onSurfaceChange(next);
  });
  runsBox.addEventListener("change", (event) => {
    if (event.target.dataset.role !== "optimizer") return;
    const card = event.target.closest(".run-card");
    const i = Number(card.dataset.index);
    const experiment = read();
    const previous = experiment.runs[i];
    const keepLabel = previous.label && ![...catalog.optimizers.values()].some((o) => o.name === previous.label);
    experiment.runs[i] = makeRun(catalog, experiment.surface, event.target.value, i, {
      colour: previous.colour,
      label: keepLabel ? previous.label : undefined,
      schedule: previous.schedule,
    });
    renderRuns(experiment);
    $(`run-${i}-optimizer`).focus();
  });
  runsBox.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=remove]");
    if (!button) return;
    const experiment = read();
    experiment.runs.splice(Number(button.closest(".run-card").dataset.index), 1);
    renderRuns(experiment);
    setStale(true);
  });
  $("add-run").addEventListener("click", () => {
    const experiment = read();
    const used = new Set(experiment.runs.map((r) => r.optimizer));
    const next = [...catalog.optimizers.keys()].find((id) => !used.has(id)) || "sgd";
    experiment.runs.push(makeRun(catalog, experiment.surface, next, experiment.runs.length));
    renderRuns(experiment);
    setStale(true);
    $(`run-${experiment.runs.length - 1}-optimizer`).focus();
  });

  return { render, read, showErrors, clearErrors, setStale };
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
