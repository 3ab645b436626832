"""Learning-rate sweeps, basin maps and schedules through the API."""

from __future__ import annotations

import numpy as np
import pytest

from tests.api.helpers import strict_json, trajectory_body


def test_lr_sweep_on_the_parabola_finds_the_edge(client):
    body = {
        "surface": {"id": "parabola"},
        "start": [0.0],
        "steps": 1000,
        "optimizer": "sgd",
        "lr_range": [0.1, 1.5],
        "count": 64,
    }
    data = strict_json(client.post("/api/v1/sweeps/lr", json=body))
    lrs, status = np.array(data["lrs"]), np.array(data["status"])
    assert len(lrs) == 64 and lrs[0] == pytest.approx(0.1) and lrs[-1] == pytest.approx(1.5)
    assert np.allclose(np.diff(np.log(lrs)), np.log(15) / 63)
    assert (status[lrs < 0.999] != "diverged").all() and (status[lrs > 1.001] == "diverged").all()
    assert 1.0 < data["smallest_diverged_lr"] < 1.1
    assert len(data["final_loss"]) == len(data["best_loss"]) == len(data["stopped_at"]) == 64


def test_the_parabola_sweep_calls_every_lr_above_1_diverging_or_diverged(client):
    """Issue 16's acceptance 2: sgd, lr 0.5 to 1.5, 101 lrs, 400 steps. lr 1.01 multiplies the
    loss by millions without passing a cap: it is diverging, and the edge is the first lr above
    1 (it was 1.021 when only the caps counted)."""
    body = {
        "surface": {"id": "parabola"},
        "start": [0.0],
        "steps": 400,
        "optimizer": "sgd",
        "lr_range": [0.5, 1.5],
        "count": 101,
    }
    data = strict_json(client.post("/api/v1/sweeps/lr", json=body))
    lrs, status = np.array(data["lrs"]), np.array(data["status"])
    final = np.array(data["final_loss"], dtype=float)
    assert (final[lrs < 1.0] < 9.0).all(), "every lr below 1 ends lower than it started"
    assert set(status[lrs > 1.0]) <= {"diverging", "diverged"}
    assert "diverging" in set(status[lrs > 1.0])
    assert data["smallest_diverged_lr"] == lrs[lrs > 1.0].min()
    assert data["largest_stable_lr"] == lrs[lrs < 1.0].max()
    assert data["best_lr"] < 1.0


def test_lr_sweep_limits(client):
    body = {"surface": {"id": "rosenbrock"}, "optimizer": "adam", "lr_range": [1e-3, 1.0]}
    too_many = client.post("/api/v1/sweeps/lr", json={**body, "count": 5000})
    assert too_many.status_code == 422
    assert "1024" in str(strict_json(too_many)["detail"])
    reversed_range = client.post("/api/v1/sweeps/lr", json={**body, "lr_range": [1.0, 0.1]})
    assert reversed_range.status_code == 422
    work = client.post("/api/v1/sweeps/lr", json={**body, "count": 1024, "steps": 100_000})
    assert work.status_code == 422 and "GRADSCAPE_MAX_WORK" in str(strict_json(work)["detail"])
    # An end below the optimizer's lowest lr is that end's error, not the whole body's.
    low = client.post("/api/v1/sweeps/lr", json={**body, "lr_range": [1e-7, 1.0]})
    assert low.status_code == 422
    (error,) = strict_json(low)["detail"]
    assert error["loc"] == ["body", "lr_range", 0]
    assert error["msg"] == "lr must be between 1e-06 and 1e+06, not 1e-07"


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("sweeps/lr", {"surface": {"id": "rosenbrock"}, "lr_range": [1e-3, 1.0]}),
        ("basins", {"surface": {"id": "himmelblau"}}),
    ],
)
def test_sweep_and_basin_errors_are_located_at_each_bad_hyperparameter(client, path, fields):
    body = {**fields, "optimizer": "adam", "hyperparameters": {"beta1": 2, "betas": 0.9}}
    response = client.post(f"/api/v1/{path}", json=body)
    assert response.status_code == 422
    detail = strict_json(response)["detail"]
    assert [e["loc"] for e in detail] == [
        ["body", "hyperparameters", "beta1"],
        ["body", "hyperparameters", "betas"],
    ]
    assert detail[0]["msg"] == "beta1 must be between 0 and 0.9999, not 2"
    assert detail[1]["msg"].startswith("unknown hyperparameter for adam; valid: lr, ")


def test_basin_map_on_himmelblau(client):
    body = {
        "surface": {"id": "himmelblau"},
        "optimizer": "sgd",
        "hyperparameters": {"lr": 0.001},
        "resolution": 24,
        "steps": 1000,
    }
    data = strict_json(client.post("/api/v1/basins", json=body))
    outcome = np.array(data["outcome"])
    assert outcome.shape == (24, 24) and np.array(data["steps"]).shape == (24, 24)
    assert len(data["minima"]) == 4
    assert all(count > 0 for count in data["reached"])
    assert sum(data["reached"]) + data["none"] + data["diverged"] == 24 * 24
    assert set(np.unique(outcome)) <= {-2, -1, 0, 1, 2, 3}


def test_basin_map_refuses_1d_surfaces_and_too_much_work(client):
    one_d = client.post("/api/v1/basins", json={"surface": {"id": "parabola"}, "optimizer": "sgd"})
    assert one_d.status_code == 422 and "2-D" in str(strict_json(one_d)["detail"])
    big = {"surface": {"id": "himmelblau"}, "optimizer": "sgd", "resolution": 256, "steps": 5000}
    assert client.post("/api/v1/basins", json=big).status_code == 422


def test_trajectory_with_a_schedule_reports_the_lr_of_every_update(client):
    body = trajectory_body(
        surface={"id": "parabola"},
        start=[0.0],
        steps=10,
        runs=[
            {
                "optimizer": "sgd",
                "hyperparameters": {"lr": 0.1},
                "schedule": {"type": "step", "step_size": 4, "gamma": 0.5},
            }
        ],
    )
    run = strict_json(client.post("/api/v1/trajectories", json=body))["runs"][0]
    assert run["lrs"] == [0.1] * 4 + [0.05] * 4 + [0.025] * 2
    x = 0.0
    for k, lr in enumerate(run["lrs"]):
        x = x - lr * 2 * (x - 3)
        assert run["points"][k + 1][0] == pytest.approx(x, rel=1e-14)


def test_unknown_schedule_type_is_a_422(client):
    body = trajectory_body(runs=[{"optimizer": "sgd", "schedule": {"type": "linear"}}])
    response = client.post("/api/v1/trajectories", json=body)
    assert response.status_code == 422
    assert any("schedule" in map(str, e["loc"]) for e in strict_json(response)["detail"])
