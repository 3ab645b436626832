"""Learning-rate tools on the page: the schedule editor, the lr sweep panel, the basin map."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from app.api import cost
from app.config import SETTINGS
from app.numerics.datasets import surface_from_dataset

LR_CURVE = "() => Array.from(document.getElementById('lr-plot').data[0].y)"


def sweep_traces(page) -> dict:
    """The sweep chart's marker traces by name: {name: [lr, ...]}, and its shapes."""
    return page.evaluate(
        """() => {
            const gd = document.getElementById('sweep-plot');
            const byName = {};
            for (const t of gd.data) if (t.name) byName[t.name] = Array.from(t.x);
            return {traces: byName, shapes: gd.layout.shapes};
        }"""
    )


@contextmanager
def reopened(page, lab, server_url):
    """This page's URL in a new tab, as after a reload (a reload can abort the favicon)."""
    other = page.context.new_page()
    try:
        again = type(lab)(other)
        again.open(page.url.removeprefix(server_url + "/"))
        yield again
    finally:
        other.close()


def test_schedule_editor_draws_the_lr_curve_and_survives_reload(page, lab, server_url):
    lab.open("?surface=parabola&start=0&steps=30&r1=sgd&r1.lr=0.1")
    expect(page.locator("#lr-chart")).to_be_hidden()
    run = lab.run_group(1)
    run.locator("summary", has_text="Schedule").click()
    run.get_by_label("Schedule", exact=True).select_option("step")
    run.get_by_label("step_size", exact=True).fill("10")
    run.get_by_label("gamma", exact=True).fill("0.5")
    expect(run.get_by_label("t_max", exact=True)).to_be_hidden()
    lab.run()

    expect(page.get_by_role("region", name="Learning rate vs step")).to_be_visible()
    lrs = page.evaluate(LR_CURVE)
    assert lrs[0] == pytest.approx(0.1)
    assert lrs[-1] == pytest.approx(0.025), "halved every 10 of the 30 updates"
    assert pytest.approx(0.05) in lrs
    assert "r1.schedule=step" in page.url and "r1.schedule.step_size=10" in page.url

    with reopened(page, lab, server_url) as again:
        run = again.run_group(1)
        expect(run.get_by_label("Schedule", exact=True)).to_have_value("step")
        expect(run.get_by_label("step_size", exact=True)).to_have_value("10")
        assert again.page.evaluate(LR_CURVE) == lrs


@pytest.mark.allow_http_error(422)
def test_schedule_error_shows_beside_its_field(page, lab):
    lab.open("?surface=parabola&start=0&steps=30&r1=sgd&r1.lr=0.1&r1.schedule=exponential")
    run = lab.run_group(1)
    run.get_by_label("gamma", exact=True).fill("2")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(run.locator("#run-0-schedule-gamma-error")).to_contain_text("less than or equal to 1")
    expect(run.get_by_label("gamma", exact=True)).to_have_attribute("aria-invalid", "true")


def test_sweep_finds_the_parabola_edge_and_uses_the_best_lr(page, lab):
    lab.open("?surface=parabola&start=0&r1=sgd&r1.lr=0.1")
    page.get_by_role("button", name="Sweep learning rates").click()
    panel = page.get_by_role("region", name="Learning-rate sweep")
    expect(panel).to_be_visible()
    panel.get_by_label("From", exact=True).fill("0.1")
    panel.get_by_label("To", exact=True).fill("1.5")
    panel.get_by_role("button", name="Sweep", exact=True).click()
    page.wait_for_function(
        """() => document.body.dataset.sweep === 'ready'
            && document.getElementById('sweep-plot').layout.xaxis.range[1] > Math.log10(1.5)"""
    )
    expect(panel.locator("#sweep-busy")).to_be_hidden()

    chart = sweep_traces(page)
    assert chart["traces"]["converged"] and max(chart["traces"]["converged"]) < 1
    assert chart["traces"]["diverged"] and min(chart["traces"]["diverged"]) > 1
    shaded = next(s for s in chart["shapes"] if s["type"] == "rect")
    assert 1 < shaded["x0"] < 1.05, "the diverged region starts just above lr 1"
    assert len(chart["traces"]["paths on the plot"]) == 5
    fan = lab.traces("sweep-fan-")
    assert len(fan) == 5 and all(len(path["x"]) > 1 for path in fan)
    assert "sweep=1" in page.url and "sweep.lr=0.1%2C1.5" in page.url

    answer = page.request.post(
        "/api/v1/sweeps/lr",
        data={
            "surface": {"id": "parabola", "params": {}},
            "start": [0],
            "steps": 1000,
            "optimizer": "sgd",
            "lr_range": [0.1, 1.5],
            "count": 64,
        },
    ).json()
    expect(panel.locator("#sweep-summary")).to_contain_text("Best lr")
    lab.act(lambda: panel.get_by_role("button", name="Use this learning rate").click())
    field = lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True)
    assert float(field.input_value()) == pytest.approx(answer["best_lr"], rel=1e-3)
    expect(page.locator("#summary tbody tr .badge").first).to_contain_text("converged")

    panel.get_by_role("button", name="Close sweep").click()
    expect(panel).to_be_hidden()
    no_fan = "() => !document.getElementById('plot').data.some(t => t.uid?.startsWith('sweep-'))"
    page.wait_for_function(no_fan)
    assert "sweep=" not in page.url


@pytest.mark.allow_http_error(422)
def test_sweep_count_starts_within_the_work_limit_and_its_error_shows_beside_it(page, lab):
    # A data set of 5,000 examples (its costs in app/api/cost.py) and the budget: steps at which
    # about 40 lrs fit. (On a built-in surface the compiled sweep is so cheap that even
    # max_steps leaves room for more than 64.)
    data = surface_from_dataset("linear_regression", {"n": 5000})
    turn, lane = cost.turn_work(data), cost.lane_step_work(data)
    steps = SETTINGS.max_work // (turn + 40 * lane)
    affordable = (SETTINGS.max_work // steps - turn) // lane
    assert 2 < affordable < 64 and steps <= SETTINGS.max_steps
    lab.open(f"?surface=linear_regression&sp.n=5000&steps={steps}&r1=sgd&r1.lr=0.05")
    page.get_by_role("button", name="Sweep learning rates").click()
    panel = page.get_by_role("region", name="Learning-rate sweep")
    # Not the usual 64: as many lrs as the work budget allows at these steps.
    expect(panel.get_by_label("Count")).to_have_value(str(affordable))
    page.wait_for_function("() => document.body.dataset.sweep === 'ready'")
    panel.get_by_label("Count").fill("64")
    panel.get_by_role("button", name="Sweep", exact=True).click()
    expect(panel.locator("#sweep-count-error")).to_contain_text("GRADSCAPE_MAX_WORK")


def test_basin_map_on_himmelblau_colours_four_basins_and_click_sets_start(page, lab, server_url):
    lab.open("?surface=himmelblau&steps=500&r1=sgd&r1.lr=0.01")
    lab.act(lambda: page.get_by_label("Basin map").check())
    page.wait_for_function(
        """() => document.body.dataset.basins === 'ready'
            && document.getElementById('plot').data.some(t => t.uid === 'basin-map')"""
    )
    cells = page.evaluate(
        """() => {
            const map = document.getElementById('plot').data.find(t => t.uid === 'basin-map');
            return {z: [...new Set(map.z.flat())], text: map.text.flat()};
        }"""
    )
    assert {2, 3, 4, 5} <= set(cells["z"]), "every one of the four minima has a basin"
    assert any(t.startswith("→ minimum 4 (3.58, -1.85)") for t in cells["text"])
    legend = page.get_by_role("group", name="Where each start ends up")
    keys = legend.locator("li")
    expect(keys).to_have_count(6)
    assert all(int(keys.nth(i).get_attribute("data-count")) > 0 for i in range(4))
    assert "basins=1" in page.url

    # A click on the map starts from the centre of that cell: near minimum 4, it ends there.
    x, y = page.evaluate(
        """() => {
            const gd = document.getElementById('plot');
            const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
            const {xaxis, yaxis} = gd._fullLayout;
            return [box.left + xaxis.l2p(3.2), box.top + yaxis.l2p(-1.3)];
        }"""
    )
    lab.act(lambda: page.mouse.click(x, y))
    start = [float(page.get_by_label(name).input_value()) for name in ("Start x", "Start y")]
    assert start != [-0.5, -1.5]
    assert start == pytest.approx([3.2, -1.3], abs=0.12)
    expect(page.locator("#summary tbody tr")).to_contain_text("from (3.58, -1.85)")

    with reopened(page, lab, server_url) as again:
        expect(again.page.get_by_label("Basin map")).to_be_checked()
        again.page.wait_for_function("() => document.body.dataset.basins === 'ready'")


def test_a_basin_map_too_long_for_the_budget_is_explained_not_requested(page, lab):
    """At 40,000 steps not even 2 x 2 starts fit the work budget on a data set of 5,000
    examples: the page says so beside the switch, and sends no request the server would refuse."""
    data = surface_from_dataset("linear_regression", {"n": 5000})
    steps = 40_000
    assert steps * (cost.turn_work(data) + 4 * cost.lane_step_work(data)) > SETTINGS.max_work
    posted: list[str] = []
    page.on("request", lambda req: "/api/v1/basins" in req.url and posted.append(req.url))
    lab.open(f"?surface=linear_regression&sp.n=5000&steps={steps}&r1=adam&r1.lr=0.001")
    lab.act(lambda: page.get_by_label("Basin map").check())
    expect(page.locator("#basin-map-error")).to_contain_text("fewer steps")
    expect(page.get_by_label("Basin map")).to_have_attribute("aria-invalid", "true")
    assert posted == []
