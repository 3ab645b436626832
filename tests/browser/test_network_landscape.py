"""The network's landscape (issue 18): the plane selector, the contour with the runs' paths
moved by the player, each head's true loss, plane loss and distance, PCA's explained variance,
the initial -> final lines, and the "Why it works anyway" lesson, by label."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import untyped
from tests.browser.test_networks_page import net_act, open_network

LANDSCAPE_URL = "/api/v1/networks/train"


def plane_traces(page: Page, prefix: str) -> list[dict]:
    return page.evaluate(
        """prefix => document.getElementById('net-landscape-plot').data
            .filter((t) => (t.uid || '').startsWith(prefix))
            .map((t) => ({uid: t.uid, type: t.type, x: Array.from(t.x), y: Array.from(t.y)}))""",
        prefix,
    )


def head_rows(page: Page) -> list[list[str]]:
    table = page.get_by_role("table", name="Each head on the plane")
    rows = table.locator("tbody tr")
    return [
        [rows.nth(i).locator("th, td").nth(c).inner_text() for c in range(5)]
        for i in range(rows.count())
    ]


@pytest.fixture
def answers(page):
    """Every /networks/train answer the page gets, decoded."""
    seen: list = []
    page.on(
        "response",
        lambda r: seen.append(r) if r.url.endswith(LANDSCAPE_URL) and r.ok else None,
    )
    return lambda: [untyped(r.json()) for r in seen]


def test_the_pca_plane_draws_every_path_and_moves_the_heads_with_the_player(
    page, lab, answers, shots
):
    open_network(lab)
    card = page.get_by_role("region", name="Landscape: the loss on a plane through the parameters")
    expect(card).to_be_visible()
    expect(page.get_by_label("Plane", exact=True)).to_have_value("pca")
    expect(card.get_by_role("region", name="Loss on the plane chart")).to_be_visible()
    landscape = answers()[-1]["landscape"]
    share = landscape["explained_variance"]
    expect(page.locator("#net-landscape-note")).to_contain_text(f"{100 * share[0]:.1f} %")

    (contour,) = plane_traces(page, "plane")
    assert contour["type"] == "contour" and len(contour["x"]) == 41 == len(contour["y"])
    full = plane_traces(page, "path-")
    assert len(full) == 3
    for trace, path in zip(full, landscape["paths"], strict=True):
        assert trace["x"] == pytest.approx(path["u"]) and trace["y"] == pytest.approx(path["v"])
    # step 0: every head at its path's first point, the table at snapshot 0
    heads = plane_traces(page, "head-")
    assert [h["x"][0] for h in heads] == pytest.approx([p["u"][0] for p in landscape["paths"]])
    rows = head_rows(page)
    assert [r[0] for r in rows] == ["SGD", "Momentum", "Adam"] and {r[1] for r in rows} == {"0"}

    # The player moves the heads: at step 250 each is at its last snapshot at or before it.
    page.get_by_label("Animation step").fill("250")
    page.wait_for_function(
        """() => document.querySelector('#net-landscape-heads tbody tr td').textContent
            !== '0'"""
    )
    path = landscape["paths"][2]
    at = max(i for i, s in enumerate(path["steps"]) if s <= 250)
    (head,) = [h for h in plane_traces(page, "head-") if h["uid"] == "head-2"]
    assert head["x"] == pytest.approx([path["u"][at]]) and head["y"] == pytest.approx(
        [path["v"][at]]
    )
    (trail,) = [t for t in plane_traces(page, "trail-") if t["uid"] == "trail-2"]
    assert len(trail["x"]) == at + 1
    # The ring round the head has the head's distance from the plane for its radius.
    ring = page.evaluate("() => document.getElementById('net-landscape-plot').layout.shapes[2]")
    distance = path["distance_from_plane"][at]
    assert (ring["x1"] - ring["x0"]) / 2 == pytest.approx(distance)
    assert (ring["x1"] + ring["x0"]) / 2 == pytest.approx(path["u"][at])
    adam = head_rows(page)[2]
    assert adam[1] == str(path["steps"][at])
    assert float(adam[2]) == pytest.approx(path["true_loss"][at], rel=1e-3)
    assert float(adam[3]) == pytest.approx(path["plane_loss"][at], rel=1e-3)
    assert float(adam[4]) == pytest.approx(path["distance_from_plane"][at], rel=1e-2)

    line = page.get_by_role("region", name="Loss from initial to final chart")
    expect(line).to_be_visible()
    names = page.evaluate(
        "() => document.getElementById('net-landscape-line').data.map((t) => t.name)"
    )
    assert names == ["SGD", "Momentum", "Adam"]
    page.set_viewport_size({"width": 1440, "height": 900})
    card.scroll_into_view_if_needed()
    card.screenshot(path=shots / "network-landscape-pca-1440.png")


def test_the_3d_landscape_drops_from_each_head_to_its_true_loss(page, lab, answers, shots):
    open_network(lab)
    before = len(answers())
    page.get_by_label("3-D landscape").check()
    page.wait_for_function(
        "() => document.getElementById('net-landscape-card').dataset.view === '3d'"
    )
    assert len(answers()) == before  # redrawn, not re-trained
    (surface,) = plane_traces(page, "plane")
    assert surface["type"] == "surface"
    page.get_by_label("Animation step").fill("500")
    page.wait_for_function(
        "() => document.querySelector('#net-landscape-heads tbody tr td').textContent === '500'"
    )
    landscape = answers()[-1]["landscape"]
    truths = page.evaluate(
        """() => document.getElementById('net-landscape-plot').data
            .filter((t) => (t.uid || '').startsWith('truth-'))
            .map((t) => ({x: Array.from(t.x), z: Array.from(t.z)}))"""
    )
    assert len(truths) == 3
    for truth, path in zip(truths, landscape["paths"], strict=True):
        assert truth["x"] == pytest.approx([path["u"][-1]] * 2)
        # from the plane's loss down (or up) to the true loss: in that order, on the z scale
        plane_loss, true_loss = path["plane_loss"][-1], path["true_loss"][-1]
        assert (truth["z"][0] < truth["z"][1]) == (plane_loss < true_loss)
    page.locator("#net-landscape-card").screenshot(path=shots / "network-landscape-3d-1280.png")


def test_the_plane_selector_retrains_on_the_plane_picked(page, lab, answers):
    open_network(lab)
    net_act(page, lambda: page.get_by_label("Plane", exact=True).select_option("interpolation"))
    landscape = answers()[-1]["landscape"]
    assert landscape["plane"] == "interpolation"
    expect(page.locator("#net-landscape-note")).to_contain_text("both ends of those paths")
    # Runs 1 and 2 end on this plane: their last row, at the last step, is 0 from it.
    page.get_by_label("Animation step").fill("500")
    page.wait_for_function(
        "() => document.querySelector('#net-landscape-heads tbody tr td').textContent === '500'"
    )
    rows = head_rows(page)
    assert float(rows[0][4]) < 1e-12 and float(rows[1][4]) < 1e-12
    assert float(rows[0][2]) == pytest.approx(float(rows[0][3]), rel=1e-3)
    net_act(page, lambda: page.get_by_label("Plane", exact=True).select_option("random"))
    assert answers()[-1]["landscape"]["plane"] == "random"
    expect(page.locator("#net-landscape-note")).to_contain_text("filter-normalised")


def test_the_why_it_works_lesson_puts_three_batch_orders_on_one_plane(page, lab, answers, shots):
    lab.open()

    def pick() -> None:
        page.get_by_role("button", name="Lessons").click()
        page.get_by_role("menuitem", name="Why it works anyway").click()

    net_act(page, pick)
    lesson = page.get_by_role("complementary", name="Why it works anyway")
    expect(lesson).to_be_visible()
    expect(page.get_by_label("Plane", exact=True)).to_have_value("interpolation")
    (answer,) = answers()
    runs, landscape = answer["runs"], answer["landscape"]
    assert [r["label"] for r in runs] == [f"Adam, batch order {k}" for k in (1, 2, 3)]
    # The text's claims: all low, different ends, lines never above the start, a bowl at random.
    finals = [r["losses"][-1] for r in runs]
    assert all(0.04 <= f <= 0.06 for f in finals) and len(set(finals)) == 3
    assert all(r["test_accuracies"][-1] >= 0.94 for r in runs)
    start = runs[0]["losses"][0]
    for line in landscape["lines"]:
        inside = [v for a, v in zip(line["alpha"], line["loss"], strict=True) if 0 <= a <= 1]
        assert max(inside) == pytest.approx(start)
    assert landscape["paths"][2]["distance_from_plane"][-1] > 1
    expect(lesson.locator("table.checkpoints tbody tr")).to_have_count(3)
    lesson.screenshot(path=shots / "network-landscape-lesson-text-1280.png")
    page.locator("#net-landscape-card").screenshot(path=shots / "network-landscape-lesson-1280.png")

    net_act(page, lambda: page.get_by_label("Plane", exact=True).select_option("random"))
    plane = answers()[-1]["landscape"]
    loss = plane["loss"]
    centre = loss[20][20]
    assert plane["u"][20] == 0 and centre == pytest.approx(0.059, abs=0.005)
    assert min(loss[0][0], loss[-1][-1], loss[0][-1], loss[-1][0]) > 5 * centre


@pytest.mark.phone
def test_the_landscape_fits_a_phone(page, lab, shots):
    open_network(lab)
    card = page.locator("#net-landscape-card")
    expect(card).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390
    box = page.locator("#net-landscape-plot").bounding_box()
    assert box["width"] > 300
    card.screenshot(path=shots / "network-landscape-390.png")


def test_runs_trained_apart_are_named_as_off_the_plane(page, lab, answers):
    lab.open()

    def pick() -> None:
        page.get_by_role("button", name="Lessons").click()
        page.get_by_role("menuitem", name="Mini-batch SGD on a real network").click()

    net_act(page, pick)
    # Three batch sizes, three requests: the plane rides with the first (full batch) only.
    with_plane = [a for a in answers() if "landscape" in a]
    assert len(answers()) == 3 and len(with_plane) == 1
    assert [r["label"] for r in with_plane[0]["runs"]] == ["Full batch (150)"]
    expect(page.locator("#net-landscape-note")).to_contain_text("(1 of 3 shown)")
    rows = head_rows(page)
    assert [r[0] for r in rows] == ["Full batch (150)"]
    assert len(plane_traces(page, "head-")) == 1


def test_with_one_run_the_interpolation_plane_is_the_line_to_its_end(page, lab, answers, shots):
    open_network(lab)
    for n in (3, 2):
        net_act(page, lambda n=n: page.get_by_role("button", name=f"Remove run {n}").click())
    net_act(page, lambda: page.get_by_label("Plane", exact=True).select_option("interpolation"))
    landscape = answers()[-1]["landscape"]
    assert landscape["v"] is None and len(landscape["paths"]) == 1
    expect(page.locator("#net-landscape-note")).to_contain_text("One run: the line")
    (curve,) = plane_traces(page, "plane")
    assert curve["type"] == "scatter" and curve["y"] == pytest.approx(landscape["loss"])
    # its path lies on the line: each point's height is the line's loss at its projection
    (path,) = plane_traces(page, "path-")
    assert path["y"] == pytest.approx(landscape["paths"][0]["plane_loss"])
    assert float(head_rows(page)[0][4]) < 1e-12  # step 0: the initial point is on the line
    page.locator("#net-landscape-card").screenshot(path=shots / "network-landscape-line-1280.png")
