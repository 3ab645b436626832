"""POST /networks/train with ``landscape``: the plane's fields, paths that agree with the runs,
the interpolation plane's ends on the plane, the binary encoding, and every limit."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from app.api.network_requests import NetworkRequest
from app.api.responses import NetworkResponse
from app.config import SETTINGS
from app.numerics import networks
from tests.api.helpers import strict_json

URL = "/api/v1/networks/train"
BODY = {
    "data": {"id": "moons", "params": {"n": 40, "seed": 0}},
    "model": {"hidden": [4, 3]},
    "steps": 30,
    "runs": [
        {"optimizer": "sgd", "hyperparameters": {"lr": 0.3}},
        {"optimizer": "adam", "hyperparameters": {"lr": 0.03}},
    ],
    "snapshots": 4,
    "resolution": 4,
}


def _decode(array) -> np.ndarray:
    dtype = {"f4": "<f4", "f8": "<f8"}[array["dtype"]]
    return np.frombuffer(base64.b64decode(array["bdata"]), dtype=dtype).reshape(array["shape"])


def _post(client, landscape, **change):
    response = client.post(URL, json={**BODY, **change, "landscape": landscape})
    assert response.status_code == 200, response.text
    return strict_json(response)


def test_a_pca_landscape_has_every_field_and_its_paths_agree_with_the_runs(client):
    data = _post(client, {"plane": "pca", "resolution": 7})
    plane = data["landscape"]
    assert plane["plane"] == "pca" and plane["centre"] == "mean"
    assert len(plane["u"]) == len(plane["v"]) == 7
    loss = _decode(plane["loss"])
    assert loss.shape == (7, 7) and plane["loss"]["dtype"] == "f8"
    assert plane["loss_min"] == pytest.approx(loss.min()) and plane["loss_max"] == loss.max()
    share = plane["explained_variance"]
    assert len(share) == 2 and share[0] >= share[1] > 0 and sum(share) <= 1 + 1e-12
    assert len(plane["paths"]) == len(plane["lines"]) == 2
    for path, run in zip(plane["paths"], data["runs"], strict=True):
        assert path["steps"] == run["snapshots"]["steps"] == [0, 10, 20, 30]
        assert path["true_loss"] == [run["losses"][s] for s in path["steps"]]
        for key in ("u", "v", "distance_from_plane", "plane_loss"):
            assert len(path[key]) == 4, key
    for line, run in zip(plane["lines"], data["runs"], strict=True):
        assert len(line["alpha"]) == len(line["loss"]) == 31
        assert line["loss"][line["alpha"].index(0.0)] == pytest.approx(run["losses"][0])


def test_a_grid_cell_is_the_loss_of_the_network_at_that_point(client):
    data = _post(client, {"plane": "interpolation", "resolution": 5, "span": 2.0})
    plane = data["landscape"]
    assert plane["u"] == np.linspace(-2, 2, 5).tolist() == plane["v"]
    network = networks.Network((2, 4, 3, 2), "tanh")
    theta0 = networks.initial_parameters(network, 0)
    split = networks.make_data(networks.DATASETS["moons"], {"n": 40, "seed": 0}, 0.25)

    def flat(layers):
        return np.concatenate([np.r_[np.ravel(x["weight"]), x["bias"]] for x in layers])

    first, second = (flat(run["final_parameters"]) - theta0 for run in data["runs"])
    d1 = first / np.linalg.norm(first)
    d2 = second - (second @ d1) * d1
    d2 /= np.linalg.norm(d2)
    theta = theta0 + plane["u"][4] * d1 + plane["v"][1] * d2
    expected, _, _ = networks.loss_and_gradient(network, theta, split.x, split.y)
    assert _decode(plane["loss"])[1, 4] == pytest.approx(expected, rel=1e-9)


def test_on_the_interpolation_plane_each_paths_ends_are_on_it_with_their_true_loss(client):
    plane = _post(client, {"plane": "interpolation", "resolution": 5})["landscape"]
    assert plane["explained_variance"] is None and plane["centre"] == "initial"
    for path in plane["paths"]:
        for end in (0, -1):
            assert path["distance_from_plane"][end] < 1e-12
            assert path["plane_loss"][end] == pytest.approx(path["true_loss"][end], rel=1e-10)


def test_with_one_run_the_interpolation_plane_is_a_line(client):
    body = {"runs": BODY["runs"][:1]}
    plane = _post(client, {"plane": "interpolation", "resolution": 9}, **body)["landscape"]
    assert plane["v"] is None and _decode(plane["loss"]).shape == (9,)
    assert plane["paths"][0]["v"] is None


def test_a_random_plane_is_seeded_and_centred_on_run_0s_final_point(client):
    a, b, c = (
        _post(client, {"plane": "random", "resolution": 5, "seed": s})["landscape"]
        for s in (1, 1, 2)
    )
    assert a["centre"] == "final" and a == b and a["paths"] != c["paths"]
    # the centre is run 0's final point: its last path point is at the origin, on the plane
    last = a["paths"][0]
    assert abs(last["u"][-1]) < 1e-12 and last["distance_from_plane"][-1] < 1e-12


def test_binary_paths_carry_the_same_numbers(client):
    landscape = {"plane": "pca", "resolution": 5}
    as_json = _post(client, landscape)["landscape"]
    as_binary = _post(client, landscape, encoding="binary")["landscape"]
    for a, b in zip(as_json["paths"], as_binary["paths"], strict=True):
        for key in ("u", "v", "distance_from_plane", "true_loss", "plane_loss"):
            assert _decode(b[key]).tolist() == a[key], key


def test_a_huge_span_answers_finite_json(client):
    body = {"model": {"hidden": [4], "activation": "relu"}}
    plane = _post(client, {"plane": "random", "resolution": 5, "span": 1e6}, **body)["landscape"]
    loss = _decode(plane["loss"])
    assert np.isnan(loss).sum() + np.isfinite(loss).sum() == loss.size


def test_without_landscape_there_is_none(client):
    response = client.post(URL, json=BODY)
    assert "landscape" not in strict_json(response)


LIMITS = [
    ({"resolution": 4}, "greater than or equal to 5"),
    ({"resolution": SETTINGS.max_landscape_resolution + 1}, "less than or equal to 101"),
    ({"plane": "hessian"}, "'pca', 'random' or 'interpolation'"),
    ({"plane": "interpolation", "centre": "mean"}, "centre must be 'initial' or 'final'"),
    ({"span": 0}, "greater than 0"),
    ({"seed": -1}, "greater than or equal to 0"),
    ({"shape": "square"}, "Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("landscape", "needle"), LIMITS)
def test_every_landscape_limit_is_a_422_that_names_it(client, landscape, needle):
    response = client.post(URL, json={**BODY, "landscape": landscape})
    assert response.status_code == 422, response.text
    assert needle in response.text


def test_a_plane_too_costly_is_refused_naming_the_budget_and_the_resolution(client):
    body = {**BODY, "data": {"id": "moons", "params": {"n": 5000}}, "steps": 1, "snapshots": 1,
            "resolution": 2, "model": {"hidden": [64] * 4}, "runs": BODY["runs"][:1]}  # fmt: skip
    assert client.post(URL, json=body).status_code == 200
    response = client.post(URL, json={**body, "landscape": {"resolution": 101}})
    assert response.status_code == 422
    assert "GRADSCAPE_MAX_WORK" in response.text and "landscape's resolution" in response.text


RELU = {"model": {"hidden": [3], "activation": "relu"}}
DIVERGING = {"runs": [{"optimizer": "sgd", "hyperparameters": {"lr": 1e5}}] * 2}
EDGES = [
    ({"plane": "pca", "span": 1e-300}, {}),
    ({"plane": "random", "span": SETTINGS.max_coord}, RELU),
    ({"plane": "interpolation", "centre": "final"}, DIVERGING),
    ({"plane": "pca"}, {"runs": BODY["runs"][:1], "grad_tol": 1e3}),  # converged at step 0
    ({"plane": "random", "centre": "mean"}, {"model": {"hidden": []}, "encoding": "binary"}),
    ({"plane": "pca"}, {"data": {"id": "sine", "params": {"n": 30}}}),
]  # fmt: skip


@pytest.mark.parametrize(("landscape", "change"), EDGES)
def test_edge_cases_answer_finite_json_in_the_documented_shape(client, landscape, change):
    data = _post(client, landscape, **change)
    NetworkResponse.model_validate(data)
    plane = data["landscape"]
    assert len(plane["paths"]) == len(data["runs"])
    for path, run in zip(plane["paths"], data["runs"], strict=True):
        steps = path["steps"]
        assert len(steps) <= len(run["snapshots"]["steps"]) + 1


def test_a_pca_planes_eigenvectors_are_counted(client):
    # Few examples and many parameters: the path points cost little, the PCA of 8 x 101
    # snapshots of 12,900 parameters (a Gram matrix and its eigenvectors) a great deal.
    body = {**BODY, "data": {"id": "moons", "params": {"n": 8}}, "model": {"hidden": [64] * 4},
            "steps": 100, "snapshots": 100, "resolution": 2, "encoding": "binary",
            "runs": [{"optimizer": "adam"}] * 8}  # fmt: skip
    random = {"plane": "random", "resolution": 101}
    assert NetworkRequest.model_validate({**body, "landscape": random}).landscape.resolution == 101
    response = client.post(URL, json={**body, "landscape": {"plane": "pca", "resolution": 101}})
    assert response.status_code == 422 and "GRADSCAPE_MAX_WORK" in response.text
