"""Parameters of surfaces, data sets and optimizers, and the one validator all of them use."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np


class Param(NamedTuple):
    """A number a surface or a data set takes (Rosenbrock's ``b``, a data set's ``n``)."""

    name: str
    default: float
    min: float
    max: float
    description: str = ""
    integer: bool = False
    """Whole numbers only (a count, a seed): a fraction is refused, not rounded."""


class Hyperparameter(NamedTuple):
    """One argument of an optimizer, with the range the API accepts.

    Booleans have ``min = max = None``; every float has a finite range. ``log_scale`` marks
    values that span orders of magnitude (a slider should be logarithmic; where ``min`` is 0,
    0 means "off").
    """

    name: str
    default: float | bool
    min: float | None
    max: float | None
    log_scale: bool
    description: str


class ParameterError(ValueError):
    """Overrides that name no parameter or break its range: ``problems`` maps each such name to
    a message naming it and its limit, so a caller can place one error per field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


def check_value(spec: Param | Hyperparameter, value: Any) -> float | bool:
    """``value`` as the parameter's type, or ValueError saying what is wrong and the limits."""
    if isinstance(spec.default, bool):
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"{spec.name} must be true or false, not {value!r}")
        return bool(value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{spec.name} must be a number, not {value!r}")
    value = float(value)
    if not spec.min <= value <= spec.max:  # also refuses nan
        raise ValueError(
            f"{spec.name} must be between {spec.min:g} and {spec.max:g}, not {value:g}"
        )
    if getattr(spec, "integer", False) and not value.is_integer():
        raise ValueError(f"{spec.name} must be a whole number, not {value:g}")
    return value


def validate(
    specs: Sequence[Param | Hyperparameter],
    overrides: Mapping[str, Any] | None,
    owner: str,
    noun: str = "parameter",
) -> dict[str, Any]:
    """Every parameter's value: the defaults with ``overrides`` applied.

    ParameterError names every unknown or invalid override at once; ``owner`` names what they
    belong to in the messages ("surface 'rosenbrock'", "adam").
    """
    known = {spec.name: spec for spec in specs}
    resolved: dict[str, Any] = {
        spec.name: spec.default if isinstance(spec.default, bool) else float(spec.default)
        for spec in specs
    }
    problems: dict[str, str] = {}
    for name, value in (overrides or {}).items():
        if name not in known:
            problems[name] = f"unknown {noun} for {owner}; valid: {', '.join(known) or 'none'}"
            continue
        try:
            resolved[name] = check_value(known[name], value)
        except ValueError as error:
            problems[name] = str(error)
    if problems:
        raise ParameterError(problems)
    return resolved
