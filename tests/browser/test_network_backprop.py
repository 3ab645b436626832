"""The network's Backprop card (issue 17): one run's snapshot nearest the player's step sent to
POST /networks/inspect, each layer's column with its gradient norm and one example's forward
and backward values, the gradient-check table and its cost sentence; the "Backprop on a
network" lesson's claims against the numbers the page shows. By label and role."""

from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Lab, untyped
from tests.browser.test_networks_page import net_act

INSPECTS = "Number(document.getElementById('net-inspect').dataset.renders || 0)"


class Traffic:
    """The page's /networks/train answers, and how many inspections it was answered."""

    def __init__(self, page: Page) -> None:
        self.trained: list[dict] = []
        self.inspected = 0
        page.on("response", self._record)

    def _record(self, response) -> None:
        path = urlsplit(response.url).path
        if not response.ok:
            return
        if path == "/api/v1/networks/train":
            self.trained.append(untyped(response.json()))
        elif path == "/api/v1/networks/inspect":
            self.inspected += 1


def inspect_act(page: Page, action) -> tuple[dict, dict]:
    """Does `action`, waits until a newer inspection is drawn; its request body and answer."""
    before = int(page.evaluate(f"() => {INSPECTS}"))
    with page.expect_response(
        lambda r: urlsplit(r.url).path == "/api/v1/networks/inspect", timeout=30_000
    ) as info:
        action()
    page.wait_for_function(f"n => {INSPECTS} > n", arg=before, timeout=30_000)
    response = info.value
    return response.request.post_data_json, response.json()


def open_network(lab: Lab, page: Page) -> tuple[dict, dict]:
    """Two moons' network, trained and its first inspection drawn: that one's body and answer."""
    lab.open()
    surface = page.get_by_label("Surface")
    return inspect_act(
        page, lambda: net_act(page, lambda: surface.select_option(label="Two moons (network)"))
    )


def torch_flat(layers: list[dict]) -> list[float]:
    """torch's order: each layer's weight row by row, then its bias."""
    out: list[float] = []
    for layer in layers:
        out += [v for row in layer["weight"] for v in row] + list(layer["bias"])
    return out


def strip_numbers(column, name: str) -> list[float]:
    """The numbers of the row `name` ("z", "a", "dL/da", "dL/dz") in a layer's column."""
    labels = column.get_by_role("img").evaluate_all("nodes => nodes.map((n) => n.ariaLabel)")
    (label,) = [text for text in labels if text.startswith(f"{name}: ")]
    return [float(v) for v in label.split(": ", 1)[1].split(", ")]


def test_the_backprop_card_follows_the_step_and_the_example(page, lab, shots):
    traffic = Traffic(page)
    body, answer = open_network(lab, page)
    card = page.get_by_role("region", name="Backprop, layer by layer")
    expect(card).to_be_visible()
    layers = card.get_by_role("group", name="Backprop by layer")
    names = ["Input (2)", "Layer 1 (2 → 16)", "Layer 2 (16 → 16)", "Output (16 → 2)"]
    for name in names:
        expect(layers.get_by_role("group", name=name, exact=True)).to_be_visible()
    (trained,) = traffic.trained
    adam = trained["runs"][2]
    expect(page.get_by_label("Run to inspect")).to_have_value("2")  # the last run, Adam

    # At step 0 the inspected parameters are Adam's first snapshot: the initial ones.
    assert body["example"] == 0 and body["check"] == 12
    assert torch_flat(body["parameters"]) == adam["snapshots"]["parameters"][0]
    assert torch_flat(body["parameters"]) == torch_flat(trained["initial_parameters"])
    assert answer["gradient_norms"] == pytest.approx(adam["gradient_norms"][0], rel=1e-12)
    first = layers.get_by_role("group", name="Layer 1 (2 → 16)", exact=True)
    z = strip_numbers(first, "z")
    assert len(z) == 16
    assert z == pytest.approx(answer["example"]["layers"][0]["pre_activation"], rel=6e-4, abs=1e-7)
    a = strip_numbers(first, "a")
    assert a == pytest.approx([math.tanh(v) for v in z], rel=2e-3, abs=1e-4)
    output = layers.get_by_role("group", name="Output (16 → 2)", exact=True)
    d_z = strip_numbers(output, "dL/dz")
    assert abs(sum(d_z)) < 1e-2  # softmax - onehot: its entries sum to 0
    expect(first).to_contain_text("gradient norm")

    # The check table: 12 rows, backprop and central difference to 8 significant digits.
    table = card.get_by_role("table", name="Gradient check: backprop against central differences")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(12)
    for i in range(12):
        cells = rows.nth(i).locator("td")
        backprop, numeric = float(cells.nth(1).inner_text()), float(cells.nth(2).inner_text())
        assert math.isclose(backprop, numeric, rel_tol=1e-6, abs_tol=1e-9)
        assert re.match(r"^[Wb][123]\[", rows.nth(i).locator("th").inner_text())
    cost = card.locator("#net-check-cost")
    expect(cost).to_contain_text("all 354 gradients")
    expect(cost).to_contain_text("24 passes for these 12")
    expect(cost).to_contain_text("all 354 would take 708 passes")

    # The player moves the inspection to the snapshot nearest the step.
    body, answer = inspect_act(page, lambda: page.get_by_label("Animation step").fill("400"))
    steps = adam["snapshots"]["steps"]
    nearest = min(range(len(steps)), key=lambda i: abs(steps[i] - 400))
    assert torch_flat(body["parameters"]) == adam["snapshots"]["parameters"][nearest]
    assert answer["loss"] == adam["losses"][steps[nearest]]
    status = card.locator("#net-inspect-status")
    expect(status).to_contain_text(f"Adam at step {steps[nearest]}")

    # Another example by number, then by clicking an isolated training point.
    body, _ = inspect_act(
        page, lambda: card.get_by_role("textbox", name="Example", exact=True).fill("7")
    )
    assert body["example"] == 7
    expect(status).to_contain_text("Example 7 at")
    # The example is ringed on every boundary panel, at its training point.
    for run in range(3):
        ring = page.evaluate(f"() => document.getElementById('net-plot-{run}').layout.shapes[0]")
        assert [ring["xanchor"], ring["yanchor"]] == trained["data"]["train"]["x"][7]
    page.locator("#net-plot-2").scroll_into_view_if_needed()
    target = page.evaluate(
        """() => {
            const div = document.getElementById('net-plot-2');
            const t = div.data.find((d) => d.uid === 'train');
            const xa = div._fullLayout.xaxis, ya = div._fullLayout.yaxis;
            const box = div.getBoundingClientRect();
            const px = (i) => [box.left + xa._offset + xa.l2p(t.x[i]),
                               box.top + ya._offset + ya.l2p(t.y[i])];
            let best = 0, far = -1;
            for (let i = 0; i < t.x.length; i += 1) {
                const [x, y] = px(i);
                let near = Infinity;
                for (let j = 0; j < t.x.length; j += 1) {
                    if (j !== i) near = Math.min(near, Math.hypot(px(j)[0] - x, px(j)[1] - y));
                }
                if (near > far) { far = near; best = i; }
            }
            return {index: best, at: px(best), far};
        }"""
    )
    assert target["far"] > 6 and target["index"] != 7
    page.mouse.move(*target["at"])
    hover = page.locator("#net-plot-2 .hoverlayer")
    expect(hover).to_contain_text(f"training example {target['index']}")
    expect(hover).to_contain_text("click to inspect")
    body, _ = inspect_act(page, lambda: page.mouse.click(*target["at"]))
    assert body["example"] == target["index"]
    expect(card.get_by_role("textbox", name="Example", exact=True)).to_have_value(
        str(target["index"])
    )

    # Another run's snapshot.
    select = page.get_by_label("Run to inspect")
    body, _ = inspect_act(page, lambda: select.select_option(label="SGD"))
    sgd = trained["runs"][0]
    assert torch_flat(body["parameters"]) == sgd["snapshots"]["parameters"][nearest]
    _shoot(page, card, shots / "net-backprop-desktop.png", 1440)


def test_an_example_outside_the_training_set_is_named_and_not_sent(page, lab):
    traffic = Traffic(page)
    open_network(lab, page)
    sent = traffic.inspected
    example = page.get_by_role("textbox", name="Example", exact=True)
    example.fill("150")
    expect(example).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#net-inspect-status")).to_contain_text("from 0 to 149")
    page.wait_for_timeout(400)  # longer than the debounce: nothing was sent
    assert traffic.inspected == sent
    body, _ = inspect_act(page, lambda: example.fill("149"))
    expect(example).to_have_attribute("aria-invalid", "false")
    assert body["example"] == 149


def _shoot(page: Page, card, path: Path, width: int) -> None:
    """The page at `width` px (the viewport's top) and `card` alone, beside it."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(300)
    page.screenshot(path=path)
    card.screenshot(path=path.with_name(path.stem + "-card.png"))


def open_lesson(page: Page, lab: Lab) -> tuple[dict, dict]:
    lab.open()

    def pick() -> None:
        page.get_by_role("button", name="Lessons").click()
        page.get_by_role("menuitem", name="Backprop on a network").click()

    return inspect_act(page, lambda: net_act(page, pick))


def lesson_claims_hold(page: Page, traffic: Traffic, inspected: tuple[dict, dict]) -> None:
    lesson = page.get_by_role("complementary", name="Backprop on a network")
    expect(lesson).to_be_visible()
    text = lesson.inner_text()
    (trained,) = traffic.trained
    body, answer = inspected
    check = answer["check"]
    # "this 2-16-16-2 tanh network", "all 354 gradients", "608 multiply-adds ... against 320".
    assert "2-16-16-2 tanh" in text and trained["sizes"] == [2, 16, 16, 2]
    assert answer["parameter_count"] == 354 and "all 354 gradients" in text
    assert check["multiply_adds"] == {"forward": 320, "backward": 608}
    assert "608 multiply-adds per example against 320" in text
    assert 1.5 < 608 / 320 < 2.5  # "about twice"
    # "2 forward passes for each: 708 for all 354"; "The table checks 12 of them".
    assert check["forward_passes_all"] == 708 and "708 for all 354" in text
    assert len(check["rows"]) == 12 and "checks 12 of them" in text
    # "agree to better than 10⁻⁸"
    assert "better than 10⁻⁸" in text and check["max_abs_error"] < 1e-8
    # "over a hundred times as long as backprop"
    assert check["check_seconds_all"] > 100 * check["backprop_seconds"]
    # "its two entries sum to 0" (the output's dL/dz); "dL/dz = dL/da · (1 − a²)" below it.
    out = answer["example"]["layers"][-1]
    assert abs(sum(out["pre_activation_gradient"])) < 1e-12
    hidden = answer["example"]["layers"][1]
    expected = [g * (1 - a * a) for g, a in zip(hidden["activation_gradient"],
                                                 hidden["activation"], strict=True)]  # fmt: skip
    assert hidden["pre_activation_gradient"] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # The page shows what it was sent: the cost sentence and the table's max error.
    cost = page.locator("#net-check-cost")
    expect(cost).to_contain_text("all 354 would take 708 passes")
    assert lesson.locator("table.checkpoints").count() == 0  # no loss-noise table here
    assert body["example"] == 0


def test_the_backprop_lesson_keeps_its_claims(page, lab, shots):
    traffic = Traffic(page)
    lesson_claims_hold(page, traffic, open_lesson(page, lab))
    expect(page.get_by_role("region", name="Backprop, layer by layer")).to_be_visible()
    _shoot(page, page.locator("#lesson"), shots / "net-backprop-lesson-desktop.png", 1440)


@pytest.mark.phone
def test_the_backprop_card_on_a_phone(page, lab, shots):
    traffic = Traffic(page)
    lesson_claims_hold(page, traffic, open_lesson(page, lab))
    card = page.get_by_role("region", name="Backprop, layer by layer")
    layers = card.get_by_role("group", name="Backprop by layer")
    for name in ("Input (2)", "Layer 1 (2 → 16)", "Output (16 → 2)"):
        column = layers.get_by_role("group", name=name, exact=True)
        expect(column).to_be_visible()
        box = column.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    _shoot(page, card, shots / "net-backprop-phone.png", 390)


def test_regression_and_a_linear_model(page, lab):
    open_network(lab, page)
    card = page.get_by_role("region", name="Backprop, layer by layer")
    layers = card.get_by_role("group", name="Backprop by layer")
    surface = page.get_by_label("Surface")
    _, answer = inspect_act(
        page, lambda: net_act(page, lambda: surface.select_option(label="Noisy sine (network)"))
    )
    for name in ("Input (1)", "Layer 1 (1 → 16)", "Output (16 → 1)"):
        expect(layers.get_by_role("group", name=name, exact=True)).to_be_visible()
    out = answer["example"]["layers"][-1]
    expect(card.locator("#net-inspect-status")).to_contain_text("target")
    # Squared error: dL/dz = 2 (z - y) at the output.
    assert out["pre_activation_gradient"][0] == pytest.approx(
        2 * (out["pre_activation"][0] - answer["example"]["y"]), rel=1e-12
    )
    hidden = page.get_by_label("Hidden layers")
    _, answer = inspect_act(page, lambda: net_act(page, lambda: hidden.fill("")))
    expect(layers.get_by_role("group")).to_have_count(2)
    expect(layers.get_by_role("group", name="Output (1 → 1)", exact=True)).to_be_visible()
    assert answer["sizes"] == [1, 1] and len(answer["check"]["rows"]) == 2
    expect(card.get_by_role("table").locator("tbody tr")).to_have_count(2)


def test_a_large_network_inspects_its_first_and_last_parameters(page, lab):
    """3 runs x 11 snapshots of 12,802 parameters (422,466) is past the page's
    SNAPSHOT_PARAMETERS: the training is asked without them, and the card inspects the initial
    and final parameters."""
    traffic = Traffic(page)
    open_network(lab, page)
    page.get_by_label("Live").uncheck()
    page.get_by_label("Hidden layers").fill("64, 64, 64, 64")
    page.get_by_role("textbox", name="Training steps", exact=True).fill("10")
    run = page.get_by_role("button", name="Run", exact=True)
    with page.expect_request(lambda r: urlsplit(r.url).path == "/api/v1/networks/train") as sent:
        body, answer = inspect_act(page, lambda: net_act(page, run.click))
    assert sent.value.post_data_json["include_parameters"] is False
    trained = traffic.trained[-1]
    assert trained["parameter_count"] == 12_802
    assert "parameters" not in trained["runs"][2]["snapshots"]
    assert body["parameters"] == trained["initial_parameters"]
    status = page.locator("#net-inspect-status")
    expect(status).to_contain_text("Adam at step 0 (initial parameters")
    last = len(trained["runs"][2]["losses"]) - 1
    body, answer = inspect_act(page, lambda: page.get_by_label("Animation step").fill(str(last)))
    assert body["parameters"] == trained["runs"][2]["final_parameters"]
    assert answer["loss"] == trained["runs"][2]["losses"][last]
    expect(status).to_contain_text(f"Adam at step {last} (final parameters")
