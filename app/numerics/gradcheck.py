"""The numerical gradient check from the chapter: analytic gradient vs central differences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.numerics.surfaces import Surface

RELATIVE_TOLERANCE = 1e-5


@dataclass(frozen=True)
class GradientCheck:
    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    relative_error: float
    ok: bool


def central_difference(surface: Surface, params: Mapping[str, float], point, eps: float):
    """numeric[i] = (f(v + eps e_i) - f(v - eps e_i)) / (2 eps), as in the chapter."""
    point = np.asarray(point, dtype=float)
    numeric = np.zeros(point.size)
    for i in range(point.size):
        d = np.zeros(point.size)
        d[i] = eps
        numeric[i] = (surface.value(params, *(point + d)) - surface.value(params, *(point - d))) / (
            2 * eps
        )
    return numeric


def gradient_check(
    surface: Surface, params: Mapping[str, float], point: np.ndarray, eps: float = 1e-6
) -> GradientCheck:
    """Compare; ``ok`` when the largest error is within 1e-5 of the gradient's scale."""
    with np.errstate(all="ignore"):
        analytic = np.array(surface.grad(params, *point), dtype=float)
        numeric = central_difference(surface, params, point, eps)
        error = np.abs(analytic - numeric)
        max_abs = float(error.max())
        scale = max(1.0, float(np.abs(analytic).max()))
    relative = max_abs / scale
    ok = bool(np.isfinite(relative) and relative <= RELATIVE_TOLERANCE)
    return GradientCheck(analytic, numeric, max_abs, relative, ok)
