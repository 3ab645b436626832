"""Your own formula on the page: typed, checked as you type, drawn, run, kept in the link; and
the gradient check and backprop cards showing the chapter's numbers."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

LESSON = "Trust but verify: the gradient check"
DEVICES = [pytest.param("desktop"), pytest.param("phone", marks=pytest.mark.phone)]


def choose_custom(page, lab) -> None:
    lab.act(lambda: page.get_by_label("Surface", exact=True).select_option(label="Custom"))
    expect(page.get_by_label("f(x, y) =", exact=True)).to_be_visible()


def type_formula(page, text: str, keystrokes: bool = False) -> None:
    """Pastes `text` (one input event), or types it key by key: then the half-typed formulas
    in between may be checked too, and answered 422, if the machine is slow."""
    field = page.get_by_label("f(x, y) =", exact=True)
    if keystrokes:
        field.fill("")
        field.press_sequentially(text, delay=5)
    else:
        field.fill(text)


def heads(lab) -> list[list[float]]:
    return [h["x"] + h["y"] for h in lab.traces("head-")]


def assert_fits_the_viewport(page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the viewport"


def test_typing_a_formula_draws_it_and_runs_the_optimizers_on_it(page, lab, shots):
    lab.open()
    choose_custom(page, lab)
    type_formula(page, "(x - 1)**2 + 2*(y + 0.5)**2")
    # Checked as you type: the formula line shows the server's reading of it.
    expect(page.locator("#surface-formula")).to_contain_text("(x - 1)")
    expect(page.get_by_text("Edited: press Run to update")).to_be_visible()
    page.get_by_role("textbox", name="Steps", exact=True).fill("300")
    lab.run()

    drawn = re.compile(re.escape("f(x, y) = (x - 1)**2 + 2*(y + 0.5)**2: 3 optimizer paths"))
    expect(page.locator("#plot")).to_have_attribute("aria-label", drawn)
    assert page.evaluate("document.getElementById('plot').layout.images.length") == 1, "contour"
    ghosts = lab.traces("ghost-")
    adam_ends_at = [ghosts[2]["x"][-1], ghosts[2]["y"][-1]]
    assert adam_ends_at == pytest.approx([1, -0.5], abs=0.05), "Adam finds the minimum"
    before = heads(lab)
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) > 20")
    page.get_by_role("button", name="Pause", exact=True).click()
    assert all(a != b for a, b in zip(before, heads(lab), strict=True)), "every head moved"
    expect(page.locator("#summary tbody tr")).to_have_count(3)
    query = parse_qs(urlsplit(page.url).query)
    assert query["surface"] == ["custom"] and query["f"] == ["(x - 1)**2 + 2*(y + 0.5)**2"]
    page.screenshot(path=shots / "formula-custom-desktop.png", full_page=True)

    # Without y it is a 1-D curve: the y settings go away and the ball rolls on f(x).
    type_formula(page, "(x - 3)**2")
    expect(page.get_by_label("Start y")).to_be_hidden()
    expect(page.get_by_label("y from", exact=True)).to_be_hidden()
    page.get_by_label("Start x").fill("0")
    lab.run()
    curve = page.evaluate("document.getElementById('plot').data[0]")
    assert curve["type"] == "scatter" and len(curve["x"]) == 400
    expect(page.locator("#gradcheck-body")).to_contain_text("∂f/∂x")
    expect(page.locator("#gradcheck-body")).not_to_contain_text("∂f/∂y")


@pytest.mark.allow_http_error(422)
def test_a_bad_formula_is_named_next_to_the_input_and_the_page_keeps_working(page, lab, shots):
    lab.open()
    choose_custom(page, lab)
    field = page.get_by_label("f(x, y) =", exact=True)
    message = page.locator("#custom-expression-error")

    type_formula(page, "x**2 + 3*z", keystrokes=True)
    expect(message).to_have_text(re.compile(r"^unknown name 'z'.* at column 10$"))
    expect(field).to_have_attribute("aria-invalid", "true")
    type_formula(page, "open(1)")
    expect(message).to_have_text(re.compile(r"^function 'open' is not allowed"))
    page.screenshot(path=shots / "formula-error-desktop.png")

    # Run anyway: the message stays by the input, the last plot stays on screen.
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("#form-error")).to_contain_text("1 setting needs fixing")
    expect(message).to_contain_text("function 'open' is not allowed")
    page.wait_for_function("() => document.body.dataset.busy === 'false'")
    assert page.evaluate("document.getElementById('plot').layout.images.length") == 1

    page.get_by_label("x from", exact=True).fill("5")
    type_formula(page, "x**2 + y**2")
    expect(message).to_be_hidden()
    expect(page.locator("#custom-x-hi-error")).to_contain_text("window.x must be [low, high]")
    page.get_by_label("x from", exact=True).fill("-2")
    expect(page.locator("#custom-x-hi-error")).to_be_hidden()
    lab.run()
    expect(page.locator("#form-error")).to_be_hidden()
    assert parse_qs(urlsplit(page.url).query)["window"] == ["-2,3,-3,3"]


@pytest.mark.parametrize("device", DEVICES)
def test_the_gradient_check_lesson_shows_the_chapters_numbers(page, lab, shots, device):
    lab.open()
    lab.open_lesson(LESSON)
    expect(page.get_by_label("f(x, y) =", exact=True)).to_have_value("x**2 + 3*x*y")

    check = page.get_by_role("region", name="Gradient check")
    expect(check).to_contain_text("At (2, 1), ε = 1e-6")
    expect(check.locator("tr.analytic td")).to_have_text(["7", "6"])
    expect(check.locator("tr.numeric td")).to_have_text(["7.00000", "6.00000"])
    expect(check.locator(".verdict")).to_have_text(re.compile(r"^✓ match"))
    expect(check).to_contain_text("(f(v + ε e")

    graph = page.get_by_role("region", name="Backprop")
    expect(graph).to_contain_text("at (2, 1): value 10, gradient (7, 6)")
    variables = graph.locator(".node.var")
    expect(variables).to_have_count(2)
    expect(variables.filter(has_text=re.compile(r"^x"))).to_contain_text("value 2grad 7")
    expect(variables.filter(has_text=re.compile(r"^y"))).to_contain_text("value 1grad 6")
    expect(graph.locator(".node.output")).to_contain_text("value 10grad 1")
    expect(graph.locator(".edges path")).to_have_count(8)
    assert_fits_the_viewport(page)
    page.locator("#gradcheck").scroll_into_view_if_needed()
    page.screenshot(path=shots / f"formula-lesson-{device}.png", full_page=True)

    # Both cards follow the path: one SGD step from (2, 1) with lr 0.05 lands on (1.65, 0.7).
    page.get_by_role("button", name="Step forward", exact=True).click()
    expect(check).to_contain_text("At (1.65, 0.7)")
    expect(check.locator("tr.analytic td")).to_have_text(["5.4", "4.95"])
    expect(graph).to_contain_text("gradient (5.4, 4.95)")


def test_the_formula_and_window_survive_a_reload(page, lab):
    lab.open()
    choose_custom(page, lab)
    type_formula(page, "sin(x)*cos(y) + 0.1*x**2")
    page.get_by_label("y from", exact=True).fill("-4")
    page.get_by_label("y to", exact=True).fill("4")
    lab.run()

    page.reload()
    lab.wait_render(0)
    expect(page.get_by_label("Surface", exact=True)).to_have_value("custom")
    expect(page.get_by_label("f(x, y) =", exact=True)).to_have_value("sin(x)*cos(y) + 0.1*x**2")
    expect(page.get_by_label("y from", exact=True)).to_have_value("-4")
    expect(page.get_by_label("y to", exact=True)).to_have_value("4")
    expect(page.locator("#plot")).to_have_attribute("aria-label", re.compile(r"sin\(x\)\*cos\(y\)"))

    # Back to a built-in surface and back again: the formula is still there.
    lab.act(lambda: page.get_by_label("Surface", exact=True).select_option("booth"))
    expect(page.get_by_label("f(x, y) =", exact=True)).to_be_hidden()
    assert "f" not in parse_qs(urlsplit(page.url).query)
    lab.act(lambda: page.go_back())
    expect(page.get_by_label("f(x, y) =", exact=True)).to_have_value("sin(x)*cos(y) + 0.1*x**2")


def test_a_data_set_gets_a_gradient_check_and_no_graph(page, lab):
    lab.open("?surface=linear_regression&steps=20&r1=sgd")
    check = page.get_by_role("region", name="Gradient check")
    expect(check.locator(".verdict")).to_have_text(re.compile(r"^✓ match"))
    graph = page.get_by_role("region", name="Backprop")
    expect(graph).to_contain_text("a data set's loss is a sum over its examples")
    expect(graph.locator("svg")).to_have_count(0)
