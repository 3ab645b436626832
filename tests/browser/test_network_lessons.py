"""The network lessons' claims (issue 17), checked against what the server computed for them:
each number their text quotes, and the behaviour it describes, opened by title as a person
would, with the page's tables checked against the answers."""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import untyped

TRAIN = "/api/v1/networks/train"
RENDERS = "Number(document.getElementById('net-stage')?.dataset.renders || 0)"


@pytest.fixture
def network_lesson(page, lab):
    """Opens a network lesson by title: every POST /networks/train answer while it opens."""
    answered: list = []

    def record(response) -> None:
        if urlsplit(response.url).path == TRAIN:
            answered.append(response)

    page.on("response", record)
    lab.open()

    def open_lesson(title: str) -> list[dict]:
        answered.clear()
        before = page.evaluate(f"() => {RENDERS}")
        page.get_by_role("button", name="Lessons").click()
        page.get_by_role("menuitem", name=title, exact=True).click()
        page.wait_for_function(
            f"n => {RENDERS} > n && document.body.dataset.busy === 'false'", arg=before
        )
        return answered

    return open_lesson


def final(run: dict, key: str) -> float:
    return run[key][-1]


def loss_noise(losses: list[float]) -> float:
    """The lesson table's measure: mean |change| of the loss over the second half."""
    half = len(losses) // 2
    changes = np.abs(np.diff(losses[half:]))
    return float(changes.mean())


def test_adam_is_forgiving(page, network_lesson):
    answered = network_lesson("Adam is forgiving")
    (response,) = answered
    runs = {run["label"]: run for run in untyped(response.json())["runs"]}
    lrs = ["0.001", "0.01", "0.1", "1"]
    assert set(runs) == {f"{o}, lr {lr}" for o in ("SGD", "Adam") for lr in lrs}
    sgd = [runs[f"SGD, lr {lr}"] for lr in lrs]
    adam = [runs[f"Adam, lr {lr}"] for lr in lrs]
    # Every run from the same start: the loss each starts at is the same 0.69.
    assert {round(run["losses"][0], 2) for run in sgd + adam} == {0.69}
    # "at 0.001 ... (0.64, 76 % test accuracy), at 0.01 it is 0.38 (84 %)"
    assert round(final(sgd[0], "losses"), 2) == 0.64 and final(sgd[0], "test_accuracies") == 0.76
    assert round(final(sgd[1], "losses"), 2) == 0.38 and final(sgd[1], "test_accuracies") == 0.84
    # "only at 0.1 and 1 does it learn the moons": above 90 % there, not below.
    assert [final(run, "test_accuracies") > 0.9 for run in sgd] == [False, False, True, True]
    # "Adam learns them at 0.001, 0.01 and 0.1 alike, 94 to 96 % test accuracy with each loss
    # below 0.2: a hundredfold range where SGD's is tenfold." (At 1 Adam bounces: where it ends
    # is chaos, a last-bit change in tanh has moved it from 92 % to 60 %, so it is not quoted.)
    accuracies = [final(run, "test_accuracies") for run in adam[:3]]
    assert min(accuracies) == 0.94 and max(accuracies) == 0.96
    assert all(final(run, "losses") < 0.2 for run in adam[:3])
    # "at 1 ... its loss bounces, as SGD's does at 1; theirs are the two largest loss noises".
    noise = {label: loss_noise(run["losses"]) for label, run in runs.items()}
    assert sorted(sorted(noise, key=noise.get)[-2:]) == ["Adam, lr 1", "SGD, lr 1"]
    # The page's table says the same.
    lesson = page.get_by_role("complementary", name="Adam is forgiving")
    rows = lesson.locator("table.checkpoints tbody tr")
    expect(rows).to_have_count(8)
    for i in range(8):
        cells = rows.nth(i).locator("td").all_inner_texts()
        assert float(cells[1]) == pytest.approx(noise[cells[0]], rel=1e-2), cells
        assert float(cells[2]) == pytest.approx(final(runs[cells[0]], "losses"), rel=1e-2)


def test_good_enough_minima(page, network_lesson):
    answered = network_lesson("Good-enough minima")
    lesson = page.get_by_role("complementary", name="Good-enough minima")
    rows = lesson.locator("table.checkpoints tbody tr")
    # The seed table comes once the four seeds have trained (after the boundaries).
    expect(rows).to_have_count(4, timeout=30_000)
    seeds = {}
    for response in answered:
        body = response.request.post_data_json
        if body.get("snapshots") == 1:
            seeds[body["model"]["seed"]] = untyped(response.json())
    assert sorted(seeds) == [0, 1, 2, 3]
    runs = {seed: answer["runs"][0] for seed, answer in seeds.items()}
    assert {run["label"] for run in runs.values()} == {"Adam, lr 0.01"}
    # "the same low loss, 0.018 to 0.023, with 94 to 98 % test accuracy"
    losses = [round(final(run, "losses"), 3) for run in runs.values()]
    assert min(losses) == 0.018 and max(losses) == 0.023
    accuracies = [final(run, "test_accuracies") for run in runs.values()]
    assert min(accuracies) == 0.94 and max(accuracies) == 0.98

    def vector(layers) -> np.ndarray:
        return np.concatenate([np.r_[np.ravel(layer["weight"]), layer["bias"]] for layer in layers])

    ends = {s: vector(run["final_parameters"]) for s, run in runs.items()}
    starts = {s: vector(answer["initial_parameters"]) for s, answer in seeds.items()}
    for s in (1, 2, 3):
        end = np.linalg.norm(ends[s] - ends[0]) / np.linalg.norm(ends[0])
        start = np.linalg.norm(starts[s] - starts[0]) / np.linalg.norm(starts[0])
        # "each 1.4 to 1.5 times the length of seed 0's ... at least as far apart as their
        # random starts"
        assert 1.35 <= end < 1.55 and end >= start, (s, end, start)
        cells = rows.nth(s).locator("td").all_inner_texts()
        assert cells[0] == str(s)
        assert float(cells[3]) == pytest.approx(start, rel=1e-2)
        assert float(cells[4]) == pytest.approx(end, rel=1e-2)
        assert float(cells[1]) == pytest.approx(final(runs[s], "losses"), rel=1e-2)
    # Different parameters, not one minimum found four times.
    assert all(np.linalg.norm(ends[s] - ends[0]) > 5 for s in (1, 2, 3))
