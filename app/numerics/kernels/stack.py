"""Small arrays on the stack, for what a run changes at every step: its point, gradient, step,
state and coefficients.

Their sizes are compile-time constants (a literal dimension, a module's constant), so each is
an ``alloca`` in the compiled function: the compiler can see that nothing else points into them
and keeps their elements in registers across the step, where heap arrays (``np.empty``) would be
stored and loaded again around every write the walk makes elsewhere. When the kernels run as
plain Python (``NUMBA_DISABLE_JIT``) each is an ``np.empty`` of the same shape. Only for arrays
that stay inside one call of one kernel: the memory is gone when it returns.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.core import cgutils, errors, types
from numba.extending import intrinsic, overload


@intrinsic
def _alloca(typingctx, count):
    """A pointer to ``count`` (a constant) uninitialised float64s in the caller's frame."""
    if not isinstance(count, types.IntegerLiteral):
        raise errors.RequireLiteralValue("the size must be a constant")
    n = count.literal_value

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(types.float64), size=n)

    return types.CPointer(types.float64)(count), codegen


def _literal(value, what):
    if not isinstance(value, types.IntegerLiteral):
        raise errors.RequireLiteralValue(f"{what} must be a constant")
    return value.literal_value


def vector(dim):
    """An uninitialised float vector of ``dim`` (a compile-time constant) elements."""
    return np.empty(dim)


@overload(vector, inline="always")
def _vector(dim):
    d = _literal(dim, "the dimension")

    def make(dim):
        return numba.carray(_alloca(d), (d,))

    return make


def vector_of(size: int):
    """A function of no arguments giving an uninitialised float vector of ``size``."""

    def fixed():
        return np.empty(size)

    @overload(fixed, inline="always")
    def _fixed():
        def make():
            return numba.carray(_alloca(size), (size,))

        return make

    return fixed


def rows_of(rows: int):
    """A function of ``dim`` (a compile-time constant) giving an uninitialised (rows, dim)
    float array."""

    def array(dim):
        return np.empty((rows, dim))

    @overload(array, inline="always")
    def _array(dim):
        d = _literal(dim, "the dimension")
        n = rows * d

        def make(dim):
            return numba.carray(_alloca(n), (rows, d))

        return make

    return array
