"""POST /api/v1/curvature, and include_curvature on /trajectories (JSON and binary)."""

from __future__ import annotations

import base64
import gzip
import math

import numpy as np
import pytest

from tests.api.helpers import strict_json, trajectory_body

URL = "/api/v1/curvature"


def post(client, surface, point, **extra):
    return client.post(URL, json={"surface": surface, "point": point, **extra})


def ok(client, surface, point, **extra):
    response = post(client, surface, point, **extra)
    assert response.status_code == 200, response.text[:400]
    return strict_json(response)


def test_the_parabola(client):
    body = ok(client, {"id": "parabola"}, [0.0])
    assert body["hessian"] == [[2.0]] and body["eigenvalues"] == [2.0]
    assert body["eigenvectors"] == [[1.0]] and body["value"] == 9.0
    assert body["stable_lr"] == {"sgd": 1.0, "momentum": pytest.approx(1.9)}
    assert body["condition_number"] == 1.0 and body["momentum"] == 0.9


def test_the_bowl_and_a_given_momentum(client):
    body = ok(client, {"id": "quadratic"}, [-2.5, 2.0], momentum=0.5)
    assert body["hessian"] == [[1.0, 0.0], [0.0, 10.0]]
    assert body["eigenvalues"] == [1.0, 10.0] and body["condition_number"] == 10.0
    assert body["stable_lr"]["sgd"] == 0.2
    assert body["stable_lr"]["momentum"] == pytest.approx(0.3)


def test_rosenbrock_at_one_one(client):
    body = ok(client, {"id": "rosenbrock"}, [1.0, 1.0])
    assert body["hessian"] == [[802.0, -400.0], [-400.0, 200.0]]
    h = np.array(body["hessian"])
    vectors, values = np.array(body["eigenvectors"]), np.array(body["eigenvalues"])
    np.testing.assert_allclose(h @ vectors, vectors * values, atol=1e-10)
    assert values[0] < values[1]


def test_the_saddle_has_no_condition_problem_but_a_negative_curvature(client):
    body = ok(client, {"id": "saddle"}, [0.0, 0.0])
    assert body["eigenvalues"] == [-2.0, 2.0]
    assert body["stable_lr"]["sgd"] == 1.0


def test_parameters_count(client):
    body = ok(client, {"id": "quadratic", "params": {"a": 4.0, "b": 0.5}}, [0.0, 0.0])
    assert body["eigenvalues"] == [0.5, 4.0] and body["stable_lr"]["sgd"] == 0.5


def test_no_edge_and_no_condition_number_are_null(client):
    body = ok(client, {"expression": "-(x**2) + 0*y"}, [1.0, 2.0])
    assert body["eigenvalues"] == [-2.0, 0.0]
    assert body["condition_number"] is None
    assert body["stable_lr"] == {"sgd": None, "momentum": None}


def test_a_formula_and_a_data_set(client):
    body = ok(client, {"expression": "x**3*y + sin(x*y)"}, [0.3, -1.2])
    x, y = 0.3, -1.2
    s, c = math.sin(x * y), math.cos(x * y)
    expected = [[6 * x * y - y * y * s, 3 * x * x + c - x * y * s], [0, -x * x * s]]
    expected[1][0] = expected[0][1]
    np.testing.assert_allclose(body["hessian"], expected, rtol=1e-14, atol=1e-15)
    data = {"dataset": {"id": "linear_regression", "params": {"n": 50}}}
    h = np.array(ok(client, data, [0.0, 0.0])["hessian"])
    assert h[1, 1] == 2.0 and h[0, 1] == h[1, 0] and h[0, 0] > 0


def detail(response):
    assert response.status_code == 422, response.text[:300]
    return strict_json(response)["detail"]


def test_a_point_of_the_wrong_length_is_a_422(client):
    [error] = detail(post(client, {"id": "rosenbrock"}, [1.0]))
    assert "2 coordinate" in error["msg"]
    [error] = detail(post(client, {"id": "parabola"}, [1.0, 2.0]))
    assert "1 coordinate" in error["msg"]


def test_outside_a_formulas_domain_is_a_clear_422_on_the_point(client):
    [error] = detail(post(client, {"expression": "log(x) + y"}, [-1.0, 0.0]))
    assert error["loc"][-1] == "point" and "outside the formula's domain" in error["msg"]
    [error] = detail(post(client, {"expression": "sqrt(x)"}, [0.0]))
    assert error["loc"][-1] == "point" and "not defined" in error["msg"]
    [error] = detail(post(client, {"id": "ackley"}, [0.0, 0.0]))
    assert "curvature is not defined" in error["msg"]


@pytest.mark.parametrize(
    "body",
    [
        {"surface": {"id": "parabola"}},
        {"surface": {"id": "parabola"}, "point": [0.0], "momentum": 1.0},
        {"surface": {"id": "parabola"}, "point": [1e300]},
        {"surface": {"id": "nope"}, "point": [0.0]},
        {"surface": {"id": "parabola"}, "point": [0.0], "extra": 1},
    ],
)
def test_refusals(client, body):
    assert detail(client.post(URL, json=body))


def test_it_is_in_the_openapi_schema(client):
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/curvature"]["post"]
    assert operation["tags"] == ["curvature"]
    response = schema["components"]["schemas"]["CurvatureResponse"]
    assert {"hessian", "eigenvalues", "eigenvectors", "condition_number", "stable_lr"} <= set(
        response["properties"]
    )
    run = schema["components"]["schemas"]["RunOut"]
    assert "curvature" in run["properties"]
    assert "diverging" in str(run["properties"]["status"])


# ------------------------------------------------------------------ include_curvature


def decode(array):
    assert array["dtype"] == "f8"
    return np.frombuffer(base64.b64decode(array["bdata"]), "<f8").reshape(array["shape"])


def trajectories(client, **body):
    response = client.post("/api/v1/trajectories", json=trajectory_body(**body))
    assert response.status_code == 200, response.text[:400]
    if response.content[:2] == b"\x1f\x8b":
        return strict_json(type("R", (), {"content": gzip.decompress(response.content)}))
    return strict_json(response)


BOWL = dict(
    surface={"id": "rosenbrock"},
    start=[-1.5, 2.0],
    steps=30,
    include_curvature=True,
    runs=[{"optimizer": "sgd", "hyperparameters": {"lr": 1e-3}}, {"optimizer": "adam"}],
)


def test_include_curvature_gives_every_point_of_every_run(client):
    body = trajectories(client, **BOWL)
    for run in body["runs"]:
        curvature = run["curvature"]
        points = np.array(run["points"])
        values = np.array(curvature["eigenvalues"])
        vectors = np.array(curvature["eigenvectors"])
        assert values.shape == (len(points), 2) and vectors.shape == (len(points), 2, 2)
        for (x, y), lam, v, cond, lr in zip(
            points, values, vectors, curvature["condition_number"], curvature["stable_lr"],
            strict=True,
        ):  # fmt: skip
            h = np.array([[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]])
            np.testing.assert_allclose(lam, np.linalg.eigvalsh(h), rtol=1e-12, atol=1e-9)
            np.testing.assert_allclose(h @ v, v * lam, atol=1e-8 * abs(lam).max())
            assert lr == pytest.approx(2 / lam[1], rel=1e-12)
            assert cond == pytest.approx(abs(lam).max() / abs(lam).min(), rel=1e-10)


def test_without_include_curvature_there_is_none(client):
    body = trajectories(client, **{**BOWL, "include_curvature": False})
    assert all("curvature" not in run for run in body["runs"])


def test_binary_curvature_is_the_json_to_the_bit(client):
    as_json = trajectories(client, **BOWL)
    as_binary = trajectories(client, **BOWL, encoding="binary")
    for j, b in zip(as_json["runs"], as_binary["runs"], strict=True):
        for name in ("eigenvalues", "eigenvectors", "condition_number", "stable_lr"):
            np.testing.assert_array_equal(decode(b["curvature"][name]), j["curvature"][name])


def test_a_1d_run_and_nulls_where_there_is_no_edge(client):
    body = trajectories(
        client,
        surface={"expression": "-(x**2)"},
        start=[0.5],
        steps=5,
        include_curvature=True,
        runs=[{"optimizer": "sgd", "hyperparameters": {"lr": 0.1}}],
    )
    curvature = body["runs"][0]["curvature"]
    assert curvature["eigenvalues"] == [[-2.0]] * 6
    assert curvature["eigenvectors"] == [[[1.0]]] * 6
    assert curvature["stable_lr"] == [None] * 6 and curvature["condition_number"] == [1.0] * 6


def test_include_curvature_is_counted(client):
    from app.api import cost
    from app.numerics.surfaces import get_surface

    surface = get_surface("rosenbrock")
    plain = cost.trajectories(surface, 1000, 2, 1, None, False, False)
    more = cost.trajectories(surface, 1000, 2, 1, None, False, False, include_curvature=True)
    assert more.work > plain.work and more.response > plain.response
    assert more.memory > plain.memory
