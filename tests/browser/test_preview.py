"""The first paint comes before plotly.js: a canvas preview of the figures, which the player,
the cursor readout and a click on the plot work on, then plotly's in its place once the page is
left alone, the same figure to the pixel nearly.

plotly.js is held back with a route, so "before" is deterministic."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

from tests.browser.test_motion import STATE
from tests.browser.test_security import RECORD_CSP_VIOLATIONS, csp_violations

PLOTLY = "**/vendor/plotly-*.js"
ONE_D = "?surface=parabola&start=0&steps=40&r1=sgd&r1.lr=0.1"
PAINTED = "() => document.getElementById('plot').dataset.painted === '1'"
# How many <script> elements run plotly.js (the page's head only preloads it).
PLOTLY_SCRIPTS = "() => document.querySelectorAll('script[src*=\"/vendor/plotly-\"]').length"


def motion_pixels(page) -> dict:
    """How many pixels the motion canvases over the figure and the loss chart cover."""
    state = page.evaluate(STATE)
    return {"plot": state["plotPixels"], "loss": state["lossPixels"]}


# The fraction of pixels that differ by more than 16 of 255 in some channel between two PNGs.
CHANGED = """async ([a, b]) => {
  const load = (src) => new Promise((done) => {
    const image = new Image();
    image.onload = () => done(image);
    image.src = src;
  });
  const pixels = (image) => {
    const canvas = new OffscreenCanvas(image.width, image.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(image, 0, 0);
    return ctx.getImageData(0, 0, image.width, image.height).data;
  };
  const [ia, ib] = [await load(a), await load(b)];
  if (ia.width !== ib.width || ia.height !== ib.height) return 1;
  const [pa, pb] = [pixels(ia), pixels(ib)];
  let changed = 0;
  for (let i = 0; i < pa.length; i += 4) {
    const d = [0, 1, 2].map((k) => Math.abs(pa[i + k] - pb[i + k]));
    if (Math.max(...d) > 16) changed += 1;
  }
  return changed / (pa.length / 4);
}"""


class HeldPlotly:
    """Holds every request for plotly.js until release()."""

    def __init__(self, page) -> None:
        self.page = page
        self.routes = []
        page.route(PLOTLY, self.hold)

    def hold(self, route) -> None:
        self.routes.append(route)

    def release(self) -> None:
        while not self.routes:
            self.page.wait_for_timeout(20)
        for route in self.routes:
            route.continue_()
        self.page.unroute(PLOTLY, self.hold)


def png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def settled(page) -> None:
    """plotly's figure with its legend drawn (after the contour image), then a frame and 50 ms."""
    page.wait_for_function("() => document.querySelector('#plot .legend')")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="default"),
        pytest.param("", id="default-phone", marks=pytest.mark.phone),
        pytest.param(ONE_D, id="one-dimensional"),
    ],
)
def test_the_preview_paints_first_and_plotly_takes_its_place_without_a_jump(page, lab, query):
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    plotly = HeldPlotly(page)
    page.goto(f"/{query}")
    page.wait_for_function(PAINTED)

    assert page.evaluate("typeof window.Plotly") == "undefined"
    assert lab.renders() == 0
    for figure in ("plot", "loss-plot"):
        size = page.evaluate(
            """id => {
                const div = document.getElementById(id);
                const canvas = div.querySelector('canvas.preview');
                return [canvas.clientWidth, canvas.clientHeight, div.clientWidth, div.clientHeight];
            }""",
            figure,
        )
        assert size[:2] == size[2:], f"the {figure} preview has the figure's size"
    expect(page.locator("#summary tbody tr")).to_have_count(1 if query == ONE_D else 3)
    page.wait_for_timeout(300)
    before = page.locator("#plot").screenshot()

    plotly.release()
    lab.wait_render(0)
    settled(page)
    assert page.locator("#plot canvas.preview, #loss-plot canvas.preview").count() == 0
    assert page.locator("#plot .plot-container").count() == 1, "exactly one figure"
    assert page.locator("#loss-plot .plot-container").count() == 1
    after = page.locator("#plot").screenshot()
    changed = page.evaluate(CHANGED, [png(before), png(after)])
    # Anti-aliasing and the dots of the dotted paths differ (about 0.5 %); a 1 px shift of the
    # plot area changes 2.5-4 % of the pixels.
    assert changed < 0.015, f"{changed:.1%} of the plot's pixels changed when plotly took over"
    assert csp_violations(page) == []


def test_the_player_moves_the_preview_before_plotly_has_run(page, lab):
    plotly = HeldPlotly(page)
    page.goto("/")
    page.wait_for_function(PAINTED)
    still = page.locator("#plot").screenshot()
    page.get_by_role("button", name="Step forward", exact=True).click()
    page.get_by_role("button", name="Step forward", exact=True).click()
    assert lab.step() == 2, "steps happen at once, on the preview"
    page.get_by_label("Speed").select_option("0.25")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 20")

    playing = motion_pixels(page)
    assert playing["plot"] > 500, "the trails and heads are painted on the motion canvas"
    assert playing["loss"] > 50, "and the loss chart's heads"
    assert page.evaluate("typeof window.Plotly") == "undefined"
    page.get_by_role("button", name="Pause", exact=True).click()
    paused_at = lab.step()
    assert motion_pixels(page) == {"plot": 0, "loss": 0}, "stopped: all on the preview"
    moved = page.evaluate(CHANGED, [png(still), png(page.locator("#plot").screenshot())])
    assert moved > 0.001, "the preview shows the paths at the paused step"

    plotly.release()
    lab.wait_render(0)
    assert lab.step() == paused_at
    trails = lab.traces("trail-")
    assert all(len(t["x"]) == paused_at + 1 for t in trails), "plotly's trails reach that step"


def test_plotly_runs_once_the_player_and_the_pointer_are_still(page, lab):
    page.goto("/")
    page.wait_for_function(PAINTED)
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(1500)
    assert page.evaluate(PLOTLY_SCRIPTS) == 0, "not while the paths move"
    page.get_by_role("button", name="Pause", exact=True).click()
    box = page.locator("#plot").bounding_box()
    for i in range(10):
        page.mouse.move(box["x"] + 100 + 20 * i, box["y"] + 200)
        page.wait_for_timeout(150)
    assert page.evaluate(PLOTLY_SCRIPTS) == 0, "not while the pointer moves"
    lab.wait_render(0)
    assert page.evaluate(PLOTLY_SCRIPTS) == 1


def test_the_pointer_reads_and_picks_on_the_preview(page, lab):
    HeldPlotly(page)
    page.goto("/")
    page.wait_for_function(PAINTED)
    layout = page.evaluate(
        """() => {
            const canvas = document.querySelector('#plot canvas.preview');
            const { xaxis, yaxis } = canvas.layout;
            const rect = canvas.getBoundingClientRect();
            return { left: rect.left + xaxis._offset, top: rect.top + yaxis._offset,
                     width: xaxis._length, height: yaxis._length };
        }"""
    )
    # Rosenbrock's window: x in [-2, 2], y in [-1, 3]; (1, 2) is 3/4 across and 1/4 down.
    x = layout["left"] + 0.75 * layout["width"]
    y = layout["top"] + 0.25 * layout["height"]
    page.mouse.move(x, y)
    readout = page.locator("#cursor-readout")
    expect(readout).to_be_visible()
    # f(1, 2) = (1 - 1)^2 + 100 (2 - 1^2)^2 = 100, read from the grid the contour came from.
    loss = float(readout.inner_text().split("loss")[1])
    assert loss == pytest.approx(100, rel=0.05)
    page.mouse.click(x, y)
    expect(page.get_by_label("Start x")).not_to_have_value("-1.5")
    start = [float(page.get_by_label(f"Start {axis}").input_value()) for axis in "xy"]
    assert start == pytest.approx([1.0, 2.0], abs=0.01)
    assert page.evaluate("typeof window.Plotly") == "undefined"


@pytest.mark.parametrize(("view", "at_once"), [("2d", False), ("3d", True)])
def test_plotly_runs_at_once_only_for_what_the_preview_cannot_draw(page, lab, view, at_once):
    held = []
    page.route("**/api/v1/trajectories", lambda route: held.append(route))
    page.goto(f"/?surface=himmelblau&steps=200&r1=adam&r1.lr=0.05&view={view}")
    while not held:
        page.wait_for_timeout(20)
    page.wait_for_timeout(200)
    script = "() => Boolean(document.querySelector('script[src*=\"/vendor/plotly-\"]'))"
    assert page.evaluate(script) is at_once
    for route in held:
        route.continue_()
    lab.wait_render(0)
    assert page.evaluate("document.getElementById('plot').dataset.painted") == "1"


def test_play_pressed_before_the_first_picture_plays_the_preview(page, lab):
    held = []
    page.route("**/api/v1/trajectories", lambda route: held.append(route))
    page.goto("/")
    while not held:
        page.wait_for_timeout(20)
    page.get_by_role("button", name="Play", exact=True).click()
    assert page.evaluate("document.body.dataset.busy") == "true", "the page says Play is coming"
    for route in held:
        route.continue_()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 5")
    assert page.evaluate(PLOTLY_SCRIPTS) == 0, "it plays on the preview; plotly.js waits"
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_enabled()


@pytest.mark.allow_http_error(503)
def test_plotly_that_fails_to_load_is_reported_and_tried_again(page, lab):
    attempts = []

    def flaky(route) -> None:
        attempts.append(route.request.url)
        if len(attempts) == 1:  # the page's preload, whose answer its first <script> gets
            route.fulfill(status=503, body="down for a moment")
        else:
            route.continue_()

    page.route(PLOTLY, flaky)
    page.goto("/")
    page.wait_for_function(PAINTED)
    page.get_by_label("Side by side").check()  # needs plotly.js at once
    expect(page.locator("#form-error")).to_contain_text("could not load")
    assert lab.renders() == 0
    page.get_by_label("Side by side").uncheck()
    page.get_by_label("Side by side").check()  # needs it again: a new attempt
    lab.wait_render(0)
    assert len(attempts) == 2
    assert page.locator("#plot .xy").count() == 3, "one panel per run"


def test_a_click_on_the_previews_legend_asks_for_plotly_at_once(page, lab):
    page.goto("/")
    page.wait_for_function(PAINTED)
    box = page.locator("#plot canvas.preview").bounding_box()
    top = page.evaluate("() => document.querySelector('#plot canvas.preview').layout.yaxis._offset")
    page.mouse.click(box["x"] + 120, box["y"] + top / 2)  # the legend, above the plot area
    assert page.evaluate(PLOTLY_SCRIPTS) == 1, "not after 0.6 s of stillness: at once"
    lab.wait_render(0)
