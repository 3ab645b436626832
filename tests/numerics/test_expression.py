"""The formula language: what it accepts, what it refuses (and how fast), and the surfaces it
makes. References: numpy written out by hand, and the built-in surfaces' own formulas."""

from __future__ import annotations

import math
import re
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.numerics.expression import (
    FORMULA_LIMITS,
    ExpressionError,
    FormulaLimits,
    builtin_formula,
    parse,
    surface_from_expression,
)
from app.numerics.optimizers import OPTIMIZERS
from app.numerics.surfaces import SURFACES
from app.numerics.warm import warm

# (formula, a fragment of the refusal). Shared with tests/api/test_expression_api.py.
HOSTILE = [
    ("__import__('os').system('ls')", "attribute access is not allowed at column"),
    ("__import__('os')", "function '__import__' is not allowed"),
    ("__builtins__", "unknown name '__builtins__'"),
    ("x.__class__", "attribute access is not allowed at column 1"),
    ("().__class__.__bases__[0].__subclasses__()", "attribute access is not allowed"),
    ("x[0]", "subscripts are not allowed"),
    ("lambda: x", "lambdas are not allowed"),
    ("[x for x in (1, 2)]", "comprehensions are not allowed"),
    ("sum(x for x in (1, 2))", "function 'sum' is not allowed"),
    ("{x: 1 for x in (1, 2)}", "comprehensions are not allowed"),
    ("sin(x=1)", "keyword arguments are not allowed"),
    ("'x'", "strings are not allowed"),
    ("b'x'", "bytes are not allowed"),
    ("f'{x}'", "f-strings are not allowed"),
    ("9**9**9", "exponent 387420489 is too large"),
    ("(((9**64)**64)**64)**64", "is inf, not a finite number"),
    ("x**1e6", "exponent 1000000 is too large"),
    ("10**400", "exponent 400 is too large"),
    ("1e999", "the number is too large"),
    ("1" + "0" * 400, f"at most {FORMULA_LIMITS.chars} characters"),
    ("x" * 100_000, f"at most {FORMULA_LIMITS.chars} characters"),
    ("(" * 150 + "x" + ")" * 150, f"at most {FORMULA_LIMITS.chars} characters"),
    ("-(" * 66 + "x" + ")" * 66, f"nested more than {FORMULA_LIMITS.depth} levels deep"),
    ("-" * 199 + "x", "parts; at most"),
    ("x\x00", "control character '\\x00' (U+0000) is not allowed at column 2"),
    ("x + \n y", "control character '\\n'"),
    ("\uff58**2", "non-ASCII character"),
    ("x + \u202ey", "non-ASCII character '\\u202e' (U+202E)"),
    ("(y := 2)", "assignment expressions (:=) are not allowed"),
    ("sin(*x)", "starred arguments are not allowed"),
    ("x(1)", "'x' is not a function"),
    ("sin(x)(y)", "only the named functions can be called"),
    ("1j", "complex numbers are not allowed"),
    ("True", "True is not allowed"),
    ("None", "None is not allowed"),
    ("...", "'Ellipsis' is not allowed"),
    ("x < y", "comparisons are not allowed"),
    ("x and y", "'and' and 'or' are not allowed"),
    ("x if y else 1", "conditional expressions are not allowed"),
    ("x + z", "unknown name 'z'; use x, y, pi, e and functions like sin(x) at column 5"),
    ("open('/etc/passwd')", "function 'open' is not allowed"),
    ("eval('1')", "function 'eval' is not allowed"),
    ("getattr(x, 'real')", "function 'getattr' is not allowed"),
    ("x % 2", "operator '%' is not allowed at column 3"),
    ("x ^ 2", "operator '^' is not allowed; write powers as x**2"),
    ("x // 2", "operator '//' is not allowed"),
    ("~x", "operator '~' is not allowed"),
    ("not x", "operator 'not' is not allowed"),
    ("[x, y]", "lists are not allowed"),
    ("x, y", "tuples are not allowed"),
    ("await x", "'await' is not allowed"),
    ("1/0 + x", "'1/0' is inf, not a finite number"),
    ("log(0)*x", "'log(0)' is -inf, not a finite number"),
    ("", "the formula is empty"),
    ("x +", "syntax error"),
    ("sin(x", "syntax error: '(' was never closed at column 4"),
    ("sin", "function 'sin' must be called, as in sin(x)"),
    ("sin(x, y)", "sin takes one argument, got 2"),
    ("max(x)", "max takes two or more arguments, got 1"),
]


@pytest.fixture(scope="module")
def kernels_loaded():
    """The compiled kernels loaded, as the server has them before its first request."""
    warm()


@pytest.mark.parametrize(("text", "fragment"), HOSTILE, ids=[repr(t[:24]) for t, _ in HOSTILE])
def test_hostile_formula_is_refused_fast_with_a_clear_message(text, fragment, kernels_loaded):
    # CPU time, not the wall clock: other processes on a busy machine do not count.
    started = time.process_time()
    with pytest.raises(ExpressionError) as refused:
        parse(text)
    assert time.process_time() - started < 0.01
    assert fragment in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_limits_are_inclusive():
    assert parse("x" + " " * (FORMULA_LIMITS.chars - 1)).dim == 1
    assert parse("-(" * FORMULA_LIMITS.depth + "x" + ")" * FORMULA_LIMITS.depth).dim == 1
    assert parse("x**100 + x**-100").dim == 1
    with pytest.raises(ExpressionError, match="exponent 101 is too large"):
        parse("x**101")
    with pytest.raises(ExpressionError, match="exponent 387420489 is too large"):
        parse("x**(9**9)")


def test_limits_passed_in_replace_the_defaults():
    tight = FormulaLimits(chars=8, nodes=3, depth=1, exponent=2.0)
    for text, message in [
        ("x + y + 1", "at most 8 characters"),
        ("x+y+x", "5 parts; at most 3 are allowed"),  # within 8 characters
        ("-(-x)", "nested more than 1 levels deep"),
        ("x**3", "exponent 3 is too large (at most 2)"),
    ]:
        assert parse(text).dim >= 1
        with pytest.raises(ExpressionError, match=re.escape(message)):
            parse(text, tight)
    with pytest.raises(ExpressionError, match="at most 8 characters"):
        surface_from_expression("x**2 + y**2", limits=tight)


def test_columns_are_one_based_and_count_leading_blanks():
    with pytest.raises(ExpressionError) as refused:
        parse("  x + z")
    assert refused.value.column == 7
    assert str(refused.value).endswith("at column 7")


# Every function and operator against numpy written out by hand.
REFERENCE = [
    ("x + y - 2*x*y / (1 + y**2)", lambda x, y: x + y - 2 * x * y / (1 + y * y)),
    ("-x**2 + +y", lambda x, y: -(x * x) + y),
    ("x**3 - 2**y + abs(x)**y", lambda x, y: x * x * x - 2**y + np.abs(x) ** y),
    ("sin(x)*cos(y) + tan(x/4)", lambda x, y: np.sin(x) * np.cos(y) + np.tan(x / 4)),
    ("arcsin(x/3) + arccos(y/3) + arctan(x*y)",
     lambda x, y: np.arcsin(x / 3) + np.arccos(y / 3) + np.arctan(x * y)),
    ("sinh(x) - cosh(y) + tanh(x*y)", lambda x, y: np.sinh(x) - np.cosh(y) + np.tanh(x * y)),
    ("exp(-x**2) + log(1 + y**2) + log10(2 + x)",
     lambda x, y: np.exp(-x * x) + np.log(1 + y * y) + np.log10(2 + x)),
    ("sqrt(x**2 + y**2) + pi*e", lambda x, y: np.sqrt(x * x + y * y) + np.pi * np.e),
    ("sigmoid(x) + softplus(y) + relu(x - y)",
     lambda x, y: 1 / (1 + np.exp(-x)) + np.log1p(np.exp(y)) + np.maximum(x - y, 0)),
    ("min(x, y) + max(x, y, 0.5)",
     lambda x, y: np.minimum(x, y) + np.maximum(np.maximum(x, y), 0.5)),
]  # fmt: skip


@pytest.mark.parametrize(("text", "reference"), REFERENCE, ids=[t for t, _ in REFERENCE])
def test_formula_evaluates_like_numpy_and_identically_on_floats(text, reference):
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1.9, 1.9, 64), rng.uniform(-1.9, 1.9, 64)
    surface = surface_from_expression(text)
    batch = surface.value({}, x, y)
    np.testing.assert_allclose(batch, reference(x, y), rtol=1e-13, atol=1e-13)
    single = [surface.value({}, float(a), float(b)) for a, b in zip(x, y, strict=True)]
    assert all(type(v) is float for v in single)
    np.testing.assert_array_equal(single, batch)


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 709.5, -709.5, 710.0, -745.5, 1e300, -1e300]
SPECIAL += [1e-310, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("function", ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
                                      "cosh", "tanh", "exp", "log", "log10", "sqrt", "abs",
                                      "sigmoid", "softplus", "relu"])  # fmt: skip
def test_every_function_never_raises_or_warns_and_floats_match_arrays(function):
    graph = parse(f"{function}(x) + 0*y").graph
    values = np.array(SPECIAL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batch = graph.value([values, values])
        single = [graph.value([v, v]) for v in SPECIAL]
        grads = np.array(graph.grad([values, values]))
        single_grads = np.array([graph.grad([v, v]) for v in SPECIAL]).T
    np.testing.assert_array_equal(single, batch)
    np.testing.assert_array_equal(single_grads, grads)


@pytest.mark.parametrize(("a", "b"), [(1.0, 0.0), (-1.0, 0.0), (0.0, 0.0), (1.0, -0.0),
                                      (1e308, 1e-10), (-2.0, 0.5), (0.0, -1.0), (1e10, 40.0),
                                      (-3.0, 3.0), (math.inf, 0.0), (math.nan, 2.0)])  # fmt: skip
def test_division_and_powers_give_nan_or_inf_like_numpy(a, b):
    for text in ("x / y", "x**y"):
        graph = parse(text).graph
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            single = graph.value([a, b])
        with np.errstate(all="ignore"):
            expected = np.divide(a, b) if text == "x / y" else np.power(a, b)
        np.testing.assert_array_equal(single, expected)
        np.testing.assert_array_equal(graph.value([np.array([a]), np.array([b])]), [single])


def test_dimension_follows_the_variables_used():
    assert parse("(x - 3)**2").dim == 1
    assert parse("x*y").dim == 2
    assert parse("y**2").dim == 2  # x unused: its partial derivative is 0
    assert surface_from_expression("y**2").grad({}, 1.0, 2.0) == (0.0, 4.0)


def test_constant_formula_spreads_over_a_grid():
    surface = surface_from_expression("2*pi + 0*x")
    x = np.zeros((3, 4))
    assert surface.value({}, x).shape == (3, 4)
    assert surface_from_expression("7").value({}, x).shape == (3, 4)


def test_shared_subexpressions_become_one_node():
    graph = parse("(x + y)**2 + sin(x + y) + x*x").graph
    labels = [node.label for node in graph.nodes]
    assert labels.count("x") == 1 and labels.count("+") == 3


LATEX = [
    ("x**2 + 3*x*y", "x^{2} + 3 x y"),
    ("(1 - x)**2 + 100*(y - x**2)**2", r"\left(1 - x\right)^{2} + 100 \left(y - x^{2}\right)^{2}"),
    ("x - (y - 1)", r"x - \left(y - 1\right)"),
    ("-(x + y) * 2", r"-\left(x + y\right) \cdot 2"),
    ("x / (1 + y)", r"\frac{x}{1 + y}"),
    ("sqrt(abs(x)) + log10(y)", r"\sqrt{\left|x\right|} + \log_{10}\left(y\right)"),
    ("sin(2*pi*x)**2 + relu(y)",
     r"\left(\sin\left(2 \pi x\right)\right)^{2} + \operatorname{relu}\left(y\right)"),
    ("x + -y + 1e-3", r"x + \left(-y\right) + 0.001"),
    ("max(x, y, e) * 2.5e20", r"\max\left(\max\left(x, y\right), e\right) \cdot 2.5 \cdot 10^{20}"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "latex"), LATEX, ids=[t for t, _ in LATEX])
def test_latex_rendering(text, latex):
    assert parse(text).latex == latex


def test_surface_record_of_a_formula():
    surface = surface_from_expression("x**2 + 3*x*y", {"x": [-1.0, 2.0], "y": [0.0, 4.0]})
    assert (surface.id, surface.dim, surface.params) == ("custom", 2, ())
    assert surface.formula == "x^{2} + 3 x y" and "x**2 + 3*x*y" in surface.name
    assert surface.window.x == (-1.0, 2.0) and surface.window.y == (0.0, 4.0)
    assert surface.minima({}) == () and surface.saddle_points({}) == ()
    assert set(surface.suggested_lr) == set(OPTIMIZERS)
    assert surface.resolve_params(None) == {}
    start = surface.default_start
    assert -1.0 <= start[0] <= 2.0 and 0.0 <= start[1] <= 4.0
    assert any(g != 0.0 for g in surface.grad({}, *start))

    one = surface_from_expression("(x - 3)**2")
    assert one.dim == 1 and one.window.x == (-3.0, 3.0) and one.window.y is None
    assert len(one.default_start) == 1


def test_default_start_avoids_stationary_points_and_gaps():
    # x*y is stationary on both axes; log(x) is undefined on the left half.
    for text in ("x*y", "log(x)*y", "(x - 0.6)**2 + (y - 0.6)**2"):
        surface = surface_from_expression(text)
        value = surface.value({}, *surface.default_start)
        gradient = surface.grad({}, *surface.default_start)
        assert math.isfinite(value) and any(g != 0.0 for g in gradient), text


def test_bad_window_is_refused():
    with pytest.raises(ExpressionError, match=r"window\.x must be"):
        surface_from_expression("x", {"x": [1.0, -1.0]})


# --- the built-in surfaces, written as formulas --------------------------------------------------


def test_every_builtin_surface_has_a_formula_within_the_limits():
    assert all(surface.expression for surface in SURFACES.values())
    for surface_id, surface in SURFACES.items():
        expression = parse(builtin_formula(surface_id, surface.resolve_params(None)))
        assert expression.dim == surface.dim, surface_id


def assert_same_surface(surface_id: str, params: dict, seed: int) -> None:
    builtin = SURFACES[surface_id]
    formula = surface_from_expression(builtin_formula(surface_id, params))
    rng = np.random.default_rng(seed)
    spans = [builtin.window.x] if builtin.dim == 1 else [builtin.window.x, builtin.window.y]
    coords = [rng.uniform(lo, hi, 50) for lo, hi in spans]
    expected = builtin.value(params, *coords)
    np.testing.assert_allclose(
        formula.value({}, *coords), expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max()
    )
    grads = np.array(builtin.grad(params, *coords))
    np.testing.assert_allclose(
        np.array(formula.grad({}, *coords)),
        grads,
        rtol=1e-9,
        atol=1e-9 * np.abs(grads).max(),
    )


@pytest.mark.parametrize("surface_id", list(SURFACES))
def test_builtin_surface_as_formula_matches_values_and_gradients(surface_id):
    assert_same_surface(surface_id, SURFACES[surface_id].resolve_params(None), seed=1)


@st.composite
def surface_with_params(draw):
    surface = draw(st.sampled_from([s for s in SURFACES.values() if s.params]))
    params = {
        p.name: draw(st.floats(p.min, p.max, allow_nan=False, allow_infinity=False))
        for p in surface.params
    }
    return surface.id, params, draw(st.integers(0, 2**16))


@settings(max_examples=40, deadline=None)
@given(surface_with_params())
def test_builtin_surface_as_formula_matches_for_any_parameters(case):
    assert_same_surface(*case)
