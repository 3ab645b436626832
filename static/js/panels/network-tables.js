// The network page's tables drawn from an answer: each run's gradient norm per layer at the
// player's step, and a lesson's loss noise per run.

import { el } from "../dom.js";
import { fmt } from "../format.js";

/** A fraction as a percentage, or a dash for none. */
export const pct = (v) => (v === null || v === undefined ? "—" : `${(100 * v).toFixed(1)} %`);

/** Each run's gradient norm per layer at `step` into `table`: layers as columns, input side
 *  first, each with a bar scaled to the run's largest. */
export function renderGradientNorms(table, answer, step) {
  const { sizes } = answer;
  const layers = sizes.length - 1;
  const heads = ["Run"];
  for (let l = 0; l < layers; l += 1) heads.push(`${l === layers - 1 ? "Output" : `Layer ${l + 1}`} (${sizes[l]} → ${sizes[l + 1]})`);
  table.tHead.replaceChildren(el("tr", {}, heads.map((h) => el("th", { scope: "col", text: h }))));
  table.tBodies[0].replaceChildren(...answer.runs.map((run) => {
    const k = Math.min(step, run.gradient_norms.length - 1);
    const norms = run.gradient_norms[k] || [];
    const top = Math.max(...norms.filter(Number.isFinite), 0);
    return el("tr", { style: { "--run-colour": run.colour } }, [
      el("th", { scope: "row", text: run.label }),
      ...norms.map((v, l) => el("td", { "data-label": heads[l + 1] }, [fmt(v), el("span", { class: "bar", style: { width: `${top > 0 ? Math.max(2, (100 * v) / top) : 0}%` } })])),
    ]);
  }));
}

/** A lesson's table of `runs`: each run's loss noise (the mean step-to-step change of the
 *  training loss over the second half), its final loss and its test accuracy. */
export function lossNoiseTable(runs) {
  const table = el("table", { class: "checkpoints" });
  table.createCaption().textContent = "Loss noise: the mean |change| of the training loss from one step to the next over the second half of training.";
  table.createTHead().append(el("tr", {}, ["run", "loss noise", "final loss", "test accuracy"].map((t) => el("th", { scope: "col", text: t }))));
  const body = table.createTBody();
  for (const run of runs) {
    const losses = run.losses;
    const half = Math.floor(losses.length / 2);
    let total = 0;
    for (let k = half + 1; k < losses.length; k += 1) total += Math.abs(losses[k] - losses[k - 1]);
    const noise = losses.length - half > 1 ? total / (losses.length - half - 1) : 0;
    const accuracy = run.test_accuracies ? run.test_accuracies[run.test_accuracies.length - 1] : null;
    body.append(el("tr", {}, [run.label, fmt(noise, 3), fmt(losses[losses.length - 1], 3), accuracy === null ? "—" : pct(accuracy)].map((t) => el("td", { text: t }))));
  }
  return table;
}
