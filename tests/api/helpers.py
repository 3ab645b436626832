"""Helpers for API tests: strict JSON parsing that refuses NaN and Infinity."""

from __future__ import annotations

import json
import math

SURFACE_IDS = {
    "parabola", "quadratic", "rosenbrock", "saddle", "monkey_saddle", "himmelblau", "beale",
    "booth", "matyas", "three_hump_camel", "six_hump_camel", "rastrigin", "ackley",
    "styblinski_tang", "goldstein_price", "levi_n13",
}  # fmt: skip
OPTIMIZER_IDS = {
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam",
    "radam", "adamax", "lion",
}  # fmt: skip
"""The built-in surfaces and optimizers the API must list, written out independently."""


def _refuse(constant: str):
    raise AssertionError(f"response carries non-JSON constant {constant}")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise AssertionError(f"response carries a number that overflows: {literal}")
    return value


def strict_json(response) -> dict:
    """Parse a response body as standard JSON with finite numbers only, whatever its status."""
    return json.loads(response.content, parse_constant=_refuse, parse_float=_finite)


def trajectory_body(**overrides) -> dict:
    body = {
        "surface": {"id": "rosenbrock"},
        "start": [-1.5, 2.0],
        "steps": 100,
        "runs": [{"optimizer": "adam", "hyperparameters": {"lr": 0.01}, "label": "Adam"}],
    }
    body.update(overrides)
    return body
