// A network's landscape (issue 18): the loss on a plane through parameter space (PCA of the
// paths, a filter-normalised random plane around run 1's end, or the plane through the initial
// point and two runs' ends), the runs' paths projected onto it and moved by the player, each
// head's true loss beside the plane's loss there and its distance from the plane (a table, and a
// ring of that radius round the head on the planes measured in parameter units; in 3-D, a drop
// from the head to the true loss), and each run's loss along initial -> final. panels/network.js asks it for the request's `landscape`, hands it
// the answer's and the player's step; changing the plane re-trains (`onPlane`).

import { $, el } from "../dom.js";
import { fmt } from "../format.js";
import { react, relayout, restyleTraces } from "../render/plotly.js";
import { buildLandscapeFigure, buildLineFigure, pathIndex, pathUpdate, ringShapes } from "../render/landscape-plots.js";

/** Points per direction of the plane: 41 x 41 networks, a few tens of ms on the server. */
export const LANDSCAPE_RESOLUTION = 41;

const pct = (v) => `${(100 * v).toFixed(1)} %`;

/** What the plane is, in a sentence, from the answer's landscape. */
function planeNote(landscape) {
  if (landscape.plane === "pca") {
    const [a, b] = landscape.explained_variance;
    return `PCA of every run's snapshots: the two directions hold ${pct(a)} and ${pct(b)} of their variance (${pct(a + b)} together), so the paths lie close to this plane.`;
  }
  if (landscape.plane === "random") {
    return "Two random directions through run 1's end, filter-normalised as Li et al. (2018) do: each neuron's weights moved in proportion to their own size (biases held). A random plane around a minimum shows its valley; the paths mostly lie far from it.";
  }
  if (landscape.v === null) {
    return "One run: the line from the initial parameters to its end (Goodfellow et al., 2015). Add a run for a plane.";
  }
  return "The plane through the initial parameters and runs 1 and 2's ends: both ends of those paths lie on it, so there the plane's loss is the true loss.";
}

export function createLandscapeView({ onPlane }) {
  /** What is drawn: {landscape, runs, traces, at, z}. */
  let shown = null;
  $("net-plane").addEventListener("change", () => onPlane());
  $("net-landscape-3d").addEventListener("change", () => {
    if (shown) drawPlane(shown.landscape, shown.runs, shown.at);
  });

  /** The plane's figure at each run's path index `at`. */
  function drawPlane(landscape, runs, at) {
    const narrow = window.matchMedia("(max-width: 520px)").matches;
    const threeD = $("net-landscape-3d").checked;
    const figure = buildLandscapeFigure({ landscape, runs, at, narrow, threeD });
    shown = { landscape, runs, traces: figure.traces, at, z: figure.z };
    $("net-landscape-card").dataset.view = threeD && landscape.v !== null ? "3d" : "2d";
    return react($("net-landscape-plot"), figure.data, figure.layout, { displayModeBar: false, responsive: true });
  }

  /** The head table at each run's path index: its own loss, the plane's, its distance. */
  function renderHeads() {
    const { landscape, runs, at } = shown;
    const table = $("net-landscape-heads");
    const heads = ["Run", "Step", "True loss", "Plane loss", "Distance"];
    table.tHead.replaceChildren(el("tr", {}, heads.map((h) => el("th", { scope: "col", text: h }))));
    table.tBodies[0].replaceChildren(...landscape.paths.map((path, k) => {
      const i = at[k];
      const cells = [String(path.steps[i] ?? "—"), fmt(path.true_loss[i]), fmt(path.plane_loss[i]), fmt(path.distance_from_plane[i], 3)];
      return el("tr", { style: { "--run-colour": runs[k].colour } }, [
        el("th", { scope: "row" }, [el("span", { class: "swatch", "aria-hidden": "true" }), runs[k].label]),
        ...cells.map((text, c) => el("td", { "data-label": heads[c + 1], text })),
      ]);
    }));
  }

  return {
    /** The request's `landscape` field. */
    request: () => ({ plane: $("net-plane").value, resolution: LANDSCAPE_RESOLUTION }),

    /** A lesson's plane (or PCA). */
    setPlane(plane) {
      $("net-plane").value = plane || "pca";
    },

    /** Draws `landscape` for `runs` ({label, colour}, the paths' order) at `step`; `total`: all
     *  the runs on screen (those with another batch size were trained apart, off this plane). */
    show(landscape, runs, step, total) {
      const card = $("net-landscape-card");
      if (!landscape) {
        shown = null;
        card.dataset.plane = "";
        return Promise.resolve();
      }
      const at = landscape.paths.map((path) => pathIndex(path.steps, step));
      const plane = drawPlane(landscape, runs, at);
      const apart = total > runs.length ? ` Runs with another batch size are trained in their own request and are not on this plane (${runs.length} of ${total} shown).` : "";
      $("net-landscape-note").textContent = planeNote(landscape) + apart;
      card.dataset.plane = landscape.plane;
      renderHeads();
      const line = buildLineFigure({ landscape, runs });
      return Promise.all([plane, react($("net-landscape-line"), line.data, line.layout, { displayModeBar: false, responsive: true })]);
    },

    /** The player's step: each head at its last snapshot at or before it. */
    frame(step) {
      const div = $("net-landscape-plot");
      if (!shown || !div.data) return;
      const at = shown.landscape.paths.map((path) => pathIndex(path.steps, step));
      if (at.every((i, k) => i === shown.at[k])) return;
      shown.at = at;
      const updates = [];
      const indices = [];
      shown.landscape.paths.forEach((path, k) => {
        const moving = pathUpdate(path, at[k], shown.z);
        for (const part of ["trail", "head", "truth"]) {
          if (shown.traces[k][part] === undefined) continue;
          updates.push(moving[part]);
          indices.push(shown.traces[k][part]);
        }
      });
      restyleTraces(div, updates, indices);
      if (!shown.z && div.layout.shapes?.length) relayout(div, { shapes: ringShapes(shown.landscape, shown.runs, at) });
      renderHeads();
    },
  };
}
