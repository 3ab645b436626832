"""The network view (issue 17): a network data set picked from the surface menu, trained with
the run cards, its boundaries, curves and gradient norms, the player and the lesson, by label."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Lab

NET_RENDERS = "Number(document.getElementById('net-stage').dataset.renders || 0)"


def net_renders(page: Page) -> int:
    return int(page.evaluate(f"() => {NET_RENDERS}"))


def net_act(page: Page, action) -> None:
    """Does `action` (something that trains) and waits until its answer is drawn."""
    before = net_renders(page)
    action()
    page.wait_for_function(
        f"n => {NET_RENDERS} > n && document.body.dataset.busy === 'false'",
        arg=before,
        timeout=30_000,
    )


def open_network(lab: Lab, name: str = "Two moons (network)") -> Page:
    page = lab.open()
    net_act(page, lambda: page.get_by_label("Surface").select_option(label=name))
    return page


def trace(page: Page, run: int, uid: str) -> dict:
    return page.evaluate(
        """([run, uid]) => {
            const t = document.getElementById(`net-plot-${run}`).data.find((d) => d.uid === uid);
            return {type: t.type, x: Array.from(t.x), y: Array.from(t.y),
                    z: t.z ? t.z.map((row) => Array.from(row)) : null};
        }""",
        [run, uid],
    )


def test_a_network_data_set_trains_every_run_and_shows_it(page, lab):
    open_network(lab)
    boundaries = page.get_by_role("group", name="Decision boundaries")
    for label in ("SGD", "Momentum", "Adam"):
        expect(boundaries.get_by_role("region", name=f"Decision boundary: {label}")).to_be_visible()
    expect(boundaries.get_by_role("region")).to_have_count(3)
    expect(page.locator("#plot")).to_be_hidden()

    # n 200 with a test fraction of 0.25: 150 filled training points and 50 hollow test points.
    for run in range(3):
        assert len(trace(page, run, "train")["x"]) == 150
        assert len(trace(page, run, "test")["x"]) == 50
    # Each class its own shape, open for the test set: circles for class 0, squares for 1.
    symbols = page.evaluate(
        """() => { const d = document.getElementById('net-plot-0').data;
                   const test = d.find((t) => t.uid === 'test');
                   const train = d.find((t) => t.uid === 'train');
                   return [test.marker.symbol, test.y.length, train.marker.symbol]; }"""
    )
    assert set(symbols[0]) == {"circle-open", "square-open"} and len(symbols[0]) == symbols[1]
    assert set(symbols[2]) == {"circle", "square"}

    # The player moves the boundary: the snapshot nearest the step is drawn.
    slider = page.get_by_label("Animation step")
    assert slider.get_attribute("max") == "500"
    at_start = trace(page, 2, "boundary")["z"]
    slider.fill("400")
    expect(page.get_by_text("step 400 / 500")).to_be_visible()
    page.wait_for_function(
        "() => document.getElementById('net-metrics-2').textContent.startsWith('step 400')"
    )
    # Painted at once; plotly's values under the pointer follow once the player rests.
    metrics = page.locator("#net-metrics-2").inner_text()
    snapshot = metrics.split("(boundary at ")[1].split(")")[0]
    assert abs(int(snapshot) - 400) <= 10
    expect(page.locator("#net-region-2")).to_have_attribute("data-step", snapshot)
    expect(page.locator("#net-plot-2")).to_have_attribute("data-boundary-step", snapshot)
    later = trace(page, 2, "boundary")["z"]
    assert len(later) == 40 and len(later[0]) == 40
    assert later != at_start
    # Two classes: class 1's probability, from 0.5 everywhere towards 0 and 1 as Adam trains.
    assert max(map(max, later)) > 0.9 and min(map(min, later)) < 0.1

    # Loss and accuracy, train and test, for every run, with the step marked.
    names = page.evaluate("() => document.getElementById('net-curves').data.map((t) => t.name)")
    for label in ("SGD", "Momentum", "Adam"):
        for part in ("train loss", "test loss", "train accuracy", "test accuracy"):
            assert f"{label}: {part}" in names
    left, at, step = page.evaluate(
        """() => { const xa = document.getElementById('net-curves')._fullLayout.xaxis;
                   const line = document.getElementById('net-step-line');
                   return [line.offsetLeft, xa._offset + xa.c2p(400), line.dataset.step]; }"""
    )
    assert step == "400" and abs(left - at) <= 1

    # The backprop view: one column per layer, one row per run, at the step.
    table = page.get_by_role("table", name="Gradient norm by layer")
    headers = table.get_by_role("columnheader").all_text_contents()
    assert [h.strip() for h in headers] == [
        "Run",
        "Layer 1 (2 → 16)",
        "Layer 2 (16 → 16)",
        "Output (16 → 2)",
    ]
    expect(table.get_by_role("row")).to_have_count(4)
    expect(table.get_by_role("rowheader", name="Adam")).to_be_visible()


def test_live_edits_retrain_and_errors_name_their_field(page, lab):
    open_network(lab)
    hidden = page.get_by_label("Hidden layers")
    # Live is on and the experiment is small: a valid edit re-trains at once.
    net_act(page, lambda: hidden.fill("8"))
    table = page.get_by_role("table", name="Gradient norm by layer")
    expect(table.get_by_role("columnheader", name="Output (8 → 2)")).to_be_visible()
    expect(table.get_by_role("columnheader")).to_have_count(3)

    page.get_by_label("Live").uncheck()
    page.get_by_label("Activation").select_option("relu")
    page.get_by_role("textbox", name="Training steps", exact=True).fill("200")
    expect(page.get_by_text("Edited: press Run to update")).to_be_visible()
    net_act(page, lambda: page.get_by_role("button", name="Run", exact=True).click())
    assert page.get_by_label("Animation step").get_attribute("max") == "200"


@pytest.mark.allow_http_error(422)
def test_an_impossible_architecture_is_named_at_its_field(page, lab):
    open_network(lab)
    page.get_by_label("Live").uncheck()
    page.get_by_label("Hidden layers").fill("16, 65")
    page.get_by_role("button", name="Run", exact=True).click()
    error = page.locator("#net-hidden-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("64")
    expect(page.get_by_label("Hidden layers")).to_have_attribute("aria-invalid", "true")


def test_three_classes_and_regression(page, lab):
    open_network(lab, "Spiral, 3 arms (network)")
    z = trace(page, 0, "boundary")["z"]
    assert {v for row in z for v in row} <= {0, 1, 2}
    table = page.get_by_role("table", name="Gradient norm by layer")
    expect(table.get_by_role("columnheader", name="Output (16 → 3)")).to_be_visible()

    net_act(page, lambda: page.get_by_label("Surface").select_option(label="Noisy sine (network)"))
    line = trace(page, 0, "boundary")
    assert line["type"] == "scatter" and len(line["x"]) == 40
    names = page.evaluate("() => document.getElementById('net-curves').data.map((t) => t.name)")
    assert "SGD: test loss" in names and not any("accuracy" in n for n in names)


def test_the_surfaces_come_back(page, lab):
    open_network(lab)
    lab.act(lambda: page.get_by_label("Surface").select_option(label="Rosenbrock"))
    expect(page.locator("#plot")).to_be_visible()
    expect(page.locator("#net-stage")).to_be_hidden()
    expect(page.get_by_label("Start x")).to_be_visible()
    expect(page.get_by_label("Hidden layers")).to_be_hidden()


def test_the_mini_batch_lesson_runs_its_three_flavours(page, lab):
    lab.open()

    def pick() -> None:
        page.get_by_role("button", name="Lessons").click()
        page.get_by_role("menuitem", name="Mini-batch SGD on a real network").click()

    net_act(page, pick)
    lesson = page.get_by_role("complementary", name="Mini-batch SGD on a real network")
    expect(lesson).to_be_visible()
    boundaries = page.get_by_role("group", name="Decision boundaries")
    for label in ("Full batch (150)", "Mini-batch 32", "SGD, batch 1"):
        expect(boundaries.get_by_role("region", name=f"Decision boundary: {label}")).to_be_visible()
    rows = lesson.locator("table.checkpoints tbody tr")
    expect(rows).to_have_count(3)
    noise = [float(rows.nth(i).locator("td").nth(1).inner_text()) for i in range(3)]
    # Full batch's loss is the smoothest, SGD's (batch 1) the noisiest.
    assert noise[0] < noise[1] < noise[2]
    assert page.get_by_label("Animation step").get_attribute("max") == "400"
    expect(lesson.get_by_role("cell", name="%").first).to_be_visible()


def test_the_regions_are_painted_where_the_network_puts_them(page, lab):
    """The canvas under each figure: class 1's region colour where P(class 1) is near 1, class
    0's where it is near 0, and the dark 0.5 line where the probability crosses a half."""
    open_network(lab)
    page.get_by_label("Animation step").fill("500")
    expect(page.locator("#net-region-2")).to_have_attribute("data-step", "500")
    expect(page.locator("#net-plot-2")).to_have_attribute("data-boundary-step", "500")
    found = page.evaluate(
        """() => {
          const gd = document.getElementById('net-plot-2');
          const canvas = document.getElementById('net-region-2');
          const { xaxis: xa, yaxis: ya } = gd._fullLayout;
          const { x, y, z } = gd.data.find((t) => t.uid === 'boundary');
          const ratio = canvas.width / canvas.clientWidth, ctx = canvas.getContext('2d');
          const pixel = (gx, gy) => {
            const px = Math.round((xa._offset + xa.c2p(gx)) * ratio);
            const py = Math.round((ya._offset + ya.c2p(gy)) * ratio);
            return Array.from(ctx.getImageData(px - 1, py - 1, 3, 3).data);
          };
          const high = [], low = [], line = [];
          for (let j = 2; j < y.length - 2; j += 3) for (let i = 2; i < x.length - 2; i += 3) {
            const v = z[j][i], around = [z[j][i - 1], z[j][i + 1], z[j - 1][i], z[j + 1][i]];
            const centre = () => pixel(x[i], y[j]).slice(16, 19);
            if (v > 0.98 && around.every((a) => a > 0.98)) high.push(centre());
            if (v < 0.02 && around.every((a) => a < 0.02)) low.push(centre());
          }
          for (let j = 0; j < y.length; j += 1) for (let i = 0; i + 1 < x.length; i += 1) {
            const [a, b] = [z[j][i], z[j][i + 1]];
            // Marching squares crosses this edge where the linear interpolation is a half.
            if ((a - 0.5) * (b - 0.5) < 0) {
              const cross = x[i] + ((0.5 - a) / (b - a)) * (x[i + 1] - x[i]);
              const p = pixel(cross, y[j]);
              let darkest = 255;
              for (let k = 0; k < 36; k += 4) {
                darkest = Math.min(darkest, (p[k] + p[k + 1] + p[k + 2]) / 3);
              }
              line.push(darkest);
            }
          }
          return { high, low, line };
        }"""
    )
    assert len(found["high"]) >= 5 and len(found["low"]) >= 5 and len(found["line"]) >= 5
    # Class 1's region colour #dfc27d, class 0's #b2abd2 (network-plots.js REGION_COLOURS).
    brown, purple = (0xDF, 0xC2, 0x7D), (0xB2, 0xAB, 0xD2)
    for pixels, expected in ((found["high"], brown), (found["low"], purple)):
        for rgb in pixels:
            assert all(abs(c - e) <= 12 for c, e in zip(rgb, expected, strict=True)), rgb
    # The line (#102a43) passes within a pixel of each crossing; the regions are far lighter.
    assert sorted(found["line"])[len(found["line"]) // 2] < 110

    # A narrower window: the canvas and the step's line follow plotly's new layout.
    page.set_viewport_size({"width": 900, "height": 800})
    page.wait_for_function(
        """() => { const canvas = document.getElementById('net-region-2');
                   const gd = document.getElementById('net-plot-2');
                   const xa = document.getElementById('net-curves')._fullLayout.xaxis;
                   const line = document.getElementById('net-step-line');
                   return gd.clientWidth < 300 && canvas.clientWidth === gd.clientWidth
                     && Math.abs(line.offsetLeft - (xa._offset + xa.c2p(500))) <= 1; }"""
    )


def test_the_half_line_by_marching_squares_against_hand_derived_lines(page, lab):
    open_network(lab)
    segments = page.evaluate(
        """async () => {
          const { isoline } = await import('/static/js/render/network-region.js');
          const grid = { x: [0, 1, 2], y: [0, 1] };
          // The plane z = 0.25 x + 0.2.
          const tilted = isoline(grid, [[0.2, 0.45, 0.7], [0.2, 0.45, 0.7]]);
          // A saddle in one cell: 0.9 at (0, 0) and (1, 1), 0.1 at the other two corners.
          const saddle = isoline({ x: [0, 1], y: [0, 1] }, [[0.9, 0.1], [0.1, 0.9]]);
          return { tilted, saddle };
        }"""
    )
    # 0.25 x + 0.2 = 0.5 at x = 1.2: one vertical segment, in the second cell.
    ((x0, y0, x1, y1),) = segments["tilted"]
    assert (x0, x1) == pytest.approx((1.2, 1.2)) and {y0, y1} == {0, 1}
    # The cell's mean, 0.5, counts as high: the high corners are joined through the middle and
    # the line cuts off the two low ones, each segment between the midpoints of two edges.
    cut = sorted(tuple(sorted([(s[0], s[1]), (s[2], s[3])])) for s in segments["saddle"])
    assert cut == [((0, 0.5), (0.5, 1)), ((0.5, 0), (1, 0.5))]
