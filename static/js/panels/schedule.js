// Learning-rate schedules: the per-run editor, their place in the request and the URL, and the
// "Learning rate vs step" chart drawn from the lr the server reports for every update.

import { fmt, numberText, parseNumber } from "../format.js";
import { FONT } from "../render/plots.js";
import { $, el } from "../dom.js";
import { react } from "../render/plotly.js";

/** The server's schedule parameters and defaults (torch.optim.lr_scheduler's names). */
export const SCHEDULE_PARAMS = [
  { name: "step_size", default: 100, title: "StepLR: multiply the lr by gamma every step_size updates" },
  { name: "gamma", default: 0.5, title: "StepLR and ExponentialLR: the factor, in (0, 1]" },
  { name: "t_max", default: 500, title: "CosineAnnealingLR: updates from the lr down to eta_min" },
  { name: "eta_min", default: 0, title: "CosineAnnealingLR: the lowest lr" },
  { name: "warmup_steps", default: 0, title: "LinearLR warmup before the schedule: 0 means none" },
  { name: "start_factor", default: 1 / 3, placeholder: "1/3", title: "LinearLR: the warmup starts at start_factor × lr, in (0, 1]" },
];
const TYPES = [
  { id: "constant", text: "Constant", uses: [] },
  { id: "step", text: "Step (StepLR)", uses: ["step_size", "gamma"] },
  { id: "exponential", text: "Exponential", uses: ["gamma"] },
  { id: "cosine", text: "Cosine annealing", uses: ["t_max", "eta_min"] },
];
const WARMUP = ["warmup_steps", "start_factor"];
const MAX_POINTS = 2500;

/** A schedule that changes nothing (constant, no warmup) is no schedule: null. */
export function normaliseSchedule(schedule) {
  if (!schedule || !TYPES.some((t) => t.id === schedule.type)) return null;
  const out = { type: schedule.type };
  for (const spec of SCHEDULE_PARAMS) {
    const value = schedule[spec.name];
    if (value !== null && value !== undefined && value !== "") out[spec.name] = value;
  }
  const warmup = out.warmup_steps !== undefined && out.warmup_steps !== 0;
  return out.type === "constant" && !warmup ? null : out;
}

/** The `schedule` of a run in POST /trajectories: only the parameters its type uses. */
export function scheduleRequest(schedule) {
  const s = normaliseSchedule(schedule);
  if (!s) return null;
  const uses = [...TYPES.find((t) => t.id === s.type).uses, ...WARMUP];
  const out = { type: s.type };
  for (const name of uses) if (name in s) out[name] = s[name];
  return out;
}

// ---- the editor in each run card ----------------------------------------------------------

function showFields(box, type) {
  const uses = new Set([...TYPES.find((t) => t.id === type).uses, ...WARMUP]);
  for (const field of box.querySelectorAll("[data-schedule-param]")) field.hidden = !uses.has(field.dataset.scheduleParam);
  box.querySelector("summary").textContent = type === "constant" ? "Schedule" : `Schedule: ${type}`;
}

/** A collapsible "Schedule" with a type select and one input per parameter, ids `${prefix}-schedule…`. */
export function scheduleEditor(prefix, schedule) {
  const s = normaliseSchedule(schedule) || { type: "constant" };
  const select = el("select", { id: `${prefix}-schedule`, "data-role": "schedule" });
  for (const t of TYPES) select.append(el("option", { value: t.id, text: t.text }));
  select.value = s.type;
  const fields = SCHEDULE_PARAMS.map((spec) => {
    const id = `${prefix}-schedule-${spec.name}`;
    return el("div", { class: "field", "data-schedule-param": spec.name }, [
      el("label", { for: id, text: spec.name }),
      el("input", {
        id, type: "text", inputmode: "decimal", autocomplete: "off", spellcheck: "false",
        value: numberText(s[spec.name]), placeholder: spec.placeholder ?? String(spec.default), title: spec.title,
      }),
      el("p", { class: "field-error", id: `${id}-error`, hidden: true }),
    ]);
  });
  const box = el("details", { class: "more schedule", open: s.type !== "constant" || Boolean(s.warmup_steps) }, [
    el("summary", { text: "Schedule" }),
    el("div", { class: "field-grid" }, [
      el("div", { class: "field" }, [
        el("label", { for: `${prefix}-schedule`, text: "Schedule" }),
        select,
        el("p", { class: "field-error", id: `${prefix}-schedule-error`, hidden: true }),
      ]),
      ...fields,
    ]),
    el("p", { class: "hint", text: "Empty fields take the default shown. The lr curve is drawn under the loss chart." }),
  ]);
  select.addEventListener("change", () => showFields(box, select.value));
  showFields(box, s.type);
  return box;
}

/** The schedule the editor with ids `${prefix}-schedule…` describes (null: constant lr). */
export function readSchedule(prefix) {
  const select = $(`${prefix}-schedule`);
  if (!select) return null;
  const schedule = { type: select.value };
  for (const spec of SCHEDULE_PARAMS) {
    schedule[spec.name] = parseNumber($(`${prefix}-schedule-${spec.name}`).value);
  }
  return normaliseSchedule(schedule);
}

// ---- the URL: r1.schedule=step&r1.schedule.gamma=0.5 ---------------------------------------

export function scheduleToQuery(q, key, schedule) {
  const s = normaliseSchedule(schedule);
  if (!s) return;
  q.set(`${key}.schedule`, s.type);
  for (const spec of SCHEDULE_PARAMS) if (spec.name in s) q.set(`${key}.schedule.${spec.name}`, numberText(s[spec.name]));
}

export function scheduleFromQuery(q, key) {
  if (!q.has(`${key}.schedule`)) return null;
  const schedule = { type: q.get(`${key}.schedule`) };
  for (const spec of SCHEDULE_PARAMS) {
    const raw = q.get(`${key}.schedule.${spec.name}`);
    if (raw !== null) schedule[spec.name] = parseNumber(raw);
  }
  return normaliseSchedule(schedule);
}

// ---- the chart ------------------------------------------------------------------------------

/** Update indices worth drawing: every change of lr (exact for step schedules), else a stride. */
function samples(lrs) {
  const changes = [0];
  for (let k = 1; k < lrs.length && changes.length <= MAX_POINTS; k += 1) if (lrs[k] !== lrs[k - 1]) changes.push(k);
  if (changes.length <= MAX_POINTS) return changes;
  const stride = Math.ceil(lrs.length / MAX_POINTS);
  return Array.from({ length: Math.ceil(lrs.length / stride) }, (_, i) => i * stride);
}

/**
 * "Learning rate vs step", one line per run that has a schedule (`lrs`); `lrs[k]` moves the
 * point from step k to k + 1, so it is drawn as a step from x = k to k + 1.
 */
export function buildLrFigure({ runs, width, height }) {
  const scheduled = runs.filter((run) => Array.isArray(run.lrs) && run.lrs.length);
  const data = scheduled.map((run) => {
    const ks = samples(run.lrs);
    const x = [...ks, run.lrs.length];
    const y = [...ks.map((k) => run.lrs[k]), run.lrs[run.lrs.length - 1]];
    return {
      type: "scatter", mode: "lines", name: run.label_html, x, y, line: { color: run.colour, width: 2, shape: "hv" },
      customdata: y.map((v) => fmt(v)), hovertemplate: "%{fullData.name}: lr %{customdata}<extra></extra>",
    };
  });
  const all = scheduled.flatMap((run) => run.lrs);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const log = lo > 0 && hi / lo > 100;
  const layout = {
    font: FONT, paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#ffffff", width, height, autosize: false,
    margin: { l: 62, r: 12, t: 6, b: 40 }, showlegend: false, hovermode: "x unified",
    hoverlabel: { bgcolor: "#ffffff", bordercolor: "#9aa5b1", font: { family: FONT.family, size: 12 } },
    xaxis: { title: { text: "step" }, rangemode: "tozero", zeroline: false, gridcolor: "#eef1f4" },
    yaxis: {
      type: log ? "log" : "linear", title: { text: log ? "lr (log scale)" : "lr" }, exponentformat: "power", ...(log ? { dtick: 1 } : {}),
      gridcolor: "#eef1f4", rangemode: log ? "normal" : "tozero", zeroline: false,
    },
  };
  return { data, layout, count: scheduled.length };
}

/** Shows the chart under the loss chart when some run has a schedule; hides it otherwise. */
export function drawLrChart(runs, config) {
  const box = $("lr-chart");
  const div = $("lr-plot");
  box.hidden = !runs.some((run) => Array.isArray(run.lrs) && run.lrs.length);
  if (box.hidden) return Promise.resolve();
  const figure = buildLrFigure({ runs, width: div.clientWidth, height: div.clientHeight });
  return react(div, figure.data, figure.layout, config);
}
