"""Arbitrary floats (NaN, +-Infinity, huge, subnormal, negative zero) in every numeric field of
every endpoint: never a 500, and every answer, 200 or 4xx, is strict finite JSON."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.numerics.optimizers import OPTIMIZERS
from app.numerics.surfaces import SURFACES
from tests.api.helpers import strict_json

SPECIAL = [
    math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, -5e-324, 2.2250738585072014e-308,
    0.0, -0.0, 1e6, 1e6 + 1, 1e12, 2.0**53 + 1, 2.0**63, 2.0**64, 4294967296.0,
]  # fmt: skip
NUMBERS = st.floats() | st.sampled_from(SPECIAL) | st.floats(-2.0, 2.0)  # in range: some 200s
SCHEDULE_FIELDS = ("step_size", "gamma", "t_max", "eta_min", "warmup_steps", "start_factor")


def numeric_hyperparameters(optimizer_id: str) -> list[str]:
    return [
        h.name for h in OPTIMIZERS[optimizer_id].hyperparameters if not isinstance(h.default, bool)
    ]


def base_request(endpoint: str, surface_id: str, optimizer_id: str) -> tuple[dict, list[tuple]]:
    """A valid, cheap request and the path of every numeric field in it."""
    surface = SURFACES[surface_id]
    dim = surface.dim
    point = [0.5, -0.5][:dim]
    window = {"x": [-1.0, 1.0], "y": [-1.0, 1.0]} if dim == 2 else {"x": [-1.0, 1.0]}
    axes = [("window", axis, i) for axis in window for i in (0, 1)]
    hyper = [("hyperparameters", name) for name in numeric_hyperparameters(optimizer_id)]
    paths = [("surface", "params", p.name) for p in surface.params]
    surface_ref = {"id": surface_id, "params": {}}
    if endpoint == "trajectories":
        body = {
            "surface": surface_ref,
            "start": point,
            "steps": 20,
            "runs": [{"optimizer": optimizer_id, "hyperparameters": {}, "schedule": {}}],
            "noise": {"std": 0.0, "seed": 0},
            "grad_tol": 1e-6,
        }
        paths += [("start", i) for i in range(dim)] + [("steps",), ("grad_tol",)]
        paths += [("noise", "std"), ("noise", "seed")]
        paths += [("runs", 0, *path) for path in hyper]
        paths += [("runs", 0, "schedule", name) for name in SCHEDULE_FIELDS]
    elif endpoint == "grid":
        body = {"surface": surface_ref, "resolution": 16, "window": window}
        paths += [("resolution",), *axes]
    elif endpoint == "gradcheck":
        body = {"surface": surface_ref, "point": point, "eps": 1e-6}
        paths += [("point", i) for i in range(dim)] + [("eps",)]
    elif endpoint == "sweeps/lr":
        body = {
            "surface": surface_ref,
            "optimizer": optimizer_id,
            "hyperparameters": {},
            "start": point,
            "lr_range": [1e-3, 1e-1],
            "count": 8,
            "steps": 20,
            "grad_tol": 1e-6,
        }
        paths += [("start", i) for i in range(dim)] + [("lr_range", 0), ("lr_range", 1)]
        paths += [("count",), ("steps",), ("grad_tol",), *hyper]
    else:
        body = {
            "surface": surface_ref,
            "optimizer": optimizer_id,
            "hyperparameters": {},
            "resolution": 8,
            "steps": 20,
            "tolerance": 1e-2,
            "grad_tol": 1e-6,
            "window": window,
        }
        paths += [("resolution",), ("steps",), ("tolerance",), ("grad_tol",), *axes, *hyper]
    return body, paths


def assign(body: dict, path: tuple, value: float) -> None:
    *parents, last = path
    for key in parents:
        body = body[key]
    body[last] = value


ENDPOINTS = ["trajectories", "grid", "gradcheck", "sweeps/lr", "basins"]
SURFACES_1D = sorted(s for s in SURFACES if SURFACES[s].dim == 1)
SURFACES_2D = sorted(s for s in SURFACES if SURFACES[s].dim == 2)


@st.composite
def hostile_numbers(draw, endpoint: str) -> dict:
    two_d_only = endpoint == "basins"
    surface_id = draw(st.sampled_from(SURFACES_2D if two_d_only else SURFACES_1D + SURFACES_2D))
    optimizer_id = draw(st.sampled_from(sorted(OPTIMIZERS)))
    body, paths = base_request(endpoint, surface_id, optimizer_id)
    for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3, unique=True)):
        assign(body, path, draw(NUMBERS))
    return body


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_any_float_anywhere_is_never_a_500_and_always_finite_json(client, endpoint):
    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(body=hostile_numbers(endpoint))
    def check(body: dict) -> None:
        # json.dumps writes NaN, Infinity and -Infinity as bare tokens, as a hostile client may.
        response = client.post(
            f"/api/v1/{endpoint}",
            content=json.dumps(body),
            headers={"content-type": "application/json"},
        )
        assert response.status_code in (200, 422), response.text[:500]
        data = strict_json(response)
        if response.status_code == 422:
            assert all(error["loc"] and error["msg"] for error in data["detail"])

    check()
