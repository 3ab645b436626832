// Mini-batches and their analogue: batch size, shuffle seed and repeats for data set surfaces,
// gradient noise for functions; per-run overrides, sent as one request per distinct setting.

import { numberText, parseNumber } from "../format.js";
import { isDataset } from "../state.js";
import { $ } from "../dom.js";

/** The quick choices: the chapter's three flavours. "" is every example (batch GD). */
const PRESETS = ["", "1", "32"];

/** Draws the experiment's batch settings and shows the fields that fit the surface. */
export function renderBatching(experiment, surfaceId) {
  const dataset = isDataset(surfaceId);
  for (const part of document.querySelectorAll("#batching [data-for]")) {
    part.hidden = part.dataset.for !== (dataset ? "dataset" : "function");
  }
  $("batching-title").textContent = dataset ? "Mini-batches" : "Gradient noise";
  $("batch-size").value = numberText(experiment.batch.size);
  $("batch-seed").value = numberText(experiment.batch.seed);
  $("repeats").value = numberText(experiment.batch.repeats);
  markPreset();
}

/** The batch settings the form describes; typed text that is no number goes to the API as is. */
export function readBatching() {
  return {
    size: parseNumber($("batch-size").value),
    seed: parseNumber($("batch-seed").value) ?? 0,
    repeats: parseNumber($("repeats").value) ?? 1,
  };
}

function markPreset() {
  const value = $("batch-size").value.trim();
  for (const button of document.querySelectorAll("#batching [data-batch]")) {
    button.setAttribute("aria-pressed", String(button.dataset.batch === value));
  }
  sharedHints();
}

/** Empty per-run fields show what they inherit. */
function sharedHints() {
  const batch = $("batch-size").value.trim() || "n";
  const noise = $("noise-std").value.trim() || "0";
  for (const input of document.querySelectorAll("#runs [data-own]")) {
    input.placeholder = input.dataset.own === "batch" ? batch : noise;
  }
}

/** Once: the preset buttons, and the per-run placeholders following the shared values. */
export function wireBatching() {
  for (const button of document.querySelectorAll("#batching [data-batch]")) {
    button.addEventListener("click", () => {
      $("batch-size").value = button.dataset.batch;
      $("batch-size").dispatchEvent(new Event("input", { bubbles: true }));
    });
  }
  $("batch-size").addEventListener("input", markPreset);
  $("noise-std").addEventListener("input", sharedHints);
}

/**
 * The run card's own batch size (data sets) or noise std (functions); empty means the shared
 * value. `field` builds a labelled field like the card's others.
 */
export function runOverrideField(run, i, surfaceId, field) {
  // A network (panels/network.js, "net:" ids) batches its examples like a data set.
  const network = String(surfaceId).startsWith("net:");
  const dataset = network || isDataset(surfaceId);
  const id = dataset ? `run-${i}-batch-size` : `run-${i}-noise-std`;
  const node = field(id, dataset ? "Run batch size" : "Run noise std", dataset ? run.batchSize : run.noiseStd, null);
  const input = node.querySelector("input");
  input.dataset.own = dataset ? "batch" : "noise";
  input.title = dataset
    ? "Examples per update for this run only; empty: the Batch size under Mini-batches"
    : "Gradient noise for this run only; empty: the Noise std under Gradient noise";
  input.placeholder = network
    ? $("net-batch-size").value.trim() || "all"
    : dataset ? $("batch-size").value.trim() || "n" : $("noise-std").value.trim() || "0";
  if (network) input.title = "Examples per update for this run only; empty: the Examples per batch under Training";
  return node;
}

export function readRunOverride(i) {
  const batch = $(`run-${i}-batch-size`);
  const noise = $(`run-${i}-noise-std`);
  return {
    batchSize: batch ? parseNumber(batch.value) : null,
    noiseStd: noise ? parseNumber(noise.value) : null,
  };
}
