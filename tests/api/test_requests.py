"""Requests refused at the boundary: each error names the field and the limit."""

from __future__ import annotations

import pytest

from tests.api.helpers import strict_json, trajectory_body


@pytest.mark.parametrize(
    ("patch", "field", "needle"),
    [
        ({"surface": {"id": "nope"}}, "surface", "rosenbrock"),
        ({"runs": [{"optimizer": "sgdx"}]}, "runs", "adam"),
        (
            {"runs": [{"optimizer": "sgd", "hyperparameters": {"learning_rate": 0.1}}]},
            "learning_rate",
            "lr",
        ),
        ({"steps": 0}, "steps", "greater than or equal to 1"),
        ({"steps": 10**9}, "steps", "less than or equal to"),
        ({"start": [1.0]}, "body", "2 coordinate"),
    ],
)
def test_bad_requests_name_the_field_and_the_limit(client, patch, field, needle):
    response = client.post("/api/v1/trajectories", json=trajectory_body(**patch))
    assert response.status_code == 422
    detail = strict_json(response)["detail"]
    assert any(field in map(str, e["loc"]) for e in detail), detail
    assert any(needle in e["msg"] for e in detail), detail


def hyperparameter_errors(client, *runs: dict) -> list[tuple[list, str, str]]:
    response = client.post("/api/v1/trajectories", json=trajectory_body(runs=list(runs)))
    assert response.status_code == 422
    return [(e["loc"], e["msg"], e["type"]) for e in strict_json(response)["detail"]]


def test_a_bad_hyperparameter_is_located_at_its_name(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "sgd"}, {"optimizer": "adam", "hyperparameters": {"lr": -1}}
    )
    assert errors == [
        (
            ["body", "runs", 1, "hyperparameters", "lr"],
            "lr must be between 1e-06 and 1e+06, not -1",
            "value_error",
        )
    ]


def test_an_unknown_hyperparameter_is_located_at_its_name_listing_the_valid_ones(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "sgd", "hyperparameters": {"lr": 0.1, "learning_rate": 0.1}}
    )
    assert errors == [
        (
            ["body", "runs", 0, "hyperparameters", "learning_rate"],
            "unknown hyperparameter for sgd;"
            " valid: lr, momentum, dampening, weight_decay, nesterov",
            "value_error",
        )
    ]


def test_every_bad_hyperparameter_gets_its_own_error(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "adam", "hyperparameters": {"lr": -1, "beta1": 2, "eps": 1e-8}}
    )
    at = ["body", "runs", 0, "hyperparameters"]
    assert [(loc, msg) for loc, msg, _ in errors] == [
        ([*at, "lr"], "lr must be between 1e-06 and 1e+06, not -1"),
        ([*at, "beta1"], "beta1 must be between 0 and 0.9999, not 2"),
    ]


def test_a_forbidden_combination_of_hyperparameters_stays_on_the_run(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "nesterov", "hyperparameters": {"momentum": 0.0}}
    )
    assert errors == [
        (["body", "runs", 0], "nesterov requires momentum > 0 and dampening = 0", "value_error")
    ]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_get_a_valid_json_422(client, bad):
    raw = (
        '{"surface": {"id": "rosenbrock"}, "steps": 10,'
        f' "runs": [{{"optimizer": "adam", "hyperparameters": {{"lr": {bad}}}}}]}}'
    )
    response = client.post(
        "/api/v1/trajectories", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    detail = strict_json(response)["detail"]
    assert any("lr" in e["loc"] for e in detail)
