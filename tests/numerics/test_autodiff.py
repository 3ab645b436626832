"""Reverse-mode autodiff, tested the micrograd way: gradients against hand-derived ones, a
reference result (micrograd's torch-checked sanity check), and central differences of random
formulas drawn from the grammar."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from app.numerics.expression import ExpressionError, parse

# (formula, point, gradient derived by hand)
HAND_DERIVED = [
    ("x**2 + 3*x*y", (2.0, 1.0), (7.0, 6.0)),  # the chapter's check
    ("x*x*x + y", (2.0, 5.0), (12.0, 1.0)),  # a repeated variable accumulates
    ("(x + y)*(x + y)", (1.0, 2.0), (6.0, 6.0)),  # a shared subexpression
    ("x/y", (3.0, 2.0), (0.5, -0.75)),
    ("x**y", (2.0, 3.0), (12.0, 8.0 * math.log(2.0))),
    ("sin(x)*cos(y)", (0.3, 0.7),
     (math.cos(0.3) * math.cos(0.7), -math.sin(0.3) * math.sin(0.7))),
    ("exp(x*y)", (0.5, 2.0), (2.0 * math.e, 0.5 * math.e)),
    ("log(x**2 + y**2)", (1.0, 2.0), (0.4, 0.8)),
    ("sqrt(x) + log10(y)", (4.0, 10.0), (0.25, 0.1 / math.log(10.0))),
    ("tan(x) + arctan(y)", (0.5, 1.0), (1.0 / math.cos(0.5) ** 2, 0.5)),
    ("arcsin(x) + arccos(y)", (0.6, 0.8), (1.25, -1.0 / 0.6)),
    ("sinh(x) + cosh(y) + tanh(x)", (0.5, -1.0),
     (math.cosh(0.5) + 1.0 - math.tanh(0.5) ** 2, math.sinh(-1.0))),
    ("sigmoid(x) + softplus(y)", (0.0, 0.0), (0.25, 0.5)),
    ("-x + +y", (1.0, 1.0), (-1.0, 1.0)),
    # kinks, by the documented convention
    ("abs(x) + abs(y)", (0.0, -2.0), (0.0, -1.0)),
    ("relu(x) + relu(y)", (0.0, 3.0), (0.0, 1.0)),
    ("max(x, y)", (1.0, 1.0), (0.5, 0.5)),
    ("min(x, 2) + max(y, x)", (2.0, 5.0), (0.5, 1.0)),
    ("max(x, x)", (1.0, 0.0), (1.0, 0.0)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "point", "expected"), HAND_DERIVED, ids=[c[0] for c in HAND_DERIVED]
)
def test_gradient_matches_hand_derivation(text, point, expected):
    graph = parse(text).graph
    dim = len(graph.variables)
    gradient = graph.grad(point[:dim])
    np.testing.assert_allclose(gradient, expected[:dim], rtol=1e-14, atol=1e-15)
    batch = graph.grad([np.full(3, c) for c in point[:dim]])
    np.testing.assert_array_equal(np.array(batch), np.array([graph.grad(point[:dim])] * 3).T)


def test_micrograd_sanity_check():
    # micrograd's test_sanity_check, checked there against PyTorch: at x = -4,
    # z = 2x + 2 + x; q = relu(z) + z x; h = relu(z z); y = h + q + q x gives y = -20, dy/dx = 46.
    z = "(2*x + 2 + x)"
    q = f"(relu({z}) + {z}*x)"
    graph = parse(f"relu({z}*{z}) + {q} + {q}*x").graph
    assert graph.value([-4.0]) == -20.0
    assert graph.grad([-4.0]) == (46.0,)


def test_trace_shows_every_node_with_its_value_and_gradient():
    graph = parse("x**2 + 3*x*y").graph
    trace = graph.trace([2.0, 1.0])
    rows = {
        (node.label, tuple(graph.nodes[j].label for j in graph.inputs[i])): (v, g)
        for i, (node, v, g) in enumerate(zip(graph.nodes, trace.values, trace.grads, strict=True))
    }
    assert rows[("x", ())] == (2.0, 7.0)
    assert rows[("y", ())] == (1.0, 6.0)
    assert rows[("**", ("x", "2"))] == (4.0, 1.0)
    assert rows[("*", ("3", "x"))] == (6.0, 1.0)  # d out / d (3x) = y
    assert rows[("3", ())] == (3.0, 2.0)  # constants get gradients too: d out / d 3 = x y
    assert rows[("+", ("**", "*"))] == (10.0, 1.0)


def test_gradient_of_a_whole_grid_at_once_equals_point_by_point():
    graph = parse("sin(x*y) + x**3/(1 + y**2) - sqrt(x**2 + 1)").graph
    x, y = np.meshgrid(np.linspace(-2, 2, 7), np.linspace(-1, 3, 5))
    gx, gy = graph.grad([x, y])
    assert gx.shape == gy.shape == (5, 7)
    for index in np.ndindex(x.shape):
        assert graph.grad([x[index], y[index]]) == (gx[index], gy[index])


# --- property tests over random formulas ---------------------------------------------------------

LEAVES = st.sampled_from(["x", "y", "pi", "e", "2", "0.5", "3", "1.5"])
UNARY = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp",
         "log", "log10", "sqrt", "abs", "sigmoid", "softplus", "relu", "-"]  # fmt: skip


def _extend(children):
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: f"{t[0]}({t[1]})")
    binary = st.tuples(children, st.sampled_from("+-*/"), children).map(
        lambda t: f"({t[0]}){t[1]}({t[2]})"
    )
    small_power = st.tuples(children, st.sampled_from(["2", "3", "0.5", "-1"])).map(
        lambda t: f"({t[0]})**{t[1]}"
    )
    power = st.tuples(children, children).map(lambda t: f"({t[0]})**({t[1]})")
    extreme = st.tuples(st.sampled_from(["min", "max"]), children, children).map(
        lambda t: f"{t[0]}({t[1]},{t[2]})"
    )
    return st.one_of(unary, binary, small_power, power, extreme)


FORMULAS = st.recursive(LEAVES, _extend, max_leaves=8)
COORDINATE = st.floats(-2.0, 2.0, allow_nan=False)
POINTS = st.lists(st.tuples(COORDINATE, COORDINATE), min_size=3, max_size=3)


def parsed(text: str):
    try:
        return parse(text)
    except ExpressionError:
        assume(False)  # over a limit, or a constant part that is not finite


def central_difference(graph, point, i):
    """Richardson-extrapolated central difference, or None where f is not smooth at this scale.

    Non-smooth: a non-finite sample, two step sizes that disagree, or a second difference
    (the curvature times h) that says a kink or a singularity is within reach.
    """
    h = 1e-4 * max(1.0, abs(point[i]))

    def f(offset):
        shifted = list(point)
        shifted[i] += offset
        return graph.value(shifted)

    samples = [f(-h), f(-h / 2), f(0.0), f(h / 2), f(h)]
    if not all(math.isfinite(s) for s in samples):
        return None
    wide = (samples[4] - samples[0]) / (2 * h)
    narrow = (samples[3] - samples[1]) / h
    noise = 1e-14 * max(abs(s) for s in samples) / h
    bend = abs(samples[4] - 2 * samples[2] + samples[0]) / h
    if abs(wide - narrow) > 1e-6 * (1 + abs(narrow)) + noise or bend > 1e-2 * (1 + abs(narrow)):
        return None
    return (4 * narrow - wide) / 3, noise


def on_a_kink(graph, point) -> bool:
    """Whether a min/max tie or abs/relu at 0 is on the path: there the gradient is the
    documented convention (a subgradient), which need not be the one-sided slopes' mean."""
    values = graph.trace(point).values
    for node, inputs in zip(graph.nodes, graph.inputs, strict=True):
        if node.op in ("min", "max") and values[inputs[0]] == values[inputs[1]]:
            return True
        if node.op in ("abs", "relu") and values[inputs[0]] == 0.0:
            return True
    return False


@settings(max_examples=150, deadline=None)
@given(FORMULAS, POINTS)
def test_autodiff_agrees_with_central_differences(text, points):
    graph = parsed(text).graph
    note(text)
    for point in points:
        point = point[: len(graph.variables)]
        if on_a_kink(graph, point):
            continue
        analytic = graph.grad(point)
        for i, g in enumerate(analytic):
            estimate = central_difference(graph, point, i)
            if estimate is None or not math.isfinite(g):
                continue
            numeric, noise = estimate
            assert abs(g - numeric) <= 1e-5 * (1 + abs(numeric)) + 100 * noise, (point, i, g)


def test_central_difference_checker_compares_smooth_points_and_skips_kinks():
    assert central_difference(parse("sin(x)*y").graph, [0.3, 0.7], 0) is not None
    assert central_difference(parse("relu(x - y)").graph, [0.5, 0.5], 0) is None
    assert central_difference(parse("log(x)").graph, [1e-6], 0) is None


EXTREMES = [0.0, -0.0, 1.0, -1.0, 1e-300, 1e300, -1e300, 710.0, math.inf, -math.inf, math.nan]


@settings(max_examples=100, deadline=None)
@given(FORMULAS, POINTS, st.sampled_from(EXTREMES), st.sampled_from(EXTREMES))
def test_floats_and_arrays_agree_bit_for_bit_and_never_raise(text, points, a, b):
    graph = parsed(text).graph
    dim = len(graph.variables)
    rows = [list(p[:dim]) for p in points] + [[a, b][:dim], [b, a][:dim]]
    columns = [np.array(c) for c in zip(*rows, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single_values = [graph.value(row) for row in rows]
        single_grads = [graph.grad(row) for row in rows]
        batch_values = graph.value(columns)
        batch_grads = graph.grad(columns)
    np.testing.assert_array_equal(single_values, batch_values)
    np.testing.assert_array_equal(np.array(single_grads).T, np.array(batch_grads))
