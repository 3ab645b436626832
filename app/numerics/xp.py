"""Array namespaces: one definition of a formula serves floats and numpy arrays.

Update rules and surfaces are written with operators plus the functions of an
``xp`` namespace (the array-API pattern). ``SCALAR`` works on plain Python floats,
which is far faster than numpy for one run of a 1-D or 2-D problem (numpy's
per-call overhead dominates tiny arrays); ``NUMPY`` works on arrays with a leading
batch axis, which is fastest for many runs at once.

Both namespaces give bit-identical results for the same inputs: arithmetic and
``sqrt`` are correctly rounded IEEE operations in both, and the transcendental
functions of ``SCALAR`` call numpy's own ufuncs (``math.exp`` differs from
``numpy.exp`` in the last bit for a few percent of inputs).

Rules for code written against ``xp``:

- never use ``**`` with a float operand that can grow (Python raises
  ``OverflowError`` where numpy returns inf): write ``x * x``;
- never divide by something that can be exactly zero (Python raises
  ``ZeroDivisionError``): use ``xp.safe_div`` or add a positive epsilon first;
- use ``xp.sqrt`` (never ``math.sqrt``): the scalar one returns nan for a
  negative argument, like numpy, instead of raising.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np


def _scalar_ufunc(ufunc: np.ufunc):
    def call(value: float) -> float:
        return float(ufunc(value))

    call.__name__ = ufunc.__name__
    return call


def _scalar_sqrt(value: float) -> float:
    return math.sqrt(value) if value >= 0.0 else math.nan


def _scalar_sign(value: float) -> float:
    if value > 0.0:
        return 1.0
    if value < 0.0:
        return -1.0
    return value  # 0.0, -0.0 and nan map to themselves, as numpy.sign does


def _scalar_maximum(a: float, b: float) -> float:
    # numpy.maximum propagates nan; Python's max() does not.
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


def _scalar_minimum(a: float, b: float) -> float:
    if a != a or b != b:
        return math.nan
    return a if a <= b else b


def _scalar_safe_div(a: float, b: float) -> float:
    return a / b if b != 0.0 else 0.0


def _numpy_safe_div(a, b):
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return np.divide(a, b, out=np.zeros(a.shape), where=b != 0.0)


def _scalar_zeros_like(value: float) -> float:
    return 0.0


SCALAR = SimpleNamespace(
    name="scalar",
    pi=math.pi,
    e=math.e,
    sqrt=_scalar_sqrt,
    exp=_scalar_ufunc(np.exp),
    log=_scalar_ufunc(np.log),
    sin=_scalar_ufunc(np.sin),
    cos=_scalar_ufunc(np.cos),
    abs=abs,
    sign=_scalar_sign,
    maximum=_scalar_maximum,
    minimum=_scalar_minimum,
    safe_div=_scalar_safe_div,
    zeros_like=_scalar_zeros_like,
)
"""Namespace for plain Python floats (one run, one coordinate at a time)."""

NUMPY = SimpleNamespace(
    name="numpy",
    pi=np.pi,
    e=np.e,
    sqrt=np.sqrt,
    exp=np.exp,
    log=np.log,
    sin=np.sin,
    cos=np.cos,
    abs=np.abs,
    sign=np.sign,
    maximum=np.maximum,
    minimum=np.minimum,
    safe_div=_numpy_safe_div,
    zeros_like=np.zeros_like,
)
"""Namespace for numpy arrays (a leading batch axis, any trailing shape)."""
