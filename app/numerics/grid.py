"""The loss evaluated on a regular grid: what a contour plot or a 1-D curve draws."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.numerics.kernels import walk
from app.numerics.surfaces import Surface


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
    """f on ``resolution`` evenly spaced points per axis, bounds included: one compiled loop
    over the cells, which keeps nothing but the grid itself."""
    x = np.linspace(*x_bounds, resolution)
    y = None if surface.dim == 1 else np.linspace(*y_bounds, resolution)
    z = np.empty((1 if y is None else resolution, resolution))
    walk.grid(*surface.program(params), x, y if y is not None else np.zeros(0), z)
    z = z[0] if y is None else z
    z[~np.isfinite(z)] = np.nan
    finite = z[np.isfinite(z)]
    z_min = float(finite.min()) if finite.size else None
    z_max = float(finite.max()) if finite.size else None
    return Grid(x=x, y=y, z=z, z_min=z_min, z_max=z_max)
