"""A touch screen: a tap on the contour starts the runs there (it used to arrive at 0, 0)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.browser.conftest import PHONE, _context
from tests.browser.test_live import AT_END, screen_of, start_fields

pytestmark = pytest.mark.phone


@pytest.fixture(scope="module")
def phone_context(browser: Browser, server_url: str) -> Iterator[BrowserContext]:
    """This module's phone is a touch device (the `page` fixture's watchers still apply)."""
    context = _context(browser, server_url, PHONE, is_mobile=True, has_touch=True)
    yield context
    context.close()


def test_a_tap_on_the_contour_starts_the_runs_there(page, lab):
    lab.open(AT_END)
    page.locator("#plot").scroll_into_view_if_needed()
    x, y = screen_of(page, (1.0, -1.0))
    renders = lab.renders()
    page.touchscreen.tap(x, y)
    lab.wait_render(renders)
    start = start_fields(page)
    assert math.isclose(start[0], 1.0, abs_tol=0.05), start
    assert math.isclose(start[1], -1.0, abs_tol=0.05), start
    assert [lab.traces("trail-")[0]["x"][0], lab.traces("trail-")[0]["y"][0]] == start


def test_a_finger_drags_the_start_marker_and_the_paths_follow(page, lab):
    lab.open(AT_END)
    page.locator("#plot").scroll_into_view_if_needed()
    x0, y0 = screen_of(page, (-2.5, 2))
    x1, y1 = screen_of(page, (1.0, -1.0))
    renders = lab.renders()
    scroll = page.evaluate("() => window.scrollY")
    # Playwright's touchscreen only taps: the drag goes through Chromium's own touch input.
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, x: float, y: float) -> None:
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    touch("touchStart", x0, y0)
    for k in range(1, 21):
        touch("touchMove", x0 + (x1 - x0) * k / 20, y0 + (y1 - y0) * k / 20)
        page.wait_for_timeout(30)
    touch("touchEnd", x1, y1)
    lab.wait_render(renders)
    start = start_fields(page)
    assert math.isclose(start[0], 1.0, abs_tol=0.1), start
    assert math.isclose(start[1], -1.0, abs_tol=0.1), start
    assert int(page.evaluate("document.getElementById('plot').dataset.heldAnswers")) >= 1
    # The finger moved the marker, not the page.
    assert page.evaluate("() => window.scrollY") == scroll
