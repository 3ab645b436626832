"""Data set surfaces, mini-batches and repeats through the API; the saddle lesson."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.api.helpers import strict_json

LINEAR = {"dataset": {"id": "linear_regression", "params": {"n": 100, "seed": 1}}}


def post(client, path, body, status=200):
    response = client.post(path, json=body)
    assert response.status_code == status, response.text[:400]
    return strict_json(response)


def test_datasets_are_listed_with_their_parameters(client):
    data = strict_json(client.get("/api/v1/surfaces"))
    datasets = {d["id"]: d for d in data["datasets"]}
    assert set(datasets) == {"linear_regression", "logistic_regression"}
    names = {p["name"] for p in datasets["linear_regression"]["params"]}
    assert {"n", "seed", "w_true", "b_true", "noise"} <= names


def test_resolve_gives_the_examples_and_the_exact_minimum(client):
    record = post(client, "/api/v1/surfaces/resolve", LINEAR)
    x, y = np.array(record["data"]["x"]), np.array(record["data"]["y"])
    assert len(x) == len(y) == 100
    w, b = np.linalg.lstsq(np.stack([x, np.ones_like(x)], 1), y, rcond=None)[0]
    assert record["minima"][0]["point"] == pytest.approx([w, b], abs=1e-9)


@pytest.mark.parametrize(
    ("dataset", "params"),
    [
        ("linear_regression", {}),
        ("linear_regression", {"n": 100, "seed": 1}),
        ("linear_regression", {"w_true": -4.3, "b_true": 2.6}),
        ("logistic_regression", {}),
        ("logistic_regression", {"n": 100, "seed": 3}),
    ],
)
def test_a_datasets_default_start_is_a_round_point_in_its_window(client, dataset, params):
    record = post(
        client, "/api/v1/surfaces/resolve", {"dataset": {"id": dataset, "params": params}}
    )
    start = record["default_start"]
    assert start == [round(c) for c in start], start
    for c, axis in zip(start, ("x", "y"), strict=True):
        lo, hi = record["window"][axis]
        assert lo < c < hi
    assert math.dist(start, record["minima"][0]["point"]) > 3, "well away from the minimum"


def test_three_flavours_through_the_api(client):
    body = {
        "surface": LINEAR,
        "steps": 60,
        "seed": 3,
        "runs": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.05}}],
    }
    full = post(client, "/api/v1/trajectories", body)["runs"][0]
    batch_n = post(client, "/api/v1/trajectories", {**body, "batch_size": 100})["runs"][0]
    assert batch_n["points"] == full["points"] and "batch_losses" not in batch_n
    mini = post(client, "/api/v1/trajectories", {**body, "batch_size": 16})["runs"][0]
    assert len(mini["batch_losses"]) == 60
    assert mini["epoch_starts"] == list(range(0, 60, math.ceil(100 / 16)))
    assert mini["points"] != full["points"]
    again = post(client, "/api/v1/trajectories", {**body, "batch_size": 16})["runs"][0]
    assert again["points"] == mini["points"]
    other = post(client, "/api/v1/trajectories", {**body, "batch_size": 16, "seed": 4})["runs"][0]
    assert other["points"] != mini["points"]


def test_repeats_give_each_path_and_the_spread(client):
    body = {
        "surface": LINEAR,
        "steps": 40,
        "batch_size": 1,
        "repeats": 5,
        "runs": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.02}}],
    }
    run = post(client, "/api/v1/trajectories", body)["runs"][0]
    assert len(run["repeats"]) == 5
    assert run["repeats"][0]["points"] == run["points"]
    losses = np.array([r["losses"] for r in run["repeats"]])
    assert run["spread"]["median"] == pytest.approx(np.median(losses, axis=0).tolist())
    assert all(lo <= hi for lo, hi in zip(run["spread"]["p10"], run["spread"]["p90"], strict=True))


def test_batch_size_needs_a_dataset_and_backprop_needs_a_formula(client):
    analytic = {"surface": {"id": "quadratic"}, "batch_size": 4, "runs": [{"optimizer": "sgd"}]}
    detail = post(client, "/api/v1/trajectories", analytic, 422)["detail"]
    assert "data set" in str(detail)
    detail = post(client, "/api/v1/backprop", {"surface": LINEAR, "point": [0, 0]}, 422)["detail"]
    assert "formula" in str(detail)
    unknown = {"surface": {"dataset": {"id": "mnist"}}, "runs": [{"optimizer": "sgd"}]}
    assert "linear_regression" in str(post(client, "/api/v1/trajectories", unknown, 422))


def test_grid_and_gradcheck_on_a_dataset(client):
    grid = post(client, "/api/v1/grid", {"surface": LINEAR, "resolution": 30})
    assert np.array(grid["z"]).shape == (30, 30)
    check = post(client, "/api/v1/gradcheck", {"surface": LINEAR, "point": [0.5, 0.5]})
    assert check["ok"] is True


def test_saddle_lesson_noise_escapes_where_descent_stalls(client):
    body = {
        "surface": {"id": "saddle"},
        "start": [-1.5, 0.0],
        "steps": 200,
        "runs": [{"optimizer": "sgd", "hyperparameters": {"lr": 0.1}}],
    }
    plain = post(client, "/api/v1/trajectories", body)["runs"][0]
    assert np.hypot(*plain["points"][-1]) < 1e-3
    noisy = post(client, "/api/v1/trajectories", {**body, "noise": {"std": 0.1, "seed": 0}})
    assert np.hypot(*noisy["runs"][0]["points"][-1]) > 1.0
