// The summary table: one row per run with its status badge and headline numbers.

import { fmt, fmtPoint } from "../format.js";

export function statusBadge(run) {
  if (run.status === "converged") return { kind: "converged", icon: "✓", text: `converged at step ${run.stopped_at}` };
  // At the start: no learning rate helps, the server says what does ("choose another start point").
  if (run.status === "diverged" && run.stopped_at === 0) return { kind: "diverged", icon: "✗", text: run.message };
  if (run.status === "diverged") {
    return { kind: "diverged", icon: "✗", text: `diverged at step ${run.stopped_at}: try a smaller learning rate` };
  }
  if (run.status === "diverging") {
    return { kind: "diverging", icon: "↗", text: `diverging after ${run.stopped_at} steps: try a smaller learning rate` };
  }
  return { kind: "going", icon: "…", text: `still going after ${run.stopped_at} steps` };
}

function cell(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

export function renderSummary(tbody, runs, optimizers) {
  tbody.replaceChildren(
    ...runs.map((run) => {
      const row = document.createElement("tr");
      const name = cell("th", "", { scope: "row" });
      const swatch = cell("span", "", { class: "swatch", "aria-hidden": "true" });
      swatch.style.setProperty("background", run.colour);
      const optimizer = optimizers.get(run.optimizer);
      name.append(swatch, cell("span", run.label, { class: "run-label" }), cell("small", optimizer ? optimizer.name : run.optimizer));

      const badge = statusBadge(run);
      const status = cell("td", "", { "data-label": "Status" });
      const chip = cell("span", "", { class: `badge ${badge.kind}`, title: run.message || badge.text });
      chip.append(cell("span", badge.icon, { "aria-hidden": "true" }), ` ${badge.text}`);
      status.append(chip);
      if ((run.status === "diverged" || run.status === "diverging") && run.reason && run.stopped_at !== 0) status.append(cell("small", run.reason, { class: "reason" }));

      const s = run.summary;
      const best = s.best_step !== undefined && s.best_step !== null ? `${fmt(s.best_loss)} (step ${s.best_step})` : fmt(s.best_loss);
      const distance = s.distance_to_minimum === null || s.distance_to_minimum === undefined
        ? "—" : `${fmt(s.distance_to_minimum, 3)} from ${fmtPoint(s.nearest_minimum, 3)}`;
      row.append(
        name,
        status,
        cell("td", fmt(s.final_loss), { class: "num", "data-label": "Final loss" }),
        cell("td", best, { class: "num", "data-label": "Best loss" }),
        cell("td", run.status === "converged" ? String(run.stopped_at) : "—", { class: "num", "data-label": "Steps to converge" }),
        cell("td", distance, { class: "num", "data-label": "Distance to minimum" }),
      );
      return row;
    }),
  );
}

export function renderSummaryMessage(tbody, message) {
  const row = document.createElement("tr");
  row.append(cell("td", message, { colspan: "6", class: "empty" }));
  tbody.replaceChildren(row);
}
