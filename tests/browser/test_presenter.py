"""Presenter mode, the keyboard shortcuts dialog, and the figure on a phone (issue 14)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.config import SETTINGS
from tests.browser.conftest import PHONE

PLAYING = "Playing (while no button or field has the focus)"


@pytest.fixture(scope="module")
def phone_context(browser: Browser, server_url: str) -> Iterator[BrowserContext]:
    """This module's phone is a touch device (the `page` fixture's watchers still apply)."""
    context = browser.new_context(
        viewport=PHONE, base_url=server_url, is_mobile=True, has_touch=True
    )
    yield context
    context.close()


# ---- helpers ---------------------------------------------------------------------------------


def font_px(page: Page, selector: str) -> float:
    return page.evaluate(
        "s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)", selector
    )


def box(page: Page, selector: str) -> dict:
    return page.evaluate(
        """s => { const r = document.querySelector(s).getBoundingClientRect();
                  return {x: r.x, y: r.y, width: r.width, height: r.height}; }""",
        selector,
    )


def wait_figure_fits(page: Page) -> None:
    """plotly's figure has been redrawn at the size of its container."""
    page.wait_for_function(
        """() => { const plot = document.getElementById('plot');
                   const svg = plot.querySelector('.main-svg');
                   return svg && Math.abs(Number(svg.getAttribute('width')) - plot.clientWidth) < 2
                     && Math.abs(Number(svg.getAttribute('height')) - plot.clientHeight) < 2; }"""
    )


def presenting(page: Page) -> bool:
    return page.get_by_role("button", name="Leave presenter mode").is_visible()


def enter_by_button(lab) -> None:
    lab.act(lambda: lab.page.get_by_role("button", name="Presenter mode", exact=True).click())
    wait_figure_fits(lab.page)


def intersects(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def lab_colour(hex_colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour, from the formulas (no colour library)."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    matrix = [(0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505)]
    white = (0.95047, 1.0, 1.08883)
    xyz = [
        sum(m * c for m, c in zip(row, lin, strict=True)) / w
        for row, w in zip(matrix, white, strict=True)
    ]
    f = [t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def many_runs_query(server_url: str, count: int, steps: int = 60) -> str:
    optimizers = [
        o["id"] for o in httpx.get(f"{server_url}/api/v1/optimizers").json()["optimizers"]
    ]
    runs = "&".join(f"r{i + 1}={o}" for i, o in zip(range(count), itertools.cycle(optimizers)))
    return f"?surface=rosenbrock&steps={steps}&{runs}"


# ---- presenter mode ---------------------------------------------------------------------------


def test_presenter_mode_fills_the_viewport_in_larger_type_and_leaves_by_its_button(
    page, lab, shots
):
    lab.open()
    normal = {
        "readout": font_px(page, "#step-readout"),
        "play": font_px(page, "#play"),
        "legend": font_px(page, "#plot .legendtext"),
        "ticks": font_px(page, "#plot .xtick text"),
    }
    normal_plot = box(page, "#plot")
    expect(page.get_by_role("button", name="Presenter mode", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )

    enter_by_button(lab)
    assert presenting(page)
    viewport = page.viewport_size
    plot = box(page, "#plot")
    assert plot["width"] >= 0.95 * viewport["width"], plot
    assert plot["height"] >= 0.75 * viewport["height"] > normal_plot["height"], plot
    stage = box(page, "#main")
    assert (stage["x"], stage["y"]) == (0, 0), stage
    assert (stage["width"], stage["height"]) == (viewport["width"], viewport["height"]), stage
    # The header and the results are gone; the player is on screen with the figure.
    expect(page.get_by_role("button", name="Lessons")).to_be_hidden()
    expect(page.get_by_role("region", name="Results")).to_be_hidden()
    player = box(page, ".player")
    assert player["y"] + player["height"] <= viewport["height"]
    assert player["y"] >= plot["y"] + plot["height"]
    larger = {
        "readout": font_px(page, "#step-readout"),
        "play": font_px(page, "#play"),
        "legend": font_px(page, "#plot .legendtext"),
        "ticks": font_px(page, "#plot .xtick text"),
    }
    for name, size in normal.items():
        assert larger[name] >= 1.3 * size, (name, size, larger[name])
    page.screenshot(path=shots / "presenter-desktop.png")

    lab.act(lambda: page.get_by_role("button", name="Leave presenter mode").click())
    wait_figure_fits(page)
    assert not presenting(page)
    expect(page.get_by_role("button", name="Presenter mode", exact=True)).to_be_focused()
    expect(page.get_by_role("button", name="Presenter mode", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    assert font_px(page, "#plot .legendtext") == normal["legend"]
    assert font_px(page, "#step-readout") == normal["readout"]
    assert abs(box(page, "#plot")["height"] - normal_plot["height"]) < 2


def test_presenter_mode_by_its_key_not_while_typing_and_escape_leaves(page, lab):
    lab.open()
    steps = page.get_by_role("textbox", name="Steps", exact=True)
    steps.click()
    page.keyboard.press("p")
    assert not presenting(page)
    assert steps.input_value().endswith("p")
    steps.fill("1000")

    page.locator("#main").focus()
    lab.act(lambda: page.keyboard.press("p"))
    assert presenting(page)
    # Its button, hidden with the header while presenting, says the mode is on.
    expect(page.locator("#presenter-button")).to_have_attribute("aria-pressed", "true")

    lab.act(lambda: page.keyboard.press("Escape"))
    assert not presenting(page)
    expect(page.get_by_role("button", name="Lessons")).to_be_visible()

    lab.act(lambda: page.keyboard.press("P"))
    assert presenting(page)
    lab.act(lambda: page.keyboard.press("p"))
    assert not presenting(page)


def test_the_settings_drawer_opens_closes_and_runs(page, lab):
    lab.open()
    enter_by_button(lab)
    drawer = page.get_by_role("form", name="Experiment settings")
    toggle = page.get_by_role("button", name="Settings", exact=True)
    expect(drawer).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # By keyboard: the drawer's button is in the tab order, and the focus goes into the drawer.
    toggle.focus()
    page.keyboard.press("Enter")
    expect(drawer).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert page.evaluate(
        "() => document.getElementById('controls').contains(document.activeElement)"
    )

    # Escape closes the drawer first (the focus back on its button), and the mode stays.
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(toggle).to_be_focused()
    assert presenting(page)

    # A change made in the drawer runs and shows in the presenter's figure.
    toggle.click()
    page.get_by_role("textbox", name="Steps", exact=True).fill("300")
    lab.run()
    expect(page.locator("#step-readout")).to_have_text("step 0 / 300")
    toggle.click()
    expect(drawer).to_be_hidden()
    assert presenting(page)
    lab.act(lambda: page.keyboard.press("Escape"))
    assert not presenting(page)


def test_the_player_works_in_presenter_mode(page, lab):
    lab.open()
    enter_by_button(lab)
    slider = page.get_by_label("Animation step")
    slider.fill("120")
    expect(page.locator("#step-readout")).to_have_text("step 120 / 1000")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 130")
    page.get_by_role("button", name="Pause").click()
    paused = lab.step()
    page.wait_for_timeout(300)
    assert lab.step() == paused
    page.get_by_role("button", name="Step forward").click()
    assert lab.step() == paused + 1
    # The figure follows: the first run's head is drawn at that step.
    head = lab.traces("head-")[0]
    assert head["text"], head
    assert presenting(page)


# ---- the shortcuts dialog -------------------------------------------------------------------


def listed_shortcuts(page: Page) -> set[tuple[str, str]]:
    return {
        (group, label)
        for group, label in page.evaluate(
            """() => [...document.querySelectorAll('#shortcuts-list .shortcut-group')]
                  .flatMap(g => [...g.querySelectorAll('dt')]
                    .map(dt => [g.querySelector('h3').textContent, dt.textContent]))"""
        )
    }


def open_shortcuts(page: Page):
    page.locator("#main").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    return dialog


def close_shortcuts(page: Page) -> None:
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()


def check_player_keys(page: Page, lab) -> dict:
    checks = {}
    page.get_by_label("Animation step").fill("100")
    page.locator("#main").focus()
    for label, key, change in [
        ("→", "ArrowRight", 1),
        ("←", "ArrowLeft", -1),
        ("Shift + →", "Shift+ArrowRight", 10),
        ("Shift + ←", "Shift+ArrowLeft", -10),
    ]:
        before = lab.step()
        page.keyboard.press(key)
        checks[(PLAYING, label)] = lab.step() == before + change
    before = lab.step()
    page.keyboard.press("Space")
    page.wait_for_function(
        "n => Number(document.getElementById('step-slider').value) > n + 3", arg=before
    )
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="Play")).to_be_enabled()
    checks[(PLAYING, "Space")] = lab.step() > before
    return checks


def check_presenting_keys(page: Page, lab) -> dict:
    page.locator("#main").focus()
    lab.act(lambda: page.keyboard.press("p"))
    entered = presenting(page)
    page.get_by_role("button", name="Settings", exact=True).click()
    page.keyboard.press("Escape")
    drawer_closed = page.get_by_role("form", name="Experiment settings").is_hidden()
    lab.act(lambda: page.keyboard.press("Escape"))
    return {
        ("Presenting", "P"): entered,
        ("Presenting", "Esc"): drawer_closed and not presenting(page),
    }


def check_menu_keys(page: Page) -> dict:
    group = "In the Lessons menu"
    button = page.get_by_role("button", name="Lessons")
    items = page.get_by_role("menuitem")
    button.focus()
    page.keyboard.press("ArrowDown")
    opened = page.get_by_role("menu", name="Lessons").is_visible()
    first_focused = items.first.evaluate("e => e === document.activeElement")
    page.keyboard.press("ArrowDown")
    second = items.nth(1).evaluate("e => e === document.activeElement")
    page.keyboard.press("ArrowUp")
    back = items.first.evaluate("e => e === document.activeElement")
    page.keyboard.press("End")
    last = items.last.evaluate("e => e === document.activeElement")
    page.keyboard.press("Home")
    home = items.first.evaluate("e => e === document.activeElement")
    page.keyboard.press("Escape")
    closed = page.get_by_role("menu", name="Lessons").is_hidden()
    return {
        (group, "↓"): opened and first_focused,
        (group, "↑ ↓"): second and back,
        (group, "Home End"): last and home,
        (group, "Esc"): closed,
    }


def test_question_mark_lists_the_shortcuts_and_each_listed_one_works(page, lab):
    lab.open()
    # Typed into a field, ? is text.
    field = page.get_by_role("textbox", name="Start x")
    field.click()
    page.keyboard.press("End")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    assert field.input_value().endswith("?")
    page.keyboard.press("Backspace")

    dialog = open_shortcuts(page)
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    listed = listed_shortcuts(page)
    close_shortcuts(page)
    # The focus goes back where it was.
    expect(page.locator("#main")).to_be_focused()

    checks = {
        ("This list", "?"): True,  # it opened above
        ("This list", "Esc"): True,  # and closed
        **check_player_keys(page, lab),
        **check_presenting_keys(page, lab),
        **check_menu_keys(page),
    }
    unchecked, unlisted = listed - set(checks), set(checks) - listed
    assert not unchecked and not unlisted, f"unchecked: {unchecked}; not listed: {unlisted}"
    failed = [key for key, worked in checks.items() if not worked]
    assert not failed, f"listed shortcuts that did nothing: {failed}"

    # Its button opens it too, and the Close button closes it.
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Keyboard shortcuts")).to_be_focused()


# ---- phones ------------------------------------------------------------------------------------


def figure_in_view(page: Page) -> None:
    page.wait_for_function(
        """() => { const r = document.querySelector('.plot-wrap').getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight; }"""
    )


@pytest.mark.phone
def test_phone_the_figure_comes_into_view_after_run_and_after_a_lesson(page, lab):
    lab.open()
    run = page.get_by_role("button", name="Run", exact=True)
    # Run and Live stay on screen (a bar fixed at the bottom) wherever the page is scrolled.
    page.get_by_role("textbox", name="Repeats").scroll_into_view_if_needed()
    assert box(page, ".plot-wrap")["y"] + box(page, ".plot-wrap")["height"] < 0, (
        "the figure starts out of view"
    )
    for control in (run, page.get_by_label("Live")):
        expect(control).to_be_in_viewport()
    lab.act(lambda: run.tap())
    figure_in_view(page)

    page.get_by_role("textbox", name="Steps", exact=True).scroll_into_view_if_needed()
    assert box(page, ".plot-wrap")["y"] + box(page, ".plot-wrap")["height"] < 0
    lab.open_lesson("Momentum against plain SGD")
    figure_in_view(page)


@pytest.mark.phone
@pytest.mark.parametrize("view", ["2d", "3d"])
def test_phone_the_mode_bar_never_covers_the_legend(page, lab, server_url, shots, view):
    lab.open(many_runs_query(server_url, 12) + ("&view=3d" if view == "3d" else ""))
    modebar = box(page, "#plot .modebar")
    legend = box(page, "#plot .legend")
    assert modebar["width"] > 0 and legend["width"] > 0
    assert legend["height"] > 40, "12 runs wrap the legend to several rows"
    assert not intersects(modebar, legend), (modebar, legend)
    page.screenshot(path=shots / f"phone-modebar-{view}.png")


@pytest.mark.phone
def test_phone_every_run_up_to_the_maximum_has_its_own_colour(page, lab, server_url):
    max_runs = SETTINGS.max_runs
    lab.open(many_runs_query(server_url, max_runs, steps=30))
    colours = page.evaluate(
        """() => document.getElementById('plot').data
              .filter(t => (t.uid || '').startsWith('trail-')).map(t => t.line.color)"""
    )
    assert len(colours) == max_runs
    assert len({c.lower() for c in colours}) == max_runs
    # Distinguishable, not merely different: CIE76 distance between any two.
    labs = [lab_colour(c) for c in colours]
    closest = min(math.dist(a, b) for a, b in itertools.combinations(labs, 2))
    assert closest >= 20, closest
    # The summary's swatches carry the same colours, one per run.
    swatches = page.locator("#summary tbody .swatch")
    expect(swatches).to_have_count(max_runs)
