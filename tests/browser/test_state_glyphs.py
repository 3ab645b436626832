"""The optimizer's state drawn at the heads and listed under the player: the switch, the
readout's numbers against steps derived by hand, the readout and glyphs following the step
(still and playing), and hover naming the run under the pointer."""

from __future__ import annotations

import json
import math
import re

import pytest

# The elongated bowl f = (x^2 + 10 y^2) / 2: gradient (x, 10 y), from (-2.5, 2).
BOWL = "?surface=quadratic&start=-2.5,2&steps=40"
RUNS = "&r1=sgd&r1.lr=0.15&r2=momentum&r2.lr=0.01&r3=adam&r3.lr=0.05&r4=rmsprop&r4.lr=0.02"
TABLE = "Optimizer state at this step"


def bowl_gradient(p):
    return (p[0], 10 * p[1])


GLYPH_STEP = "n => JSON.parse(document.getElementById('plot').dataset.glyphs || '{}').step === n"


def glyphs(page) -> dict | None:
    text = page.evaluate("() => document.getElementById('plot').dataset.glyphs || null")
    return json.loads(text) if text else None


def readout(page) -> dict[str, dict[str, tuple[float, ...] | str]]:
    """The readout as {run label: {column header: numbers (or the cell's text)}}."""
    table = page.get_by_role("table", name=TABLE)
    headers = [h.strip() for h in table.get_by_role("columnheader").all_inner_texts()]
    out = {}
    for row in table.locator("tbody tr").all():
        label = row.get_by_role("rowheader").inner_text().strip()
        cells = row.get_by_role("cell").all_inner_texts()
        values = {}
        for header, text in zip(headers[1:], cells, strict=True):
            # The vector is the last parenthesised group (a symbol may have its own).
            inside = re.findall(r"\(([^()]*)\)", text)
            numbers = inside[-1].split(", ") if inside else [text.strip()]
            try:
                values[header] = tuple(float(n) for n in numbers)
            except ValueError:
                values[header] = text.strip()
        out[label] = values
    return out


def caption(page) -> str:
    """The readout's description: which step it is at, and what it lists."""
    table = page.get_by_role("table", name=TABLE)
    return page.locator(f"#{table.get_attribute('aria-describedby')}").inner_text()


def close(actual, expected, rel=1e-3):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert a == pytest.approx(e, rel=rel, abs=1e-12), (actual, expected)


def test_the_switch_draws_the_state_at_the_heads_and_keeps_it_in_the_link(page, lab):
    lab.open(BOWL + RUNS)
    switch = page.get_by_role("checkbox", name="Optimizer state")
    expect_off(page, switch)
    bodies = []
    page.on(
        "request", lambda r: r.url.endswith("/trajectories") and bodies.append(r.post_data_json)
    )
    lab.act(switch.check)
    # Turning it on asks for the state the answer did not have.
    assert bodies and all(body.get("include_state") is True for body in bodies)
    assert "state=1" in page.url
    drawn = glyphs(page)
    assert drawn["step"] == 0
    kinds = {(g["run"], g["glyph"]) for g in drawn["glyphs"]}
    # Every run: its gradient, update and the curvature's segments; Momentum's velocity, Adam's
    # moment and step, RMSprop's per-coordinate step (test_curvature_readout checks the curvature).
    assert kinds == {
        (0, "gradient"), (0, "update"), (0, "curvature"),
        (1, "gradient"), (1, "update"), (1, "momentum"), (1, "curvature"),
        (2, "gradient"), (2, "update"), (2, "momentum"), (2, "scale"), (2, "curvature"),
        (3, "gradient"), (3, "update"), (3, "scale"), (3, "curvature"),
    }  # fmt: skip
    # The gradient arrow points downhill: -g = (2.5, -20) is to the right and down the screen.
    sgd = next(g for g in drawn["glyphs"] if g["run"] == 0 and g["glyph"] == "gradient")
    assert sgd["to"][0] > sgd["from"][0] and sgd["to"][1] > sgd["from"][1]
    # Steeper in y than in x by 8 (20 / 2.5); drawn in pixels per unit of each axis.
    head = page.evaluate(
        """() => { const gd = document.getElementById('plot'); const f = gd._fullLayout;
          const h = gd.data.find(t => t.uid === 'head-0');
          return [f.xaxis._offset + f.xaxis.c2p(h.x[0]), f.yaxis._offset + f.yaxis.c2p(h.y[0]),
                  f.xaxis._length / (f.xaxis.range[1] - f.xaxis.range[0]),
                  f.yaxis._length / (f.yaxis.range[1] - f.yaxis.range[0])]; }"""
    )
    assert sgd["from"] == pytest.approx(head[:2], abs=0.1)
    dx, dy = sgd["to"][0] - sgd["from"][0], sgd["to"][1] - sgd["from"][1]
    assert (dy / head[3]) / (dx / head[2]) == pytest.approx(8, rel=0.05)
    assert page.get_by_role("table", name=TABLE).is_visible()
    lab.act(switch.uncheck)
    expect_off(page, switch)
    assert "state=1" not in page.url


def expect_off(page, switch):
    assert not switch.is_checked()
    assert glyphs(page) is None
    assert page.get_by_role("table", name=TABLE, include_hidden=True).is_hidden()


def test_the_readout_lists_hand_derived_steps(page, lab):
    lab.open(BOWL + RUNS + "&state=1")
    g0 = bowl_gradient((-2.5, 2.0))
    rows = readout(page)
    assert set(rows) == {"SGD", "Momentum", "Adam", "RMSprop"}
    # SGD: the update is -lr g.
    close(rows["SGD"]["Gradient"], g0)
    close(rows["SGD"]["Update"], (-0.15 * g0[0], -0.15 * g0[1]))
    assert rows["SGD"]["Momentum"] == "—"
    # Adam after one step: m̂ = g, v̂ = g², so its per-coordinate step is lr / (|g| + eps).
    close(rows["Adam"]["Momentum"], g0)
    close(rows["Adam"]["Per-coordinate step"], (0.05 / 2.5, 0.05 / 20))
    close(rows["Adam"]["Update"], (0.05, -0.05))
    # RMSprop after one step: v = (1 - alpha) g² = 0.01 g², its scale lr / (0.1 |g|).
    close(rows["RMSprop"]["Per-coordinate step"], (0.02 / 0.25, 0.02 / 2.0))

    lab.page.get_by_label("Animation step").fill("1")
    page.wait_for_function(GLYPH_STEP, arg=1)
    rows = readout(page)
    # Momentum after two steps: b = mu g0 + g1, g1 at p1 = p0 - lr g0.
    p1 = (-2.5 - 0.01 * g0[0], 2.0 - 0.01 * g0[1])
    g1 = bowl_gradient(p1)
    b = (0.9 * g0[0] + g1[0], 0.9 * g0[1] + g1[1])
    close(rows["Momentum"]["Gradient"], g1)
    close(rows["Momentum"]["Momentum"], b)
    close(rows["Momentum"]["Update"], (-0.01 * b[0], -0.01 * b[1]))
    # Adam after two steps, by torch's arithmetic (beta1 0.9, beta2 0.999, eps 1e-8).
    a1 = tuple(p - 0.05 * g / (abs(g) + 1e-8) for p, g in zip((-2.5, 2.0), g0, strict=True))
    h1 = bowl_gradient(a1)
    m = [0.9 * 0.1 * g + 0.1 * h for g, h in zip(g0, h1, strict=True)]
    v = [0.999 * 0.001 * g * g + 0.001 * h * h for g, h in zip(g0, h1, strict=True)]
    m_hat = [x / (1 - 0.9**2) for x in m]
    step = [0.05 / (math.sqrt(x) / math.sqrt(1 - 0.999**2) + 1e-8) for x in v]
    close(rows["Adam"]["Gradient"], h1)
    close(rows["Adam"]["Momentum"], m_hat)
    close(rows["Adam"]["Per-coordinate step"], step)
    close(rows["Adam"]["Update"], [-s * x for s, x in zip(step, m_hat, strict=True)])


def test_the_readout_and_glyphs_follow_the_step_still_and_playing(page, lab):
    lab.open(BOWL + RUNS + "&state=1")
    page.get_by_label("Animation step").fill("5")
    page.wait_for_function(GLYPH_STEP, arg=5)
    assert "Step 5:" in caption(page)
    # SGD on the bowl: x_k = 0.85^k x0, y_k = (-0.5)^k y0.
    close(readout(page)["SGD"]["Gradient"], bowl_gradient((-2.5 * 0.85**5, 2.0 * (-0.5) ** 5)))
    page.get_by_role("button", name="Step forward").click()
    page.wait_for_function(GLYPH_STEP, arg=6)
    close(readout(page)["SGD"]["Gradient"], bowl_gradient((-2.5 * 0.85**6, 2.0 * (-0.5) ** 6)))
    # Playing: the motion canvas draws, and the glyphs and the readout move with it.
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        """() => !document.getElementById('pause').disabled
          && JSON.parse(document.getElementById('plot').dataset.glyphs).step >= 12"""
    )
    assert re.search(r"Step (\d+):", caption(page)).group(1) != "6"
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function("() => document.getElementById('pause').disabled")
    page.wait_for_timeout(100)
    at = lab.step()
    assert glyphs(page)["step"] == at
    assert f"Step {at}:" in caption(page)
    k = min(at, 40)
    close(readout(page)["SGD"]["Gradient"], bowl_gradient((-2.5 * 0.85**k, 2.0 * (-0.5) ** k)))


def test_the_3d_view_lists_the_state_without_drawing_it(page, lab):
    lab.open(BOWL + RUNS + "&state=1&view=3d")
    page.wait_for_function("() => document.getElementById('plot').dataset.glyphs")
    assert glyphs(page)["glyphs"] == []
    assert "2-D view only" in caption(page)
    close(readout(page)["SGD"]["Gradient"], bowl_gradient((-2.5, 2.0)))


HEADS_PX = """() => { const gd = document.getElementById('plot'); const f = gd._fullLayout;
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return gd.data.filter(t => (t.uid || '').startsWith('head-')).map(t => ({
    name: t.name, step: t.customdata[0][0],
    x: box.left + f.xaxis.c2p(t.x[0]), y: box.top + f.yaxis.c2p(t.y[0])})); }"""


def test_hover_names_the_run_whose_head_is_under_the_pointer(page, lab):
    # Rosenbrock's default runs at step 300: Adam's and Momentum's trails cross SGD's and
    # Adam's heads there (SGD's head once said "Adam, step 107").
    lab.open()
    page.get_by_label("Animation step").fill("300")
    page.wait_for_function(
        "() => document.getElementById('plot').data.find(t => t.uid === 'head-0')"
        ".customdata[0][0] === 300"
    )
    heads = page.evaluate(HEADS_PX)
    assert [h["name"] for h in heads] == ["SGD", "Momentum", "Adam"]
    for head in heads:
        for dx, dy in ((0, 0), (2, -1)):
            page.mouse.move(head["x"] + dx, head["y"] + dy)
            label = page.locator("#plot .hoverlayer .hovertext")
            label.wait_for()
            text = label.text_content()
            assert text.startswith(head["name"]) and f"step {head['step']}" in text, text
            page.mouse.move(0, 0)
            label.wait_for(state="detached")


def test_hover_on_a_trail_away_from_the_heads_names_its_run(page, lab):
    lab.open()
    page.get_by_label("Animation step").fill("300")
    page.wait_for_function(
        "() => document.getElementById('plot').data.find(t => t.uid === 'trail-1').x.length === 301"
    )
    # A point of Momentum's trail at least 12 px from every other run's trail and every head.
    target = page.evaluate(
        """() => { const gd = document.getElementById('plot'); const f = gd._fullLayout;
          const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
          const px = (t, j) => [f.xaxis.c2p(t.x[j]), f.yaxis.c2p(t.y[j])];
          const all = gd.data.filter(t => /^(trail|head)-/.test(t.uid || ''));
          const mine = all.find(t => t.uid === 'trail-1');
          const others = all.filter(t => t !== mine && t.uid !== 'head-1');
          for (let j = 20; j < mine.x.length - 20; j += 1) {
            const [x, y] = px(mine, j);
            if (x < 5 || y < 5 || x > f.xaxis._length - 5 || y > f.yaxis._length - 5) continue;
            const far = (t) => t.x.every((_, i) => {
              const [u, v] = px(t, i); return Math.hypot(u - x, v - y) >= 12; });
            const near = !others.every(far);
            if (!near) return {x: box.left + x, y: box.top + y, step: mine.customdata[j][0]};
          }
          return null; }"""
    )
    assert target is not None
    page.mouse.move(target["x"], target["y"])
    label = page.locator("#plot .hoverlayer .hovertext")
    label.wait_for()
    assert label.text_content().startswith("Momentum")
