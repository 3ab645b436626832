"""Issue 14's bugs, each as a person meets it on the page: an empty learning rate, a formula
started outside its domain, 3-D paths once paused, a stale form error, the lessons' step
numbers, a data set's start fields and the backprop graph's constants."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_formula import choose_custom, type_formula

# How many pixels of the screenshot `png` (a data URL) are within `tolerance` of each colour.
COLOUR_PIXELS = """async ([src, colours, tolerance, top]) => {
  const image = await new Promise((done) => {
    const img = new Image();
    img.onload = () => done(img);
    img.src = src;
  });
  const canvas = new OffscreenCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const data = ctx.getImageData(0, 0, image.width, image.height).data;
  const rgb = colours.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
  const counts = colours.map(() => 0);
  for (let i = 4 * image.width * top; i < data.length; i += 4) {
    rgb.forEach((c, k) => {
      const d = Math.hypot(data[i] - c[0], data[i + 1] - c[1], data[i + 2] - c[2]);
      if (d < tolerance) counts[k] += 1;
    });
  }
  return counts;
}"""


def query_of(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def default_of(page, optimizer: str, name: str) -> float:
    catalogue = page.request.get("/api/v1/optimizers").json()
    optimizers = catalogue["optimizers"] if isinstance(catalogue, dict) else catalogue
    (record,) = [o for o in optimizers if o["id"] == optimizer]
    (spec,) = [h for h in record["hyperparameters"] if h["name"] == name]
    return spec["default"]


# ---- 1. an empty learning rate ---------------------------------------------------------------


def test_an_empty_learning_rate_runs_at_the_default_it_shows_and_the_link_never_holds_null(
    page, lab
):
    lab.open()
    lr = lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True)
    lr.fill("")
    lab.act(lambda: lr.press("Enter"))
    default = default_of(page, "sgd", "lr")
    assert "null" not in page.url, page.url
    assert float(query_of(page)["r1.lr"][0]) == default
    assert float(lr.input_value()) == default, "the field shows the learning rate that ran"
    expect(page.locator("#summary tbody tr")).to_have_count(3)

    # Another hyperparameter emptied: the same, and the link reopens what ran.
    momentum_run = lab.run_group(2)
    momentum_run.get_by_text("More settings").click()
    dampening = momentum_run.get_by_role("textbox", name="Dampening", exact=True)
    dampening.fill("")
    lab.run()
    assert "null" not in page.url, page.url
    assert float(dampening.input_value()) == default_of(page, "momentum", "dampening")
    link = page.url
    lab.open("?" + urlsplit(link).query)
    assert (
        float(
            lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True).input_value()
        )
        == default
    )
    expect(page.locator("#summary tbody tr")).to_have_count(3)


def test_no_field_left_empty_writes_null_into_the_link(page, lab):
    """url.js on its own: an experiment whose every optional field is null or empty."""
    lab.open()
    query = page.evaluate(
        """async () => {
            const { toQuery } = await import('/static/js/url.js');
            const { makeCatalog, makeExperiment } = await import('/static/js/state.js');
            const get = (u) => fetch(u).then((r) => r.json());
            const [surfaces, optimizers] = await Promise.all(
                [get('/api/v1/surfaces'), get('/api/v1/optimizers')]);
            const list = (body, key) => (Array.isArray(body) ? body : body[key]);
            const catalog = makeCatalog(list(surfaces, 'surfaces'), list(optimizers, 'optimizers'));
            const runs = [{ optimizer: 'momentum' }, { optimizer: 'adam' }];
            const e = makeExperiment(catalog, { runs });
            e.surfaceParams = { a: null, b: '' };
            e.start = [null, null];
            e.steps = null;
            e.noise = { std: null, seed: null };
            e.gradTol = null;
            e.batch = { size: null, seed: null, repeats: null };
            e.runs[0].hyperparameters = { lr: null, momentum: null, dampening: '' };
            e.runs[1].hyperparameters = { lr: '', betas: null, eps: null };
            e.runs[1].batchSize = undefined;
            return toQuery(e, catalog);
        }"""
    )
    assert not re.search(r"null|undefined|NaN", query), query
    # The old links that hold null open with that setting left to its default.
    lab.open("?surface=rosenbrock&r1=sgd&r1.lr=null&r2=adam")
    expect(page.locator("#summary tbody tr")).to_have_count(2)
    expect(
        lab.run_group(1).get_by_role("textbox", name="Learning rate", exact=True)
    ).not_to_have_value("null")
    assert "null" not in page.url


# ---- 2. a formula started outside its domain -------------------------------------------------


@pytest.mark.parametrize(
    ("formula", "start", "inside"),
    [
        ("log(x) + y**2", ["-1.8", "0.5"], "2"),
        ("log(x)", ["-1.8"], "2"),
        ("sqrt(-1 - x**2)", ["-1.8"], None),  # defined nowhere
    ],
)
def test_a_formula_started_outside_its_domain_says_so_and_the_page_keeps_working(
    page, lab, formula, start, inside
):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    lab.open()
    choose_custom(page, lab)

    def resolved(response) -> bool:
        return "resolve" in response.url and formula in (response.request.post_data or "")

    with page.expect_response(resolved):
        type_formula(page, formula)
    if len(start) == 1:
        expect(page.get_by_label("Start y")).to_be_hidden()
    for name, value in zip(("Start x", "Start y"), start, strict=False):
        page.get_by_label(name).fill(value)
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function("() => document.body.dataset.busy === 'false'")
    page.get_by_role("button", name="Step forward", exact=True).click()
    page.wait_for_function("() => document.getElementById('plot').data")
    assert errors == []
    status = page.locator("#summary tbody tr").first
    expect(status).to_contain_text("choose another start point")
    expect(status).not_to_contain_text("smaller learning rate")
    (marker,) = page.evaluate(
        "() => document.getElementById('plot').data.filter((t) => t.name === 'start')"
        ".map((t) => ({x: Array.from(t.x), y: Array.from(t.y)}))"
    )
    assert marker["x"] == [float(start[0])]
    if len(start) == 2:
        assert marker["y"] == [float(start[1])]

    if inside is None:
        return
    # A start inside the domain: paths again.
    page.get_by_label("Start x").fill(inside)
    lab.run()
    expect(page.locator("#summary tbody tr").first).not_to_contain_text("choose another")
    assert all(len(trail["x"]) for trail in lab.traces("trail-"))
    assert errors == []


# ---- 3. 3-D paths once paused ----------------------------------------------------------------


def test_3d_paths_stay_in_sight_once_paused_on_rosenbrock(page, lab):
    lab.open("?surface=rosenbrock&view=3d")
    page.wait_for_function("() => document.getElementById('plot').data")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) >= 300")
    page.get_by_role("button", name="Pause", exact=True).click()
    page.wait_for_function(
        "() => document.getElementById('plot').data.find((t) => t.uid === 'trail-0').x.length > 300"
    )
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 300)))")
    colours = page.evaluate(
        "() => document.getElementById('plot').data"
        ".filter((t) => (t.uid || '').startsWith('head-')).map((t) => t.marker.color)"
    )
    shot = page.locator("#plot").screenshot()
    src = "data:image/png;base64," + base64.b64encode(shot).decode()
    # Below the legend, which has a swatch of each colour.
    counts = page.evaluate(COLOUR_PIXELS, [src, colours, 40, 40])
    # Each path is 300 steps long on screen, 7 px wide, with its head: far more than 150 px.
    assert all(count > 150 for count in counts), dict(zip(colours, counts, strict=True))


# ---- 4. the form error after the formula is fixed -------------------------------------------


@pytest.mark.allow_http_error(422)
def test_the_form_error_goes_once_the_formula_is_fixed(page, lab):
    lab.open()
    choose_custom(page, lab)
    message = page.locator("#custom-expression-error")
    type_formula(page, "x**2 + (")
    expect(message).to_be_visible()
    page.get_by_role("button", name="Run", exact=True).click()
    form_error = page.locator("#form-error")
    expect(form_error).to_contain_text("1 setting needs fixing")

    type_formula(page, "x**2 + y**2")
    expect(message).to_be_hidden()
    expect(form_error).to_be_hidden()


# ---- 5. the lessons' step numbers ------------------------------------------------------------


def test_the_lesson_checkpoints_use_the_chapters_step_numbers_and_say_the_pages(page, lab):
    lab.open()
    lab.open_lesson("The simplest descent")
    table = page.locator("table.checkpoints")
    expect(table.locator("tbody tr td:first-child")).to_have_text(["0", "5", "20", "39"])
    expect(table.locator("tbody tr td:nth-last-child(1)")).to_have_text(
        ["0.6000", "2.2136", "2.9723", "2.9996"]
    )
    expect(page.locator("#lesson-checkpoints")).to_contain_text(
        re.compile(r"chapter's step 0 is .*first update.*this page's step 1")
    )

    lab.open_lesson("A learning rate too large")
    expect(table.locator("tbody tr td:first-child")).to_have_text(["0", "1", "2", "3", "4", "5"])
    expect(table.locator("tbody tr td:nth-last-child(1)")).to_have_text(
        ["6.600", "-1.320", "8.184", "-3.221", "10.465", "-5.958"]
    )


# ---- 6. a data set's start fields ------------------------------------------------------------


@pytest.mark.parametrize("name", ["Linear regression", "Logistic regression"])
def test_a_data_sets_start_fields_are_w_and_b_at_round_numbers(page, lab, name):
    lab.open()
    lab.act(lambda: page.get_by_label("Surface", exact=True).select_option(label=name))
    w, b = page.get_by_label("Start w", exact=True), page.get_by_label("Start b", exact=True)
    expect(w).to_be_visible()
    expect(b).to_be_visible()
    expect(page.get_by_label("Start x", exact=True)).to_have_count(0)
    values = [float(w.input_value()), float(b.input_value())]
    assert values == [round(v) for v in values], values
    assert query_of(page)["start"] == [",".join(f"{v:g}" for v in values)]

    # Back to a function: x and y again.
    lab.act(lambda: page.get_by_label("Surface", exact=True).select_option("rosenbrock"))
    expect(page.get_by_label("Start x", exact=True)).to_have_value("-1.5")
    expect(page.get_by_label("Start y", exact=True)).to_be_visible()


# ---- 7. constants in the backprop graph ------------------------------------------------------


def test_the_backprop_graph_gives_no_gradient_to_a_constant(page, lab):
    lab.open()
    lab.open_lesson("Trust but verify: the gradient check")
    graph = page.get_by_role("region", name="Backprop")
    constants = graph.locator(".node.const")
    expect(constants).to_have_count(2)  # the exponent 2 and the factor 3
    expect(constants).not_to_contain_text([re.compile(r"grad -?\d")] * 2)
    expect(constants.first).to_contain_text("constant")
    expect(graph).not_to_contain_text("2.773")
    expect(graph.locator(".node.var")).to_contain_text(["grad 7", "grad 6"])
    expect(graph).to_contain_text(re.compile(r"constants .*get none", re.IGNORECASE))
