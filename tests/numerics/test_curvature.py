"""Exact Hessians (built-ins by hand, formulas by second-order autodiff, data sets over (w, b)),
their closed-form eigen-decomposition, and the edge lr < 2 / lambda max they predict."""

from __future__ import annotations

import numpy as np
import pytest

from app.numerics.curvature import curvature, eigen, hessians
from app.numerics.datasets import surface_from_dataset
from app.numerics.engine import RunSpec, StopRules, simulate
from app.numerics.expression import surface_from_expression
from app.numerics.optimizers import get_optimizer
from app.numerics.surfaces import SURFACES, get_surface
from app.numerics.sweeps import lr_sweep


def at(surface_id, point, **params):
    surface = get_surface(surface_id)
    return curvature(surface, surface.resolve_params(params), [point])


def test_the_parabola_has_curvature_2_and_edge_1():
    c = at("parabola", [0.0])
    assert c.hessian.tolist() == [[[2.0]]]
    assert c.eigenvalues.tolist() == [[2.0]] and c.eigenvectors.tolist() == [[[1.0]]]
    assert c.stable_lr.tolist() == [1.0] and c.condition_number.tolist() == [1.0]
    assert c.momentum_stable_lr(0.9).tolist() == pytest.approx([1.9])


def test_the_elongated_bowl_has_curvatures_1_and_10_and_edge_0_2():
    c = at("quadratic", [-2.5, 2.0])
    assert c.hessian.tolist() == [[[1.0, 0.0], [0.0, 10.0]]]
    assert c.eigenvalues.tolist() == [[1.0, 10.0]]
    assert c.stable_lr.tolist() == [0.2] and c.condition_number.tolist() == [10.0]
    np.testing.assert_allclose(np.abs(c.eigenvectors[0]), np.eye(2), atol=1e-15)


def test_rosenbrock_at_its_minimum():
    c = at("rosenbrock", [1.0, 1.0])
    assert c.hessian.tolist() == [[[802.0, -400.0], [-400.0, 200.0]]]
    # eigenvalues of [[802, -400], [-400, 200]]: 501 -+ sqrt(301^2 + 400^2)
    r = np.sqrt(301.0**2 + 400.0**2)
    np.testing.assert_allclose(c.eigenvalues[0], [501.0 - r, 501.0 + r], rtol=1e-13)
    assert c.stable_lr[0] == pytest.approx(2.0 / (501.0 + r), rel=1e-14)


def test_the_saddle_curves_up_along_x_and_down_along_y():
    c = at("saddle", [0.0, 0.0])
    assert c.eigenvalues.tolist() == [[-2.0, 2.0]]
    np.testing.assert_allclose(np.abs(c.eigenvectors[0]), [[0.0, 1.0], [1.0, 0.0]], atol=1e-15)
    assert c.condition_number.tolist() == [1.0]
    assert c.stable_lr.tolist() == [1.0]  # the edge along x, the uphill direction


def test_no_edge_when_every_curvature_is_negative_or_zero():
    c = curvature(surface_from_expression("-(x**2) - 3*y**2"), {}, [[0.5, 0.5]])
    assert c.eigenvalues.tolist() == [[-6.0, -2.0]]
    assert np.isnan(c.stable_lr[0])
    flat = curvature(surface_from_expression("x**2 + 0*y"), {}, [[0.5, 0.5]])
    assert flat.eigenvalues.tolist() == [[0.0, 2.0]] and np.isnan(flat.condition_number[0])


def central_hessian_of_values(surface, params, point, h=1e-4):
    """Second differences of the loss itself: f(p + h e_i + h e_j) etc."""
    point = np.asarray(point, dtype=float)
    dim = len(point)
    out = np.empty((dim, dim))

    def f(p):
        return surface.value(params, *p)

    for i in range(dim):
        for j in range(dim):
            ei, ej = np.eye(dim)[i] * h, np.eye(dim)[j] * h
            out[i, j] = (
                f(point + ei + ej) - f(point + ei - ej) - f(point - ei + ej) + f(point - ei - ej)
            ) / (4 * h * h)
    return out


def central_hessian_of_gradient(surface, params, point, h=1e-6):
    point = np.asarray(point, dtype=float)
    dim = len(point)
    out = np.empty((dim, dim))
    for j in range(dim):
        e = np.eye(dim)[j] * h
        plus = np.array(surface.grad(params, *(point + e)))
        minus = np.array(surface.grad(params, *(point - e)))
        out[:, j] = (plus - minus) / (2 * h)
    return out


FORMULAS = [
    ("sin(x)*exp(y/3) + x**3*y - log(1 + x**2 + y**2)", [0.7, -0.4]),
    ("sqrt(x**2 + 1) * tanh(y) + x/y + y**x", [1.3, 0.8]),
    ("sigmoid(x - y) + softplus(2*x) + arctan(x*y) + cosh(y)/4", [-0.5, 0.9]),
    ("arcsin(x/2) + arccos(y/3) + tan(x*y) + log10(3 + x) + sinh(x - y)", [0.4, 0.6]),
    ("x**4 - 2*x**2 + abs(y) * y + relu(x) * y", [1.1, -0.7]),
    ("x**2.5 + 3*x", [1.7]),
]


@pytest.mark.parametrize(("text", "point"), FORMULAS, ids=[f[0][:24] for f in FORMULAS])
def test_a_typed_formula_against_second_differences_of_its_own_values(text, point):
    surface = surface_from_expression(text)
    exact = hessians(surface, {}, [point])[0]
    numeric = central_hessian_of_values(surface, {}, point)
    np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(exact, exact.T)


def test_a_formula_written_by_hand():
    """x^3 y + sin(x y): H = [[6 x y - y^2 sin, 3 x^2 + cos - x y sin], [., -x^2 sin]]."""
    x, y = 0.3, -1.2
    exact = hessians(surface_from_expression("x**3*y + sin(x*y)"), {}, [[x, y]])[0]
    s, c = np.sin(x * y), np.cos(x * y)
    by_hand = [[6 * x * y - y * y * s, 3 * x * x + c - x * y * s], [0.0, -x * x * s]]
    by_hand[1][0] = by_hand[0][1]
    np.testing.assert_allclose(exact, by_hand, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("dataset", ["linear_regression", "logistic_regression"])
def test_a_data_set_against_differences_of_its_gradient(dataset):
    surface = surface_from_dataset(dataset, {"n": 60})
    for point in ([0.3, -0.2], [2.0, 1.5], [-1.0, 0.4]):
        exact = hessians(surface, {}, [point])[0]
        numeric = central_hessian_of_gradient(surface, {}, point)
        np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-8)


def test_linear_regression_hessian_is_twice_the_inputs_second_moments():
    surface = surface_from_dataset("linear_regression", {"n": 40})
    x = surface.data.x
    exact = hessians(surface, {}, [[5.0, -3.0]])[0]  # constant: the loss is quadratic
    by_hand = 2.0 * np.array([[np.mean(x * x), np.mean(x)], [np.mean(x), 1.0]])
    np.testing.assert_allclose(exact, by_hand, rtol=1e-13)


@pytest.mark.parametrize("surface_id", list(SURFACES))
def test_every_built_in_against_its_gradient_and_its_formulas_autodiff(surface_id):
    surface = get_surface(surface_id)
    params = surface.resolve_params(None)
    formula = surface_from_expression(surface.expression.format(**params))
    rng = np.random.default_rng(16)
    (x0, x1), (y0, y1) = surface.window.x, surface.window.y or (0.0, 1.0)
    points = np.column_stack([rng.uniform(x0, x1, 6), rng.uniform(y0, y1, 6)])[:, : surface.dim]
    exact = hessians(surface, params, points)
    by_autodiff = hessians(formula, {}, points)
    for point, h, h_tape in zip(points, exact, by_autodiff, strict=True):
        scale = np.abs(h).max() + 1.0
        np.testing.assert_allclose(h, h_tape, rtol=0, atol=1e-12 * scale)
        numeric = central_hessian_of_gradient(surface, params, point)
        np.testing.assert_allclose(h, numeric, rtol=0, atol=1e-6 * scale)


def test_ackley_has_no_curvature_at_its_tip():
    c = at("ackley", [0.0, 0.0])
    assert np.isnan(c.hessian).all() and np.isnan(c.eigenvalues).all()
    assert np.isnan(c.stable_lr[0]) and np.isnan(c.condition_number[0])


def test_outside_a_formulas_domain_the_curvature_is_not_finite():
    """log''(-1) = -1 by the formula, but the loss is not defined there: nan, not -1."""
    c = curvature(surface_from_expression("log(x) + y**2"), {}, [[-1.0, 0.0], [2.0, 0.0]])
    assert np.isnan(c.hessian[0]).all() and np.isnan(c.eigenvalues[0]).all()
    assert c.hessian[1].tolist() == [[-0.25, 0.0], [0.0, 2.0]]
    edge = curvature(surface_from_expression("sqrt(x)"), {}, [[0.0]])
    assert not np.isfinite(edge.hessian[0, 0, 0])


def test_eigenvectors_are_unit_and_satisfy_h_v_equals_lambda_v():
    """Property: random symmetric matrices over many scales, including diagonal, equal and
    negative eigenvalues, against numpy's eigvalsh."""
    rng = np.random.default_rng(1616)
    a, b, c = (rng.normal(size=500) * 10.0 ** rng.uniform(-3, 3, 500) for _ in range(3))
    b[:50] = 0.0  # diagonal
    a[50:60], c[50:60], b[50:60] = 4.0, 4.0, 0.0  # a multiple of the identity
    matrices = np.empty((500, 2, 2))
    matrices[:, 0, 0], matrices[:, 0, 1], matrices[:, 1, 0], matrices[:, 1, 1] = a, b, b, c
    values, vectors = eigen(matrices)
    assert (np.diff(values, axis=1) >= 0).all(), "ascending"
    np.testing.assert_allclose(values, np.linalg.eigvalsh(matrices), rtol=1e-10, atol=1e-12)
    norms = np.linalg.norm(vectors, axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-14)
    scale = np.abs(values).max(axis=1)[:, None, None]
    residual = matrices @ vectors - vectors * values[:, None, :]
    assert (np.abs(residual) <= 1e-12 * scale).all()
    # orthogonal
    dots = np.einsum("ni,ni->n", vectors[:, :, 0], vectors[:, :, 1])
    assert np.abs(dots).max() < 1e-14


def test_sgd_on_the_bowl_zig_zags_at_0_19_and_blows_up_at_0_21():
    """The edge the curvature predicts is where the runs change: 2 / 10 = 0.2."""
    surface = get_surface("quadratic")
    params = surface.resolve_params(None)
    sgd = get_optimizer("sgd")
    specs = [RunSpec(sgd, sgd.resolve({"lr": lr}), (-2.5, 2.0)) for lr in (0.19, 0.21)]
    below, above = simulate(surface, params, specs, 400, stop=StopRules(grad_tol=0.0))
    ys = below.points[:, 1]
    assert (np.sign(ys[1:50]) != np.sign(ys[:49])).all(), "zig-zags across the steep axis"
    assert below.losses[-1] < 1e-10 * below.losses[0]
    assert above.status in ("diverged", "diverging") and "smaller learning rate" in above.message


def test_heavy_ball_momentum_widens_the_edge_to_2_1_plus_mu_over_lambda():
    """On the parabola (lambda = 2), momentum 0.5 is stable below lr 1.5 and grows above."""
    surface = get_surface("parabola")
    params = surface.resolve_params(None)
    momentum = get_optimizer("momentum")
    edge = at("parabola", [0.0]).momentum_stable_lr(0.5)[0]
    assert edge == pytest.approx(1.5)
    lrs = (0.97 * edge, 1.03 * edge)
    specs = [RunSpec(momentum, momentum.resolve({"lr": lr, "momentum": 0.5}), (0.0,)) for lr in lrs]
    below, above = simulate(surface, params, specs, 400, stop=StopRules(grad_tol=0.0))
    assert below.losses[-1] < 1e-3 * below.losses[0]
    assert above.status in ("diverged", "diverging")


def test_the_parabola_sweep_finds_the_edge_at_the_first_lr_above_1():
    """Acceptance 2: sgd, lr 0.5 to 1.5, 101 learning rates, 400 steps."""
    surface = get_surface("parabola")
    params = surface.resolve_params(None)
    sgd = get_optimizer("sgd")
    sweep = lr_sweep(surface, params, sgd, sgd.resolve(None), (0.0,), 400, (0.5, 1.5), 101,
                     StopRules())  # fmt: skip
    lrs, outcomes = sweep.lrs, sweep.outcomes
    start = surface.value(params, 0.0)
    for lr, final, status in zip(lrs, outcomes.final_losses, outcomes.status, strict=True):
        if lr < 1.0:
            assert final < start, lr
        elif lr > 1.0:
            assert status in (2, 3), lr  # diverged or diverging
    first_above = float(lrs[lrs > 1.0].min())
    assert sweep.smallest_diverged_lr == first_above
    assert sweep.largest_stable_lr == float(lrs[lrs < 1.0].max())
    assert sweep.largest_stable_lr < 1.0 < sweep.smallest_diverged_lr
    # lr 1.01 (the first above 1) is no longer "still going": its loss grew by millions.
    assert outcomes.status[lrs == first_above][0] == 3
