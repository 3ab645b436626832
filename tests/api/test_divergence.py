"""Divergence under pressure: the largest learning rates answer 200 with finite numbers only
(``strict_json`` refuses NaN, Infinity and overflowing literals)."""

from __future__ import annotations

import pytest

from tests.api.helpers import strict_json, trajectory_body


def largest_lr(client) -> dict[str, float]:
    optimizers = strict_json(client.get("/api/v1/optimizers"))["optimizers"]
    return {
        o["id"]: next(h["max"] for h in o["hyperparameters"] if h["name"] == "lr")
        for o in optimizers
    }


def run_at(client, optimizer: str, lr: float, steps: int = 1000) -> dict:
    body = trajectory_body(
        steps=steps, runs=[{"optimizer": optimizer, "hyperparameters": {"lr": lr}}]
    )
    response = client.post("/api/v1/trajectories", json=body)
    assert response.status_code == 200, response.text[:300]
    return strict_json(response)["runs"][0]


def test_adam_on_rosenbrock_at_lr_1e6_answers_200_diverged(client):
    run = run_at(client, "adam", 1e6)
    assert run["status"] == "diverged" and run["stopped_at"] == 1


def test_every_optimizer_at_its_largest_lr_diverges_at_its_first_step(client):
    """At lr 1e6 from (-1.5, 2) every first step lands a million away (Adam's and the other
    sign-like rules' steps are about lr; SGD's lr times a gradient of about 1,500), past the
    coordinate cap, except Adadelta's, which lr scales by sqrt(eps) / |g| (about 3,000 away):
    there the loss, 100 (y - x^2)^2 of about 1e16, passes its cap instead."""
    for optimizer, lr in largest_lr(client).items():
        assert lr == 1e6, optimizer
        run = run_at(client, optimizer, lr)
        reason = (
            "|loss| exceeded 1e+12" if optimizer == "adadelta" else ("a coordinate is beyond 1e+06")
        )
        assert (run["status"], run["stopped_at"], run["reason"]) == ("diverged", 1, reason)
        assert run["points"] == [[-1.5, 2.0]], "only the start, the last finite point"
        assert "learning rate" in run["message"]


def test_sgd_on_rosenbrock_at_lr_100_diverges_at_step_1_on_the_loss_cap(client):
    run = run_at(client, "sgd", 100.0)
    assert run["status"] == "diverged" and run["stopped_at"] == 1
    assert "1e+12" in run["reason"]
    assert run["points"] == [[-1.5, 2.0]]


def test_adam_at_lr_100_stays_bounded_because_its_step_is_bounded_by_lr(client):
    run = run_at(client, "adam", 100.0)
    # Bounded, so no cap stops it; but its loss ends far above its start (12.5), which issue
    # 16 calls diverging (it was max_steps before), with the hint of a diverged run.
    assert run["status"] == "diverging" and run["stopped_at"] == len(run["points"]) - 1
    assert run["losses"][-1] > 2 * run["losses"][0] and "learning rate" in run["message"]
    assert max(abs(c) for point in run["points"] for c in point) < 1e6


@pytest.mark.parametrize("repeats", [1, 3])
def test_a_start_whose_loss_is_beyond_the_cap_diverges_at_step_0(client, repeats):
    body = trajectory_body(start=[999999.0, 999999.0], steps=5, repeats=repeats)
    response = client.post("/api/v1/trajectories", json=body)
    assert response.status_code == 200, response.text[:300]
    run = strict_json(response)["runs"][0]
    assert run["status"] == "diverged" and run["stopped_at"] == 0 and run["points"] == []
    assert "start" in run["message"]
