// The "Optimizer state" switch and its readout: at the player's step, for every run, the numbers
// the glyphs at the heads draw (render/glyphs.js: one column per entry of GLYPHS), with the lr
// of the update, and the curvature at the head (eigenvalues, condition number, stable lr). The
// switch is a page setting (the URL's `state=1`); the state and the curvature come with the
// trajectories (include_state, include_curvature), so turning it on runs the experiment on
// screen again when its answer has none.

import { $, el } from "../dom.js";
import { fmt, fmtPoint } from "../format.js";
import { GLYPHS, explain, hasState } from "../render/optimizer-state.js";

const DIGITS = 4;

/** A cell's content: "symbol (numbers)", a text, or the stable lr's labelled parts. */
function cellContent(value) {
  if (value.text) return [value.text];
  if (value.parts) {
    const parts = value.parts.map((p) => `${p.label} ${p.value === null ? "none" : fmt(p.value, DIGITS)}${p.aside ? ` (${p.aside})` : ""}`);
    return [parts.join("; "), ...(value.note ? [el("span", { class: "symbol", text: `; ${value.note}` })] : [])];
  }
  return [el("span", { class: "symbol", text: `${value.symbol} ` }), fmtPoint(value.vector, DIGITS)];
}

/** `rerun()` runs the experiment on screen again (with its page settings, at its step). */
export function createStateReadout({ store, player, rerun }) {
  const box = $("state-readout");
  const caption = $("state-caption");
  const toggle = $("state-glyphs");
  // Two tables, so each fits the width: the optimizer's state, and the curvature under it.
  const curvatureTable = el("table", { class: "state-table curvature-table", "aria-label": "Curvature at this step", "aria-describedby": "state-caption" }, [el("thead"), el("tbody")]);
  $("state-table").after(curvatureTable);
  const TABLES = [
    { table: $("state-table"), lr: true, glyphs: GLYPHS.filter((g) => !g.table) },
    { table: curvatureTable, lr: false, glyphs: GLYPHS.filter((g) => g.table === "curvature") },
  ];
  /** Per table, the rows' cells by run, built for the runs on screen: [{lr, cells}]. */
  let rows = [];
  let builtFor = null;

  toggle.addEventListener("change", () => {
    const on = toggle.checked;
    const { shown } = store.state;
    store.update({ ui: { ...store.state.ui, glyphs: on }, step: player.step }, { because: "ui", history: shown ? "replace" : null });
    if (on && shown && shown.result.runs.length && !hasState(shown.result)) rerun();
  });

  function build(shown, experiment) {
    rows = TABLES.map(({ table, lr, glyphs }) => {
      table.tHead.replaceChildren(el("tr", {}, [
        el("th", { scope: "col", text: "Run" }),
        ...(lr ? [el("th", { scope: "col", text: "lr", title: "The learning rate of this update (its schedule's, if it has one)" })] : []),
        ...glyphs.map((glyph) => el("th", { scope: "col", title: glyph.note }, [
          ...(glyph.draw ? [el("span", { class: `glyph-key glyph-key-${glyph.draw} glyph-key-${glyph.id}`, "aria-hidden": "true" })] : []),
          glyph.header,
        ])),
      ]));
      const built = shown.result.runs.map((run, i) => {
        const cells = glyphs.map(() => el("td"));
        const lrCell = lr ? el("td") : null;
        const colour = experiment.runs[i]?.colour || "#52606d";
        const row = el("tr", {}, [
          el("th", { scope: "row" }, [el("span", { class: "swatch", style: { background: colour }, "aria-hidden": "true" }), run.label]),
          ...(lrCell ? [lrCell] : []),
          ...cells,
        ]);
        return { row, lr: lrCell, cells };
      });
      table.tBodies[0].replaceChildren(...built.map((r) => r.row));
      return built;
    });
    builtFor = shown;
  }

  function fill(step) {
    const { shown } = store.state;
    const withState = hasState(shown.result);
    const threeD = store.experiment().view === "3d";
    const oneD = shown.surface?.dim === 1;
    caption.replaceChildren(
      `Step ${step}: the gradient at each head, the update to step ${step + 1}`
        + ` and the optimizer's state after it, and the curvature at the head${withState ? "" : " (computing the state…)"}.`
        + (threeD ? " Drawn at the heads in the 2-D view only." : ""),
      ...(threeD ? [] : curvatureKey(oneD)),
    );
    shown.result.runs.forEach((run, i) => {
      const k = Math.min(step, run.points.length - 1);
      const info = explain(run, k);
      TABLES.forEach(({ glyphs }, t) => {
        const row = rows[t][i];
        if (row.lr) row.lr.textContent = info.lr === null ? "—" : fmt(info.lr, DIGITS);
        glyphs.forEach((glyph, j) => {
          const value = glyph.value(info);
          if (!value) row.cells[j].textContent = glyph.missing || "—";
          else row.cells[j].replaceChildren(...cellContent(value));
        });
      });
    });
  }

  /** The curvature's key: what its segments at the heads mean (none in 1-D: the curve shows f''). */
  function curvatureKey(oneD) {
    if (oneD) return [" Curvature: f'' at the head (the curve's own bend; no segments in 1-D)."];
    return [
      " Curvature: a segment along each eigenvector, longer for larger |λ|:",
      el("span", { class: "curvature-key" }, [el("span", { class: "glyph-key glyph-key-axes", "aria-hidden": "true" }), "λ > 0 (curves up)"]),
      el("span", { class: "curvature-key" }, [el("span", { class: "glyph-key glyph-key-axes glyph-key-negative", "aria-hidden": "true" }), "λ < 0 (curves down)"]),
    ];
  }

  function render(state) {
    const experiment = store.experiment();
    const on = Boolean(state.ui.glyphs);
    toggle.checked = on;
    const runs = state.shown?.result.runs.length;
    box.hidden = !on || !runs;
    if (box.hidden) return;
    if (builtFor !== state.shown) build(state.shown, experiment);
    fill(state.step);
  }

  store.subscribe((state, { because }) => {
    if (["show", "ui", "colour", "load"].includes(because)) {
      builtFor = null;
      render(state);
    } else if (because === "step" && !box.hidden && builtFor === state.shown) {
      fill(state.step);
    }
  });
}
