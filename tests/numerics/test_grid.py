"""The grid is evaluated in chunks of rows (bounded memory) with the same numbers as at once."""

from __future__ import annotations

import numpy as np
import pytest

from app.numerics.expression import surface_from_expression
from app.numerics.grid import evaluate_grid
from app.numerics.surfaces import get_surface


@pytest.mark.parametrize(
    "surface",
    [get_surface("rosenbrock"), surface_from_expression("sin(3*x) * exp(-y**2) + x*y/(1+x**2)")],
    ids=["rosenbrock", "formula"],
)
def test_the_grid_equals_the_surface_at_the_same_points(surface):
    resolution = 401
    params = surface.resolve_params(None)
    grid = evaluate_grid(surface, params, (-2.0, 2.0), (-1.0, 3.0), resolution)
    xx, yy = np.meshgrid(np.linspace(-2.0, 2.0, resolution), np.linspace(-1.0, 3.0, resolution))
    whole = surface.value(params, xx, yy)
    assert grid.z.shape == (resolution, resolution)
    np.testing.assert_array_equal(grid.z, whole)
    assert grid.z_min == whole.min() and grid.z_max == whole.max()


def test_one_dimensional_grid_is_one_row():
    surface = get_surface("parabola")
    params = surface.resolve_params(None)
    grid = evaluate_grid(surface, params, (-1.0, 7.0), None, 400)
    x = np.linspace(-1.0, 7.0, 400)
    np.testing.assert_array_equal(grid.z, (x - params["c"]) ** 2)
    assert grid.y is None
