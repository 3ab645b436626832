"""Reverse-mode automatic differentiation over a formula's computation graph.

The graph is a DAG of ``Node``s: variables, constants and operations (``expression.py``
builds it from text). It is differentiated the way micrograd does it: a topological order,
one forward pass storing every node's value, then one backward pass in reverse order where
each node applies its local chain rule, ``input.grad += node.grad * d node / d input``, so a
node used twice (a shared subexpression, a repeated variable) accumulates both paths.

Each operation is one row of ``OPS``: its forward is the kernel function of the same name
(``K.mul``, ``K.sin``), and right beside it are its local derivatives ``d out / d input_i``
as functions of ``(K, out, *inputs)``. Two kernels run the same rows with bit-identical
results: ``FLOAT`` on plain Python floats (one point, the engine's single-run path, where
numpy's per-call overhead would dominate) and ``ARRAY`` on numpy arrays of any common shape
(a contour grid or a batch of runs, differentiated at once). Neither raises or warns: a
domain problem (log of a negative, division by zero, overflow) gives nan or inf as numpy
does, which the API reports as a null grid cell or a diverged run.

Derivatives at kinks: abs'(0) = 0 and relu'(0) = 0; min and max split a tie evenly
(d max(a, b) / da = 1/2 when a == b), so max(a, b) is symmetric and max(x, x)' = 1.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import numpy as np

from app.numerics.xp import SCALAR

LN10 = math.log(10.0)

# --- kernels: the forward of every operation, for floats and for arrays -----------------------


def _float_ufunc(ufunc: np.ufunc, safe: Callable[[float], bool] | None = None):
    """A numpy ufunc on a Python float, returning a Python float, never warning.

    Where ``safe(a)`` holds the call cannot overflow or leave the domain, so it skips the
    errstate context (about 1 us, as much as the rest of a small formula).
    """
    if safe is None:

        def call(a: float) -> float:
            return float(ufunc(a))

    else:

        def call(a: float) -> float:
            if safe(a):
                return float(ufunc(a))
            with np.errstate(all="ignore"):
                return float(ufunc(a))

    call.__name__ = ufunc.__name__
    return call


def _float_div(a: float, b: float) -> float:
    if b != 0.0:
        return a / b  # Python raises only for a zero divisor
    if a != a or a == 0.0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


# numpy's power shortcuts x**2, x**0.5 and x**-1 when the exponent is one number but not when
# it is an array, which changes the last bit; both kernels take the same shortcuts everywhere.


def _float_pow(a: float, b: float) -> float:
    if b == 2.0:
        return a * a
    if b == 1.0:
        return a
    if b == 0.5:
        return SCALAR.sqrt(a)
    if b == -1.0:
        return _float_div(1.0, a)
    t = abs(a)
    if t > 0.0 and -700.0 < b * math.log(t) < 700.0 and (a > 0.0 or b.is_integer()):
        return float(np.power(a, b))
    with np.errstate(all="ignore"):
        return float(np.power(a, b))


_ARRAY_POWERS = {
    2.0: lambda a: a * a,
    1.0: lambda a: a,
    0.5: np.sqrt,
    -1.0: lambda a: np.divide(1.0, a),
}


def _array_pow(a, b):
    if np.ndim(b) == 0:
        shortcut = _ARRAY_POWERS.get(float(b))
        return shortcut(a) if shortcut is not None else np.power(a, b)
    out = np.power(a, b)
    for exponent, shortcut in _ARRAY_POWERS.items():
        hit = b == exponent
        if hit.any():
            out = np.where(hit, shortcut(a), out)
    return out


_float_exp = _float_ufunc(np.exp, lambda a: a < 709.0)


def _float_step(a: float) -> float:
    """Heaviside step with step(0) = 0 (relu's derivative), as numpy.heaviside(a, 0)."""
    if a > 0.0:
        return 1.0
    return 0.0 if a <= 0.0 else math.nan


def _float_sigmoid(a: float) -> float:
    z = _float_exp(-abs(a))  # never overflows: the formula branches on the sign instead
    return 1.0 / (1.0 + z) if a >= 0.0 else z / (1.0 + z)


def _array_sigmoid(a):
    z = np.exp(-np.abs(a))
    return np.where(a >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


_float_log1p = _float_ufunc(np.log1p)


def _float_softplus(a: float) -> float:
    return _float_log1p(_float_exp(-abs(a))) + SCALAR.maximum(a, 0.0)


def _array_softplus(a):
    return np.log1p(np.exp(-np.abs(a))) + np.maximum(a, 0.0)


def _finite_magnitude(limit: float) -> Callable[[float], bool]:
    return lambda a: -limit < a < limit


FLOAT = SimpleNamespace(
    name="float",
    add=operator.add,
    sub=operator.sub,
    mul=operator.mul,
    div=_float_div,
    pow=_float_pow,
    neg=operator.neg,
    sin=_float_ufunc(np.sin, _finite_magnitude(1e300)),
    cos=_float_ufunc(np.cos, _finite_magnitude(1e300)),
    tan=_float_ufunc(np.tan, _finite_magnitude(1e300)),
    arcsin=_float_ufunc(np.arcsin, lambda a: -1.0 <= a <= 1.0),
    arccos=_float_ufunc(np.arccos, lambda a: -1.0 <= a <= 1.0),
    arctan=_float_ufunc(np.arctan),
    sinh=_float_ufunc(np.sinh, _finite_magnitude(709.0)),
    cosh=_float_ufunc(np.cosh, _finite_magnitude(709.0)),
    tanh=_float_ufunc(np.tanh),
    exp=_float_exp,
    log=_float_ufunc(np.log, lambda a: a > 0.0),
    log10=_float_ufunc(np.log10, lambda a: a > 0.0),
    sqrt=SCALAR.sqrt,
    abs=abs,
    sigmoid=_float_sigmoid,
    softplus=_float_softplus,
    relu=lambda a: SCALAR.maximum(a, 0.0),
    min=SCALAR.minimum,
    max=SCALAR.maximum,
    sign=SCALAR.sign,
    step=_float_step,
)
"""Forward functions on plain Python floats (one point)."""

ARRAY = SimpleNamespace(
    name="array",
    add=operator.add,
    sub=operator.sub,
    mul=operator.mul,
    div=np.divide,
    pow=_array_pow,
    neg=operator.neg,
    sin=np.sin,
    cos=np.cos,
    tan=np.tan,
    arcsin=np.arcsin,
    arccos=np.arccos,
    arctan=np.arctan,
    sinh=np.sinh,
    cosh=np.cosh,
    tanh=np.tanh,
    exp=np.exp,
    log=np.log,
    log10=np.log10,
    sqrt=np.sqrt,
    abs=np.abs,
    sigmoid=_array_sigmoid,
    softplus=_array_softplus,
    relu=lambda a: np.maximum(a, 0.0),
    min=np.minimum,
    max=np.maximum,
    sign=np.sign,
    step=lambda a: np.heaviside(a, 0.0),
)
"""Forward functions on numpy arrays (a grid, a batch), under ``np.errstate(all="ignore")``."""


def kernel_for(xp) -> SimpleNamespace:
    """The kernel for an ``xp`` namespace of ``xp.py``: FLOAT for SCALAR, else ARRAY."""
    return FLOAT if xp is SCALAR else ARRAY


# --- operations: forward K.<name>, and beside it d out / d input_i ----------------------------


@dataclass(frozen=True)
class Op:
    name: str
    """Also the kernel function that computes the forward value."""
    symbol: str
    """What a graph shows for the node: ``*``, ``sin``."""
    local: tuple[Callable, ...]
    """d out / d input_i as ``local[i](K, out, *inputs)``; one per input."""
    cost: tuple[int, int] = (1, 1)
    """What the node costs, forward and backward, in multiplies: on Python floats, and per
    element of numpy arrays (measured on x86_64: a multiply is about 350 ns on floats and 6 ns
    per element; a power 9x and 8x, a softplus 5x and 9x). The API's cost model counts these."""

    @property
    def arity(self) -> int:
        return len(self.local)


def _one(K, out, *inputs):
    return 1.0


def _minus_one(K, out, *inputs):
    return -1.0


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("add", "+", (_one, _one)),
        Op("sub", "-", (_one, _minus_one)),
        Op("mul", "*", (lambda K, out, a, b: b, lambda K, out, a, b: a)),
        Op("div", "/", (lambda K, out, a, b: K.div(1.0, b), lambda K, out, a, b: K.div(-out, b))),
        Op(
            "pow",
            "**",
            (lambda K, out, a, b: b * K.pow(a, b - 1.0), lambda K, out, a, b: out * K.log(a)),
            (9, 8),
        ),
        Op("neg", "-", (_minus_one,)),
        Op("sin", "sin", (lambda K, out, a: K.cos(a),), (3, 6)),
        Op("cos", "cos", (lambda K, out, a: -K.sin(a),), (3, 6)),
        Op("tan", "tan", (lambda K, out, a: 1.0 + out * out,), (2, 6)),
        Op("arcsin", "arcsin", (lambda K, out, a: K.div(1.0, K.sqrt(1.0 - a * a)),), (3, 6)),
        Op("arccos", "arccos", (lambda K, out, a: K.div(-1.0, K.sqrt(1.0 - a * a)),), (3, 6)),
        Op("arctan", "arctan", (lambda K, out, a: 1.0 / (1.0 + a * a),), (3, 6)),
        Op("sinh", "sinh", (lambda K, out, a: K.cosh(a),), (4, 8)),
        Op("cosh", "cosh", (lambda K, out, a: K.sinh(a),), (4, 10)),
        Op("tanh", "tanh", (lambda K, out, a: 1.0 - out * out,), (3, 7)),
        Op("exp", "exp", (lambda K, out, a: out,), (2, 6)),
        Op("log", "log", (lambda K, out, a: K.div(1.0, a),), (2, 5)),
        Op("log10", "log10", (lambda K, out, a: K.div(1.0, a * LN10),), (2, 5)),
        Op("sqrt", "sqrt", (lambda K, out, a: K.div(0.5, out),), (2, 5)),
        Op("abs", "abs", (lambda K, out, a: K.sign(a),), (2, 3)),
        Op("sigmoid", "sigmoid", (lambda K, out, a: out * (1.0 - out),), (3, 7)),
        Op("softplus", "softplus", (lambda K, out, a: K.sigmoid(a),), (5, 10)),
        Op("relu", "relu", (lambda K, out, a: K.step(a),), (2, 3)),
        Op(
            "min",
            "min",
            (
                lambda K, out, a, b: 0.5 - 0.5 * K.sign(a - b),
                lambda K, out, a, b: 0.5 + 0.5 * K.sign(a - b),
            ),
            (2, 3),
        ),
        Op(
            "max",
            "max",
            (
                lambda K, out, a, b: 0.5 + 0.5 * K.sign(a - b),
                lambda K, out, a, b: 0.5 - 0.5 * K.sign(a - b),
            ),
            (2, 3),
        ),
    )
}
"""Every operation a formula may use (the arithmetic operators and the functions)."""


# --- the graph --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Node:
    """A variable (``op == "var"``), a constant (``"const"``) or an operation of ``OPS``.

    ``value`` is known for constants and for operations whose inputs are all known (worked
    out once when the graph is built); it is None for whatever depends on a variable.
    """

    op: str
    args: tuple[Node, ...] = ()
    label: str = ""
    value: float | None = None


def topological_order(output: Node) -> list[Node]:
    """Every node once, each after its inputs, the output last (micrograd's build_topo)."""
    order: list[Node] = []
    seen: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            for arg in node.args:
                visit(arg)
            order.append(node)

    visit(output)
    return order


@dataclass(frozen=True)
class Trace:
    """Every node's forward value and gradient d output / d node, in ``Graph.nodes`` order."""

    values: list
    grads: list


class Graph:
    """A graph compiled for evaluation: per kernel, a list of forward and backward steps.

    ``variables`` names the coordinates in order (``("x", "y")``); a variable the formula
    does not use has gradient 0. Steps bind the kernel's functions once, so evaluating costs
    one indexed call per operation and no lookups by name.
    """

    def __init__(self, output: Node, variables: Sequence[str]):
        self.nodes: tuple[Node, ...] = tuple(topological_order(output))
        self.variables = tuple(variables)
        slot = {id(node): i for i, node in enumerate(self.nodes)}
        self.inputs: tuple[tuple[int, ...], ...] = tuple(
            tuple(slot[id(arg)] for arg in node.args) for node in self.nodes
        )
        by_name = {n.label: i for i, n in enumerate(self.nodes) if n.op == "var"}
        self._variable_slots = tuple(by_name.get(name, -1) for name in self.variables)
        self._initial = [node.value for node in self.nodes]
        self._steps = {
            (kernel.name, trace): self._compile(kernel, trace)
            for kernel in (FLOAT, ARRAY)
            for trace in (False, True)
        }

    def _compile(self, K: SimpleNamespace, trace: bool) -> tuple[list, list]:
        """Forward steps ``(i, f, a, b)``, backward steps ``(i, a, b, d_a, d_b)``.

        ``b`` is -1 for a unary operation. Nodes with a known value need no forward step;
        a backward step skips inputs that do not depend on a variable, unless ``trace``
        asks for every node's gradient.
        """
        forward, backward = [], []
        for i, node in enumerate(self.nodes):
            if node.op in ("var", "const"):
                continue
            op, inputs = OPS[node.op], self.inputs[i]
            a, b = inputs[0], inputs[1] if len(inputs) == 2 else -1
            if node.value is None:
                forward.append((i, getattr(K, op.name), a, b))
            if node.value is None or trace:
                d_a, d_b = (
                    partial(op.local[k], K)
                    if k < op.arity and (trace or self.nodes[inputs[k]].value is None)
                    else None
                    for k in (0, 1)
                )
                backward.append((i, a, b, d_a, d_b))
        backward.reverse()
        return forward, backward

    def _forward(self, steps: list, coords: Sequence) -> list:
        values = self._initial.copy()
        for i, c in zip(self._variable_slots, coords, strict=True):
            if i >= 0:
                values[i] = c
        for i, f, a, b in steps:
            values[i] = f(values[a]) if b < 0 else f(values[a], values[b])
        return values

    def _backward(self, steps: list, values: list) -> list:
        grads = [0.0] * len(values)
        grads[-1] = 1.0
        for i, a, b, d_a, d_b in steps:
            g, out = grads[i], values[i]
            if b < 0:
                grads[a] = grads[a] + g * d_a(out, values[a])
                continue
            x, y = values[a], values[b]
            if d_a is not None:
                grads[a] = grads[a] + g * d_a(out, x, y)
            if d_b is not None:
                grads[b] = grads[b] + g * d_b(out, x, y)
        return grads

    def value(self, K: SimpleNamespace, coords: Sequence):
        """The output at ``coords`` (one float per variable, or arrays of a common shape)."""
        if K is FLOAT:
            return self._forward(self._steps["float", False][0], coords)[-1]
        with np.errstate(all="ignore"):
            value = self._forward(self._steps["array", False][0], coords)[-1]
        return _spread(value, coords)

    def grad(self, K: SimpleNamespace, coords: Sequence) -> tuple:
        """d output / d variable for each variable, at ``coords``."""
        if K is FLOAT:
            forward, backward = self._steps["float", False]
            grads = self._backward(backward, self._forward(forward, coords))
            return tuple(grads[i] if i >= 0 else 0.0 for i in self._variable_slots)
        forward, backward = self._steps["array", False]
        with np.errstate(all="ignore"):
            grads = self._backward(backward, self._forward(forward, coords))
        return tuple(_spread(grads[i] if i >= 0 else 0.0, coords) for i in self._variable_slots)

    def trace(self, K: SimpleNamespace, coords: Sequence) -> Trace:
        """Forward value and gradient of every node, constants included (for showing)."""
        forward, backward = self._steps[K.name, True]
        with np.errstate(all="ignore"):
            values = self._forward(forward, coords)
            return Trace(values, self._backward(backward, values))


def _spread(value, coords: Sequence) -> np.ndarray:
    """``value`` as a float array of the coordinates' common shape (a constant included)."""
    shape = np.broadcast_shapes(*(np.shape(c) for c in coords))
    if np.shape(value) == shape:
        return value
    return np.array(np.broadcast_to(value, shape), dtype=float)
