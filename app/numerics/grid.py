"""The loss evaluated on a regular grid: what a contour plot or a 1-D curve draws."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.numerics.surfaces import Surface
from app.numerics.xp import NUMPY

CHUNK_CELLS = 1 << 16
"""Cells evaluated at once: a formula's intermediates (one array per graph node) exist for this
many cells at a time and are freed before the next rows, so a fine grid's memory stays flat."""


@dataclass(frozen=True)
class Grid:
    x: np.ndarray
    y: np.ndarray | None
    z: np.ndarray
    """Shape (ny, nx) for 2-D surfaces (row j is y[j]), (nx,) for 1-D; non-finite cells nan."""
    z_min: float | None
    z_max: float | None


def evaluate_grid(
    surface: Surface,
    params: Mapping[str, float],
    x_bounds: tuple[float, float],
    y_bounds: tuple[float, float] | None,
    resolution: int,
) -> Grid:
    """f on ``resolution`` evenly spaced points per axis, bounds included."""
    x = np.linspace(*x_bounds, resolution)
    y = None if surface.dim == 1 else np.linspace(*y_bounds, resolution)
    z = np.empty(resolution if y is None else (resolution, resolution))
    rows = resolution if y is None else max(1, CHUNK_CELLS // resolution)
    with np.errstate(all="ignore"):
        for start in range(0, len(z), rows):
            block = slice(start, start + rows)
            if y is None:
                z[block] = surface.value(NUMPY, params, x[block])
            else:
                xx, yy = np.meshgrid(x, y[block])
                z[block] = surface.value(NUMPY, params, xx, yy)
    z = np.where(np.isfinite(z), z, np.nan)
    finite = z[np.isfinite(z)]
    z_min = float(finite.min()) if finite.size else None
    z_max = float(finite.max()) if finite.size else None
    return Grid(x=x, y=y, z=z, z_min=z_min, z_max=z_max)
