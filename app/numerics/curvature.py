"""Curvature: the Hessian of a surface at points, its eigen-decomposition and the learning
rates that keep gradient descent stable there.

Near a point, gradient descent sees the quadratic ``f(p + d) ~ f(p) + g.d + d.H.d / 2``; along
the Hessian's eigenvector of eigenvalue lambda a step multiplies the distance to the quadratic's
centre by ``1 - lr lambda``, so plain gradient descent is stable while ``lr < 2 / lambda_max``
(on the parabola (x - c)^2, f'' = 2 and the edge is lr = 1; on the bowl (x^2 + 10 y^2) / 2 it
is 0.2). Heavy-ball momentum mu widens the edge to ``2 (1 + mu) / lambda_max``.

The Hessians are exact (``kernels.evaluate.hessian``: a built-in's hand-derived one, a typed
formula's by second-order autodiff, a data set's over (w, b)); the eigen-decomposition of a
symmetric 2 x 2 (or 1 x 1) matrix is written in closed form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.numerics.kernels import walk
from app.numerics.surfaces import Surface

DEFAULT_MOMENTUM = 0.9
"""The heavy-ball momentum ``stable_lr`` reports by default (torch's usual choice)."""


@dataclass(frozen=True)
class Curvature:
    """The curvature at n points of a ``dim``-D surface; nan where it is not defined (a point
    outside a formula's domain, the tip of Ackley's cone)."""

    hessian: np.ndarray
    """(n, dim, dim), symmetric."""
    eigenvalues: np.ndarray
    """(n, dim), ascending."""
    eigenvectors: np.ndarray
    """(n, dim, dim): column j is the unit eigenvector of eigenvalue j."""
    condition_number: np.ndarray
    """(n,): |lambda| max / |lambda| min; nan when an eigenvalue is 0."""
    stable_lr: np.ndarray
    """(n,): gradient descent's edge 2 / lambda max; nan when lambda max <= 0 (no edge)."""

    def momentum_stable_lr(self, momentum: float = DEFAULT_MOMENTUM) -> np.ndarray:
        """Heavy-ball momentum's edge, 2 (1 + momentum) / lambda max (nan without an edge)."""
        return (1.0 + momentum) * self.stable_lr


def hessians(surface: Surface, params: Mapping[str, float], points) -> np.ndarray:
    """The Hessian at each row of ``points`` (n, dim): an array (n, dim, dim)."""
    points = np.ascontiguousarray(np.asarray(points, dtype=float).reshape(-1, surface.dim))
    out = np.empty((len(points), surface.dim, surface.dim))
    if len(points):
        walk.hessians(*surface.program(params), points, out)
    return out


def eigen(hessian: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) and unit eigenvectors (columns) of symmetric (n, d, d) matrices,
    d = 1 or 2, in closed form. For [[a, b], [b, c]]: lambda = m -+ r with m = (a + c) / 2 and
    r = hypot((a - c) / 2, b); the larger one's eigenvector is (cos t, sin t) with
    t = atan2(2 b, a - c) / 2, the smaller one's (-sin t, cos t)."""
    hessian = np.asarray(hessian, dtype=float)
    n, d = hessian.shape[0], hessian.shape[1]
    if d == 1:
        return hessian[:, :, 0].copy(), np.ones((n, 1, 1))
    a, b, c = hessian[:, 0, 0], hessian[:, 0, 1], hessian[:, 1, 1]
    with np.errstate(all="ignore"):
        m, r = 0.5 * (a + c), np.hypot(0.5 * (a - c), b)
        t = 0.5 * np.arctan2(2.0 * b, a - c)
    values = np.stack([m - r, m + r], axis=1)
    cos, sin = np.cos(t), np.sin(t)
    vectors = np.empty((n, 2, 2))
    vectors[:, 0, 0], vectors[:, 1, 0] = -sin, cos  # the smaller eigenvalue's
    vectors[:, 0, 1], vectors[:, 1, 1] = cos, sin  # the larger one's
    bad = ~np.isfinite(values).all(axis=1)
    values[bad] = np.nan
    vectors[bad] = np.nan
    return values, vectors


def curvature(surface: Surface, params: Mapping[str, float], points) -> Curvature:
    """The Hessian, its eigen-decomposition, condition number and SGD's stable lr at each
    row of ``points``."""
    points = np.ascontiguousarray(np.asarray(points, dtype=float).reshape(-1, surface.dim))
    hessian = hessians(surface, params, points)
    if len(points):
        # Where the loss itself is not defined (outside a formula's domain) neither is its
        # curvature, whatever the second-derivative formulas give there (log''(-1) = -1).
        loss = surface.value(params, *points.T)
        hessian[~np.isfinite(np.atleast_1d(loss))] = np.nan
    values, vectors = eigen(hessian)
    with np.errstate(all="ignore"):
        magnitude = np.abs(values)
        smallest, largest = magnitude.min(axis=1), magnitude.max(axis=1)
        condition = np.where(smallest > 0.0, largest / smallest, np.nan)
        top = values[:, -1]
        stable = np.where(top > 0.0, 2.0 / top, np.nan)
    condition[~np.isfinite(condition)] = np.nan
    stable[~np.isfinite(stable)] = np.nan
    return Curvature(hessian, values, vectors, condition, stable)
