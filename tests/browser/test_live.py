"""Live exploration: every numeric setting has a slider, and moving it (or typing a valid value)
recomputes and redraws at once, one request in flight at a time, the newest winning."""

from __future__ import annotations

import json
import math
import time
from itertools import pairwise
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import untyped

SMALL = "?surface=quadratic&start=-2.5,2&steps=60&r1=sgd&r1.lr=0.05&r2=momentum&r2.lr=0.02"
# The same with the player at its last step, where the heads are the runs' ends.
AT_END = SMALL + "&step=60"


class Traffic:
    """The page's POST /trajectories: bodies sent, answers, and the most at once in flight."""

    def __init__(self, page) -> None:
        self.sent: list[dict] = []
        self.answers: list[dict] = []
        self.in_flight = 0
        self.most = 0
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._finished)
        self.page = page

    @staticmethod
    def _ours(request) -> bool:
        return request.method == "POST" and urlsplit(request.url).path == "/api/v1/trajectories"

    def _request(self, request) -> None:
        if self._ours(request):
            self.sent.append(request.post_data_json)
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)

    def _finished(self, request) -> None:
        if self._ours(request):
            self.in_flight -= 1
            response = request.response() if request.failure is None else None
            if response is not None:
                self.answers.append(untyped(response.json()))


def settled(page) -> None:
    """No request running and the newest answer drawn by plotly (live answers are painted on a
    canvas over plotly's held figure until the edits pause: ``data-held`` while they are)."""
    ready = (
        "() => document.body.dataset.busy === 'false'"
        " && !('held' in document.getElementById('plot').dataset)"
    )
    page.wait_for_function(ready)
    page.wait_for_timeout(400)
    page.wait_for_function(ready)


def head(lab, run: int) -> tuple[float, float]:
    (trace,) = [t for t in lab.traces("head-") if t["uid"] == f"head-{run}"]
    return trace["x"][0], trace["y"][0]


def test_every_hyperparameter_has_a_labelled_slider_and_the_lr_one_is_logarithmic(page, lab):
    lab.open(SMALL)
    group = lab.run_group(2)
    group.get_by_text("More settings").click()
    for name in ("Learning rate", "Momentum", "Dampening", "Weight decay"):
        expect(group.get_by_role("slider", name=name, exact=True)).to_have_count(1)
    # Steps, the surface's parameters and the noise have theirs too.
    for name in ("Steps", "a", "b", "Noise std"):
        expect(page.get_by_role("slider", name=name, exact=True)).to_have_count(1)
    lr = lab.run_group(1).get_by_role("slider", name="Learning rate", exact=True)
    expect(lr).to_have_attribute("aria-valuetext", "0.05")
    field = lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True)
    lr.focus()
    values = [float(field.input_value())]
    for _ in range(3):
        page.keyboard.press("ArrowRight")
        values.append(float(field.input_value()))
    # Each arrow key multiplies the learning rate by the same factor (100 steps a decade),
    # rounded to 3 significant digits: a logarithmic slider.
    for a, b in pairwise(values):
        assert math.isclose(b / a, 10 ** (1 / 100), rel_tol=0.01), values
    # Momentum is linear: 1000 positions over 0..0.999.
    momentum = group.get_by_role("slider", name="Momentum", exact=True)
    momentum_field = group.get_by_role("textbox", name="Momentum", exact=True)
    momentum.focus()
    page.keyboard.press("ArrowLeft")  # onto the slider's grid (0.9 lies between two positions)
    before = float(momentum_field.input_value())
    page.keyboard.press("ArrowLeft")
    assert math.isclose(before - float(momentum_field.input_value()), 0.000999, abs_tol=2e-6)


def test_a_slider_step_recomputes_and_redraws_without_run_and_the_link_follows(page, lab):
    lab.open(AT_END)
    traffic = Traffic(page)
    history = page.evaluate("() => history.length")
    before = head(lab, 0)
    slider = lab.run_group(1).get_by_role("slider", name="Learning rate", exact=True)
    slider.focus()
    renders = lab.renders()
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    lab.wait_render(renders)
    settled(page)
    lr = float(
        lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True).input_value()
    )
    assert math.isclose(lr, 0.05 * 10 ** (10 / 100), rel_tol=0.01)
    # The newest value was computed and is on screen: the last request is for it, and SGD's head
    # moved (a larger learning rate goes further in 60 steps on this bowl).
    assert traffic.sent[-1]["runs"][0]["hyperparameters"]["lr"] == lr
    assert head(lab, 0) != before
    assert expect(page.get_by_text("Edited: press Run")).to_be_hidden() is None
    # At most one request at a time, and fewer than one per key press when they come fast.
    assert traffic.most == 1
    assert 1 <= len(traffic.sent) <= 10
    # The link holds the new lr, in one new history entry for the burst (not ten): Back undoes
    # the whole burst.
    assert parse_qs(urlsplit(page.url).query)["r1.lr"] == [str(lr)]
    assert page.evaluate("() => history.length") == history + 1
    lab.act(lambda: page.go_back())
    assert parse_qs(urlsplit(page.url).query)["r1.lr"] == ["0.05"]
    field = lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True)
    expect(field).to_have_value("0.05")


def test_dragging_a_slider_with_the_pointer_keeps_one_request_in_flight_and_ends_on_the_last_value(
    page, lab
):
    lab.open(AT_END)
    traffic = Traffic(page)
    slider = lab.run_group(2).get_by_role("slider", name="Learning rate", exact=True)
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.3, y)
    page.mouse.down()
    for k in range(1, 21):
        page.mouse.move(box["x"] + box["width"] * (0.3 + 0.01 * k), y)
        page.wait_for_timeout(25)
    page.mouse.up()
    settled(page)
    field = lab.run_group(2).get_by_role("textbox", name="Learning rate", exact=True)
    final = float(field.input_value())
    assert traffic.most == 1, "latest wins: never two requests at once"
    assert len(traffic.sent) >= 2, "the paths followed the drag, not only its end"
    assert traffic.sent[-1]["runs"][1]["hyperparameters"]["lr"] == final
    # What is drawn is the answer for the final value: the head sits where that run ended.
    last = traffic.answers[-1]["runs"][1]["points"][-1]
    drawn = page.evaluate(
        "() => { const t = document.getElementById('plot').data.find(t => t.uid === 'trail-1');"
        " return [t.x[t.x.length - 1], t.y[t.y.length - 1]]; }"
    )
    assert drawn == last


def test_typing_a_valid_value_runs_and_a_half_typed_one_waits(page, lab):
    lab.open(SMALL)
    traffic = Traffic(page)
    steps = page.get_by_role("textbox", name="Steps", exact=True)
    steps.fill("1e")  # not a number yet
    page.wait_for_timeout(400)
    assert traffic.sent == []
    expect(page.get_by_text("Edited: press Run to update")).to_be_visible()
    renders = lab.renders()
    steps.fill("25")
    lab.wait_render(renders)
    settled(page)
    assert traffic.sent[-1]["steps"] == 25
    assert lab.step() <= 25
    expect(page.get_by_role("slider", name="Steps", exact=True)).to_have_attribute(
        "aria-valuetext", "25"
    )
    expect(page.get_by_text("Edited: press Run to update")).to_be_hidden()


def test_live_off_waits_for_run(page, lab):
    lab.open(SMALL)
    traffic = Traffic(page)
    page.get_by_label("Live").uncheck()
    slider = lab.run_group(1).get_by_role("slider", name="Learning rate", exact=True)
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)
    assert traffic.sent == []
    expect(page.get_by_text("Edited: press Run to update")).to_be_visible()
    lab.run()
    assert len(traffic.sent) == 1
    lr = float(
        lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True).input_value()
    )
    assert traffic.sent[0]["runs"][0]["hyperparameters"]["lr"] == lr
    # Turned on again with an edit waiting, it runs that edit at once.
    page.get_by_role("slider", name="Steps", exact=True).focus()
    page.keyboard.press("ArrowLeft")
    page.wait_for_timeout(200)
    assert len(traffic.sent) == 1
    renders = lab.renders()
    page.get_by_label("Live").check()
    lab.wait_render(renders)
    assert len(traffic.sent) == 2


def test_the_player_keeps_its_place_across_a_live_update(page, lab):
    lab.open(SMALL)
    step = page.get_by_label("Animation step")
    step.fill("30")
    page.wait_for_function("() => new URLSearchParams(location.search).get('step') === '30'")
    slider = lab.run_group(1).get_by_role("slider", name="Learning rate", exact=True)
    slider.focus()
    renders = lab.renders()
    page.keyboard.press("ArrowLeft")
    lab.wait_render(renders)
    settled(page)
    assert lab.step() == 30
    # The heads are drawn at step 30 of the new answer, not at its end or its start.
    started = time.monotonic()
    while lab.traces("head-")[0]["x"] == [] and time.monotonic() - started < 2:
        page.wait_for_timeout(50)
    trail = lab.traces("trail-")[0]
    assert len(trail["x"]) == 31


def test_a_data_set_has_a_batch_size_slider_up_to_its_n(page, lab):
    lab.open("?surface=linear_regression&sp.n=300&r1=sgd&r1.lr=0.05")
    page.get_by_role("group", name="Run 1", exact=True)
    batch = page.get_by_role("slider", name="Batch size", exact=True)
    expect(batch).to_have_count(1)
    batch.focus()
    page.keyboard.press("End")
    expect(page.get_by_role("textbox", name="Batch size", exact=True)).to_have_value("300")
    page.keyboard.press("Home")
    expect(page.get_by_role("textbox", name="Batch size", exact=True)).to_have_value("1")
    # The data set's own size has one too; its seed has none (a seed is not a quantity).
    expect(page.get_by_role("slider", name="n", exact=True)).to_have_count(1)
    expect(page.get_by_role("slider", name="seed", exact=True)).to_have_count(0)


def screen_of(page, point) -> tuple[float, float]:
    """Client pixels of data point (x, y) on the contour (from plotly's own axes)."""
    return tuple(
        page.evaluate(
            """([x, y]) => { const gd = document.getElementById('plot');
                 const full = gd._fullLayout, box = gd.getBoundingClientRect();
                 return [box.left + full.xaxis._offset + full.xaxis.l2p(x),
                         box.top + full.yaxis._offset + full.yaxis.l2p(y)]; }""",
            list(point),
        )
    )


def plotly_ranges(page) -> list:
    return page.evaluate(
        "() => { const f = document.getElementById('plot')._fullLayout;"
        " return [f.xaxis.range.slice(), f.yaxis.range.slice()]; }"
    )


def start_fields(page) -> list[float]:
    return [float(page.get_by_label(f"Start {axis}", exact=True).input_value()) for axis in "xy"]


def test_dragging_the_start_marker_moves_the_paths_live_painted_on_the_canvas(page, lab):
    lab.open(AT_END)
    traffic = Traffic(page)
    ranges = plotly_ranges(page)
    renders = lab.renders()
    x0, y0 = screen_of(page, (-2.5, 2))
    x1, y1 = screen_of(page, (1.5, -1.0))
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, 41):
        page.mouse.move(x0 + (x1 - x0) * k / 40, y0 + (y1 - y0) * k / 40)
        page.wait_for_timeout(30)
    # While the drag goes on, the answers are painted on the canvas: plotly draws none of them.
    page.wait_for_function("() => Number(document.getElementById('plot').dataset.heldPaints) > 1")
    assert lab.renders() == renders
    page.mouse.up()
    lab.wait_render(renders)
    settled(page)
    # No zoom box: the axes are where they were; the start is where the marker was let go.
    assert plotly_ranges(page) == ranges
    start = start_fields(page)
    assert math.isclose(start[0], 1.5, abs_tol=0.05) and math.isclose(start[1], -1.0, abs_tol=0.05)
    assert traffic.most == 1 and len(traffic.sent) >= 2
    assert traffic.sent[-1]["start"] == start
    assert parse_qs(urlsplit(page.url).query)["start"] == [f"{start[0]:g},{start[1]:g}"]
    # Released, plotly draws the last answer: its start marker and every trail begin there.
    for trail in lab.traces("trail-"):
        assert [trail["x"][0], trail["y"][0]] == start
    marker = page.evaluate(
        "() => { const t = document.getElementById('plot').data.find(t => t.uid === 'start-0');"
        " return [t.x[0], t.y[0]]; }"
    )
    assert marker == start


def test_a_press_away_from_the_start_marker_still_zooms(page, lab):
    lab.open(AT_END)
    ranges = plotly_ranges(page)
    x0, y0 = screen_of(page, (0.5, 0.5))
    x1, y1 = screen_of(page, (1.5, -0.5))
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "r => JSON.stringify(document.getElementById('plot')._fullLayout.xaxis.range) !== r",
        arg=json.dumps(ranges[0]),
    )
    assert start_fields(page) == [-2.5, 2.0]


def test_live_answers_are_painted_on_the_canvas_and_plotly_draws_the_last_once_edits_pause(
    page, lab
):
    lab.open(AT_END)
    held = "() => Number(document.getElementById('plot').dataset.heldAnswers || 0)"
    renders, painted = lab.renders(), page.evaluate(held)
    slider = lab.run_group(1).get_by_role("slider", name="Learning rate", exact=True)
    slider.focus()
    for _ in range(3):
        before = page.evaluate(held)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"n => ({held})() > n", arg=before)
    # Each answer went onto the canvas at once; plotly has not drawn any of them yet.
    assert page.evaluate(held) >= painted + 3
    assert lab.renders() == renders
    assert "held" in page.evaluate("() => ({...document.getElementById('plot').dataset})")
    # Once the edits pause plotly draws the last answer, once.
    settled(page)
    assert lab.renders() == renders + 1
    lr = float(
        lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True).input_value()
    )
    assert math.isclose(lr, 0.05 * 10 ** (3 / 100), rel_tol=0.01)
