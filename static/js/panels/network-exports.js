// A network experiment's exports, as a surface's are (panels/figure.js): the request JSON (each
// body POSTs to /api/v1/networks/train as it is and trains the same runs again) with the
// answer's curves, a CSV of every run's losses and accuracies per step, and the link.

import { $, toast } from "../dom.js";
import { csvField, download } from "./figure.js";

const CSV_HEADER = ["run", "label", "optimizer", "step", "loss", "test_loss", "accuracy", "test_accuracy"];

/** One row per run and step; a column the answer has no value for (regression's accuracy,
 *  no test set) is empty. */
export function networkRunsToCsv(runs) {
  const lines = [CSV_HEADER.join(",")];
  runs.forEach((run, i) => {
    run.losses.forEach((loss, k) => {
      const at = (values) => (values ? values[k] : null);
      lines.push([i + 1, run.label, run.optimizer, k, loss, at(run.test_losses), at(run.accuracies), at(run.test_accuracies)].map(csvField).join(","));
    });
  });
  return `${lines.join("\n")}\n`;
}

/** The JSON export: the request bodies (one per distinct batch size) and the answer without
 *  its boundary grids (a few megabytes of floats; the requests compute them again). */
export function networkJson({ requests, answer }) {
  const runs = answer.runs.map(({ snapshots, colour, ...run }) => ({ ...run, snapshots: { steps: snapshots.steps } }));
  return `${JSON.stringify({ requests, response: { ...answer, runs } }, null, 2)}\n`;
}

/** `exported()` is the network panel's experiment on screen ({requests, answer, dataset}) or null. */
export function wireNetworkExports(exported) {
  const name = (shown) => `gradscape-network-${shown.dataset}`;
  $("net-export-json").addEventListener("click", () => {
    const shown = exported();
    if (shown) download(`${name(shown)}.json`, networkJson(shown), "application/json");
  });
  $("net-export-csv").addEventListener("click", () => {
    const shown = exported();
    if (shown) download(`${name(shown)}.csv`, networkRunsToCsv(shown.answer.runs), "text/csv");
  });
  $("net-copy-link").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      toast("Link copied: it opens this exact experiment.");
    } catch {
      toast(`Copy this link: ${location.href}`);
    }
  });
}
