"""Learning-rate schedules: torch.optim.lr_scheduler's sequences, derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.numerics.engine import RunSpec, simulate
from app.numerics.optimizers import get_optimizer
from app.numerics.schedules import Schedule, lr_sequence
from app.numerics.surfaces import get_surface


def test_constant_is_the_base_lr():
    assert lr_sequence(0.3, Schedule(), 5) == [0.3] * 5
    assert Schedule().is_constant and not Schedule(warmup_steps=2).is_constant


def test_step_multiplies_by_gamma_every_step_size_updates():
    got = lr_sequence(0.5, Schedule("step", step_size=3, gamma=0.5), 12)
    # StepLR: lr_e = base * gamma ** (e // step_size); powers of 1/2 are exact.
    assert got == [0.5 * 0.5 ** (e // 3) for e in range(12)]


def test_exponential_is_a_geometric_sequence():
    got = lr_sequence(0.5, Schedule("exponential", gamma=0.8), 30)
    np.testing.assert_allclose(got, [0.5 * 0.8**e for e in range(30)], rtol=1e-14)
    # torch's recursion multiplies the previous value: the exact floats printed by
    # torch 2.13 (ExponentialLR(gamma=0.8) from lr 0.5) for the first steps.
    assert got[:4] == [0.5, 0.4, 0.32000000000000006, 0.25600000000000006]


def test_cosine_follows_the_closed_form_over_several_periods():
    base, eta_min, t_max = 0.5, 0.01, 5
    got = lr_sequence(base, Schedule("cosine", t_max=t_max, eta_min=eta_min), 31)
    closed = [
        eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / t_max)) / 2 for e in range(31)
    ]
    np.testing.assert_allclose(got, closed, rtol=1e-12, atol=1e-15)
    assert got[5] == pytest.approx(eta_min) and got[10] == pytest.approx(base)


def test_linear_warmup_then_cosine_restarts_the_cosine_at_the_milestone():
    base, factor, warmup = 0.5, 0.25, 4
    schedule = Schedule("cosine", t_max=5, eta_min=0.01, warmup_steps=warmup, start_factor=factor)
    got = lr_sequence(base, schedule, 12)
    ramp = [base * (factor + (1 - factor) * e / warmup) for e in range(warmup)]
    np.testing.assert_allclose(got[:warmup], ramp, rtol=1e-15)
    assert got[warmup] == base  # SequentialLR: the cosine's epoch 0, in closed form
    cosine = lr_sequence(base, Schedule("cosine", t_max=5, eta_min=0.01), 8)
    assert got[warmup:] == cosine


def test_warmup_alone_ramps_then_holds():
    got = lr_sequence(0.5, Schedule(warmup_steps=3, start_factor=0.1), 8)
    np.testing.assert_allclose(got, [0.05, 0.2, 0.35, 0.5, 0.5, 0.5, 0.5, 0.5], rtol=1e-14)


def test_warmup_then_step():
    got = lr_sequence(
        0.5, Schedule("step", step_size=2, gamma=0.5, warmup_steps=3, start_factor=0.1), 9
    )
    np.testing.assert_allclose(got[:3], [0.05, 0.2, 0.35], rtol=1e-14)
    assert got[3:] == [0.5, 0.5, 0.25, 0.25, 0.125, 0.125]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown schedule 'linear'; valid: constant"):
        Schedule("linear")


def test_engine_applies_the_schedule_to_each_update():
    surface = get_surface("parabola")
    params = surface.resolve_params(None)
    sgd = get_optimizer("sgd")
    lrs = lr_sequence(0.1, Schedule("exponential", gamma=0.9), 10)
    spec = RunSpec(sgd, sgd.resolve({"lr": 0.1}), (0.0,), lr_scale=[lr / 0.1 for lr in lrs])
    [trajectory] = simulate(surface, params, [spec], 10)
    x, expected = 0.0, [0.0]
    for lr in lrs:
        x = x - lr * 2 * (x - 3)
        expected.append(x)
    np.testing.assert_allclose(trajectory.points[:, 0], expected, rtol=1e-14)
