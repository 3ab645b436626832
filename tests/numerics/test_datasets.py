"""Data set losses and mini-batch descent: batch, stochastic and mini-batch on real data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.numerics import engine
from app.numerics.datasets import DATASETS, surface_from_dataset
from app.numerics.engine import Batching, Noise, RunSpec, StopRules, batch_plan, simulate
from app.numerics.gradcheck import gradient_check
from app.numerics.optimizers import get_optimizer
from app.numerics.surfaces import get_surface


def sgd_spec(surface, lr=0.05, key=(0,)):
    sgd = get_optimizer("sgd")
    return RunSpec(sgd, sgd.resolve({"lr": lr}), surface.default_start, key)


def test_linear_regression_minimum_is_the_least_squares_solution():
    surface = surface_from_dataset("linear_regression", {"n": 300, "seed": 4})
    x, y = surface.data.x, surface.data.y
    # The normal equations of mean (w x + b - y)^2, solved by hand (Cramer's rule).
    sxx, sx, sxy, sy = (x * x).mean(), x.mean(), (x * y).mean(), y.mean()
    det = sxx - sx * sx
    w, b = (sxy - sx * sy) / det, (sxx * sy - sx * sxy) / det
    [minimum] = surface.minima({})
    assert minimum.point == pytest.approx((w, b), abs=1e-9)
    assert minimum.value == pytest.approx(np.mean((w * x + b - y) ** 2), abs=1e-12)
    assert np.hypot(*surface.grad({}, *minimum.point)) < 1e-9


def test_logistic_regression_minimum_has_zero_gradient_and_is_lowest():
    surface = surface_from_dataset("logistic_regression", {"separation": 1.5})
    [minimum] = surface.minima({})
    assert np.hypot(*surface.grad({}, *minimum.point)) < 1e-10
    rng = np.random.default_rng(0)
    around = np.array(minimum.point) + rng.normal(0, 0.3, (50, 2))
    assert (surface.value({}, around[:, 0], around[:, 1]) > minimum.value).all()


@pytest.mark.parametrize("dataset_id", list(DATASETS))
def test_dataset_gradients_pass_the_gradient_check(dataset_id):
    surface = surface_from_dataset(dataset_id, None)
    rng = np.random.default_rng(1)
    for _ in range(20):
        point = rng.uniform(
            [surface.window.x[0], surface.window.y[0]], [surface.window.x[1], surface.window.y[1]]
        )
        assert gradient_check(surface, {}, point, 1e-6).ok


@pytest.mark.parametrize("dataset_id", list(DATASETS))
def test_minibatch_of_every_example_is_the_full_loss(dataset_id):
    surface = surface_from_dataset(dataset_id, {"n": 64})
    everything = np.arange(64)
    loss, grad = surface.data.minibatch(everything, 0.7, -0.2)
    assert loss == pytest.approx(surface.value({}, 0.7, -0.2), rel=1e-14)
    assert grad == pytest.approx(surface.grad({}, 0.7, -0.2), rel=1e-13)


def test_a_minibatch_gradient_is_the_mean_of_per_example_gradients():
    surface = surface_from_dataset("linear_regression", {"n": 50})
    x, y = surface.data.x, surface.data.y
    chosen = np.array([3, 17, 40])
    loss, (gw, gb) = surface.data.minibatch(chosen, 1.5, 0.5)
    residual = 1.5 * x[chosen] + 0.5 - y[chosen]
    assert loss == pytest.approx(np.mean(residual**2))
    assert (gw, gb) == pytest.approx((np.mean(2 * residual * x[chosen]), np.mean(2 * residual)))


def test_grid_evaluation_broadcasts_and_matches_points():
    surface = surface_from_dataset("logistic_regression", None)
    w, b = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 1, 5))
    grid = surface.value({}, w, b)
    assert grid.shape == (5, 7)
    assert grid[2, 3] == pytest.approx(surface.value({}, w[2, 3], b[2, 3]), rel=1e-14)


def test_each_epoch_visits_every_example_once_in_ceil_n_over_b_updates():
    plan = batch_plan(Batching(size=32, seed=5), 200, (0,), 70)
    assert plan.per_epoch == math.ceil(200 / 32) == 7
    for epoch in range(10):
        seen = np.concatenate(
            [plan.order[plan.starts[k] : plan.ends[k]] for k in range(epoch * 7, epoch * 7 + 7)]
        )
        assert sorted(seen.tolist()) == list(range(200))
    sizes = plan.ends[:7] - plan.starts[:7]
    assert sizes.tolist() == [32] * 6 + [8]
    assert plan.epoch_starts(70) == list(range(0, 70, 7))


def test_batch_size_n_is_exactly_full_batch_gradient_descent():
    surface = surface_from_dataset("linear_regression", None)
    spec = sgd_spec(surface)
    [plain] = simulate(surface, {}, [spec], 100)
    [batched] = simulate(surface, {}, [spec], 100, batching=Batching(size=200, seed=3))
    np.testing.assert_array_equal(plain.points, batched.points)
    assert batched.batch_losses is None  # nothing stochastic happened


def test_same_seed_same_path_different_seeds_differ():
    surface = surface_from_dataset("linear_regression", None)
    spec = sgd_spec(surface)
    a = simulate(surface, {}, [spec], 100, batching=Batching(8, seed=1))[0]
    b = simulate(surface, {}, [spec], 100, batching=Batching(8, seed=1))[0]
    c = simulate(surface, {}, [spec], 100, batching=Batching(8, seed=2))[0]
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)
    assert a.batch_losses.shape == (100,)
    assert a.epoch_starts == list(range(0, 100, 25))


def test_minibatch_update_uses_the_minibatch_gradient_and_reports_it():
    surface = surface_from_dataset("linear_regression", None)
    spec = sgd_spec(surface, lr=0.05)
    batching = Batching(4, seed=9)
    [run] = simulate(surface, {}, [spec], 20, batching=batching)
    plan = batch_plan(batching, 200, (0,), 20)
    for k in range(20):
        loss, grad = surface.data.minibatch(
            plan.order[plan.starts[k] : plan.ends[k]], *run.points[k]
        )
        assert run.batch_losses[k] == loss
        np.testing.assert_array_equal(run.noisy_gradients[k], grad)
        np.testing.assert_allclose(
            run.points[k + 1], run.points[k] - 0.05 * np.array(grad), rtol=1e-15
        )
    # The recorded gradients stay the full-data gradient (the points convention).
    np.testing.assert_allclose(run.gradients[3], surface.grad({}, *run.points[3]), rtol=1e-14)


def test_batched_minibatch_runs_equal_single_runs():
    surface = surface_from_dataset("logistic_regression", None)
    specs = [sgd_spec(surface, lr=0.01 * (1 + i), key=(i,)) for i in range(16)]
    batching = Batching(16, seed=2)
    batched = engine.simulate(surface, {}, specs, 60, batching=batching)
    for spec, b in zip(specs, batched, strict=True):
        single = engine.simulate(surface, {}, [spec], 60, stop=StopRules(), batching=batching)[0]
        np.testing.assert_array_equal(single.points, b.points)
        np.testing.assert_array_equal(single.batch_losses, b.batch_losses)


def test_loss_spread_over_repeats():
    surface = surface_from_dataset("linear_regression", None)
    specs = [sgd_spec(surface, key=(0, r)) for r in range(9)]
    runs = simulate(surface, {}, specs, 30, batching=Batching(1, seed=0))
    median, p10, p90 = engine.loss_spread(runs)
    table = np.array([r.losses for r in runs])
    np.testing.assert_allclose(median, np.median(table, axis=0))
    assert (p10 <= median).all() and (median <= p90).all() and (p10 < p90).any()


def test_noise_escapes_the_saddle_while_plain_descent_stalls():
    surface = get_surface("saddle")
    sgd = get_optimizer("sgd")
    spec = RunSpec(sgd, sgd.resolve({"lr": 0.1}), (-1.5, 0.0))
    [plain] = simulate(surface, {}, [spec], 200)
    [noisy] = simulate(surface, {}, [spec], 200, noise=Noise(std=0.1, seed=0))
    assert np.hypot(*plain.points[-1]) < 1e-3
    assert np.hypot(*noisy.points[-1]) > 1.0
