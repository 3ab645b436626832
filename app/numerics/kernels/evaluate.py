"""One surface evaluation, whatever the surface: a built-in, a typed formula or a data set.

A surface reaches the kernels as a *program*: ``(kind, q, ops, known, data)``. ``kind`` is a
built-in's code (its index in ``BUILTINS``), ``TAPE`` for a typed formula or ``DATA + k`` for a
data set of loss kind k; ``q`` the built-in's parameters; ``ops`` and ``known`` a formula's tape
(``tape``); ``data`` a data set's (2, n) examples. What a kind does not use is an empty array.
``work`` is scratch space for the tape (``work_size``).
"""

from __future__ import annotations

from numba.core import errors, types
from numba.extending import overload

from app.numerics.kernels import data as d
from app.numerics.kernels import functions as f
from app.numerics.kernels import kernel
from app.numerics.kernels import tape as t

BUILTINS = (
    "parabola",
    "quadratic",
    "rosenbrock",
    "saddle",
    "monkey_saddle",
    "himmelblau",
    "beale",
    "booth",
    "matyas",
    "three_hump_camel",
    "six_hump_camel",
    "rastrigin",
    "ackley",
    "styblinski_tang",
    "goldstein_price",
    "levi_n13",
)
"""The built-in surfaces by code (``app.numerics.surfaces`` lists their records)."""

TAPE = 100
DATA = 200


@kernel(inline="always")
def builtin_value(kind, q, p):
    if kind == 0:
        return f.parabola(q, p[0])
    elif kind == 1:
        return f.quadratic(q, p[0], p[1])
    elif kind == 2:
        return f.rosenbrock(q, p[0], p[1])
    elif kind == 3:
        return f.saddle(q, p[0], p[1])
    elif kind == 4:
        return f.monkey_saddle(q, p[0], p[1])
    elif kind == 5:
        return f.himmelblau(q, p[0], p[1])
    elif kind == 6:
        return f.beale(q, p[0], p[1])
    elif kind == 7:
        return f.booth(q, p[0], p[1])
    elif kind == 8:
        return f.matyas(q, p[0], p[1])
    elif kind == 9:
        return f.three_hump_camel(q, p[0], p[1])
    elif kind == 10:
        return f.six_hump_camel(q, p[0], p[1])
    elif kind == 11:
        return f.rastrigin(q, p[0], p[1])
    elif kind == 12:
        return f.ackley(q, p[0], p[1])
    elif kind == 13:
        return f.styblinski_tang(q, p[0], p[1])
    elif kind == 14:
        return f.goldstein_price(q, p[0], p[1])
    elif kind == 15:
        return f.levi_n13(q, p[0], p[1])
    return f.levi_n13(q, p[0], p[1])


@kernel(inline="always")
def builtin_value_grad(kind, q, p, grad):
    if kind == 0:
        (grad[0],) = f.parabola_grad(q, p[0])
        return f.parabola(q, p[0])
    elif kind == 1:
        grad[0], grad[1] = f.quadratic_grad(q, p[0], p[1])
        return f.quadratic(q, p[0], p[1])
    elif kind == 2:
        grad[0], grad[1] = f.rosenbrock_grad(q, p[0], p[1])
        return f.rosenbrock(q, p[0], p[1])
    elif kind == 3:
        grad[0], grad[1] = f.saddle_grad(q, p[0], p[1])
        return f.saddle(q, p[0], p[1])
    elif kind == 4:
        grad[0], grad[1] = f.monkey_saddle_grad(q, p[0], p[1])
        return f.monkey_saddle(q, p[0], p[1])
    elif kind == 5:
        grad[0], grad[1] = f.himmelblau_grad(q, p[0], p[1])
        return f.himmelblau(q, p[0], p[1])
    elif kind == 6:
        grad[0], grad[1] = f.beale_grad(q, p[0], p[1])
        return f.beale(q, p[0], p[1])
    elif kind == 7:
        grad[0], grad[1] = f.booth_grad(q, p[0], p[1])
        return f.booth(q, p[0], p[1])
    elif kind == 8:
        grad[0], grad[1] = f.matyas_grad(q, p[0], p[1])
        return f.matyas(q, p[0], p[1])
    elif kind == 9:
        grad[0], grad[1] = f.three_hump_camel_grad(q, p[0], p[1])
        return f.three_hump_camel(q, p[0], p[1])
    elif kind == 10:
        grad[0], grad[1] = f.six_hump_camel_grad(q, p[0], p[1])
        return f.six_hump_camel(q, p[0], p[1])
    elif kind == 11:
        grad[0], grad[1] = f.rastrigin_grad(q, p[0], p[1])
        return f.rastrigin(q, p[0], p[1])
    elif kind == 12:
        grad[0], grad[1] = f.ackley_grad(q, p[0], p[1])
        return f.ackley(q, p[0], p[1])
    elif kind == 13:
        grad[0], grad[1] = f.styblinski_tang_grad(q, p[0], p[1])
        return f.styblinski_tang(q, p[0], p[1])
    elif kind == 14:
        grad[0], grad[1] = f.goldstein_price_grad(q, p[0], p[1])
        return f.goldstein_price(q, p[0], p[1])
    elif kind == 15:
        grad[0], grad[1] = f.levi_n13_grad(q, p[0], p[1])
        return f.levi_n13(q, p[0], p[1])
    grad[0], grad[1] = f.levi_n13_grad(q, p[0], p[1])
    return f.levi_n13(q, p[0], p[1])


@kernel(inline="always")
def value(kind, q, ops, known, data, p, work):
    """The loss at point ``p``. Inlined into the loops over many points (a grid's cells): a call
    per cell, with its arrays' reference counts, cost more than a built-in's arithmetic."""
    if kind < TAPE:
        return builtin_value(kind, q, p)
    if kind == TAPE:
        return t.value(ops, known, p, work)
    return d.value(kind - DATA, data, p[0], p[1])


@kernel(inline="always")
def value_grad(kind, q, ops, known, data, p, grad, work):
    """The loss at point ``p``, and its gradient written into ``grad``."""
    if kind < TAPE:
        return builtin_value_grad(kind, q, p, grad)
    if kind == TAPE:
        return t.value_grad(ops, known, p, grad, work)
    return d.value_grad(kind - DATA, data, p[0], p[1], grad)


@kernel
def _fill(hess, hxx, hxy, hyy):
    hess[0, 0], hess[0, 1], hess[1, 0], hess[1, 1] = hxx, hxy, hxy, hyy


@kernel
def builtin_hessian(kind, q, p, hess):
    """A built-in's Hessian at ``p`` into ``hess`` (dim, dim)."""
    if kind == 0:
        (hess[0, 0],) = f.parabola_hess(q, p[0])
    elif kind == 1:
        hxx, hxy, hyy = f.quadratic_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 2:
        hxx, hxy, hyy = f.rosenbrock_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 3:
        hxx, hxy, hyy = f.saddle_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 4:
        hxx, hxy, hyy = f.monkey_saddle_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 5:
        hxx, hxy, hyy = f.himmelblau_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 6:
        hxx, hxy, hyy = f.beale_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 7:
        hxx, hxy, hyy = f.booth_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 8:
        hxx, hxy, hyy = f.matyas_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 9:
        hxx, hxy, hyy = f.three_hump_camel_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 10:
        hxx, hxy, hyy = f.six_hump_camel_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 11:
        hxx, hxy, hyy = f.rastrigin_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 12:
        hxx, hxy, hyy = f.ackley_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 13:
        hxx, hxy, hyy = f.styblinski_tang_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 14:
        hxx, hxy, hyy = f.goldstein_price_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    elif kind == 15:
        hxx, hxy, hyy = f.levi_n13_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)
    else:
        hxx, hxy, hyy = f.levi_n13_hess(q, p[0], p[1])
        _fill(hess, hxx, hxy, hyy)


@kernel
def hessian(kind, q, ops, known, data, p, hess, work):
    """The Hessian of the loss at point ``p`` into ``hess`` (dim, dim): a built-in's hand-derived
    one, a formula's by second-order autodiff (``work`` holds 4 x nodes), a data set's over
    (w, b). Returns the loss."""
    if kind < TAPE:
        builtin_hessian(kind, q, p, hess)
        return builtin_value(kind, q, p)
    if kind == TAPE:
        return t.hessian(ops, known, p, hess, work)
    return d.hessian(kind - DATA, data, p[0], p[1], hess)


# The walk is compiled once per family of surfaces, with the family's evaluation written in: a
# step of SGD on a built-in surface takes about 20 ns so, 45 ns when every family's branch is in
# the loop. ``family_value_grad`` is chosen while the walk compiles (numba's ``overload``).

BUILTIN, FORMULA, DATASET = 0, 1, 2
"""The families of surface."""


def family_value_grad(family, kind, q, ops, known, data, p, grad, work):
    """``value_grad`` for a surface of ``family`` (a compile-time constant in compiled code,
    where the ``overload`` below picks the branch; this body runs under NUMBA_DISABLE_JIT)."""
    if family == BUILTIN:
        return builtin_value_grad(kind, q, p, grad)
    if family == FORMULA:
        return t.value_grad(ops, known, p, grad, work)
    return d.value_grad(kind - DATA, data, p[0], p[1], grad)


@overload(family_value_grad, inline="always")
def _family_value_grad(family, kind, q, ops, known, data, p, grad, work):
    if not isinstance(family, types.IntegerLiteral):
        raise errors.RequireLiteralValue("the family of surface must be a constant")
    if family.literal_value == BUILTIN:

        def builtin(family, kind, q, ops, known, data, p, grad, work):
            return builtin_value_grad(kind, q, p, grad)

        return builtin
    if family.literal_value == FORMULA:

        def formula(family, kind, q, ops, known, data, p, grad, work):
            return t.value_grad(ops, known, p, grad, work)

        return formula

    def dataset(family, kind, q, ops, known, data, p, grad, work):
        return d.value_grad(kind - DATA, data, p[0], p[1], grad)

    return dataset
