"""A typed formula's tape and its interpreter: values forward, gradients in reverse mode.

The formula language (``app.numerics.expression``) parses text into a graph and writes the
graph down as a tape, one row per node in topological order (each node after its inputs, the
output last): ``ops[i] = (opcode, a, b, varies)`` where ``a`` and ``b`` are the rows of the
inputs (``b`` is -1 for a one-input operation; for a variable ``a`` is its coordinate), and
``varies`` is 1 when the node depends on a variable. ``known[i]`` is the value of every node
that does not (constants, and parts like ``2*pi`` worked out once when parsing), nan otherwise.
No text is ever turned into code: the interpreter below is compiled once and reads the tape.

The backward pass is micrograd's: in reverse order, each node applies its local chain rule,
``grad[input] += grad[node] * d node / d input``, so a node used twice accumulates both paths.
Inputs that do not vary get no gradient, unless ``trace`` asks for every node's (the backprop
panel shows them). Nothing raises: a domain problem (log of a negative, division by zero,
overflow) gives nan or inf, which the API reports as a null grid cell or a diverged run.

``hessian`` differentiates the backward pass once more (forward over reverse: each node's
tangent along a coordinate, and each adjoint's), with every operation's second derivatives
(``second``); piecewise linear operations have none.

Derivatives at kinks: abs'(0) = 0 and relu'(0) = 0; min and max split a tie evenly
(d max(a, b) / da = 1/2 when a == b), so max(a, b) is symmetric and max(x, x)' = 1.
"""

from __future__ import annotations

import math

from app.numerics.kernels import kernel
from app.numerics.kernels.rules import maximum, sign

OPCODES = (
    "var", "const", "add", "sub", "mul", "div", "pow", "neg", "sin", "cos", "tan", "arcsin",
    "arccos", "arctan", "sinh", "cosh", "tanh", "exp", "log", "log10", "sqrt", "abs",
    "sigmoid", "softplus", "relu", "min", "max",
)  # fmt: skip
"""Every row kind, by opcode: a variable, a constant, then the operations."""

(VAR, CONST, ADD, SUB, MUL, DIV, POW, NEG, SIN, COS, TAN, ARCSIN, ARCCOS, ARCTAN, SINH, COSH,
 TANH, EXP, LOG, LOG10, SQRT, ABS, SIGMOID, SOFTPLUS, RELU, MIN,
 MAX) = range(len(OPCODES))  # fmt: skip

LN10 = math.log(10.0)


@kernel
def sqrt(a):
    return math.sqrt(a) if a >= 0.0 else math.nan


@kernel
def power(a, b):
    """a ** b, taking the shortcuts x**2 = x*x, x**1, x**0.5 = sqrt(x) and x**-1 = 1/x."""
    if b == 2.0:
        return a * a
    if b == 1.0:
        return a
    if b == 0.5:
        return sqrt(a)
    if b == -1.0:
        return 1.0 / a
    if a < 0.0 and b != math.floor(b):
        return math.nan
    return a**b


@kernel
def log(a):
    if a > 0.0:
        return math.log(a)
    if a == 0.0:
        return -math.inf
    return math.nan


@kernel
def sigmoid(a):
    z = math.exp(-abs(a))  # never overflows: the formula branches on the sign instead
    return 1.0 / (1.0 + z) if a >= 0.0 else z / (1.0 + z)


@kernel
def step(a):
    """Heaviside step with step(0) = 0 (relu's derivative)."""
    if a > 0.0:
        return 1.0
    return 0.0 if a <= 0.0 else math.nan


@kernel
def minimum(a, b):
    if a != a or b != b:
        return math.nan
    return a if a <= b else b


@kernel(inline="always")
def apply(op, a, b):
    """The forward value of operation ``op`` on its inputs (``b`` unused by one-input ones)."""
    if op == ADD:
        return a + b
    if op == SUB:
        return a - b
    if op == MUL:
        return a * b
    if op == DIV:
        return a / b
    if op == POW:
        return power(a, b)
    if op == NEG:
        return -a
    if op == SIN:
        return math.sin(a)
    if op == COS:
        return math.cos(a)
    if op == TAN:
        return math.tan(a)
    if op == ARCSIN:
        return math.asin(a) if -1.0 <= a <= 1.0 else math.nan
    if op == ARCCOS:
        return math.acos(a) if -1.0 <= a <= 1.0 else math.nan
    if op == ARCTAN:
        return math.atan(a)
    if op == SINH:
        return math.sinh(a)
    if op == COSH:
        return math.cosh(a)
    if op == TANH:
        return math.tanh(a)
    if op == EXP:
        return math.exp(a)
    if op == LOG:
        return log(a)
    if op == LOG10:
        return math.log10(a) if a > 0.0 else log(a)
    if op == SQRT:
        return sqrt(a)
    if op == ABS:
        return abs(a)
    if op == SIGMOID:
        return sigmoid(a)
    if op == SOFTPLUS:
        return math.log1p(math.exp(-abs(a))) + maximum(a, 0.0)
    if op == RELU:
        return maximum(a, 0.0)
    if op == MIN:
        return minimum(a, b)
    return maximum(a, b)


@kernel(inline="always")
def local(op, out, a, b, which):
    """d out / d input ``which`` (0 or 1) of operation ``op``, at its inputs and output."""
    if op == ADD:
        return 1.0
    if op == SUB:
        return 1.0 if which == 0 else -1.0
    if op == MUL:
        return b if which == 0 else a
    if op == DIV:
        return 1.0 / b if which == 0 else -out / b
    if op == POW:
        return b * power(a, b - 1.0) if which == 0 else out * log(a)
    if op == NEG:
        return -1.0
    if op == SIN:
        return math.cos(a)
    if op == COS:
        return -math.sin(a)
    if op == TAN:
        return 1.0 + out * out
    if op == ARCSIN:
        return 1.0 / sqrt(1.0 - a * a)
    if op == ARCCOS:
        return -1.0 / sqrt(1.0 - a * a)
    if op == ARCTAN:
        return 1.0 / (1.0 + a * a)
    if op == SINH:
        return math.cosh(a)
    if op == COSH:
        return math.sinh(a)
    if op == TANH:
        return 1.0 - out * out
    if op == EXP:
        return out
    if op == LOG:
        return 1.0 / a
    if op == LOG10:
        return 1.0 / (a * LN10)
    if op == SQRT:
        return 0.5 / out
    if op == ABS:
        return sign(a)
    if op == SIGMOID:
        return out * (1.0 - out)
    if op == SOFTPLUS:
        return sigmoid(a)
    if op == RELU:
        return step(a)
    tie = 0.5 * sign(a - b)
    if op == MIN:
        return 0.5 - tie if which == 0 else 0.5 + tie
    return 0.5 + tie if which == 0 else 0.5 - tie


@kernel(inline="always")
def forward(ops, known, point, work):
    """Every node's value at ``point`` into ``work[:nodes]``; returns the output's."""
    n = ops.shape[0]
    for i in range(n):
        op = ops[i, 0]
        if op == VAR:
            work[i] = point[ops[i, 1]]
        elif ops[i, 3] == 0:
            work[i] = known[i]
        else:
            b = ops[i, 2]
            work[i] = apply(op, work[ops[i, 1]], work[b] if b >= 0 else 0.0)
    return work[n - 1]


@kernel(inline="always")
def backward(ops, work, trace):
    """d output / d node for every node into ``work[nodes:2 nodes]`` (reverse mode), after
    ``forward`` left the values in ``work[:nodes]``."""
    n = ops.shape[0]
    for i in range(n, 2 * n):
        work[i] = 0.0
    work[2 * n - 1] = 1.0
    for i in range(n - 1, -1, -1):
        op = ops[i, 0]
        if op <= CONST or (ops[i, 3] == 0 and not trace):  # VAR and CONST have no inputs
            continue
        g, out, a, b = work[n + i], work[i], ops[i, 1], ops[i, 2]
        x = work[a]
        y = work[b] if b >= 0 else 0.0
        if trace or ops[a, 3] != 0:
            work[n + a] += g * local(op, out, x, y, 0)
        if b >= 0 and (trace or ops[b, 3] != 0):
            work[n + b] += g * local(op, out, x, y, 1)


@kernel(inline="always")
def value(ops, known, point, work):
    return forward(ops, known, point, work)


@kernel(inline="always")
def value_grad(ops, known, point, grad, work):
    """The output at ``point``, and its gradient in ``grad``; ``work`` holds 2 x nodes."""
    n = ops.shape[0]
    out = forward(ops, known, point, work)
    backward(ops, work, False)
    for j in range(grad.size):
        grad[j] = 0.0
    for i in range(n):
        if ops[i, 0] == VAR:
            grad[ops[i, 1]] = work[n + i]
    return out


# --- second order: forward over reverse -------------------------------------------------------
#
# The Hessian's row j is the derivative, along coordinate j, of the reverse pass: the forward
# pass carries each node's tangent d node / d x_j beside its value, and the backward pass each
# adjoint's tangent beside the adjoint, ``d(grad[input]) += d(grad[node]) * local + grad[node]
# * d(local)``, where d(local) is the operation's second derivatives (``second``) times its
# inputs' tangents. Exact, like the first order: no step size anywhere.


@kernel
def second(op, out, a, b, which, other):
    """d2 out / d input ``which`` d input ``other`` (each 0 or 1) of operation ``op``."""
    if op == MUL:
        return 1.0 if which != other else 0.0
    if op == DIV:
        if which == 0 and other == 0:
            return 0.0
        if which == 1 and other == 1:
            return 2.0 * out / (b * b)
        return -1.0 / (b * b)
    if op == POW:
        if which == 0 and other == 0:
            return b * (b - 1.0) * power(a, b - 2.0)
        if which == 1 and other == 1:
            la = log(a)
            return out * la * la
        return power(a, b - 1.0) * (1.0 + b * log(a))
    if op == SIN:
        return -math.sin(a)
    if op == COS:
        return -math.cos(a)
    if op == TAN:
        return 2.0 * out * (1.0 + out * out)
    if op == ARCSIN:
        return a / (sqrt(1.0 - a * a) * (1.0 - a * a))
    if op == ARCCOS:
        return -a / (sqrt(1.0 - a * a) * (1.0 - a * a))
    if op == ARCTAN:
        d = 1.0 + a * a
        return -2.0 * a / (d * d)
    if op == SINH:
        return math.sinh(a)
    if op == COSH:
        return math.cosh(a)
    if op == TANH:
        return -2.0 * out * (1.0 - out * out)
    if op == EXP:
        return out
    if op == LOG:
        return -1.0 / (a * a)
    if op == LOG10:
        return -1.0 / (a * a * LN10)
    if op == SQRT:
        return -0.25 / (out * out * out)
    if op == SIGMOID:
        return out * (1.0 - out) * (1.0 - 2.0 * out)
    if op == SOFTPLUS:
        s = sigmoid(a)
        return s * (1.0 - s)
    return 0.0  # add, sub, neg, abs, relu, min, max: piecewise linear


@kernel(inline="always")
def _tangent_local(op, ops, out, x, y, a, b, which, work, n):
    """d(local(op, ..., which)) along the current direction: its second derivatives times the
    tangents of the inputs that vary (``work[n:2n]``)."""
    total = 0.0
    if ops[a, 3] != 0:
        total += second(op, out, x, y, which, 0) * work[n + a]
    if b >= 0 and ops[b, 3] != 0:
        total += second(op, out, x, y, which, 1) * work[n + b]
    return total


@kernel
def hessian(ops, known, point, hess, work):
    """The Hessian at ``point`` into ``hess`` (dim, dim), symmetrised; returns the value.
    ``work`` holds 4 x nodes: values, tangents, adjoints and the adjoints' tangents."""
    n = ops.shape[0]
    dim = point.size
    out = 0.0
    for j in range(dim):
        # forward: values and tangents along coordinate j
        for i in range(n):
            op = ops[i, 0]
            if op == VAR:
                work[i] = point[ops[i, 1]]
                work[n + i] = 1.0 if ops[i, 1] == j else 0.0
            elif ops[i, 3] == 0:
                work[i] = known[i]
                work[n + i] = 0.0
            else:
                a, b = ops[i, 1], ops[i, 2]
                x = work[a]
                y = work[b] if b >= 0 else 0.0
                value = apply(op, x, y)
                work[i] = value
                tangent = 0.0
                if ops[a, 3] != 0:
                    tangent += local(op, value, x, y, 0) * work[n + a]
                if b >= 0 and ops[b, 3] != 0:
                    tangent += local(op, value, x, y, 1) * work[n + b]
                work[n + i] = tangent
        out = work[n - 1]
        # backward: adjoints and their tangents
        for i in range(2 * n, 4 * n):
            work[i] = 0.0
        work[3 * n - 1] = 1.0
        for i in range(n - 1, -1, -1):
            op = ops[i, 0]
            if op <= CONST or ops[i, 3] == 0:
                continue
            g, gd, value, a, b = work[2 * n + i], work[3 * n + i], work[i], ops[i, 1], ops[i, 2]
            x = work[a]
            y = work[b] if b >= 0 else 0.0
            if ops[a, 3] != 0:
                slope = local(op, value, x, y, 0)
                work[2 * n + a] += g * slope
                work[3 * n + a] += gd * slope + g * _tangent_local(
                    op, ops, value, x, y, a, b, 0, work, n
                )
            if b >= 0 and ops[b, 3] != 0:
                slope = local(op, value, x, y, 1)
                work[2 * n + b] += g * slope
                work[3 * n + b] += gd * slope + g * _tangent_local(
                    op, ops, value, x, y, a, b, 1, work, n
                )
        for k in range(dim):
            hess[j, k] = 0.0
        for i in range(n):
            if ops[i, 0] == VAR:
                hess[j, ops[i, 1]] += work[3 * n + i]
    for j in range(dim):
        for k in range(j + 1, dim):
            mean = 0.5 * (hess[j, k] + hess[k, j])
            hess[j, k] = hess[k, j] = mean
    return out
