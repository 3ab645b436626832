"""Curvature on the page: the sweep marks 2 / λmax at the start and at the nearest minimum, the
lessons "The edge is 2 / curvature" and its bowl, and diverging runs badged as such."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

READY = "() => document.body.dataset.sweep === 'ready'"


def sweep_chart(page) -> dict:
    return page.evaluate(
        """() => {
            const gd = document.getElementById('sweep-plot');
            const byName = {};
            for (const t of gd.data) if (t.name) byName[t.name] = Array.from(t.x);
            return {traces: byName, shapes: gd.layout.shapes,
                    annotations: gd.layout.annotations.map((a) => a.text)};
        }"""
    )


def edge_lines(chart) -> list[float]:
    return [s["x0"] for s in chart["shapes"] if s.get("name") == "curvature-edge"]


def badges(page) -> list[str]:
    return page.locator("#summary tbody tr .badge").all_inner_texts()


def test_the_parabola_lesson_marks_the_edge_at_1_and_calls_lr_1_01_diverging(page, lab, shots):
    lab.open()
    lab.open_lesson("The edge is 2 / curvature")
    lesson = page.get_by_role("complementary", name="The edge is 2 / curvature")
    expect(lesson).to_be_visible()
    expect(lesson).to_contain_text("lr < 2 / λmax")
    page.wait_for_function(READY)
    panel = page.get_by_role("region", name="Learning-rate sweep")
    expect(panel).to_be_visible()
    chart = sweep_chart(page)
    # f'' = 2 everywhere: one line for the start and the minimum, at lr 1 exactly.
    assert edge_lines(chart) == [1.0]
    assert "2/λmax at the start and the minimum = 1" in chart["annotations"]
    expect(panel.locator("#sweep-summary")).to_contain_text("2 / λmax: 1 at the start (λmax 2)")
    # Every lr above the edge grows: diverging or diverged markers only, the shade from there.
    above = chart["traces"].get("diverging (loss grows)", []) + chart["traces"].get("diverged", [])
    assert above and min(above) > 1.0
    assert all(lr < 1.0 for lr in chart["traces"].get("converged", []))
    shaded = next(s for s in chart["shapes"] if s["type"] == "rect")
    assert 1.0 < shaded["x0"] < 1.011, "the edge is the first lr above 1"

    texts = badges(page)
    assert len(texts) == 4
    assert "diverging" not in texts[0] and "diverging" not in texts[1]
    assert "diverging" in texts[2] and "smaller learning rate" in texts[2]
    assert "diverg" not in texts[3], "momentum 0.9 is stable at lr 1.5"
    page.screenshot(path=shots / "curvature-lesson-parabola.png", full_page=True)


@pytest.mark.phone
def test_the_bowl_lesson_marks_0_2_and_fits_a_phone(page, lab, shots):
    lab.open()
    lab.open_lesson("The edge on the elongated bowl")
    expect(page.get_by_role("complementary", name="The edge on the elongated bowl")).to_be_visible()
    page.wait_for_function(READY)
    chart = sweep_chart(page)
    assert edge_lines(chart) == [pytest.approx(0.2, rel=1e-12)]
    assert "2/λmax = 0.2" in chart["annotations"], "the short label on a phone"
    texts = badges(page)
    assert "converged" in texts[0] or "still going" in texts[0]
    assert "diverg" not in texts[1], "at 0.2 exactly the run bounces for ever"
    assert "diverged" in texts[2]
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=shots / "curvature-lesson-bowl-phone.png", full_page=True)


def test_the_sweep_marks_the_start_and_the_nearest_minimum_apart_on_rosenbrock(page, lab, shots):
    lab.open("?surface=rosenbrock&start=-1.5,2&r1=sgd&r1.lr=0.001")
    page.get_by_role("button", name="Sweep learning rates").click()
    panel = page.get_by_role("region", name="Learning-rate sweep")
    panel.get_by_label("From", exact=True).fill("0.00005")
    panel.get_by_label("To", exact=True).fill("0.01")
    panel.get_by_role("button", name="Sweep", exact=True).click()
    page.wait_for_function(
        READY + " && document.getElementById('sweep-plot').layout.xaxis.range[1] > -2.1"
    )

    def edge(point):
        body = {"surface": {"id": "rosenbrock", "params": {}}, "point": point}
        return page.request.post("/api/v1/curvature", data=body).json()["stable_lr"]["sgd"]

    start, minimum = edge([-1.5, 2]), edge([1, 1])
    assert minimum == pytest.approx(2 / 1001.6006, rel=1e-6)
    lines = sorted(edge_lines(sweep_chart(page)))
    assert start != pytest.approx(minimum, rel=0.01), "two curvatures, two lines"
    assert lines == pytest.approx(sorted([start, minimum]), rel=1e-12)
    summary = panel.locator("#sweep-summary")
    expect(summary).to_contain_text("at the start")
    expect(summary).to_contain_text("at the minimum")
    page.screenshot(path=shots / "curvature-sweep-rosenbrock.png", full_page=True)


def test_the_chapters_lr_1_1_is_badged_diverging(page, lab):
    lab.open("?surface=parabola&start=0&steps=6&r1=sgd&r1.lr=1.1")
    [text] = badges(page)
    assert "diverging" in text and "smaller learning rate" in text
    reason = page.locator("#summary tbody tr .reason")
    expect(reason).to_have_text("the loss ended well above its start")
