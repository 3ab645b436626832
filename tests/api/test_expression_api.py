"""Formulas through the API: the chapter's gradient check, the backprop graph, hostile input,
domain problems as null cells and diverged runs, and every endpoint taking an expression."""

from __future__ import annotations

import math
import time

import pytest

from app.numerics.expression import builtin_formula
from app.numerics.surfaces import SURFACES
from tests.api.helpers import strict_json
from tests.numerics.test_expression import HOSTILE

CHAPTER = {"expression": "x**2 + 3*x*y"}


def test_chapter_gradient_check_through_the_api(client):
    response = client.post("/api/v1/gradcheck", json={"surface": CHAPTER, "point": [2, 1]})
    assert response.status_code == 200
    body = strict_json(response)
    assert body["analytic"] == [7.0, 6.0]
    assert [round(v, 5) for v in body["numeric"]] == [7.0, 6.0]
    assert body["ok"] is True


def test_backprop_shows_the_graph_with_values_and_gradients(client):
    response = client.post("/api/v1/backprop", json={"surface": CHAPTER, "point": [2, 1]})
    assert response.status_code == 200
    assert strict_json(response) == {
        "expression": "x**2 + 3*x*y",
        "formula": "x^{2} + 3 x y",
        "nodes": [
            {"id": 0, "op": "var", "label": "x", "inputs": [], "value": 2.0, "grad": 7.0},
            {"id": 1, "op": "const", "label": "2", "inputs": [], "value": 2.0,
             "grad": 4.0 * math.log(2.0)},
            {"id": 2, "op": "pow", "label": "**", "inputs": [0, 1], "value": 4.0, "grad": 1.0},
            {"id": 3, "op": "const", "label": "3", "inputs": [], "value": 3.0, "grad": 2.0},
            {"id": 4, "op": "mul", "label": "*", "inputs": [3, 0], "value": 6.0, "grad": 1.0},
            {"id": 5, "op": "var", "label": "y", "inputs": [], "value": 1.0, "grad": 6.0},
            {"id": 6, "op": "mul", "label": "*", "inputs": [4, 5], "value": 6.0, "grad": 1.0},
            {"id": 7, "op": "add", "label": "+", "inputs": [2, 6], "value": 10.0, "grad": 1.0},
        ],
        "output": 7,
        "value": 10.0,
        "gradient": [7.0, 6.0],
    }  # fmt: skip


@pytest.mark.parametrize("surface_id", ["parabola", "rosenbrock", "ackley", "goldstein_price"])
def test_backprop_of_a_builtin_surface_uses_its_formula(client, surface_id):
    surface = SURFACES[surface_id]
    params = surface.resolve_params(None)
    point = [0.3, -0.4][: surface.dim]
    response = client.post("/api/v1/backprop", json={"surface": {"id": surface_id}, "point": point})
    body = strict_json(response)
    assert body["expression"] == builtin_formula(surface_id, params)
    assert body["value"] == pytest.approx(surface.value(params, *point), rel=1e-12)
    expected = surface.grad(params, *point)
    assert body["gradient"] == pytest.approx(list(expected), rel=1e-9)


def test_backprop_gives_null_where_a_value_is_not_finite(client):
    body = {"surface": {"expression": "log(x)"}, "point": [-1]}
    body = strict_json(client.post("/api/v1/backprop", json=body))
    assert body["value"] is None and body["gradient"] == [-1.0]


def test_hostile_formulas_get_a_clear_422_fast_and_the_server_stays_up(client):
    assert len(HOSTILE) >= 30
    client.post("/api/v1/grid", json={"surface": CHAPTER, "resolution": 5})  # warm up
    for text, fragment in HOSTILE:
        body = {"surface": {"expression": text}, "resolution": 50}
        # Best of three: the bound is on the work a refusal takes, not on a busy machine's
        # scheduler stalling one request.
        elapsed = math.inf
        for _ in range(3):
            started = time.perf_counter()
            response = client.post("/api/v1/grid", json=body)
            elapsed = min(elapsed, time.perf_counter() - started)
        assert response.status_code == 422, text[:40]
        detail = strict_json(response)["detail"]
        assert detail[0]["loc"] == ["body", "surface", "expression"]
        message = detail[0]["msg"]
        assert fragment in message or "at most 200 characters" in message, (text[:40], message)
        assert elapsed < 0.05, (text[:40], elapsed)
    assert strict_json(client.get("/healthz")) == {"status": "ok"}


def test_grid_of_log_has_null_cells_where_x_is_negative(client):
    body = {"surface": {"expression": "log(x) + y", "window": {"x": [-2, 2]}}, "resolution": 5}
    grid = strict_json(client.post("/api/v1/grid", json=body))
    assert grid["x"] == [-2.0, -1.0, 0.0, 1.0, 2.0] and grid["y"][0] == -3.0
    for row in grid["z"]:
        assert row[:3] == [None, None, None] and None not in row[3:]


def test_grid_of_one_over_x_is_null_at_zero(client):
    body = {"surface": {"expression": "1/x"}, "resolution": 3, "window": {"x": [-1, 1]}}
    grid = strict_json(client.post("/api/v1/grid", json=body))
    assert grid["z"] == [-1.0, None, 1.0] and "y" not in grid


def test_run_into_the_log_domain_edge_diverges_with_a_reason(client):
    body = {
        "surface": {"expression": "log(x)"},
        "start": [1.0],
        "steps": 50,
        "runs": [{"optimizer": "sgd", "hyperparameters": {"lr": 1.5}}],
    }
    response = client.post("/api/v1/trajectories", json=body)
    run = strict_json(response)["runs"][0]
    assert run["status"] == "diverged" and run["reason"] == "the loss is not finite"
    assert run["points"] == [[1.0]] and run["stopped_at"] == 1


def test_trajectories_run_on_a_formula_from_its_default_start(client):
    body = {
        "surface": {"expression": "(x - 1)**2 + 2*(y + 0.5)**2"},
        "steps": 500,
        "runs": [{"optimizer": "adam", "hyperparameters": {"lr": 0.05}}],
    }
    result = strict_json(client.post("/api/v1/trajectories", json=body))
    assert result["surface"] == {"id": "custom", "params": {}}
    assert result["start"] == [-1.8, 1.8]
    assert result["runs"][0]["points"][-1] == pytest.approx([1.0, -0.5], abs=1e-2)


def test_resolve_describes_a_formula_for_the_page(client):
    ref = {"expression": "sin(x)*y", "window": {"x": [-1, 1], "y": [0, 2]}}
    record = strict_json(client.post("/api/v1/surfaces/resolve", json=ref))
    assert record["id"] == "custom" and record["dim"] == 2
    assert record["formula"] == r"\sin\left(x\right) y"
    assert record["window"] == {"x": [-1.0, 1.0], "y": [0.0, 2.0]}
    assert record["suggested_lr"]["adam"] == 0.05 and record["minima"] == []
    one = strict_json(client.post("/api/v1/surfaces/resolve", json={"expression": "x**2"}))
    assert one["dim"] == 1 and one["window"]["y"] is None


def test_resolve_describes_a_builtin_with_its_parameters(client):
    ref = {"id": "rosenbrock", "params": {"a": 2.0}}
    record = strict_json(client.post("/api/v1/surfaces/resolve", json=ref))
    assert record["minima"] == [{"point": [2.0, 4.0], "value": 0.0}]


def test_resolve_refuses_a_bad_formula_with_the_column(client):
    response = client.post("/api/v1/surfaces/resolve", json={"expression": "x + z"})
    assert response.status_code == 422
    detail = strict_json(response)["detail"][0]
    assert detail["loc"] == ["body", "expression"] and "at column 5" in detail["msg"]


@pytest.mark.parametrize(
    ("surface", "fragment"),
    [
        ({"id": "saddle", "expression": "x"}, "not both"),
        ({}, "give a surface 'id' or an 'expression'"),
        ({"expression": "x", "params": {"a": 1.0}}, "unknown parameter for surface 'custom'"),
        ({"id": "saddle", "window": {"x": [0, 1]}}, "'window' goes with an 'expression'"),
        ({"expression": "x", "window": {"x": [1, 0]}}, "low < high"),
    ],
)
def test_surface_reference_must_be_one_kind(client, surface, fragment):
    response = client.post("/api/v1/backprop", json={"surface": surface, "point": [0.5]})
    assert response.status_code == 422
    assert fragment in strict_json(response)["detail"][0]["msg"]


def test_backprop_point_must_match_the_dimension(client):
    response = client.post("/api/v1/backprop", json={"surface": CHAPTER, "point": [1.0]})
    assert response.status_code == 422
    assert "point must have 2 coordinate(s)" in strict_json(response)["detail"][0]["msg"]
