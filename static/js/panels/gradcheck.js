// The "Gradient check" card: the analytic gradient next to the chapter's central-difference
// estimate at the current point, their difference and a verdict (POST /gradcheck).

import { ApiError, createLatest, postGradcheck } from "../api.js";
import { errorText } from "./custom.js";
import { fmt, fmtPoint } from "../format.js";
import { renderLatex } from "../latex.js";
import { $, el } from "../dom.js";

export const EPS = 1e-6;
const FOLLOW_MS = 120;
const CENTRAL_DIFFERENCE = "\\frac{f(v + \\epsilon e_i) - f(v - \\epsilon e_i)}{2\\epsilon}";

/**
 * A card showing an API answer about the surface at one point, following the animation:
 * at(surface, point) asks `ask(body(surface, point), signal)` (an API client function; after a short quiet, newest only,
 * never twice for the same question) and calls render(answer, point); a refusal shows as text,
 * and so does skip(surface), a reason not to ask at all.
 */
export function createPointPanel({ box, ask, body, render, skip = () => null }) {
  const latest = createLatest(FOLLOW_MS);
  let asked = "";

  function message(text) {
    asked = "";
    box.replaceChildren(el("p", { class: "hint panel-message", text }));
  }

  function at(surface, point) {
    const numeric = point && point.length && point.every(Number.isFinite);
    const reason = numeric ? skip(surface) : "Type a numeric start point to see this here.";
    if (reason) {
      latest.cancel();
      message(reason);
      return;
    }
    const request = body(surface, point);
    const key = JSON.stringify(request);
    if (key === asked) return;
    asked = key;
    latest.run(async (signal) => {
      try {
        const answer = await ask(request, signal);
        if (!signal.aborted) render(answer, point);
      } catch (error) {
        if (signal.aborted) return;
        if (!(error instanceof ApiError)) throw error;
        message(errorText(error.message));
      }
    });
  }

  return { at, message };
}

/** "(2, 1)", or "x = 2" on a 1-D curve. */
export function pointText(point) {
  return point.length === 1 ? `x = ${fmtPoint(point, 6)}` : fmtPoint(point, 6);
}

/** The analytic value: exact, so as many digits as it needs (7 stays "7"). */
function analyticText(value) {
  return fmt(value, 8);
}

/** The estimate, to 5 decimals as the chapter rounds it. */
function numericText(value) {
  return Number.isFinite(value) && Math.abs(value) < 1e6 ? value.toFixed(5) : fmt(value, 8);
}

function row(title, values, className) {
  return el("tr", { class: className }, [
    el("th", { scope: "row", text: title }),
    ...values.map((text) => el("td", { class: "num", text })),
  ]);
}

function renderCheck(box, check, point) {
  const names = point.length === 1 ? ["x"] : ["x", "y"];
  const difference = check.analytic.map((a, i) => {
    const n = check.numeric[i];
    return a === null || n === null ? "—" : fmt(Math.abs(a - n), 2);
  });
  const table = el("table", { class: "gradcheck-table" }, [
    el("thead", {}, [el("tr", {}, [
      el("td"),
      ...names.map((name) => el("th", { scope: "col", text: `∂f/∂${name}` })),
    ])]),
    el("tbody", {}, [
      row("Analytic", check.analytic.map(analyticText), "analytic"),
      row("Central difference", check.numeric.map(numericText), "numeric"),
      row("Difference", difference, "difference"),
    ]),
  ]);
  const verdict = check.ok
    ? el("p", { class: "verdict ok" }, [el("span", { "aria-hidden": "true", text: "✓ " }), el("strong", { text: "match" }),
      ` — relative error ${fmt(check.relative_error, 2)}: the analytic gradient is right.`])
    : el("p", { class: "verdict bad" }, [el("span", { "aria-hidden": "true", text: "✗ " }), el("strong", { text: "mismatch" }),
      ` — relative error ${fmt(check.relative_error, 2)}: near a kink, a cliff or a gap the two part ways.`]);
  const formula = el("p", { class: "formula small" });
  renderLatex(formula, CENTRAL_DIFFERENCE);
  box.replaceChildren(
    el("p", { class: "gradcheck-where", text: `At ${pointText(point)}, ε = ${EPS.toExponential()}` }),
    el("div", { class: "table-scroll" }, [table]),
    verdict,
    el("p", { class: "hint", text: "Central difference, one coordinate i at a time (eᵢ is its unit vector):" }),
    formula,
  );
}

/** The point the gradient check and backprop cards look at: the first run's head at `step`, or the start. */
export function inspectedPoint({ experiment, result }, step) {
  const first = result.runs[0];
  return first?.points.length ? first.points[Math.min(step, first.points.length - 1)] : experiment.start;
}

export function createGradcheckPanel() {
  const box = $("gradcheck-body");
  return createPointPanel({
    box,
    ask: postGradcheck,
    body: (surface, point) => ({ surface, point, eps: EPS }),
    render: (check, point) => renderCheck(box, check, point),
  });
}
