"""A safe formula language for custom surfaces: ``x**2 + 3*x*y`` becomes a ``Surface``.

Grammar: the variables ``x`` and ``y`` (a formula without ``y`` is 1-D), the constants
``pi`` and ``e``, decimal numbers, ``+ - * / **``, unary minus and plus, parentheses, and
the functions sin cos tan arcsin arccos arctan sinh cosh tanh exp log log10 sqrt abs sigmoid
softplus relu (one argument) and min max (two or more).

The text is parsed by ``ast.parse(text, mode="eval")`` and the tree is walked against that
allow-list into ``autodiff.Node``s; nothing of the text is ever evaluated by Python (no
``eval``, ``exec`` or ``compile``). Limits (``FormulaLimits``) are checked before any work,
cheapest first:

- at most ``chars`` characters, checked before anything else;
- printable ASCII only (no null bytes, no look-alike Unicode letters);
- at most ``nodes`` syntax-tree nodes and ``depth`` levels of nesting;
- numbers, and parts of the formula that involve no variable (``2*pi``, ``9**9``), are
  worked out once, in floating point (never Python's big integers), and must be finite;
- a constant exponent is at most ``exponent`` in magnitude, so ``9**9**9`` is refused.

Every refusal is an ``ExpressionError`` (a ``ValueError``) that says what and where, with
1-based columns: "unknown name 'z' at column 7". The API turns it into a 422.

Evaluation and gradients are ``autodiff.Graph``'s (a tape the compiled interpreter
``kernels.tape`` runs): a domain problem (log of a negative,
division by zero) gives nan or inf, never an exception.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from app.numerics.autodiff import OPS, Graph, Node
from app.numerics.kernels import evaluate, walk
from app.numerics.optimizers import OPTIMIZERS
from app.numerics.surfaces import SURFACES, EvaluationCost, Surface, Window


class FormulaLimits(NamedTuple):
    """How large a formula may be: characters, syntax-tree nodes, levels of nesting, and the
    magnitude of a constant exponent.

    The core takes its limits as an argument, with these defaults of its own, rather than
    reading the web layer's settings: it imports numpy and its own modules only, and is used
    without the web layer (tests, benchmarks, the built-in formulas). The API passes the
    operator's limits in (``app.config``: ``max_formula_*``, whose defaults are these).
    """

    chars: int = 200
    nodes: int = 150
    depth: int = 64
    exponent: float = 100.0


FORMULA_LIMITS = FormulaLimits()

VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi, "e": math.e}
# fmt: off
FUNCTIONS = ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp",
             "log", "log10", "sqrt", "abs", "sigmoid", "softplus", "relu", "min", "max")
# fmt: on
VARIADIC = ("min", "max")

DEFAULT_SPAN = (-3.0, 3.0)

GENERIC_LR = {
    "sgd": 0.01,
    "momentum": 0.005,
    "nesterov": 0.005,
    "adagrad": 0.2,
    "rmsprop": 0.01,
    "adadelta": 5.0,
    "adam": 0.05,
    "adamw": 0.05,
    "nadam": 0.05,
    "radam": 0.05,
    "adamax": 0.05,
    "lion": 0.01,
}
"""Learning rates for a landscape nobody has looked at yet: cautious for the slope-scaled
methods (SGD, momentum), about 0.05 per step for the sign- and scale-free ones (Adam family,
Lion), which cross a 6-wide window in a few hundred steps."""


class ExpressionError(ValueError):
    """A formula that is refused; the message says what and, when known, where."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message if column is None else f"{message} at column {column}")
        self.column = column


_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_OTHER_OPERATORS = {
    ast.Mod: "%",
    ast.FloorDiv: "//",
    ast.MatMult: "@",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.Invert: "~",
    ast.Not: "not",
}
_REFUSED = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Slice: "slices are not allowed",
    ast.Lambda: "lambdas are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed (write one formula)",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Compare: "comparisons are not allowed",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.IfExp: "conditional expressions are not allowed",
    ast.NamedExpr: "assignment expressions (:=) are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.Starred: "starred expressions are not allowed",
    ast.Await: "'await' is not allowed",
}


def _check_text(text: str, limits: FormulaLimits) -> int:
    """Length and characters; returns the number of leading blanks (for columns)."""
    if len(text) > limits.chars:
        raise ExpressionError(
            f"the formula is {len(text):,} characters long; "
            f"at most {limits.chars} characters are allowed"
        )
    for index, char in enumerate(text):
        if not (" " <= char <= "~" or char == "\t"):
            kind = "non-ASCII character" if ord(char) > 127 else "control character"
            raise ExpressionError(f"{kind} {char!r} (U+{ord(char):04X}) is not allowed", index + 1)
    stripped = text.lstrip(" \t")
    if not stripped.strip():
        raise ExpressionError("the formula is empty")
    return len(text) - len(stripped)


def _parse_tree(text: str, lead: int, limits: FormulaLimits) -> ast.expr:
    try:
        tree = ast.parse(text[lead:], mode="eval")
    except SyntaxError as error:
        message = error.msg.split(". Perhaps")[0]
        column = error.offset + lead if error.offset and error.lineno in (None, 1) else None
        raise ExpressionError(f"syntax error: {message}", column) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ExpressionError(f"the formula cannot be parsed ({type(error).__name__})") from None
    count = sum(isinstance(node, ast.expr) for node in ast.walk(tree))
    if count > limits.nodes:
        raise ExpressionError(f"the formula has {count} parts; at most {limits.nodes} are allowed")
    return tree.body


class _Builder:
    """Walks the syntax tree against the allow-list, building a deduplicated graph."""

    def __init__(self, text: str, lead: int, limits: FormulaLimits):
        self.text, self.lead, self.limits = text, lead, limits
        self.nodes: dict[tuple, Node] = {}
        self.names: set[str] = set()

    def column(self, node: ast.AST) -> int:
        return node.col_offset + 1 + self.lead

    def refuse(self, message: str, node: ast.AST):
        raise ExpressionError(message, self.column(node))

    def operator_column(self, node: ast.BinOp) -> int:
        """Where the operator of ``left <op> right`` is (parentheses are not in the tree)."""
        start = node.left.end_col_offset
        gap = self.text[self.lead + start : self.lead + node.right.col_offset]
        skipped = len(gap) - len(gap.lstrip(" \t()"))
        return self.lead + start + skipped + 1

    def make(self, op: str, args: tuple[Node, ...], label: str, value: float | None = None):
        """One node per distinct (op, label, inputs): shared subexpressions become a DAG."""
        key = (op, label, value, tuple(id(a) for a in args))
        if key not in self.nodes:
            self.nodes[key] = Node(op, args, label, value)
        return self.nodes[key]

    def operation(self, op: str, args: tuple[Node, ...], where: ast.AST) -> Node:
        value = None
        if all(arg.value is not None for arg in args):
            a, b = args[0].value, args[1].value if len(args) == 2 else 0.0
            value = float(walk.operation(OPS[op].opcode, a, b))
            if not math.isfinite(value):
                segment = ast.get_source_segment(self.text[self.lead :], where) or op
                self.refuse(f"'{segment}' is {value}, not a finite number", where)
        return self.make(op, args, OPS[op].symbol, value)

    def convert(self, node: ast.AST, depth: int = 0) -> Node:
        if depth > self.limits.depth:
            self.refuse(f"the formula is nested more than {self.limits.depth} levels deep", node)
        below = depth + 1
        if isinstance(node, ast.BinOp):
            kind = type(node.op)
            if kind not in _BINARY:
                symbol = _OTHER_OPERATORS[kind]
                hint = "; write powers as x**2" if symbol == "^" else ""
                raise ExpressionError(
                    f"operator '{symbol}' is not allowed{hint}", self.operator_column(node)
                )
            left = self.convert(node.left, below)
            right = self.convert(node.right, below)
            largest = self.limits.exponent
            if kind is ast.Pow and right.value is not None and abs(right.value) > largest:
                self.refuse(
                    f"the exponent {right.value:.10g} is too large (at most {largest:g})",
                    node.right,
                )
            return self.operation(_BINARY[kind], (left, right), node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand, below)
            if not isinstance(node.op, ast.USub):
                self.refuse(f"operator '{_OTHER_OPERATORS[type(node.op)]}' is not allowed", node)
            return self.operation("neg", (self.convert(node.operand, below),), node)
        if isinstance(node, ast.Call):
            return self.call(node, below)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Constant):
            return self.number(node)
        message = _REFUSED.get(type(node), f"'{type(node).__name__}' is not allowed")
        self.refuse(message, node)

    def call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            self.convert(node.func, depth)  # attribute access etc. say what they are
            self.refuse("only the named functions can be called, as in sin(x)", node)
        name = node.func.id
        if name not in FUNCTIONS:
            if name in VARIABLES or name in CONSTANTS:
                self.refuse(f"'{name}' is not a function", node)
            self.refuse(f"function '{name}' is not allowed; use {', '.join(FUNCTIONS)}", node)
        if node.keywords:
            self.refuse("keyword arguments are not allowed", node.keywords[0].value)
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                self.refuse("starred arguments are not allowed", arg)
        args = [self.convert(arg, depth) for arg in node.args]
        if name in VARIADIC:
            if len(args) < 2:
                self.refuse(f"{name} takes two or more arguments, got {len(args)}", node)
            result = args[0]
            for arg in args[1:]:  # min(a, b, c) = min(min(a, b), c)
                result = self.operation(name, (result, arg), node)
            return result
        if len(args) != 1:
            self.refuse(f"{name} takes one argument, got {len(args)}", node)
        return self.operation(name, (args[0],), node)

    def name(self, node: ast.Name) -> Node:
        name = node.id
        if name in VARIABLES:
            self.names.add(name)
            return self.make("var", (), name)
        if name in CONSTANTS:
            return self.make("const", (), name, CONSTANTS[name])
        if name in FUNCTIONS:
            self.refuse(f"function '{name}' must be called, as in {name}(x)", node)
        self.refuse(f"unknown name '{name}'; use x, y, pi, e and functions like sin(x)", node)

    def number(self, node: ast.Constant) -> Node:
        value = node.value
        if isinstance(value, bool) or value is None:
            self.refuse(f"{value} is not allowed; use numbers", node)
        if isinstance(value, str):
            self.refuse("strings are not allowed", node)
        if isinstance(value, bytes):
            self.refuse("bytes are not allowed", node)
        if isinstance(value, complex):
            self.refuse("complex numbers are not allowed", node)
        if not isinstance(value, int | float):
            self.refuse(f"'{value!r}' is not allowed", node)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.refuse("the number is too large (at most about 1.8e308)", node)
        label = ast.get_source_segment(self.text[self.lead :], node) or repr(number)
        return self.make("const", (), label, number)


@dataclass(frozen=True)
class Expression:
    """A parsed formula: its graph (evaluation and reverse-mode gradients) and LaTeX."""

    text: str
    graph: Graph

    @property
    def dim(self) -> int:
        return len(self.graph.variables)

    @property
    def latex(self) -> str:
        return to_latex(self.graph.nodes[-1])


@lru_cache(maxsize=512)
def parse(text: str, limits: FormulaLimits = FORMULA_LIMITS) -> Expression:
    """The formula as an ``Expression``; raises ``ExpressionError`` saying what and where."""
    lead = _check_text(text, limits)
    tree = _parse_tree(text, lead, limits)
    builder = _Builder(text, lead, limits)
    output = builder.convert(tree)
    variables = VARIABLES if "y" in builder.names else VARIABLES[:1]
    return Expression(text.strip(), Graph(output, variables))


# --- LaTeX -------------------------------------------------------------------------------------

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_LATEX_NAMES = {
    "log10": r"\log_{10}",
    "sigmoid": r"\operatorname{sigmoid}",
    "softplus": r"\operatorname{softplus}",
    "relu": r"\operatorname{relu}",
}


def _latex_number(value: float) -> str:
    text = f"{value:.15g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = rf"10^{{{int(exponent)}}}"
    return power if mantissa == "1" else rf"{mantissa} \cdot {power}"


def _wrapped(node: Node, minimum: int) -> str:
    text = to_latex(node)
    if _PRECEDENCE.get(node.op, 5) < minimum:
        return rf"\left({text}\right)"
    return text


def to_latex(node: Node) -> str:
    """A LaTeX rendering with the parentheses precedence needs (``x^{2} + 3 x y``)."""
    op, args = node.op, node.args
    if op == "var":
        return node.label
    if op == "const":
        return {"pi": r"\pi", "e": "e"}.get(node.label) or _latex_number(node.value)
    if op in ("add", "sub"):
        right = _wrapped(args[1], 2 if op == "sub" else 1)
        if args[1].op == "neg":
            right = rf"\left({right}\right)"
        return f"{_wrapped(args[0], 1)} {'+' if op == 'add' else '-'} {right}"
    if op == "mul":
        left, right = _wrapped(args[0], 2), _wrapped(args[1], 4)
        separator = r" \cdot " if right[:1].isdigit() or right.startswith("-") else " "
        return f"{left}{separator}{right}"
    if op == "div":
        return rf"\frac{{{to_latex(args[0])}}}{{{to_latex(args[1])}}}"
    if op == "pow":
        base = to_latex(args[0])
        if args[0].op not in ("var", "const"):
            base = rf"\left({base}\right)"
        return f"{base}^{{{to_latex(args[1])}}}"
    if op == "neg":
        return f"-{_wrapped(args[0], 2 if args[0].op != 'neg' else 4)}"
    if op == "sqrt":
        return rf"\sqrt{{{to_latex(args[0])}}}"
    if op == "abs":
        return rf"\left|{to_latex(args[0])}\right|"
    name = _LATEX_NAMES.get(op, "\\" + op)
    inner = ", ".join(to_latex(arg) for arg in args)
    return rf"{name}\left({inner}\right)"


# --- surfaces ----------------------------------------------------------------------------------


def _window(dim: int, window: Mapping | None) -> Window:
    window = window or {}
    spans = []
    for axis in VARIABLES[:dim]:
        low, high = (float(v) for v in (window.get(axis) or DEFAULT_SPAN))
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ExpressionError(f"window.{axis} must be [low, high] with low < high")
        spans.append((low, high))
    return Window(spans[0], spans[1] if dim == 2 else None)


# Candidate starts as fractions of the window, tried in order: off-centre, off-diagonal.
_START_FRACTIONS = ((0.2, 0.8), (0.8, 0.3), (0.3, 0.25), (0.7, 0.7), (0.55, 0.4), (0.5, 0.5))


def _default_start(expression: Expression, window: Window) -> tuple[float, ...]:
    """The first candidate where the formula is finite and its gradient is not zero."""
    spans = [window.x] if expression.dim == 1 else [window.x, window.y]
    coords = [
        np.array([round(lo + f[axis] * (hi - lo), 6) for f in _START_FRACTIONS])
        for axis, (lo, hi) in enumerate(spans)
    ]
    value = expression.graph.value(coords)
    with np.errstate(all="ignore"):
        norm = sum(g * g for g in expression.graph.grad(coords))
    good = np.flatnonzero(np.isfinite(value) & np.isfinite(norm) & (norm > 1e-18))
    best = int(good[0]) if good.size else 0
    return tuple(float(c[best]) for c in coords)


def surface_from_expression(
    text: str, window: Mapping | None = None, limits: FormulaLimits = FORMULA_LIMITS
) -> Surface:
    """A ``Surface`` for a formula; ``window`` maps "x" (and "y") to [low, high].

    The window defaults to [-3, 3] per axis. Minima and saddle points are not known; the
    suggested learning rates are ``GENERIC_LR``. Raises ``ExpressionError``.
    """
    expression = parse(text, limits)
    plot_window = _window(expression.dim, window)
    variables = ", ".join(expression.graph.variables)
    return Surface(
        id="custom",
        name=f"f({variables}) = {expression.text}",
        dim=expression.dim,
        formula=expression.latex,
        description=(
            "Your own formula: evaluated by a compiled interpreter of its tape, differentiated "
            "by reverse-mode autodiff (POST /api/v1/backprop shows the graph). Non-finite "
            "values (log of a negative, division by zero) are gaps in the plot and stop a run "
            "as diverged."
        ),
        params=(),
        kernel=evaluate.TAPE,
        window=plot_window,
        default_start=_default_start(expression, plot_window),
        minima=_nothing,
        saddle_points=_nothing,
        suggested_lr={optimizer: GENERIC_LR[optimizer] for optimizer in OPTIMIZERS},
        cost=graph_cost(expression.graph),
        tape=(expression.graph.ops, expression.graph.known),
    )


def graph_cost(graph) -> EvaluationCost:
    """A formula's evaluation, value and gradient, as its nodes' costs add up (``Op.cost``;
    a variable or a constant counts as one add)."""
    return EvaluationCost(sum(OPS[n.op].cost if n.op in OPS else 1 for n in graph.nodes))


def _nothing(params):
    return ()


# --- the built-in surfaces as formulas ---------------------------------------------------------


def builtin_formula(surface_id: str, params: Mapping[str, float]) -> str:
    """The formula of a built-in surface (its record's ``expression``) with its parameter
    values written in."""
    numbers = {}
    for name, value in params.items():
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        numbers[name] = f"({text})" if value < 0 else text
    return SURFACES[surface_id].expression.format(**numbers)
