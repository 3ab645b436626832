"""Every lesson's claim, checked against what the server computed for it: the numbers its text
quotes, and the behaviour it describes (escapes, zig-zags, valleys)."""

from __future__ import annotations

import math
from itertools import pairwise
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import untyped


@pytest.fixture
def lesson_runs(page, lab):
    """Opens a lesson by title; answers its runs by label (from its POST /trajectories)."""
    answered: list = []

    def record(response) -> None:
        if urlsplit(response.url).path == "/api/v1/trajectories":
            answered.append(response)

    page.on("response", record)
    lab.open()

    def open_lesson(title: str) -> dict[str, dict]:
        answered.clear()
        lab.open_lesson(title)
        page.wait_for_function("() => document.body.dataset.busy === 'false'")
        assert answered and all(response.ok for response in answered), title
        bodies = [untyped(response.json()) for response in answered]
        return {run["label"]: run for body in bodies for run in body["runs"]}

    return open_lesson


def check_the_chapters_descents(lesson_runs):
    (run,) = lesson_runs("The simplest descent").values()
    xs = [p[0] for p in run["points"]]
    assert [round(xs[k], 4) for k in (1, 6, 21, 40)] == [0.6, 2.2136, 2.9723, 2.9996]
    (run,) = lesson_runs("A learning rate too large").values()
    assert [round(p[0], 3) for p in run["points"][1:]] == [
        6.6,
        -1.32,
        8.184,
        -3.221,
        10.465,
        -5.958,
    ]
    assert [round(loss, 2) for loss in run["losses"][1:4]] == [12.96, 18.66, 26.87]
    assert all(b > a for a, b in pairwise(run["losses"])), "the loss grows"


def check_the_loss_explodes_at_a_quarter_more(lesson_runs):
    runs = lesson_runs("When the loss explodes")
    calm, wild = runs["SGD, lr 0.002"], runs["SGD, lr 0.0025"]
    assert calm["status"] != "diverged"
    assert math.dist(calm["points"][-1], [1.0, 1.0]) < math.dist(calm["points"][0], [1.0, 1.0])
    assert wild["status"] == "diverged" and wild["stopped_at"] <= 5
    assert wild["reason"] == "|loss| exceeded 1e+12"


def check_momentum_gets_along_the_valley_that_sgd_zig_zags_across_or_crawls(lesson_runs):
    runs = lesson_runs("Momentum against plain SGD")
    big, small, momentum = runs["SGD, lr 0.19"], runs["SGD, lr 0.02"], runs["Momentum, lr 0.02"]
    across = [p[1] for p in big["points"][:20]]
    assert all(a * b < 0 for a, b in pairwise(across)), "lr 0.19 crosses the valley"
    flips = [p[1] for p in small["points"][:20]]
    assert not any(a * b < 0 for a, b in pairwise(flips)), "lr 0.02 does not zig-zag"
    assert momentum["summary"]["final_loss"] < small["summary"]["final_loss"] / 10


def check_adam_keeps_moving_along_rosenbrocks_floor(lesson_runs):
    runs = lesson_runs("Adam against SGD on Rosenbrock")
    sgd, adam = (runs[label]["summary"]["distance_to_minimum"] for label in ("SGD", "Adam"))
    assert adam < sgd / 2


def check_batch_flavours_fit_200_points_smoothly_or_jitter(lesson_runs):
    runs = lesson_runs("Batch, stochastic and mini-batch")
    batch, single, mini = (
        runs[label] for label in ("Batch GD: all 200", "SGD: batch 1", "Mini-batch: 32")
    )
    smooth = batch["losses"]
    assert all(b <= a for a, b in pairwise(smooth)), "batch GD's loss only falls"
    assert len(batch["repeats"]) == 8
    for noisy in (single, mini):
        assert any(b > a for a, b in pairwise(noisy["losses"])), "it jitters"
    # The band over 8 seeds: wider for one example per step than for 32.
    width = [
        sum(
            hi - lo
            for lo, hi in zip(run["spread"]["p10"][50:], run["spread"]["p90"][50:], strict=True)
        )
        for run in (single, mini)
    ]
    assert width[0] > width[1] > 0


def check_a_saddle_holds_sgd_longer_than_adam(lesson_runs):
    runs = lesson_runs("Stuck at a saddle")

    def escaped(run: dict) -> int:
        return next(k for k, p in enumerate(run["points"]) if abs(p[1]) > 0.5)

    assert escaped(runs["Adam"]) < escaped(runs["SGD"])


def check_noise_escapes_the_saddle_that_exact_descent_stays_in(lesson_runs):
    runs = lesson_runs("Noise escapes the saddle")
    exact, noisy = runs["GD, exact gradient"], runs["Noisy SGD, noise std 0.1"]
    assert all(p[1] == 0.0 for p in exact["points"]), "the exact gradient never leaves y = 0"
    assert abs(exact["points"][-1][0]) < 1e-3 and abs(exact["losses"][-1]) < 1e-6
    assert noisy["losses"][-1] < -1, "the noisy run escapes downhill"


def check_rastrigin_settles_in_the_nearest_dimple_at_loss_about_8(lesson_runs):
    runs = lesson_runs("Many local minima: Rastrigin")
    assert len(runs) == 3
    for run in runs.values():
        assert 7 < run["summary"]["final_loss"] < 9, run["label"]


def check_himmelblau_routes_end_in_different_valleys_at_loss_0(lesson_runs):
    runs = lesson_runs("Four valleys: Himmelblau")
    ends = {tuple(run["summary"]["nearest_minimum"]) for run in runs.values()}
    assert len(ends) >= 2
    for run in runs.values():
        assert run["summary"]["final_loss"] < 1e-3 and run["summary"]["distance_to_minimum"] < 0.05


CHECKS = [
    check_the_chapters_descents,
    check_the_loss_explodes_at_a_quarter_more,
    check_momentum_gets_along_the_valley_that_sgd_zig_zags_across_or_crawls,
    check_adam_keeps_moving_along_rosenbrocks_floor,
    check_batch_flavours_fit_200_points_smoothly_or_jitter,
    check_a_saddle_holds_sgd_longer_than_adam,
    check_noise_escapes_the_saddle_that_exact_descent_stays_in,
    check_rastrigin_settles_in_the_nearest_dimple_at_loss_about_8,
    check_himmelblau_routes_end_in_different_valleys_at_loss_0,
]


def test_every_lesson_keeps_its_claims(lesson_runs):
    """One page visits every lesson in turn (a page load each would cost a minute of the
    suite); each check names its lesson and its claim when it fails."""
    for check in CHECKS:
        check(lesson_runs)
