"""The curvature at the heads and in the step readout's table "Curvature at this step" (issue
16): the Hessian's eigenvalues, the condition number and the stable lr, checked against Hessians
derived by hand; the segments along the eigenvectors; both following the step and going with
the "Optimizer state" switch.

Hand derivations used below:
- Elongated bowl f = (a x^2 + b y^2) / 2, a = 1, b = 10: H = diag(1, 10) everywhere, so the
  eigenvalues are 1 (along x) and 10 (along y), the condition number 10, 2 / lambda max = 0.2;
  heavy ball's edge 2 (1 + mu) / lambda max, Nesterov's 2 (1 + mu) / ((1 + 2 mu) lambda max).
- Rosenbrock f = (1 - x)^2 + 100 (y - x^2)^2: H = [[2 - 400 (y - x^2) + 800 x^2, -400 x],
  [-400 x, 200]]; at the minimum (1, 1) [[802, -400], [-400, 200]].
- Saddle f = x^2 - y^2: H = diag(2, -2): eigenvalues -2 (along y) and 2 (along x).
- The formula -x^2 - 2 y^2: H = diag(-2, -4), lambda max -2 < 0: no edge.
- Parabola (x - 3)^2: f'' = 2, so 2 / f'' = 1.
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import quote

import pytest

TABLE = "Curvature at this step"
GLYPH_STEP = "n => JSON.parse(document.getElementById('plot').dataset.glyphs || '{}').step === n"
BOWL = "?surface=quadratic&start=-2.5,2&steps=40"
ROSENBROCK = "?surface=rosenbrock&start=-1.5,2&steps=400&r1=sgd&r1.lr=0.001&r2=adam&r2.lr=0.05"


def rosenbrock_hessian(x: float, y: float) -> tuple[tuple[float, float], tuple[float, float]]:
    return ((2 - 400 * (y - x * x) + 800 * x * x, -400 * x), (-400 * x, 200.0))


def eigen2(h) -> tuple[tuple[float, float], tuple[tuple[float, float], tuple[float, float]]]:
    """A symmetric 2 x 2's eigenvalues (ascending) and unit eigenvectors, in closed form."""
    (a, b), (_, d) = h
    mid, radius = (a + d) / 2, math.hypot((a - d) / 2, b)
    values = (mid - radius, mid + radius)
    vectors = []
    for lam in values:
        v = (b, lam - a) if abs(b) > 1e-12 else ((1.0, 0.0) if abs(lam - a) < 1e-12 else (0, 1))
        n = math.hypot(*v)
        vectors.append((v[0] / n, v[1] / n))
    return values, tuple(vectors)


def readout(page) -> dict[str, dict[str, str]]:
    """The readout as {run label: {column header: the cell's text}}."""
    table = page.get_by_role("table", name=TABLE)
    headers = [h.strip() for h in table.get_by_role("columnheader").all_inner_texts()]
    out = {}
    for row in table.locator("tbody tr").all():
        label = row.get_by_role("rowheader").inner_text().strip()
        cells = [c.strip() for c in row.get_by_role("cell").all_inner_texts()]
        out[label] = dict(zip(headers[1:], cells, strict=True))
    return out


def eigenvalues(cell: str) -> tuple[float, ...]:
    """ "λ (1, 10)" (or "λ 2" in 1-D) -> its numbers."""
    match = re.fullmatch(r"λ \(?([^()]*)\)?", cell)
    assert match, cell
    return tuple(float(n) for n in match.group(1).split(", "))


def condition(cell: str) -> float:
    match = re.fullmatch(r"κ (\S+)", cell)
    assert match, cell
    return float(match.group(1))


def edge(cell: str, label: str) -> float:
    """The number after `label` in the stable lr's cell ("2/λmax 0.2; 2(1+μ)/λmax 0.38 (μ 0.9)")."""
    parts = dict(p.rsplit(" ", 1) for p in re.sub(r" \([^)]*\)", "", cell).split("; ") if " " in p)
    assert label in parts, cell
    return float(parts[label])


def glyphs(page) -> dict | None:
    text = page.evaluate("() => document.getElementById('plot').dataset.glyphs || null")
    return json.loads(text) if text else None


def segments(page, run: int) -> dict[int, dict]:
    """The curvature's segments drawn at `run`'s head, by eigenvalue index."""
    drawn = glyphs(page)["glyphs"]
    return {g["axis"]: g for g in drawn if g["run"] == run and g["glyph"] == "curvature"}


AXES_PX = """() => { const gd = document.getElementById('plot'); const f = gd._fullLayout;
  const h = gd.data.find(t => t.uid === 'head-0');
  return {sx: f.xaxis._length / (f.xaxis.range[1] - f.xaxis.range[0]),
          sy: f.yaxis._length / (f.yaxis.range[1] - f.yaxis.range[0]),
          at: [f.xaxis._offset + f.xaxis.c2p(h.x[0]), f.yaxis._offset + f.yaxis.c2p(h.y[0])]}; }"""


def direction(page, segment) -> tuple[float, float]:
    """A segment's direction in data units (unit length; screen y points down)."""
    scale = page.evaluate(AXES_PX)
    dx = (segment["to"][0] - segment["from"][0]) / scale["sx"]
    dy = -(segment["to"][1] - segment["from"][1]) / scale["sy"]
    n = math.hypot(dx, dy)
    return dx / n, dy / n


def length(segment) -> float:
    return math.dist(segment["from"], segment["to"])


def along(page, segment, vector, tol=0.02) -> None:
    """The segment lies along `vector` (either way: an eigenvector's sign is arbitrary)."""
    d = direction(page, segment)
    assert abs(d[0] * vector[1] - d[1] * vector[0]) < tol, (d, vector)


def head_point(page) -> tuple[float, float]:
    return tuple(
        page.evaluate(
            "() => { const h = document.getElementById('plot').data.find(t => t.uid === 'head-0');"
            " return [h.x[0], h.y[0]]; }"
        )
    )


def test_the_bowl_lists_its_curvature_and_each_runs_edge(page, lab):
    runs = "&r1=sgd&r1.lr=0.15&r2=momentum&r2.lr=0.01&r2.momentum=0.5&r3=nesterov&r3.lr=0.01"
    lab.open(BOWL + runs + "&r4=adam&r4.lr=0.05&state=1")
    rows = readout(page)
    for label in ("SGD", "Momentum", "Nesterov momentum", "Adam"):
        assert eigenvalues(rows[label]["Curvature λ"]) == pytest.approx((1, 10), rel=1e-4)
        assert condition(rows[label]["Condition number"]) == pytest.approx(10, rel=1e-4)
        assert edge(rows[label]["Stable lr"], "2/λmax") == pytest.approx(0.2, rel=1e-4)
    # Plain SGD and Adam: only gradient descent's edge.
    assert rows["SGD"]["Stable lr"] == "2/λmax 0.2"
    assert rows["Adam"]["Stable lr"] == "2/λmax 0.2"
    # Heavy ball with its own mu = 0.5: 2 (1.5) / 10; Nesterov's mu 0.9: 3.8 / (2.8 * 10).
    assert edge(rows["Momentum"]["Stable lr"], "2(1+μ)/λmax") == pytest.approx(0.3, rel=1e-3)
    assert "(μ 0.5)" in rows["Momentum"]["Stable lr"]
    nesterov = edge(rows["Nesterov momentum"]["Stable lr"], "2(1+μ)/((1+2μ)λmax)")
    assert nesterov == pytest.approx(3.8 / 28, rel=1e-3)
    # The same numbers at a later step: the bowl's curvature does not change.
    page.get_by_label("Animation step").fill("7")
    page.wait_for_function(GLYPH_STEP, arg=7)
    assert eigenvalues(readout(page)["SGD"]["Curvature λ"]) == pytest.approx((1, 10), rel=1e-4)


def test_the_bowls_segments_lie_along_x_and_y_and_the_steeper_is_longer(page, lab):
    lab.open(BOWL + "&r1=sgd&r1.lr=0.15&state=1")
    drawn = segments(page, 0)
    assert set(drawn) == {0, 1}
    assert drawn[0]["eigenvalue"] == pytest.approx(1, abs=0.05)
    assert drawn[1]["eigenvalue"] == pytest.approx(10, abs=0.05)
    along(page, drawn[0], (1, 0))
    along(page, drawn[1], (0, 1))
    assert length(drawn[1]) > 3 * length(drawn[0])
    assert not drawn[0]["dashed"] and not drawn[1]["dashed"]
    # Centred on the head: it reaches as far each way.
    at = page.evaluate(AXES_PX)["at"]
    for segment in drawn.values():
        middle = [(a + b) / 2 for a, b in zip(segment["from"], segment["to"], strict=True)]
        assert middle == pytest.approx(at, abs=0.2)


def test_rosenbrock_at_its_minimum(page, lab):
    lab.open("?surface=rosenbrock&start=1,1&steps=10&r1=sgd&r1.lr=0.001&state=1")
    row = readout(page)["SGD"]
    (low, high), _ = eigen2(((802, -400), (-400, 200)))
    # 501 -+ sqrt(301^2 + 400^2): 0.39936 and 1001.6.
    assert (low, high) == pytest.approx((0.39936, 1001.6006), rel=1e-4)
    assert eigenvalues(row["Curvature λ"]) == pytest.approx((low, high), rel=1e-3)
    assert condition(row["Condition number"]) == pytest.approx(high / low, rel=1e-3)
    assert edge(row["Stable lr"], "2/λmax") == pytest.approx(2 / high, rel=1e-3)


def test_rosenbrocks_readout_and_segments_follow_the_step(page, lab):
    lab.open(ROSENBROCK + "&state=1")
    for step in (0, 60, 250):
        page.get_by_label("Animation step").fill(str(step))
        page.wait_for_function(GLYPH_STEP, arg=step)
        page.wait_for_function(
            "n => document.getElementById('plot').data.find(t => t.uid === 'head-0')"
            ".customdata[0][0] === n",
            arg=step,
        )
        (low, high), (_, v_high) = eigen2(rosenbrock_hessian(*head_point(page)))
        row = readout(page)["SGD"]
        assert eigenvalues(row["Curvature λ"]) == pytest.approx((low, high), rel=2e-3, abs=1e-3)
        assert edge(row["Stable lr"], "2/λmax") == pytest.approx(2 / high, rel=2e-3)
        drawn = segments(page, 0)
        # Across the valley, the steep direction: the largest eigenvalue's eigenvector.
        along(page, drawn[1], v_high)
        assert drawn[1]["eigenvalue"] == pytest.approx(high, abs=0.1)
        # Along the valley it is nearly flat: a much shorter segment, or none.
        assert 0 not in drawn or length(drawn[0]) < length(drawn[1]) / 3


def test_the_segments_follow_the_step_while_playing(page, lab):
    lab.open(ROSENBROCK + "&state=1")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        """() => !document.getElementById('pause').disabled
          && JSON.parse(document.getElementById('plot').dataset.glyphs).step >= 12"""
    )
    playing = glyphs(page)
    assert any(g["glyph"] == "curvature" for g in playing["glyphs"])
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("() => document.getElementById('pause').disabled")
    at = lab.step()
    page.wait_for_function(GLYPH_STEP, arg=at)
    page.wait_for_function(
        "n => document.getElementById('plot').data.find(t => t.uid === 'head-0')"
        ".customdata[0][0] === n",
        arg=at,
    )
    assert at >= playing["step"]
    (low, high), (_, v_high) = eigen2(rosenbrock_hessian(*head_point(page)))
    assert eigenvalues(readout(page)["SGD"]["Curvature λ"]) == pytest.approx(
        (low, high), rel=2e-3, abs=1e-3
    )
    along(page, segments(page, 0)[1], v_high)


def test_the_saddle_has_a_negative_eigenvalue_drawn_dashed(page, lab):
    lab.open("?surface=saddle&start=-1.5,0.01&steps=50&r1=sgd&r1.lr=0.007&state=1")
    row = readout(page)["SGD"]
    assert eigenvalues(row["Curvature λ"]) == pytest.approx((-2, 2), rel=1e-4)
    assert condition(row["Condition number"]) == pytest.approx(1, rel=1e-4)
    # lambda max = 2 still gives an edge, 1, but along y (lambda = -2) any lr moves away.
    assert edge(row["Stable lr"], "2/λmax") == pytest.approx(1, rel=1e-4)
    assert "λ < 0: grows along it at any lr" in row["Stable lr"]
    drawn = segments(page, 0)
    assert drawn[0]["eigenvalue"] == pytest.approx(-2, abs=0.05) and drawn[0]["dashed"]
    assert drawn[1]["eigenvalue"] == pytest.approx(2, abs=0.05) and not drawn[1]["dashed"]
    along(page, drawn[0], (0, 1))
    along(page, drawn[1], (1, 0))
    assert length(drawn[0]) == pytest.approx(length(drawn[1]), abs=0.5)
    caption = page.locator("#state-caption").inner_text()
    assert "λ > 0 (curves up)" in caption and "λ < 0 (curves down)" in caption


def test_a_surface_curving_down_everywhere_has_no_edge(page, lab):
    formula = quote("-x**2-2*y**2")
    lab.open(f"?surface=custom&f={formula}&window=-2,2,-2,2&start=1,1&steps=5&r1=sgd&state=1")
    row = readout(page)["SGD"]
    assert eigenvalues(row["Curvature λ"]) == pytest.approx((-4, -2), rel=1e-4)
    assert condition(row["Condition number"]) == pytest.approx(2, rel=1e-4)
    assert row["Stable lr"].startswith("none (λmax ≤ 0")
    assert all(g["dashed"] for g in segments(page, 0).values())


def test_the_monkey_saddles_flat_point_has_no_condition_number(page, lab):
    # x^3 - 3 x y^2: H = [[6x, -6y], [-6y, -6x]], zero at the origin.
    lab.open("?surface=monkey_saddle&start=0,0&steps=5&r1=sgd&r1.lr=0.01&state=1")
    row = readout(page)["SGD"]
    assert eigenvalues(row["Curvature λ"]) == pytest.approx((0, 0), abs=1e-9)
    assert row["Condition number"] == "— (an eigenvalue is 0)"
    assert row["Stable lr"].startswith("none (λmax ≤ 0")
    assert segments(page, 0) == {}


def test_one_dimension_lists_f_second_without_segments(page, lab):
    lab.open("?surface=parabola&start=0&steps=10&r1=sgd&r1.lr=0.1&state=1")
    row = readout(page)["SGD"]
    assert eigenvalues(row["Curvature λ"]) == pytest.approx((2,), rel=1e-4)
    assert condition(row["Condition number"]) == pytest.approx(1, rel=1e-4)
    assert edge(row["Stable lr"], "2/λmax") == pytest.approx(1, rel=1e-4)
    kinds = {g["glyph"] for g in glyphs(page)["glyphs"]}
    assert "gradient" in kinds and "curvature" not in kinds
    assert "no segments in 1-D" in page.locator("#state-caption").inner_text()


def test_the_3d_view_lists_the_curvature_without_drawing_it(page, lab):
    lab.open(BOWL + "&r1=sgd&r1.lr=0.15&state=1&view=3d")
    page.wait_for_function("() => document.getElementById('plot').dataset.glyphs")
    assert glyphs(page)["glyphs"] == []
    assert eigenvalues(readout(page)["SGD"]["Curvature λ"]) == pytest.approx((1, 10), rel=1e-4)


def test_the_switch_asks_for_the_curvature_and_takes_the_segments_away(page, lab):
    bodies = []
    page.on(
        "request", lambda r: r.url.endswith("/trajectories") and bodies.append(r.post_data_json)
    )
    lab.open(BOWL + "&r1=sgd&r1.lr=0.15")
    assert bodies and not any("include_curvature" in body for body in bodies)
    switch = page.get_by_role("checkbox", name="Optimizer state")
    bodies.clear()
    lab.act(switch.check)
    assert bodies and all(body.get("include_curvature") is True for body in bodies)
    assert set(segments(page, 0)) == {0, 1}
    lab.act(switch.uncheck)
    assert glyphs(page) is None
    assert page.get_by_role("table", name=TABLE, include_hidden=True).is_hidden()
