// A network lesson's seed comparison ("Good-enough minima"): the lesson's first run trained
// once from each init seed (one request each, boundaries left out), and a table of each
// seed's final loss and test accuracy and how far its parameters are from seed 0's, at the
// start and at the end, as a share of the length of seed 0's.

import { postNetworkTrain } from "../api.js";
import { el } from "../dom.js";
import { fmt } from "../format.js";

/** A network's parameters (the answer's [{weight, bias}] per layer) as one vector. */
export function flatParameters(layers) {
  return layers.flatMap(({ weight, bias }) => [...weight.flat(), ...bias]);
}

/** |a - b| / |reference| of parameter vectors. */
export function relativeDistance(a, b, reference) {
  const norm = (v) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return norm(a.map((x, i) => x - b[i])) / norm(reference);
}

/** Trains `body`'s first run from each of `seeds`: [{seed, answer}] in the seeds' order. */
export async function trainSeeds(body, seeds, signal) {
  const one = { ...body, runs: body.runs.slice(0, 1), snapshots: 1, resolution: 2 };
  const answers = await Promise.all(seeds.map((seed) => postNetworkTrain({ ...one, model: { ...one.model, seed } }, signal)));
  return seeds.map((seed, i) => ({ seed, answer: answers[i] }));
}

/** The table of `trained` (trainSeeds's), the first seed the reference. */
export function seedTable(trained) {
  const vectors = trained.map(({ answer }) => ({
    start: flatParameters(answer.initial_parameters),
    end: flatParameters(answer.runs[0].final_parameters),
  }));
  const [first] = vectors;
  const table = el("table", { class: "checkpoints" });
  table.createCaption().textContent = `Distance: the parameters' distance from init seed ${trained[0].seed}'s, over the length of seed ${trained[0].seed}'s, at the start and after training.`;
  table.createTHead().append(el("tr", {}, ["init seed", "final loss", "test accuracy", "distance at start", "distance at end"].map((t) => el("th", { scope: "col", text: t }))));
  const body = table.createTBody();
  trained.forEach(({ seed, answer }, i) => {
    const run = answer.runs[0];
    const accuracy = run.test_accuracies ? run.test_accuracies[run.test_accuracies.length - 1] : null;
    const cells = [
      String(seed),
      fmt(run.losses[run.losses.length - 1], 3),
      accuracy === null ? "—" : `${(100 * accuracy).toFixed(1)} %`,
      i === 0 ? "—" : fmt(relativeDistance(vectors[i].start, first.start, first.start), 3),
      i === 0 ? "—" : fmt(relativeDistance(vectors[i].end, first.end, first.end), 3),
    ];
    body.append(el("tr", {}, cells.map((t) => el("td", { text: t }))));
  });
  return table;
}
