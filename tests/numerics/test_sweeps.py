"""The learning-rate sweep and the basin map: one batched pass, checked against theory."""

from __future__ import annotations

import numpy as np
import pytest

from app.numerics import engine
from app.numerics.engine import RunSpec, StopRules, simulate
from app.numerics.optimizers import get_optimizer
from app.numerics.surfaces import get_surface
from app.numerics.sweeps import DIVERGED, NO_MINIMUM, basin_map, lr_sweep


def test_parabola_sgd_edge_is_exactly_lr_one():
    # x_k - 3 = (1 - 2 lr)^k (x_0 - 3): shrinks for lr < 1, grows for lr > 1.
    surface, sgd = get_surface("parabola"), get_optimizer("sgd")
    params = surface.resolve_params(None)
    sweep = lr_sweep(
        surface, params, sgd, sgd.resolve(None), [0.0], 2000, (0.05, 2.0), 200, StopRules(1e-6)
    )
    status = sweep.outcomes.status
    below, above = sweep.lrs < 0.999, sweep.lrs > 1.001
    assert (status[below] != 2).all()
    assert (status[above] == 2).all()
    assert 1.0 < sweep.smallest_diverged_lr < 1.03
    # The fastest lr is the one closest to 0.5, where one step lands on the minimum.
    assert abs(sweep.best_lr - 0.5) < 0.02


def test_sweep_outcomes_equal_single_runs():
    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    params = surface.resolve_params(None)
    stop = StopRules(1e-4)
    sweep = lr_sweep(
        surface, params, adam, adam.resolve(None), (-1.5, 2.0), 300, (1e-3, 1.0), 16, stop
    )
    for i, lr in enumerate(sweep.lrs):
        spec = RunSpec(adam, adam.resolve({"lr": float(lr)}), (-1.5, 2.0))
        single = engine.simulate(surface, params, [spec], 300, stop=stop)[0]
        assert engine.STATUS_NAMES[sweep.outcomes.status[i]] == single.status
        assert sweep.outcomes.stopped_at[i] == single.stopped_at
        assert sweep.outcomes.final_losses[i] == single.losses[-1]
        assert sweep.outcomes.best_losses[i] == single.losses.min()
        np.testing.assert_array_equal(sweep.outcomes.final_points[i], single.points[-1])


def test_diverged_runs_report_their_last_finite_point():
    surface, sgd = get_surface("rosenbrock"), get_optimizer("sgd")
    params = surface.resolve_params(None)
    sweep = lr_sweep(
        surface, params, sgd, sgd.resolve(None), (-1.5, 2.0), 200, (0.005, 0.05), 4, StopRules()
    )
    assert (sweep.outcomes.status == 2).all()
    spec = RunSpec(sgd, sgd.resolve({"lr": float(sweep.lrs[0])}), (-1.5, 2.0))
    single = engine.simulate(surface, params, [spec], 200, stop=StopRules())[0]
    np.testing.assert_array_equal(sweep.outcomes.final_points[0], single.points[-1])
    assert sweep.best_lr is None and sweep.smallest_diverged_lr == sweep.lrs[0]


def test_rosenbrock_adam_best_lr_converges_in_a_normal_run():
    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    params = surface.resolve_params(None)
    sweep = lr_sweep(
        surface, params, adam, adam.resolve(None), (-1.5, 2.0), 2000, (1e-4, 1.0), 64, StopRules()
    )
    spec = RunSpec(adam, adam.resolve({"lr": sweep.best_lr}), (-1.5, 2.0))
    [trajectory] = simulate(surface, params, [spec], 2000)
    assert trajectory.status == "converged"
    assert np.linalg.norm(trajectory.points[-1] - [1.0, 1.0]) < 1e-3


def test_himmelblau_basin_map_shows_all_four_minima_each_from_its_neighbourhood():
    surface, sgd = get_surface("himmelblau"), get_optimizer("sgd")
    params = surface.resolve_params(None)
    basins = basin_map(
        surface,
        params,
        sgd,
        sgd.resolve({"lr": surface.suggested_lr["sgd"]}),
        surface.window.x,
        surface.window.y,
        41,
        1000,
        1e-2,
        StopRules(1e-6),
    )
    minima = surface.minima(params)
    assert len(minima) == 4
    assert set(np.unique(basins.outcome)) >= {0, 1, 2, 3}
    xx, yy = np.meshgrid(basins.x, basins.y)
    for index, minimum in enumerate(minima):
        distance = np.hypot(xx - minimum.point[0], yy - minimum.point[1])
        near = distance < 1.0
        assert near.sum() >= 4
        assert (basins.outcome[near] == index).all(), f"minimum {index} at {minimum.point}"
    assert basins.steps.shape == (41, 41)
    assert (basins.outcome != DIVERGED).all()


@pytest.mark.parametrize("tolerance", [1e-2, 0.5])
def test_basin_map_equals_runs_classified_one_by_one(tolerance):
    """Every cell against its own run on floats: the minimum it ends within ``tolerance`` of,
    "none" (-1) when it ends near none, "diverged" (-2). Himmelblau's four minima, SGD at a rate
    that diverges from the window's far corners and stops short of a minimum in 40 steps."""
    surface = get_surface("himmelblau")
    params = surface.resolve_params(None)
    sgd = get_optimizer("sgd")
    hp = sgd.resolve({"lr": 0.02})
    stop = StopRules(grad_tol=1e-6)
    window = ((-6.0, 6.0), (-6.0, 6.0))
    result = basin_map(surface, params, sgd, hp, *window, 9, 40, tolerance, stop)
    minima = np.array([m.point for m in surface.minima(params)])
    expected = []
    for y in np.linspace(-6.0, 6.0, 9):
        for x in np.linspace(-6.0, 6.0, 9):
            [run] = engine.simulate(surface, params, [RunSpec(sgd, hp, (x, y))], 40, stop=stop)
            if run.status == "diverged":
                expected.append(DIVERGED)
                continue
            distances = np.linalg.norm(minima - run.points[-1], axis=1)
            nearest = int(distances.argmin())
            expected.append(nearest if distances[nearest] <= tolerance else NO_MINIMUM)
    expected = np.array(expected).reshape(9, 9)
    np.testing.assert_array_equal(result.outcome, expected)
    # The three kinds of outcome all occur, so each branch is checked.
    assert (expected == DIVERGED).any() and (expected == NO_MINIMUM).any() and (expected >= 0).any()
