"""POST /networks/train: every field of the answer, the binary boundaries, and every limit."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from app.config import SETTINGS
from app.numerics import networks
from tests.api.helpers import strict_json

URL = "/api/v1/networks/train"
BODY = {
    "data": {"id": "moons", "params": {"n": 40, "noise": 0.2, "seed": 0}, "test_fraction": 0.25},
    "model": {"hidden": [4, 3], "activation": "tanh", "seed": 0},
    "steps": 20,
    "batch_size": None,
    "shuffle_seed": 0,
    "runs": [
        {"optimizer": "adam", "hyperparameters": {"lr": 0.01}, "label": "Adam", "schedule": None}
    ],
    "snapshots": 5,
    "resolution": 6,
}


def _decode(array) -> np.ndarray:
    dtype = {"f4": "<f4", "f8": "<f8"}[array["dtype"]]
    return np.frombuffer(base64.b64decode(array["bdata"]), dtype=dtype).reshape(array["shape"])


def test_the_answer_has_every_field_the_issue_names(client):
    data = strict_json(client.post(URL, json=BODY))
    assert len(data["data"]["train"]["x"]) == 30 and len(data["data"]["test"]["y"]) == 10
    assert data["sizes"] == [2, 4, 3, 2] and data["parameter_count"] == 12 + 15 + 8
    shapes = [(len(layer["weight"]), len(layer["weight"][0]), len(layer["bias"]))
              for layer in data["initial_parameters"]]  # fmt: skip
    assert shapes == [(4, 2, 4), (3, 4, 3), (2, 3, 2)]
    (run,) = data["runs"]
    assert run["label"] == "Adam" and run["optimizer"] == "adam"
    assert run["hyperparameters"]["lr"] == 0.01 and run["hyperparameters"]["beta2"] == 0.999
    for key in ("losses", "test_losses", "accuracies", "test_accuracies"):
        assert len(run[key]) == 21, key
    assert np.array(run["gradient_norms"]).shape == (21, 3)
    assert run["status"] == "max_steps" and run["stopped_at"] == 20 and run["reason"] is None
    assert run["message"] == "still going after 20 steps"
    assert len(run["final_parameters"]) == 3
    assert run["snapshots"]["steps"] == [0, 5, 10, 15, 20]
    boundary = _decode(run["snapshots"]["boundary"])
    assert boundary.shape == (5, 2, 6, 6) and np.allclose(boundary.sum(axis=1), 1.0, atol=1e-6)
    assert len(data["grid"]["x"]) == len(data["grid"]["y"]) == 6


def test_the_answer_is_what_the_numerics_compute(client):
    data = strict_json(client.post(URL, json=BODY))
    network = networks.Network((2, 4, 3, 2), "tanh")
    theta = networks.initial_parameters(network, 0)
    flat = np.concatenate([np.r_[np.ravel(layer["weight"]), layer["bias"]]
                           for layer in data["initial_parameters"]])  # fmt: skip
    assert flat.tolist() == theta.tolist()
    x, y = np.array(data["data"]["train"]["x"]), np.array(data["data"]["train"]["y"])
    loss, _, _ = networks.loss_and_gradient(network, theta, x, y)
    assert data["runs"][0]["losses"][0] == loss


def test_binary_encoding_carries_the_same_numbers(client):
    json_answer = strict_json(client.post(URL, json=BODY))
    binary = strict_json(client.post(URL, json={**BODY, "encoding": "binary"}))
    a, b = json_answer["runs"][0], binary["runs"][0]
    for key in ("losses", "test_losses", "accuracies", "test_accuracies", "gradient_norms"):
        assert _decode(b[key]).tolist() == a[key], key
    assert b["snapshots"]["boundary"] == a["snapshots"]["boundary"]


def test_regression_has_no_accuracy_and_a_1d_boundary(client):
    body = {**BODY, "data": {"id": "sine", "params": {"n": 30}, "test_fraction": 0.0}}
    (run,) = strict_json(client.post(URL, json=body))["runs"]
    assert run["accuracies"] is None and run["test_accuracies"] is None
    assert run["test_losses"] is None
    assert _decode(run["snapshots"]["boundary"]).shape == (5, 1, 6)


def test_minibatches_schedules_and_several_runs(client):
    runs = [{"optimizer": "sgd", "hyperparameters": {"lr": 0.1},
             "schedule": {"type": "step", "step_size": 5, "gamma": 0.5}},
            {"optimizer": "momentum"}, {"optimizer": "lion"}]  # fmt: skip
    data = strict_json(client.post(URL, json={**BODY, "runs": runs, "batch_size": 8}))
    assert [r["label"] for r in data["runs"]] == ["SGD", "Momentum", "Lion"]
    again = strict_json(client.post(URL, json={**BODY, "runs": runs, "batch_size": 8}))
    assert again == data
    other = strict_json(
        client.post(URL, json={**BODY, "runs": runs, "batch_size": 8, "shuffle_seed": 1})
    )
    assert other["runs"][0]["losses"] != data["runs"][0]["losses"]


def test_a_diverging_run_has_no_infinity(client):
    body = {**BODY, "runs": [{"optimizer": "sgd", "hyperparameters": {"lr": 1e5}}],
            "model": {"hidden": [8], "activation": "relu"}, "steps": 200}  # fmt: skip
    (run,) = strict_json(client.post(URL, json=body))["runs"]
    assert run["status"] in ("diverged", "diverging")
    assert "try a smaller learning rate" in run["message"]
    assert len(run["losses"]) == run["stopped_at"] + (run["status"] != "diverged")


LIMITS = [
    ({"data": {"id": "moons", "params": {"n": SETTINGS.max_network_examples + 1}}},
     "GRADSCAPE_MAX_NETWORK_EXAMPLES"),
    ({"model": {"hidden": [2] * (SETTINGS.max_hidden_layers + 1)}}, "at most 4"),
    ({"model": {"hidden": [SETTINGS.max_hidden_width + 1]}}, "less than or equal to 64"),
    ({"model": {"hidden": [0]}}, "greater than or equal to 1"),
    ({"runs": [{"optimizer": "sgd"}] * (SETTINGS.max_network_runs + 1)}, "at most 8"),
    ({"steps": SETTINGS.max_steps + 1}, "less than or equal to"),
    ({"snapshots": SETTINGS.max_snapshots + 1}, "less than or equal to 100"),
    ({"resolution": SETTINGS.max_boundary_resolution + 1}, "less than or equal to 100"),
    ({"data": {"id": "moons", "params": {"n": 5000}}, "steps": 2000, "runs":
      [{"optimizer": "sgd"}] * 3}, "GRADSCAPE_MAX_EXAMPLE_STEPS"),
    ({"data": {"id": "moons", "params": {"n": 5000}}, "steps": 1000, "model":
      {"hidden": [64] * 4}}, "GRADSCAPE_MAX_WORK"),
    ({"data": {"id": "moons", "test_fraction": 0.6}}, "less than or equal to 0.5"),
    ({"data": {"id": "mnist"}}, "valid: moons"),
    ({"data": {"id": "moons", "params": {"noise": -1}}}, "noise must be between"),
    ({"runs": [{"optimizer": "adam", "hyperparameters": {"lr": -1}}]}, "lr must be"),
    ({"model": {"activation": "gelu"}}, "tanh"),
    ({"batch_size": SETTINGS.max_batch_size + 1}, "less than or equal to"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "needle"), LIMITS)
def test_every_limit_is_a_422_that_names_it(client, change, needle):
    response = client.post(URL, json={**BODY, **change})
    assert response.status_code == 422, response.text
    assert needle in response.text
