"""Reverse-mode automatic differentiation over a formula's computation graph.

The graph is a DAG of ``Node``s: variables, constants and operations (``expression.py``
builds it from text). ``Graph`` writes it down as a tape in topological order (each node after
its inputs) and the compiled interpreter ``kernels.tape`` runs it the way micrograd does: one
forward pass storing every node's value, then one backward pass in reverse order where each
node applies its local chain rule, ``input.grad += node.grad * d node / d input``, so a node
used twice (a shared subexpression, a repeated variable) accumulates both paths. The tape is
data, never code: the same compiled interpreter runs every formula.

``OPS`` lists the operations with what the page shows for them and what they cost; their
arithmetic, forward and local derivatives side by side, is in ``kernels.tape``. Nothing raises
or warns: a domain problem (log of a negative, division by zero, overflow) gives nan or inf,
which the API reports as a null grid cell or a diverged run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.numerics.kernels import evaluate, tape, walk

# --- operations: what each is called, shown as, and costs (the arithmetic is ``kernels.tape``)


@dataclass(frozen=True)
class Op:
    name: str
    """The operation's name in ``kernels.tape.OPCODES``, whose interpreter computes it."""
    symbol: str
    """What a graph shows for the node: ``*``, ``sin``."""
    arity: int
    cost: int = 1
    """What the node costs in the compiled interpreter, value and gradient, in units of an add
    (about 15 ns with the interpreter's dispatch; a sine about 4 units, measured on x86_64).
    The API's cost model counts these."""

    @property
    def opcode(self) -> int:
        return tape.OPCODES.index(self.name)


OPS: dict[str, Op] = {
    op.name: op
    for op in (
        Op("add", "+", 2),
        Op("sub", "-", 2),
        Op("mul", "*", 2),
        Op("div", "/", 2),
        Op("pow", "**", 2, 6),
        Op("neg", "-", 1),
        Op("sin", "sin", 1, 4),
        Op("cos", "cos", 1, 4),
        Op("tan", "tan", 1, 4),
        Op("arcsin", "arcsin", 1, 4),
        Op("arccos", "arccos", 1, 4),
        Op("arctan", "arctan", 1, 4),
        Op("sinh", "sinh", 1, 4),
        Op("cosh", "cosh", 1, 4),
        Op("tanh", "tanh", 1, 3),
        Op("exp", "exp", 1, 3),
        Op("log", "log", 1, 3),
        Op("log10", "log10", 1, 3),
        Op("sqrt", "sqrt", 1, 2),
        Op("abs", "abs", 1),
        Op("sigmoid", "sigmoid", 1, 3),
        Op("softplus", "softplus", 1, 5),
        Op("relu", "relu", 1),
        Op("min", "min", 2),
        Op("max", "max", 2),
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
    """A graph written down as a tape for the compiled interpreter.

    ``variables`` names the coordinates in order (``("x", "y")``); a variable the formula does
    not use has gradient 0. ``ops`` and ``known`` are the tape (``kernels.tape``).
    """

    def __init__(self, output: Node, variables: Sequence[str]):
        self.nodes: tuple[Node, ...] = tuple(topological_order(output))
        self.variables = tuple(variables)
        slot = {id(node): i for i, node in enumerate(self.nodes)}
        self.inputs: tuple[tuple[int, ...], ...] = tuple(
            tuple(slot[id(arg)] for arg in node.args) for node in self.nodes
        )
        ops = np.zeros((len(self.nodes), 4), dtype=np.int64)
        known = np.full(len(self.nodes), np.nan)
        for i, node in enumerate(self.nodes):
            inputs = self.inputs[i]
            if node.op == "var":
                ops[i] = (tape.VAR, self.variables.index(node.label), -1, 1)
                continue
            opcode = tape.CONST if node.op == "const" else OPS[node.op].opcode
            a = inputs[0] if inputs else -1
            b = inputs[1] if len(inputs) == 2 else -1
            ops[i] = (opcode, a, b, int(node.value is None))
            if node.value is not None:
                known[i] = node.value
        ops.flags.writeable = known.flags.writeable = False
        self.ops, self.known = ops, known

    def _evaluate(self, coords: Sequence, gradients: bool):
        if len(coords) != len(self.variables):
            raise ValueError(f"expected {len(self.variables)} coordinates, got {len(coords)}")
        scalar = all(np.ndim(c) == 0 for c in coords)
        arrays = np.broadcast_arrays(*(np.asarray(c, dtype=float) for c in coords))
        points = np.ascontiguousarray(np.stack([a.ravel() for a in arrays], axis=1))
        program = (evaluate.TAPE, np.zeros(0), self.ops, self.known, _NO_EXAMPLES)
        values = np.empty(len(points))
        if not gradients:
            walk.values_at(*program, points, values)
            return float(values[0]) if scalar else values.reshape(arrays[0].shape)
        grads = np.empty((len(points), len(self.variables)))
        walk.value_grads(*program, points, values, grads)
        if scalar:
            return tuple(float(g) for g in grads[0])
        return tuple(grads[:, i].reshape(arrays[0].shape) for i in range(len(self.variables)))

    def value(self, coords: Sequence):
        """The output at ``coords``: one float per variable, or arrays of a common shape."""
        return self._evaluate(coords, False)

    def grad(self, coords: Sequence) -> tuple:
        """d output / d variable for each variable, at ``coords`` (floats or arrays)."""
        return self._evaluate(coords, True)

    def trace(self, coords: Sequence[float]) -> Trace:
        """Forward value and gradient of every node, constants included (for showing)."""
        point = np.array([float(c) for c in coords])
        values, grads = np.empty(len(self.nodes)), np.empty(len(self.nodes))
        walk.trace(self.ops, self.known, point, values, grads)
        return Trace(values.tolist(), grads.tolist())


_NO_EXAMPLES = np.zeros((2, 0))
_NO_EXAMPLES.flags.writeable = False  # the same array flags as ``Surface.program``'s
