"""Optimizers: steps against hand derivations, floats against arrays, validation, metadata,
and convergence on a bowl."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.numerics.engine import RunSpec, StopRules, simulate
from app.numerics.optimizers import OPTIMIZERS, HyperparameterError, get_optimizer
from app.numerics.surfaces import get_surface

# f(p) = (a0 p0^2 + a1 p1^2) / 2: each coordinate descends its own parabola, gradient a * p.
CURVATURES = (1.0, 4.0)
START = (1.0, -1.5)


def module_paths(optimizer_id: str, overrides: dict, steps: int) -> list[list[float]]:
    """The module's trajectory of each coordinate (floats), start included."""
    optimizer = get_optimizer(optimizer_id)
    transform = optimizer.make(optimizer.resolve(overrides))
    paths = []
    for a, p in zip(CURVATURES, START, strict=True):
        state, path = transform.init(p), [p]
        for t in range(1, steps + 1):
            step, state = transform.update(a * p, state, p, t)
            p = p + step
            path.append(p)
        paths.append(path)
    return paths


# --- independent references, transcribed from the algorithm boxes of the torch.optim docs and
# --- from the Lion paper; one coordinate, gradient a * p, returning the path


def ref_sgd(a, p, steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    path, b = [p], 0.0
    for t in range(1, steps + 1):
        g = a * p + weight_decay * p
        if momentum != 0:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        path.append(p)
    return path


def ref_adagrad(a, p, steps, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
    path, state_sum = [p], initial_accumulator_value
    for t in range(1, steps + 1):
        g = a * p + weight_decay * p
        lr_t = lr / (1 + (t - 1) * lr_decay)
        state_sum = state_sum + g * g
        p = p - lr_t * g / (math.sqrt(state_sum) + eps)
        path.append(p)
    return path


def ref_rmsprop(a, p, steps, lr, alpha, eps, weight_decay, momentum, centered):
    path, v, g_ave, b = [p], 0.0, 0.0, 0.0
    for _ in range(steps):
        g = a * p + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v_tilde - g_ave * g_ave
        if momentum > 0:
            b = momentum * b + g / (math.sqrt(v_tilde) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (math.sqrt(v_tilde) + eps)
        path.append(p)
    return path


def ref_adadelta(a, p, steps, lr, rho, eps, weight_decay):
    path, v, u = [p], 0.0, 0.0
    for _ in range(steps):
        g = a * p + weight_decay * p
        v = v * rho + g * g * (1 - rho)
        dx = math.sqrt(u + eps) / math.sqrt(v + eps) * g
        u = u * rho + dx * dx * (1 - rho)
        p = p - lr * dx
        path.append(p)
    return path


def ref_adam(a, p, steps, lr, beta1, beta2, eps, weight_decay, amsgrad, decoupled):
    path, m, v, v_max = [p], 0.0, 0.0, 0.0
    for t in range(1, steps + 1):
        g = a * p
        if decoupled:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        if amsgrad:
            v_max = max(v_max, v)
            v_hat = v_max / (1 - beta2**t)
        else:
            v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(p)
    return path


def ref_nadam(a, p, steps, lr, beta1, beta2, eps, weight_decay, momentum_decay, decoupled):
    path, m, v, mus = [p], 0.0, 0.0, []
    for t in range(1, steps + 1):
        g = a * p
        if decoupled:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mus.append(mu_t)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = mu_next * m / (1 - math.prod(mus) * mu_next) + (1 - mu_t) * g / (1 - math.prod(mus))
        v_hat = v / (1 - beta2**t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(p)
    return path


def ref_radam(a, p, steps, lr, beta1, beta2, eps, weight_decay, decoupled, rectified=None):
    """``rectified`` (a list) collects, per step, whether the adaptive branch was taken."""
    path, m, v = [p], 0.0, 0.0
    rho_inf = 2 / (1 - beta2) - 1
    for t in range(1, steps + 1):
        g = a * p
        if decoupled:
            p = p - lr * weight_decay * p
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        rho_t = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:
            l_t = math.sqrt(1 - beta2**t) / (math.sqrt(v) + eps)
            r_t = math.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            p = p - lr * m_hat * r_t * l_t
        else:
            p = p - lr * m_hat
        if rectified is not None:
            rectified.append(rho_t > 5)
        path.append(p)
    return path


def ref_adamax(a, p, steps, lr, beta1, beta2, eps, weight_decay):
    path, m, u = [p], 0.0, 0.0
    for t in range(1, steps + 1):
        g = a * p + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        u = max(beta2 * u, abs(g) + eps)
        p = p - lr * m / ((1 - beta1**t) * u)
        path.append(p)
    return path


def ref_lion(a, p, steps, lr, beta1, beta2, weight_decay):
    path, m = [p], 0.0
    for _ in range(steps):
        g = a * p
        c = beta1 * m + (1 - beta1) * g
        p = p - lr * (math.copysign(1.0, c) + weight_decay * p)
        m = beta2 * m + (1 - beta2) * g
        path.append(p)
    return path


ADAM = dict(lr=0.1, beta1=0.8, beta2=0.95, eps=1e-6)
# (optimizer, overrides, reference with its arguments, steps)
HAND_CASES = [
    ("sgd", {"lr": 0.1, "weight_decay": 0.2}, (ref_sgd, dict(lr=0.1, weight_decay=0.2)), 3),
    (
        "sgd",
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
        (ref_sgd, dict(lr=0.1, momentum=0.9, dampening=0.5)),
        3,
    ),
    (
        "momentum",
        {"lr": 0.05, "momentum": 0.7, "dampening": 0.2, "weight_decay": 0.1},
        (ref_sgd, dict(lr=0.05, momentum=0.7, dampening=0.2, weight_decay=0.1)),
        3,
    ),
    (
        "nesterov",
        {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1},
        (ref_sgd, dict(lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True)),
        3,
    ),
    (
        "adagrad",
        {"lr": 0.3, "lr_decay": 0.5, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
        (
            ref_adagrad,
            dict(lr=0.3, lr_decay=0.5, weight_decay=0.1, initial_accumulator_value=0.2, eps=1e-10),
        ),
        3,
    ),
    (
        "rmsprop",
        {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1},
        (
            ref_rmsprop,
            dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.0, centered=False),
        ),
        3,
    ),
    (
        "rmsprop",
        {"lr": 0.01, "alpha": 0.8, "momentum": 0.6, "centered": True},
        (
            ref_rmsprop,
            dict(lr=0.01, alpha=0.8, eps=1e-8, weight_decay=0.0, momentum=0.6, centered=True),
        ),
        3,
    ),
    (
        "adadelta",
        {"lr": 2.0, "rho": 0.7, "eps": 1e-3, "weight_decay": 0.1},
        (ref_adadelta, dict(lr=2.0, rho=0.7, eps=1e-3, weight_decay=0.1)),
        3,
    ),
    (
        "adam",  # beta2 = 0.3: v follows the shrinking g^2 closely, so the max binds at t = 3
        {**ADAM, "beta2": 0.3, "weight_decay": 0.1, "amsgrad": True},
        (ref_adam, dict(ADAM, beta2=0.3, weight_decay=0.1, amsgrad=True, decoupled=False)),
        4,
    ),
    (
        "adam",
        {**ADAM, "beta1": 0.3},  # torch's lerp takes its other branch for weights >= 0.5
        (ref_adam, dict(ADAM, beta1=0.3, weight_decay=0.0, amsgrad=False, decoupled=False)),
        3,
    ),
    (
        "adamw",
        {**ADAM, "beta2": 0.3, "weight_decay": 0.2, "amsgrad": True},
        (ref_adam, dict(ADAM, beta2=0.3, weight_decay=0.2, amsgrad=True, decoupled=True)),
        4,
    ),
    (
        "nadam",
        {**ADAM, "weight_decay": 0.1, "momentum_decay": 0.05},
        (ref_nadam, dict(ADAM, weight_decay=0.1, momentum_decay=0.05, decoupled=False)),
        3,
    ),
    (
        "nadam",
        {**ADAM, "weight_decay": 0.1, "decoupled_weight_decay": True},
        (ref_nadam, dict(ADAM, weight_decay=0.1, momentum_decay=4e-3, decoupled=True)),
        3,
    ),
    (
        "radam",
        {**ADAM, "beta2": 0.9, "weight_decay": 0.1},
        (ref_radam, dict(ADAM, beta2=0.9, weight_decay=0.1, decoupled=False)),
        8,
    ),
    (
        "radam",
        {**ADAM, "beta2": 0.9, "weight_decay": 0.1, "decoupled_weight_decay": True},
        (ref_radam, dict(ADAM, beta2=0.9, weight_decay=0.1, decoupled=True)),
        8,
    ),
    (
        "adamax",
        {**ADAM, "weight_decay": 0.1},
        (ref_adamax, dict(ADAM, weight_decay=0.1)),
        3,
    ),
    (
        "lion",  # a large lr overshoots, so momentum and gradient disagree in sign at t = 3
        {"lr": 0.4, "beta1": 0.3, "beta2": 0.95, "weight_decay": 0.5},
        (ref_lion, dict(lr=0.4, beta1=0.3, beta2=0.95, weight_decay=0.5)),
        3,
    ),
]


@pytest.mark.parametrize(
    "optimizer_id, overrides, reference, steps",
    HAND_CASES,
    ids=[f"{case[0]}-{'-'.join(case[1])}" for case in HAND_CASES],
)
def test_first_steps_match_the_documented_algorithm(optimizer_id, overrides, reference, steps):
    ref, arguments = reference
    got = module_paths(optimizer_id, overrides, steps)
    for a, p, path in zip(CURVATURES, START, got, strict=True):
        expected = ref(a, p, steps, **arguments)
        assert path[0] == p
        for t in range(1, steps + 1):
            assert path[t] != path[t - 1]
            assert math.isclose(path[t], expected[t], rel_tol=1e-12, abs_tol=1e-15), (a, t)


def test_radam_cases_cross_the_rectification_threshold():
    # beta2 = 0.9: rho_inf = 19, rho_t = 1.0, 1.95, 2.86, 3.74, 4.58, 5.39, ... so steps 1-5
    # are plain momentum and steps 6-8 adaptive.
    rectified = []
    ref_radam(
        1.0, 1.0, 8, **ADAM | {"beta2": 0.9}, weight_decay=0.0, decoupled=False, rectified=rectified
    )
    assert rectified == [False] * 5 + [True] * 3


def test_sgd_momentum_with_dampening_by_hand():
    # p0 = 1, f = p^2 / 2, lr 0.1, momentum 0.9, dampening 0.5:
    # t=1: g = 1,     b = g = 1,                          p = 1 - 0.1 = 0.9
    # t=2: g = 0.9,   b = 0.9 * 1 + 0.5 * 0.9 = 1.35,       p = 0.9 - 0.135 = 0.765
    # t=3: g = 0.765, b = 0.9 * 1.35 + 0.5 * 0.765 = 1.5975, p = 0.765 - 0.15975 = 0.60525
    [path, _] = module_paths("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}, 3)
    assert path == pytest.approx([1.0, 0.9, 0.765, 0.60525], rel=1e-14)


def test_lion_by_hand():
    # p0 = 1, f = p^2 / 2, lr 0.4, beta1 0.3, beta2 0.95, weight decay 0.5:
    # t=1: g = 1,     c = 0.7 > 0,                         p = 1 - 0.4 (1 + 0.5) = 0.4,
    #      m = 0.05
    # t=2: g = 0.4,   c = 0.015 + 0.28 > 0,                p = 0.4 - 0.4 (1 + 0.2) = -0.08,
    #      m = 0.0475 + 0.02 = 0.0675
    # t=3: g = -0.08, c = 0.02025 - 0.056 = -0.03575 < 0,  p = -0.08 - 0.4 (-1 - 0.04) = 0.336
    overrides = {"lr": 0.4, "beta1": 0.3, "beta2": 0.95, "weight_decay": 0.5}
    [path, _] = module_paths("lion", overrides, 3)
    assert path == pytest.approx([1.0, 0.4, -0.08, 0.336], rel=1e-14)


def test_beta1_zero_makes_the_mean_the_gradient_exactly():
    # torch.lerp is exact at weight 1 (it computes end - (end - start)(1 - w) for w >= 0.5),
    # where start + w (end - start) would not be: 1e3 + (0.2 - 1e3) != 0.2.
    for optimizer_id in ("adam", "nadam", "radam", "adamax"):
        optimizer = get_optimizer(optimizer_id)
        transform = optimizer.make(optimizer.resolve({"beta1": 0.0}))
        state = transform.init(0.0)
        for t, grad in enumerate([0.1, 0.7, -0.3, 1e3, 0.2, -5e-3, 42.0, 1e-6], start=1):
            _, state = transform.update(grad, state, 0.0, t)
            assert state.exp_avg == grad, (optimizer_id, t)


def test_adam_first_step_has_length_lr_whatever_the_gradient():
    # After one step m_hat = g and v_hat = g^2, so the step is -lr * g / (|g| + eps).
    paths = module_paths("adam", {"lr": 0.01, "eps": 1e-12}, 1)
    for p, path in zip(START, paths, strict=True):
        assert path[1] - p == pytest.approx(-0.01 * math.copysign(1.0, p), rel=1e-9)


# --- floats and arrays agree bit for bit

FULL_OPTIONS = {
    "sgd": {"weight_decay": 0.1},
    "momentum": {"momentum": 0.8, "dampening": 0.3, "weight_decay": 0.05},
    "nesterov": {"momentum": 0.7, "weight_decay": 0.05},
    "adagrad": {
        "lr_decay": 0.05,
        "weight_decay": 0.05,
        "initial_accumulator_value": 0.2,
        "eps": 1e-6,
    },
    "rmsprop": {"alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.05},
    "adadelta": {"rho": 0.8, "eps": 1e-4, "weight_decay": 0.05},
    "adam": {"beta1": 0.8, "beta2": 0.99, "weight_decay": 0.05, "amsgrad": True},
    "adamw": {"amsgrad": True, "weight_decay": 0.1},
    "nadam": {"momentum_decay": 0.01, "weight_decay": 0.05},
    "radam": {"beta2": 0.9, "weight_decay": 0.1, "decoupled_weight_decay": True},
    "adamax": {"beta2": 0.99, "weight_decay": 0.05},
    "lion": {"beta1": 0.8, "weight_decay": 0.1},
}
LR_FACTORS = (1.0, 10.0, 30.0, 100.0)
# Per-run values when every float hyperparameter is an array (as the engine batches runs):
# beta1 on both sides of 0.5 (both lerp branches), beta2 crossing RAdam's threshold at
# different steps or never (0.5), weight decay 0 for some runs only.
VARIATIONS = {
    "beta1": (0.3, 0.9, 0.6, 0.0),
    "beta2": (0.9, 0.999, 0.95, 0.5),
    "alpha": (0.9, 0.99, 0.3, 0.7),
    "rho": (0.9, 0.5, 0.95, 0.8),
    "momentum": (0.5, 0.9, 0.1, 0.7),
    "dampening": (0.3, 0.0, 0.5, 0.1),
    "eps": (1e-8, 1e-6, 1e-3, 1e-10),
    "weight_decay": (0.1, 0.0, 0.01, 0.3),
    "lr_decay": (0.0, 0.01, 0.1, 0.5),
    "initial_accumulator_value": (0.0, 0.1, 1.0, 0.5),
    "momentum_decay": (4e-3, 0.0, 0.05, 0.2),
}


def run_overrides(optimizer_id: str, vary_all: bool) -> list[dict]:
    optimizer = get_optimizer(optimizer_id)
    defaults, runs = optimizer.resolve(None), []
    for b, factor in enumerate(LR_FACTORS):
        overrides = dict(FULL_OPTIONS[optimizer_id])
        overrides["lr"] = defaults["lr"] * factor
        if vary_all:
            for name, values in VARIATIONS.items():
                if name in defaults:
                    overrides[name] = values[b]
            if optimizer_id == "nesterov":
                overrides["dampening"] = 0.0
        runs.append(optimizer.resolve(overrides))
    return runs


@pytest.mark.parametrize("vary_all", [False, True], ids=["lr-varies", "all-vary"])
@pytest.mark.parametrize("optimizer_id", list(OPTIMIZERS))
def test_the_walk_and_the_transform_agree_bit_for_bit(optimizer_id, vary_all):
    """The engine's compiled walk (every run in one call, on the bowl a x^2/2 + b y^2/2) and
    ``make``'s transform (one run, one coordinate at a time) take the same steps and keep the
    same state, bit for bit."""
    optimizer = get_optimizer(optimizer_id)
    runs = run_overrides(optimizer_id, vary_all)
    steps, curvatures = 100, (1.5, 3.0)
    surface, params = get_surface("quadratic"), {"a": curvatures[0], "b": curvatures[1]}
    starts = np.random.default_rng(7).normal(size=(len(runs), 2))
    specs = [RunSpec(optimizer, run, tuple(start)) for run, start in zip(runs, starts, strict=True)]
    free = StopRules(grad_tol=0.0, max_loss=math.inf, max_coord=math.inf)
    walked = simulate(surface, params, specs, steps, stop=free, include_state=True)
    for run, start, trajectory in zip(runs, starts, walked, strict=True):
        # Every run walks every step; Adadelta's largest lrs grow the loss (issue 16: diverging).
        assert trajectory.status in ("max_steps", "diverging")
        assert len(trajectory.points) == steps + 1
        transform = optimizer.make(run)
        for d, curvature in enumerate(curvatures):
            p = float(start[d])
            state = transform.init(p)
            for t in range(1, steps + 1):
                step, state = transform.update(curvature * p, state, p, t)
                p = p + step
                assert type(step) is float
                assert p == trajectory.points[t, d], (d, t)
                for name, value in state._asdict().items():
                    assert value == trajectory.state[name][t - 1, d], (name, d, t)
    assert all(np.all(np.isfinite(t.points)) for t in walked)


# --- resolve


def test_resolve_fills_in_torch_defaults():
    assert get_optimizer("adam").resolve(None) == {
        "lr": 1e-3,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
    }
    assert get_optimizer("adamw").resolve({})["weight_decay"] == 0.01
    assert get_optimizer("sgd").resolve({"lr": 0.5}) == {
        "lr": 0.5,
        "momentum": 0.0,
        "dampening": 0.0,
        "weight_decay": 0.0,
        "nesterov": False,
    }
    assert get_optimizer("momentum").resolve(None)["momentum"] == 0.9
    assert get_optimizer("nesterov").resolve(None)["nesterov"] is True
    assert get_optimizer("adadelta").resolve(None)["lr"] == 1.0
    assert get_optimizer("nadam").resolve(None)["momentum_decay"] == 4e-3
    assert get_optimizer("lion").resolve(None) == {
        "lr": 1e-4,
        "beta1": 0.9,
        "beta2": 0.99,
        "weight_decay": 0.0,
    }


def test_resolve_converts_integers_to_floats():
    resolved = get_optimizer("adadelta").resolve({"lr": 2})
    assert resolved["lr"] == 2.0 and type(resolved["lr"]) is float


def test_resolve_rejects_unknown_names_listing_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"unknown hyperparameter for adam; valid: lr, beta1, beta2, eps, weight_decay",
    ):
        get_optimizer("adam").resolve({"betas": [0.9, 0.99]})


@pytest.mark.parametrize(
    "optimizer_id, overrides, message",
    [
        ("adam", {"lr": 0.0}, "lr must be between"),
        ("adam", {"lr": 1e7}, "lr must be between"),
        ("adam", {"beta1": 1.0}, "beta1 must be between"),
        ("adam", {"eps": float("nan")}, "eps must be between"),
        ("sgd", {"momentum": -0.1}, "momentum must be between"),
        ("adamw", {"weight_decay": float("inf")}, "weight_decay must be between"),
        ("adam", {"lr": "0.1"}, "lr must be a number"),
        ("adam", {"lr": True}, "lr must be a number"),
        ("adam", {"amsgrad": 1.0}, "amsgrad must be true or false"),
        ("adam", {"amsgrad": 1}, "amsgrad must be true or false"),
        ("rmsprop", {"centered": "yes"}, "centered must be true or false"),
        ("nesterov", {"momentum": 0.0}, "nesterov requires momentum > 0 and dampening = 0"),
        ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov requires"),
    ],
)
def test_resolve_rejects_invalid_values(optimizer_id, overrides, message):
    with pytest.raises(ValueError, match=message):
        get_optimizer(optimizer_id).resolve(overrides)


def test_resolve_names_every_bad_override_at_once():
    with pytest.raises(HyperparameterError) as caught:
        get_optimizer("adam").resolve({"lr": 0.0, "beta1": 0.5, "betas": 0.9, "amsgrad": 1})
    assert caught.value.problems == {
        "lr": "lr must be between 1e-06 and 1e+06, not 0",
        "betas": "unknown hyperparameter for adam;"
        " valid: lr, beta1, beta2, eps, weight_decay, amsgrad",
        "amsgrad": "amsgrad must be true or false, not 1",
    }


def test_resolve_accepts_range_ends_and_booleans():
    resolved = get_optimizer("adam").resolve({"lr": 100.0, "beta1": 0.0, "amsgrad": np.bool_(True)})
    assert resolved["lr"] == 100.0 and resolved["amsgrad"] is True


def test_unknown_optimizer_lists_the_valid_ids():
    with pytest.raises(ValueError, match="unknown optimizer id; valid: sgd, momentum, "):
        get_optimizer("adamm")


# --- metadata


def test_catalogue_order():
    assert list(OPTIMIZERS) == [
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adadelta",
        "adam",
        "adamw",
        "nadam",
        "radam",
        "adamax",
        "lion",
    ]


@pytest.mark.parametrize("optimizer", OPTIMIZERS.values(), ids=list(OPTIMIZERS))
def test_metadata_is_complete_and_ranges_are_finite(optimizer):
    assert optimizer.id and optimizer.name and optimizer.reference
    assert 0 < optimizer.description.count(".") <= 2
    assert optimizer.update_rule.startswith(r"\begin{aligned}")
    assert optimizer.update_rule.endswith(r"\end{aligned}")
    assert r"\theta_t" in optimizer.update_rule
    # The compiled rule reads every hyperparameter the catalogue lists, and no other.
    assert set(optimizer.rule.args) == {h.name for h in optimizer.hyperparameters}
    names = [h.name for h in optimizer.hyperparameters]
    assert names[0] == "lr" and len(set(names)) == len(names)
    for h in optimizer.hyperparameters:
        assert h.description
        if isinstance(h.default, bool):
            assert h.min is None and h.max is None and not h.log_scale
            continue
        assert math.isfinite(h.min) and math.isfinite(h.max)
        assert h.min <= h.default <= h.max and h.min < h.max
        if h.name in ("lr", "eps"):
            assert h.min > 0 and h.log_scale
        if h.name == "weight_decay":
            assert h.log_scale


@pytest.mark.parametrize(
    "optimizer_id, overrides, fields",
    [
        ("sgd", {}, ()),
        ("momentum", {}, ("momentum_buffer",)),
        ("adagrad", {}, ("sum",)),
        ("rmsprop", {}, ("square_avg",)),
        (
            "rmsprop",
            {"centered": True, "momentum": 0.5},
            ("square_avg", "grad_avg", "momentum_buffer"),
        ),
        ("adadelta", {}, ("square_avg", "acc_delta")),
        ("adam", {"amsgrad": True}, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")),
        ("adamw", {}, ("exp_avg", "exp_avg_sq")),
        ("nadam", {}, ("exp_avg", "exp_avg_sq", "mu_product")),
        ("radam", {}, ("exp_avg", "exp_avg_sq")),
        ("adamax", {}, ("exp_avg", "exp_inf")),
        ("lion", {}, ("exp_avg",)),
    ],
)
def test_state_is_named_as_in_torch(optimizer_id, overrides, fields):
    optimizer = get_optimizer(optimizer_id)
    state = optimizer.make(optimizer.resolve(overrides)).init(np.zeros((2, 2)))
    assert state._fields == fields


def test_update_does_not_write_into_its_arguments():
    optimizer = get_optimizer("rmsprop")
    transform = optimizer.make(optimizer.resolve({"centered": True, "momentum": 0.5}))
    params, grad = np.ones((2, 2)), np.full((2, 2), 0.5)
    state = transform.init(params)
    for t in (1, 2):
        before = [field.copy() for field in state]
        _, new_state = transform.update(grad, state, params, t)
        assert all(np.array_equal(a, b) for a, b in zip(before, state, strict=True))
        assert np.all(params == 1.0) and np.all(grad == 0.5)
        state = new_state


# --- convergence on a bowl (optax's habit: a table of optimizers, each with its own lr)

BOWL_LR = {
    "sgd": 0.1,
    "momentum": 0.05,
    "nesterov": 0.05,
    "adagrad": 0.5,
    "rmsprop": 5e-4,  # larger rates end in a dance around the minimum about lr wide
    "adadelta": 0.1,  # the same from 0.3 up (torch too)
    "adam": 0.01,
    "adamw": 0.01,
    "nadam": 0.01,
    "radam": 0.01,
    "adamax": 0.01,
    "lion": 5e-4,
}


@pytest.mark.parametrize("optimizer_id", list(OPTIMIZERS))
def test_reaches_the_minimum_of_a_bowl(optimizer_id):
    assert set(BOWL_LR) == set(OPTIMIZERS)
    optimizer = get_optimizer(optimizer_id)
    transform = optimizer.make(optimizer.resolve({"lr": BOWL_LR[optimizer_id]}))
    curvature = np.array([1.0, 10.0])  # f(x, y) = (x^2 + 10 y^2) / 2, minimum at the origin
    points = np.array([1.0, -1.0])
    state = transform.init(points)
    for t in range(1, 3001):
        step, state = transform.update(curvature * points, state, points, t)
        points = points + step
    assert np.max(np.abs(points)) < 1e-3


@pytest.mark.parametrize("optimizer_id", list(OPTIMIZERS))
def test_a_long_parameter_vector_steps_as_its_coordinates_do_one_by_one(optimizer_id):
    """The rules take parameter vectors of any length (a network's weights): 1,000 coordinates
    in one call move exactly as each coordinate does alone."""
    optimizer = get_optimizer(optimizer_id)
    transform = optimizer.make(optimizer.resolve({"weight_decay": 0.01}))
    rng = np.random.default_rng(3)
    params, curvature = rng.normal(size=1000), rng.uniform(0.5, 2.0, 1000)
    state = transform.init(params)
    alone = [(float(p), transform.init(float(p))) for p in params[:5]]
    for t in range(1, 6):
        step, state = transform.update(curvature * params, state, params, t)
        params = params + step
        for i, (p, s) in enumerate(alone):
            one, s = transform.update(float(curvature[i]) * p, s, p, t)
            alone[i] = (p + one, s)
    assert [p for p, _ in alone] == params[:5].tolist()
