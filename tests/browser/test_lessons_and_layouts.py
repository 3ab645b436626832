"""Every lesson and every layout, on a desktop and a phone, with screenshots to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

LESSONS = [
    "The simplest descent",
    "A learning rate too large",
    "When the loss explodes",
    "Momentum against plain SGD",
    "Adam against SGD on Rosenbrock",
    "Stuck at a saddle",
    "Many local minima: Rastrigin",
    "Four valleys: Himmelblau",
]
DEVICES = [pytest.param("desktop"), pytest.param("phone", marks=pytest.mark.phone)]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def assert_fits_the_viewport(page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the viewport"


@pytest.mark.parametrize("device", DEVICES)
def test_every_lesson_loads_and_explains_itself(page, lab, shots, device):
    lab.open()
    for title in LESSONS:
        lab.open_lesson(title)
        lesson = page.get_by_role("complementary", name=title)
        expect(lesson).to_be_visible()
        expect(lesson.locator("#lesson-text p")).to_have_count(2)
        assert page.locator("#summary tbody tr .badge").count() >= 1
        assert "lesson=" in page.url
        assert_fits_the_viewport(page)
        page.screenshot(path=shots / f"lesson-{slug(title)}-{device}.png", full_page=True)

    page.get_by_role("button", name="Close lesson").click()
    expect(page.locator("#lesson")).to_be_hidden()


@pytest.mark.parametrize("device", DEVICES)
def test_every_layout_fits_and_draws(page, lab, shots, device):
    lab.open()
    assert_fits_the_viewport(page)
    page.get_by_label("Animation step").fill("400")
    page.screenshot(path=shots / f"layout-overlay-{device}.png", full_page=True)

    lab.act(lambda: page.get_by_label("Side by side").check())
    assert_fits_the_viewport(page)
    page.screenshot(path=shots / f"layout-side-by-side-{device}.png", full_page=True)

    lab.act(lambda: page.get_by_label("Side by side").uncheck())
    lab.act(lambda: page.get_by_label("3-D view").check())
    assert_fits_the_viewport(page)
    page.screenshot(path=shots / f"layout-3d-{device}.png", full_page=True)


@pytest.mark.phone
def test_leaving_side_by_side_gives_the_plot_its_height_back(page, lab):
    lab.open()
    height = page.locator("#plot").bounding_box()["height"]
    lab.act(lambda: page.get_by_label("Side by side").check())
    assert page.locator("#plot").bounding_box()["height"] > 2 * height, "panels stack on a phone"
    lab.act(lambda: page.get_by_label("Side by side").uncheck())
    figure = page.evaluate("() => document.getElementById('plot')._fullLayout.height")
    assert page.locator("#plot").bounding_box()["height"] == height
    assert figure == height
