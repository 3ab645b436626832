"""The trajectory engine: the chapter's printed outputs, stop rules, noise, batching."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.numerics import engine
from app.numerics.engine import Noise, RunSpec, StopRules, simulate
from app.numerics.optimizers import get_optimizer
from app.numerics.surfaces import get_surface


def spec(optimizer: str, start, key: int = 0, **hp) -> RunSpec:
    opt = get_optimizer(optimizer)
    return RunSpec(opt, opt.resolve(hp), tuple(start), (key,))


def run_one(surface_id: str, optimizer: str, start, steps: int, **kwargs):
    surface = get_surface(surface_id)
    params = surface.resolve_params(None)
    noise = kwargs.pop("noise", None)
    stop = kwargs.pop("stop", None)
    include_state = kwargs.pop("include_state", False)
    [trajectory] = simulate(
        surface,
        params,
        [spec(optimizer, start, **kwargs)],
        steps,
        noise=noise,
        stop=stop,
        include_state=include_state,
    )
    return trajectory


def test_chapter_simplest_descent_prints_the_same_numbers():
    trajectory = run_one("parabola", "sgd", [0.0], 40, lr=0.1)
    printed = [
        f"step {step:2d} x={trajectory.points[step + 1][0]:.4f} "
        f"f(x)={trajectory.losses[step + 1]:.4f}"
        for step in (0, 5, 20, 39)
    ]
    assert printed == [
        "step  0 x=0.6000 f(x)=5.7600",
        "step  5 x=2.2136 f(x)=0.6185",
        "step 20 x=2.9723 f(x)=0.0008",
        "step 39 x=2.9996 f(x)=0.0000",
    ]
    assert trajectory.status == "max_steps"
    assert trajectory.stopped_at == 40
    assert len(trajectory.points) == len(trajectory.losses) == len(trajectory.gradients) == 41


def test_chapter_learning_rate_too_large_bounces_and_grows():
    trajectory = run_one("parabola", "sgd", [0.0], 6, lr=1.1)
    printed = [
        f"step {step} x={trajectory.points[step + 1][0]:.3f} f={trajectory.losses[step + 1]:.3f}"
        for step in range(6)
    ]
    assert printed == [
        "step 0 x=6.600 f=12.960",
        "step 1 x=-1.320 f=18.662",
        "step 2 x=8.184 f=26.874",
        "step 3 x=-3.221 f=38.698",
        "step 4 x=10.465 f=55.726",
        "step 5 x=-5.958 f=80.245",
    ]
    # Issue 16: a run whose loss grows is called diverging (every point kept, the same hint).
    assert trajectory.status == "diverging"
    assert "smaller learning rate" in trajectory.message
    assert np.all(np.diff(trajectory.losses) > 0), "the loss must grow at every step"


def test_the_chapter_loop_and_the_engine_agree_bit_for_bit():
    x, lr, expected = 0.0, 0.1, [0.0]
    for _ in range(40):
        grad = 2 * (x - 3)
        x -= lr * grad
        expected.append(x)
    trajectory = run_one("parabola", "sgd", [0.0], 40, lr=0.1)
    assert trajectory.points[:, 0].tolist() == expected


def test_points_convention_for_sgd():
    trajectory = run_one("rosenbrock", "sgd", [-1.5, 2.0], 20, lr=1e-4)
    surface = get_surface("rosenbrock")
    params = surface.resolve_params(None)

    for k in range(20):
        p = trajectory.points[k]
        assert trajectory.losses[k] == pytest.approx(surface.value(params, *p), rel=1e-15)
        np.testing.assert_allclose(trajectory.gradients[k], surface.grad(params, *p), rtol=1e-15)
        np.testing.assert_allclose(
            trajectory.points[k + 1], p - 1e-4 * trajectory.gradients[k], rtol=1e-15
        )


def test_rosenbrock_sgd_lr_001_diverges_with_reason_and_finite_prefix():
    trajectory = run_one("rosenbrock", "sgd", [-1.5, 2.0], 1000, lr=0.01)
    assert trajectory.status == "diverged"
    assert 0 < trajectory.stopped_at < 50
    assert len(trajectory.points) == trajectory.stopped_at
    assert trajectory.reason
    assert "smaller learning rate" in trajectory.message
    assert f"step {trajectory.stopped_at}" in trajectory.message
    assert np.isfinite(trajectory.points).all() and np.isfinite(trajectory.losses).all()
    assert np.isfinite(trajectory.gradients).all()


def test_converged_stops_at_the_first_step_under_grad_tol():
    tol = 1e-3
    trajectory = run_one("quadratic", "sgd", [-2.5, 2.0], 5000, lr=0.05, stop=StopRules(tol))
    assert trajectory.status == "converged"
    norms = np.linalg.norm(trajectory.gradients, axis=1)
    assert norms[-1] <= tol
    assert (norms[:-1] > tol).all()
    assert trajectory.stopped_at == len(trajectory.points) - 1
    assert "converged at step" in trajectory.message


def test_start_outside_max_coord_diverges_at_step_zero():
    trajectory = run_one("quadratic", "adam", [5.0, 0.0], 10, stop=StopRules(max_coord=1.0))
    assert trajectory.status == "diverged"
    assert trajectory.stopped_at == 0
    assert trajectory.points.shape == (0, 2)


def test_noise_is_reproducible_per_seed_and_reported_separately():
    noise = Noise(std=0.5, seed=7)
    a = run_one("quadratic", "sgd", [-2.5, 2.0], 50, lr=0.01, noise=noise)
    b = run_one("quadratic", "sgd", [-2.5, 2.0], 50, lr=0.01, noise=noise)
    c = run_one("quadratic", "sgd", [-2.5, 2.0], 50, lr=0.01, noise=Noise(std=0.5, seed=8))
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)
    assert a.noisy_gradients.shape == (50, 2)
    drawn = a.noisy_gradients - a.gradients[:50]
    assert 0.3 < drawn.std() < 0.7
    # The update used the noisy gradient, not the clean one.
    np.testing.assert_allclose(
        a.points[1:], a.points[:-1] - 0.01 * a.noisy_gradients, rtol=0, atol=1e-15
    )


def test_state_history_is_the_momentum_buffer():
    trajectory = run_one(
        "quadratic", "momentum", [-2.5, 2.0], 5, lr=0.01, momentum=0.5, include_state=True
    )
    (name,) = trajectory.state
    buffers = trajectory.state[name]
    g = trajectory.gradients
    expected = [g[0]]
    for k in range(1, 5):
        expected.append(0.5 * expected[-1] + g[k])
    np.testing.assert_allclose(buffers, np.array(expected), rtol=1e-15)


@pytest.mark.parametrize("noise", [None, Noise(std=0.3, seed=3)])
@pytest.mark.parametrize(
    ("optimizer", "lowest", "highest"), [("momentum", -6, -2.5), ("adam", -5, 0)]
)
def test_a_thousand_batched_runs_equal_the_same_runs_one_at_a_time(
    noise, optimizer, lowest, highest
):
    surface = get_surface("rosenbrock")
    params = surface.resolve_params(None)
    rng = np.random.default_rng(0)
    lrs = np.logspace(lowest, highest, 1000)
    starts = rng.uniform([-2, -1], [2, 3], size=(1000, 2))
    specs = [
        spec(optimizer, s, i, lr=float(lr))
        for i, (lr, s) in enumerate(zip(lrs, starts, strict=True))
    ]
    stop = StopRules(grad_tol=1e-2)
    batched = simulate(surface, params, specs, 300, noise=noise, stop=stop)
    statuses = set()
    for s, b in zip(specs, batched, strict=True):
        [single] = simulate(surface, params, [s], 300, noise=noise, stop=stop)
        assert (single.status, single.stopped_at, single.reason) == (
            b.status,
            b.stopped_at,
            b.reason,
        )
        np.testing.assert_array_equal(single.points, b.points)
        np.testing.assert_array_equal(single.losses, b.losses)
        np.testing.assert_array_equal(single.gradients, b.gradients)
        if noise is not None:
            np.testing.assert_array_equal(single.noisy_gradients, b.noisy_gradients)
        statuses.add(b.status)
    # The comparison covers runs that stop early as well as runs that go the distance.
    assert len(statuses) >= 2, statuses
    if optimizer == "momentum" and noise is None:
        assert statuses == {"max_steps", "diverged", "converged"}


def test_simulate_batches_large_groups_and_keeps_order():
    surface = get_surface("quadratic")
    params = surface.resolve_params(None)
    specs = [spec("sgd", (-2.5, 2.0), lr=0.001 * (i + 1)) for i in range(16)]
    specs.insert(3, spec("adam", (-2.5, 2.0), lr=0.1))
    results = simulate(surface, params, specs, 50)
    for s, r in zip(specs, results, strict=True):
        alone = engine.simulate(surface, params, [s], 50, stop=StopRules())[0]
        np.testing.assert_array_equal(alone.points, r.points)


def test_summary_names_the_nearest_minimum():
    surface = get_surface("himmelblau")
    params = surface.resolve_params(None)
    trajectory = run_one("himmelblau", "adam", [3.5, 3.5], 2000, lr=0.05)
    summary = engine.summarize(trajectory, surface.minima(params))
    assert summary.nearest_minimum == pytest.approx((3.0, 2.0), abs=1e-6)
    assert summary.distance_to_minimum < 1e-3
    assert summary.best_loss <= summary.final_loss
    assert summary.steps_run == len(trajectory.points) - 1
    assert math.isfinite(summary.final_loss)


def test_loss_spread_is_the_median_and_the_10_90_percentiles_of_the_runs_still_going():
    def ended(losses: list[float]) -> engine.Trajectory:
        n = len(losses)
        points = np.zeros((n, 1))
        return engine.Trajectory(points, np.array(losses), points, "max_steps", n - 1)

    # Step 0: five losses 1..5; step 1: four (the run of loss 5 stopped); step 2: one.
    group = [ended([1.0, 2.0, 9.0]), ended([2.0, 4.0]), ended([3.0, 6.0]), ended([4.0, 8.0])]
    group.append(ended([5.0]))
    median, p10, p90 = engine.loss_spread(group)
    # Linear interpolation between order statistics at (n - 1) q: for 1..5, 0.4 and 3.6 places
    # up; for 2, 4, 6, 8, 0.3 and 2.7 places up.
    np.testing.assert_allclose(median, [3.0, 5.0, 9.0])
    np.testing.assert_allclose(p10, [1.4, 2.6, 9.0])
    np.testing.assert_allclose(p90, [4.6, 7.4, 9.0])
