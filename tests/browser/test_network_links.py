"""A network experiment (issue 17) as a link and as files: a link with every network setting
changed sends the same requests again and comes back out unchanged, the back button returns to
it, the exports carry what the server computed, and the form's number fields have sliders."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import untyped

RENDERS = "Number(document.getElementById('net-stage')?.dataset.renders || 0)"

# Every key a network link has, each away from its default: two batch sizes (the shared 16 and
# run 1's own 8), so two requests.
LINK = (
    "?surface=net:circles&net.n=160&net.noise=0.15&net.seed=3&net.test=0.2&net.hidden=8,4"
    "&net.act=relu&net.init=2&steps=120&batch=16&shuffle=5&r1=sgd&r1.label=Plain"
    "&r1.colour=%23aa3377&r1.batch=8&r1.lr=0.05&r2=adam&r2.lr=0.02&r2.amsgrad=true"
    "&r2.schedule=cosine&r2.schedule.t_max=90&r2.schedule.eta_min=0.001&step=40"
)
TRAIN = "/api/v1/networks/train"


def net_act(page: Page, action) -> None:
    """Does `action` (something that trains: a link opened in a fresh page too) and waits until
    its answer is drawn."""
    before = page.evaluate(f"() => {RENDERS}")
    action()
    page.wait_for_function(
        f"n => {RENDERS} > n && document.body.dataset.busy === 'false'", arg=before, timeout=30_000
    )


def trained(page: Page, action) -> list[dict]:
    """The bodies of every POST /networks/train the page sends while ``action()`` trains."""
    bodies: list[dict] = []

    def record(request) -> None:
        if request.method == "POST" and urlsplit(request.url).path == TRAIN:
            bodies.append(request.post_data_json)

    page.on("request", record)
    try:
        net_act(page, action)
    finally:
        page.remove_listener("request", record)
    return bodies


def written(page: Page) -> dict:
    return parse_qs(urlsplit(page.url).query)


def test_a_network_link_with_every_setting_changed_trains_the_same_again(page, lab):
    first = trained(page, lambda: page.goto(f"/{LINK}"))
    assert len(first) == 2, "one request per batch size"
    by_batch = {body["batch_size"]: body for body in first}
    assert set(by_batch) == {8, 16}
    body = by_batch[16]
    assert body["data"] == {
        "id": "circles",
        "params": {"n": 160, "seed": 3, "noise": 0.15},
        "test_fraction": 0.2,
    }
    assert body["model"] == {"hidden": [8, 4], "activation": "relu", "seed": 2}
    assert (body["steps"], body["shuffle_seed"]) == (120, 5)
    (adam,) = body["runs"]
    assert adam["optimizer"] == "adam" and adam["hyperparameters"]["lr"] == 0.02
    assert adam["hyperparameters"]["amsgrad"] is True
    schedule = adam["schedule"]
    assert (schedule["type"], schedule["t_max"], schedule["eta_min"]) == ("cosine", 90, 0.001)
    (plain,) = by_batch[8]["runs"]
    assert plain["label"] == "Plain" and plain["hyperparameters"]["lr"] == 0.05

    # The form shows the link, and the player is at its step.
    expect(page.get_by_role("textbox", name="Examples (n)", exact=True)).to_have_value("160")
    expect(page.get_by_role("textbox", name="Hidden layers", exact=True)).to_have_value("8, 4")
    expect(page.get_by_label("Activation")).to_have_value("relu")
    expect(page.get_by_text("step 40 / 120")).to_be_visible()
    expect(page.get_by_role("region", name="Decision boundary: Plain")).to_be_visible()
    # Nothing in the link was dropped or changed on the way in and out again.
    assert written(page) == parse_qs(LINK[1:])

    other = page.context.new_page()
    try:
        again = trained(other, lambda: other.goto(f"/?{urlsplit(page.url).query}"))
        assert sorted(again, key=lambda b: b["batch_size"]) == sorted(
            first, key=lambda b: b["batch_size"]
        )
        assert written(other) == parse_qs(LINK[1:])
    finally:
        other.close()


def test_edits_go_into_the_link_and_back_returns_to_the_one_before(page, lab):
    defaults = trained(page, lambda: page.goto("/?surface=net:moons"))
    assert written(page) == {
        "surface": ["net:moons"],
        "r1": ["sgd"],
        "r1.lr": ["0.1"],
        "r2": ["momentum"],
        "r2.lr": ["0.05"],
        "r3": ["adam"],
        "r3.lr": ["0.01"],
    }
    assert defaults[0]["data"]["params"] == {"n": 200, "seed": 0, "noise": 0.2}
    # A live edit replaces the link; picking another data set adds one.
    net_act(page, lambda: page.get_by_role("textbox", name="Hidden layers", exact=True).fill("8"))
    assert written(page)["net.hidden"] == ["8"]
    net_act(page, lambda: page.get_by_label("Surface").select_option(label="XOR (network)"))
    assert written(page)["surface"] == ["net:xor"] and written(page)["net.hidden"] == ["8"]
    back = trained(page, lambda: page.go_back())
    assert written(page)["surface"] == ["net:moons"]
    assert back[0]["data"]["id"] == "moons" and back[0]["model"]["hidden"] == [8]
    expect(page.get_by_label("Surface")).to_have_value("net:moons")
    # And forward: XOR again.
    net_act(page, lambda: page.go_forward())
    assert written(page)["surface"] == ["net:xor"]


def test_a_lesson_link_opens_the_lesson_with_its_text(page, lab):
    lab.open()

    def pick() -> None:
        page.get_by_role("button", name="Lessons").click()
        page.get_by_role("menuitem", name="Mini-batch SGD on a real network", exact=True).click()

    net_act(page, pick)
    assert written(page)["lesson"] == ["network-batch-flavours"]
    link = page.url
    other = page.context.new_page()
    try:
        net_act(other, lambda: other.goto(link))
        title = other.get_by_role("heading", name="Mini-batch SGD on a real network")
        expect(title).to_be_visible()
        expect(other.get_by_role("region", name="Decision boundary: Mini-batch 32")).to_be_visible()
        assert written(other) == parse_qs(urlsplit(link).query)
        other.get_by_role("button", name="Close lesson").click()
        expect(title).to_be_hidden()
        assert "lesson" not in written(other)
    finally:
        other.close()


def test_the_exports_carry_the_requests_and_the_numbers_of_the_answer(page, lab):
    sent = trained(page, lambda: page.goto("/?surface=net:moons&steps=60&net.hidden=6"))
    with page.expect_download() as info:
        page.get_by_role("button", name="Export JSON", exact=True).click()
    assert info.value.suggested_filename == "gradscape-network-moons.json"
    exported = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    # The request bodies the page sent (it asks for the binary encoding on top).
    assert exported["requests"] == [{k: v for k, v in b.items() if k != "encoding"} for b in sent]
    # The same request straight to the API answers with the same runs, number for number.
    direct = page.request.post(TRAIN, data=exported["requests"][0]).json()
    for mine, theirs in zip(exported["response"]["runs"], direct["runs"], strict=True):
        for key in ("losses", "test_losses", "accuracies", "test_accuracies", "gradient_norms"):
            assert mine[key] == theirs[key], key
        assert mine["snapshots"] == {"steps": theirs["snapshots"]["steps"]}
    assert exported["response"]["data"] == direct["data"]

    with page.expect_download() as info:
        page.get_by_role("button", name="Export CSV", exact=True).click()
    assert info.value.suggested_filename == "gradscape-network-moons.csv"
    rows = list(csv.DictReader(Path(info.value.path()).read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == [
        "run", "label", "optimizer", "step", "loss", "test_loss", "accuracy", "test_accuracy",
    ]  # fmt: skip
    expected = [
        (str(i + 1), run["label"], run["optimizer"], k, run["losses"][k], run["test_losses"][k],
         run["accuracies"][k], run["test_accuracies"][k])
        for i, run in enumerate(direct["runs"])
        for k in range(len(run["losses"]))
    ]  # fmt: skip
    got = [
        (r["run"], r["label"], r["optimizer"], int(r["step"]), float(r["loss"]),
         float(r["test_loss"]), float(r["accuracy"]), float(r["test_accuracy"]))
        for r in rows
    ]  # fmt: skip
    assert got == expected and len(got) == 3 * 61

    page.get_by_role("button", name="Copy link", exact=True).click()
    assert page.evaluate("() => navigator.clipboard.readText()") == page.url


def test_the_network_fields_have_sliders_that_retrain(page, lab):
    net_act(page, lambda: page.goto("/?surface=net:moons"))
    steps = page.get_by_role("slider", name="Training steps", exact=True)
    expect(steps).to_be_visible()
    for name in ("Examples (n)", "Noise", "Test fraction", "Examples per batch"):
        expect(page.get_by_role("slider", name=name, exact=True)).to_be_visible()
    # One arrow key down a logarithmic slider: about 2.3 % fewer steps, trained at once (Live).
    steps.focus()
    net_act(page, lambda: page.keyboard.press("ArrowLeft"))
    field = page.get_by_role("textbox", name="Training steps", exact=True)
    value = int(field.input_value())
    assert 480 <= value < 500
    assert page.get_by_label("Animation step").get_attribute("max") == str(value)
    # Typing into the field moves its slider: the batch slider's top is the examples, n.
    batch = page.get_by_role("textbox", name="Examples per batch", exact=True)
    net_act(page, lambda: batch.fill("200"))
    slider = page.get_by_role("slider", name="Examples per batch", exact=True)
    assert slider.input_value() == slider.get_attribute("max")
    # The run cards' learning rates have theirs, as on a surface.
    run = page.get_by_role("group", name="Run 1", exact=True)
    expect(run.get_by_role("slider", name="Learning rate", exact=True)).to_be_visible()


def test_play_runs_on_a_network_opened_by_a_link(page, lab):
    # No surface was ever drawn on this page: the player must not wait for one.
    net_act(page, lambda: page.goto("/?surface=net:moons&steps=100"))
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.getElementById('step-slider').value) >= 30")
    assert page.evaluate("() => document.body.dataset.busy") == "false"


def test_a_new_learning_rate_repaints_and_the_pointer_values_follow(page, lab):
    net_act(page, lambda: page.goto("/?surface=net:moons&steps=100&step=100"))
    field = page.get_by_role("group", name="Run 1", exact=True).get_by_role(
        "textbox", name="Learning rate", exact=True
    )
    with page.expect_response(lambda r: urlsplit(r.url).path == TRAIN) as info:
        net_act(page, lambda: field.fill("0.5"))
    (run, *_) = untyped(info.value.json())["runs"]
    assert run["hyperparameters"]["lr"] == 0.5
    expected = run["snapshots"]["boundary"][-1][1]
    # The figure of the examples is kept (the same data); its values under the pointer are the
    # new answer's P(class 1) at the last snapshot once the page rests.
    page.wait_for_function(
        "z => JSON.stringify(document.getElementById('net-plot-0').data[0].z)"
        " === JSON.stringify(z)",
        arg=expected,
    )
    expect(page.locator("#net-region-0")).to_have_attribute("data-step", "100")


@pytest.mark.phone
def test_a_network_fits_a_phone(page, lab):
    net_act(page, lambda: page.goto("/?surface=net:spiral3&steps=100"))
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the viewport"
    for name in ("Export JSON", "Export CSV", "Copy link"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    # Three classes: the regions painted under the figure (at the start), as wide as it is.
    expect(page.locator("#net-region-0")).to_have_attribute("data-step", "0")
    width = page.evaluate("() => document.getElementById('net-region-0').clientWidth")
    assert width == page.evaluate("() => document.getElementById('net-plot-0').clientWidth")


def test_back_from_a_network_returns_to_the_surface_it_was_opened_from(page, lab):
    lab.open("?surface=himmelblau&steps=50&r1=adam&r1.lr=0.05")
    net_act(page, lambda: page.get_by_label("Surface").select_option(label="Circles (network)"))
    assert written(page)["surface"] == ["net:circles"]
    lab.act(lambda: page.go_back())
    assert written(page)["surface"] == ["himmelblau"]
    expect(page.locator("#plot")).to_be_visible()
    expect(page.locator("#net-stage")).to_be_hidden()
    expect(page.get_by_label("Surface")).to_have_value("himmelblau")
    net_act(page, lambda: page.go_forward())
    expect(page.get_by_label("Surface")).to_have_value("net:circles")
    expect(page.get_by_role("region", name="Decision boundary: Adam")).to_be_visible()


def test_the_landscape_plane_goes_into_the_link_and_a_link_picks_it(page, lab):
    trained(page, lambda: page.goto("/?surface=net:moons&steps=60"))
    assert "net.plane" not in written(page)  # PCA, the default, is left out
    bodies = trained(page, lambda: page.get_by_label("Plane", exact=True).select_option("random"))
    assert bodies[0]["landscape"]["plane"] == "random"
    assert written(page)["net.plane"] == ["random"]
    link = page.url
    other = page.context.new_page()
    try:
        again = trained(other, lambda: other.goto(link))
        assert again[0]["landscape"]["plane"] == "random"
        expect(other.get_by_label("Plane", exact=True)).to_have_value("random")
        assert written(other) == parse_qs(urlsplit(link).query)
    finally:
        other.close()
    # A plane the card does not have: PCA, and the link's problem said (a fresh page: the
    # render count starts again).
    fresh = page.context.new_page()
    try:
        sideways = "/?surface=net:moons&steps=60&net.plane=sideways"
        wrong = trained(fresh, lambda: fresh.goto(sideways))
        assert wrong[0]["landscape"]["plane"] == "pca"
        expect(fresh.get_by_text('unknown plane "sideways"')).to_be_visible()
    finally:
        fresh.close()
