"""POST /networks/inspect (every field, the same numbers as /networks/train and the numerics,
every limit) and /networks/train's include_parameters."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from app.config import SETTINGS
from app.numerics import networks
from tests.api.helpers import strict_json

URL = "/api/v1/networks/inspect"
TRAIN = "/api/v1/networks/train"
DATA = {"id": "moons", "params": {"n": 40, "noise": 0.2, "seed": 0}, "test_fraction": 0.25}
MODEL = {"hidden": [4, 3], "activation": "tanh", "seed": 0}
BODY = {"data": DATA, "model": MODEL, "example": 3, "check": 12, "check_seed": 0}
TRAIN_BODY = {
    "data": DATA,
    "model": MODEL,
    "steps": 20,
    "runs": [{"optimizer": "adam", "hyperparameters": {"lr": 0.05}}],
    "snapshots": 5,
    "resolution": 4,
}
NAME = re.compile(r"^(W(\d)\[(\d+)\]\[(\d+)\]|b(\d)\[(\d+)\])$")


def _decode(array) -> np.ndarray:
    raw = base64.b64decode(array["bdata"])
    return np.frombuffer(raw, dtype="<" + array["dtype"]).reshape(array["shape"])


def _layers(flat, sizes) -> list[dict]:
    network = networks.Network(tuple(sizes))
    return [{"weight": w.tolist(), "bias": b.tolist()} for w, b in network.unflatten(flat)]


def _timeless(answer: dict) -> dict:
    check = {k: v for k, v in answer["check"].items() if "seconds" not in k}
    return {**answer, "check": check}


def test_the_answer_has_every_field_the_issue_names(client):
    data = strict_json(client.post(URL, json=BODY))
    assert data["sizes"] == [2, 4, 3, 2] and data["parameter_count"] == 35
    assert len(data["gradient_norms"]) == 3 and min(data["gradient_norms"]) > 0
    example = data["example"]
    assert example["index"] == 3 and len(example["x"]) == 2 and example["y"] in (0.0, 1.0)
    assert len(example["input_gradient"]) == 2
    assert [len(layer["activation"]) for layer in example["layers"]] == [4, 3, 2]
    for layer in example["layers"]:
        assert set(layer) == {"pre_activation", "activation", "activation_gradient",
                              "pre_activation_gradient"}  # fmt: skip
    hidden, output = example["layers"][0], example["layers"][-1]
    assert np.allclose(np.tanh(hidden["pre_activation"]), hidden["activation"])
    assert output["activation"] == output["pre_activation"]  # the output layer is linear
    # Cross-entropy: dL/dz at the output is softmax(z) - onehot(y), whose entries sum to 0.
    assert abs(sum(output["pre_activation_gradient"])) < 1e-12

    check = data["check"]
    assert len(check["rows"]) == 12 and check["eps"] == 1e-6
    assert check["forward_passes"] == 24 and check["forward_passes_all"] == 70
    assert check["multiply_adds"] == {"forward": 8 + 12 + 6, "backward": 26 + 12 + 6}
    assert check["backprop_seconds"] > 0 and check["check_seconds"] > 0
    assert check["check_seconds_all"] == pytest.approx(check["check_seconds"] * 35 / 12)
    network = networks.Network((2, 4, 3, 2))
    indices = [row["index"] for row in check["rows"]]
    assert indices == sorted(set(indices))
    for row in check["rows"]:
        match = NAME.match(row["name"])
        assert match, row["name"]
        assert int(match.group(2) or match.group(5)) == row["layer"] + 1
        assert row["layer"] == network.layer_of(row["index"])
        assert row["abs_error"] == abs(row["backprop"] - row["numeric"])
        assert row["abs_error"] < 1e-8 * max(1.0, abs(row["backprop"]))
    assert check["max_abs_error"] == max(row["abs_error"] for row in check["rows"])


def test_the_default_parameters_are_trains_initial_ones_and_its_step_0(client):
    trained = strict_json(client.post(TRAIN, json=TRAIN_BODY))
    default = strict_json(client.post(URL, json=BODY))
    given = strict_json(
        client.post(URL, json={**BODY, "parameters": trained["initial_parameters"]})
    )
    assert _timeless(given) == _timeless(default)
    (run,) = trained["runs"]
    assert default["loss"] == run["losses"][0]
    assert np.allclose(default["gradient_norms"], run["gradient_norms"][0], rtol=1e-12)


def test_the_numbers_are_the_numerics(client):
    data = strict_json(client.post(URL, json=BODY))
    dataset = networks.DATASETS["moons"]
    split = networks.make_data(dataset, DATA["params"], 0.25)
    network = networks.network_for(dataset, [4, 3], "tanh")
    theta = networks.initial_parameters(network, 0)
    passes = networks.example_passes(network, theta, split.x[3], split.y[3])
    assert data["example"]["x"] == split.x[3].tolist()
    assert data["example"]["loss"] == passes.loss
    got = [layer["pre_activation_gradient"] for layer in data["example"]["layers"]]
    assert got == [d.tolist() for d in passes.pre_activation_gradients]
    _, grad, _ = networks.loss_and_gradient(network, theta, split.x, split.y)
    for row in data["check"]["rows"]:
        assert row["backprop"] == grad[row["index"]]


def test_a_snapshot_is_inspected_from_include_parameters(client):
    trained = strict_json(client.post(TRAIN, json={**TRAIN_BODY, "include_parameters": True}))
    (run,) = trained["runs"]
    snapshots = run["snapshots"]
    flat = np.array(snapshots["parameters"])
    assert flat.shape == (5, 35) and snapshots["steps"] == [0, 5, 10, 15, 20]
    initial = np.concatenate([np.r_[np.ravel(layer["weight"]), layer["bias"]]
                              for layer in trained["initial_parameters"]])  # fmt: skip
    final = np.concatenate([np.r_[np.ravel(layer["weight"]), layer["bias"]]
                            for layer in run["final_parameters"]])  # fmt: skip
    assert flat[0].tolist() == initial.tolist() and flat[-1].tolist() == final.tolist()
    assert not np.allclose(flat[2], flat[0])
    body = {**BODY, "parameters": _layers(flat[2], trained["sizes"])}
    at_10 = strict_json(client.post(URL, json=body))
    assert at_10["loss"] == run["losses"][10]
    assert np.allclose(at_10["gradient_norms"], run["gradient_norms"][10], rtol=1e-12)

    binary = strict_json(
        client.post(TRAIN, json={**TRAIN_BODY, "include_parameters": True, "encoding": "binary"})
    )
    typed = binary["runs"][0]["snapshots"]["parameters"]
    assert typed["dtype"] == "f8" and _decode(typed).tolist() == flat.tolist()


def test_include_parameters_is_off_by_default_and_costed(client):
    (run,) = strict_json(client.post(TRAIN, json=TRAIN_BODY))["runs"]
    assert run["snapshots"].get("parameters") is None
    # 8 runs x 100 snapshots of a network of 12,867 parameters: 10 million numbers to send.
    big = {**TRAIN_BODY, "data": {"id": "moons", "params": {"n": 4}}, "steps": 100,
           "model": {"hidden": [64] * 4}, "snapshots": 100, "resolution": 2,
           "runs": [{"optimizer": "sgd"}] * 8}  # fmt: skip
    assert client.post(TRAIN, json=big).status_code == 200
    refused = client.post(TRAIN, json={**big, "include_parameters": True})
    assert refused.status_code == 422 and "GRADSCAPE_MAX_RESPONSE_BYTES" in refused.text


def test_regression_and_relu(client):
    body = {**BODY, "data": {"id": "sine", "params": {"n": 30}}, "model": {"hidden": [6],
            "activation": "relu"}}  # fmt: skip
    data = strict_json(client.post(URL, json=body))
    assert data["sizes"] == [1, 6, 1]
    hidden, output = data["example"]["layers"]
    assert hidden["activation"] == [max(z, 0.0) for z in hidden["pre_activation"]]
    # Squared error: dL/dz = 2 (z - y).
    assert output["pre_activation_gradient"][0] == pytest.approx(
        2 * (output["pre_activation"][0] - data["example"]["y"]), rel=1e-12
    )
    assert data["example"]["loss"] == pytest.approx(
        (output["pre_activation"][0] - data["example"]["y"]) ** 2, rel=1e-12
    )


def _with_layer(change: dict) -> dict:
    layers = [{"weight": [[0.1, 0.2]] * 4, "bias": [0.0] * 4},
              {"weight": [[0.1] * 4] * 3, "bias": [0.0] * 3},
              {"weight": [[0.1] * 3] * 2, "bias": [0.0] * 2}]  # fmt: skip
    layers[change.get("layer", 0)] = {**layers[change.get("layer", 0)], **change["set"]}
    return {"parameters": layers}


LIMITS = [
    ({"example": 30}, "example must be less than 30, the training set's size"),
    ({"example": -1}, "greater than or equal to 0"),
    ({"check": SETTINGS.max_checked_parameters + 1}, "less than or equal to 64"),
    ({"check": 0}, "greater than or equal to 1"),
    ({"eps": 0}, "greater than 0"),
    ({"eps": 2}, "less than or equal to 1"),
    ({"parameters": [{"weight": [[1, 2]], "bias": [0]}]}, "must have 3 layers"),
    (_with_layer({"layer": 1, "set": {"weight": [[0.1] * 3] * 3}}), "weight must be 3 x 4"),
    (_with_layer({"layer": 2, "set": {"bias": [0.0]}}), "bias must have 2 values"),
    (_with_layer({"set": {"bias": [0.0, 0.0, 0.0, 2e6]}}), "less than or equal to 1000000"),
    (_with_layer({"set": {"bias": [0.0, 0.0, 0.0, "NaN"]}}), "less than or equal to 1000000"),
    ({"parameters": [{"weight": [[0.0]] * 65, "bias": []}]}, "at most 64"),
    ({"data": {"id": "moons", "params": {"n": 5000}}, "model": {"hidden": [64] * 4},
      "check": 64}, "GRADSCAPE_MAX_WORK"),
    ({"data": {"id": "mnist"}}, "valid: moons"),
    ({"model": {"hidden": [65]}}, "less than or equal to 64"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "needle"), LIMITS)
def test_every_limit_is_a_422_that_names_it(client, change, needle):
    response = client.post(URL, json={**BODY, **change})
    assert response.status_code == 422, response.text
    assert needle in response.text
    strict_json(response)


def test_the_largest_accepted_inspection_runs(client):
    """Just under the work budget: 5,000 examples through a 2-64-64-64-64-2 network with 38
    parameters checked (76 forward passes); 40 are refused."""
    body = {**BODY, "data": {"id": "moons", "params": {"n": 5000}},
            "model": {"hidden": [64] * 4}, "check": 38, "example": 3749}  # fmt: skip
    assert "GRADSCAPE_MAX_WORK" in client.post(URL, json={**body, "check": 40}).text
    data = strict_json(client.post(URL, json=body))
    assert data["check"]["forward_passes"] == 76
    assert data["check"]["max_abs_error"] < 1e-6
