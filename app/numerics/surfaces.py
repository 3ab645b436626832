"""Loss surfaces: one record per surface, and the registry the API lists.

Every ``value`` and ``grad`` is written once against an array namespace ``xp`` (see
``xp.py``): ``value(xp, p, x[, y])`` returns the loss and ``grad(xp, p, x[, y])`` a tuple of
``dim`` partial derivatives, for plain floats (``SCALAR``) or numpy arrays of any common
shape (``NUMPY``, one definition serves a contour meshgrid and a batch of points), with
bit-identical results. ``p`` is the dict returned by ``Surface.resolve_params``.

Formulas and known optima follow the usual optimization test-function references
(Jamil & Yang 2013, "A literature survey of benchmark functions for global optimisation
problems"; the Virtual Library of Simulation Experiments, sfu.ca/~ssurjano). Minima and
saddle points not known in closed form were refined with Newton steps to full double
precision: at every listed point the gradient is below 1e-11.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

OPTIMIZER_IDS = (
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adadelta",
    "adam",
    "adamw",
    "nadam",
    "radam",
    "adamax",
    "lion",
)
"""The optimizers every surface suggests a learning rate for (``Surface.suggested_lr``)."""


class Param(NamedTuple):
    name: str
    default: float
    min: float
    max: float
    description: str = ""


class Minimum(NamedTuple):
    point: tuple[float, ...]
    value: float


class Window(NamedTuple):
    """Plot window: ``x`` and ``y`` ranges, ``y`` is None for a 1-D surface."""

    x: tuple[float, float]
    y: tuple[float, float] | None


def resolve_params(
    params: tuple[Param, ...], overrides: Mapping[str, float] | None, owner: str
) -> dict[str, float]:
    """Defaults with ``overrides`` applied; ``owner`` names the thing in messages.

    Raises ValueError for an unknown name (listing the valid ones) or a value outside the
    parameter's [min, max].
    """
    resolved = {param.name: float(param.default) for param in params}
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(resolved))
    if unknown:
        valid = ", ".join(resolved) or "none"
        what = "an unknown parameter" if len(unknown) == 1 else f"{len(unknown)} unknown parameters"
        raise ValueError(f"{what} for {owner}; valid: {valid}")
    for param in params:
        if param.name in overrides:
            value = float(overrides[param.name])
            if not param.min <= value <= param.max:
                raise ValueError(
                    f"parameter '{param.name}' of {owner} must be in "
                    f"[{param.min:g}, {param.max:g}], got {value:g}"
                )
            resolved[param.name] = value
    return resolved


@dataclass(frozen=True)
class EvaluationCost:
    """What one evaluation of the loss and its gradient at one point computes, counted from the
    surface's definition; the API's cost model (``app.api.cost``) turns it into work and memory
    before a request runs."""

    operations: int = 1
    """Python-level operations per point when one run walks plain floats: a formula's graph
    nodes; 1 for a built-in or a data set, whose evaluation there is one fixed pass."""
    elements: int = 1
    """Array elements computed per point when many points are evaluated at once: a formula's
    graph nodes, a data set's examples times the operations on each; 1 for a built-in."""
    per_example: int = 0
    """For a data set: the array elements one example costs, so a mini-batch can be counted."""
    nodes: int = 1
    """Arrays a vectorised evaluation keeps per point until its gradient is done: a formula's
    graph nodes (its memory, where ``elements`` is its time)."""


@dataclass(frozen=True)
class Surface:
    """A loss surface with what a plot and a run need to know about it.

    ``minima(p)`` lists the known minima for resolved parameters ``p``: every global one
    (the smallest value) and, where well known, local ones. ``suggested_lr`` maps each
    optimizer id to a learning rate that, from ``default_start`` with the optimizer's other
    defaults, makes visible progress in 500 steps without leaving the plot far behind.
    """

    id: str
    name: str
    dim: int
    formula: str
    description: str
    params: tuple[Param, ...]
    value: Callable
    grad: Callable
    window: Window
    default_start: tuple[float, ...]
    minima: Callable[[Mapping[str, float]], tuple[Minimum, ...]]
    saddle_points: Callable[[Mapping[str, float]], tuple[tuple[float, ...], ...]]
    suggested_lr: Mapping[str, float]
    cost: EvaluationCost = EvaluationCost()
    data: Any = None
    """For a loss over a data set (``app.numerics.datasets``): its ``Sample``, which also
    gives the loss and gradient of a mini-batch; None for an analytic surface."""

    def resolve_params(self, overrides: Mapping[str, float] | None) -> dict[str, float]:
        """The parameter values: defaults, with ``overrides`` applied (see ``resolve_params``)."""
        return resolve_params(self.params, overrides, f"surface '{self.id}'")


def _fixed(*items):
    """``minima`` / ``saddle_points`` for a surface whose optima do not depend on params."""
    return lambda p: items


TWO_PI = 2.0 * np.pi
THREE_PI = 3.0 * np.pi


# --- parabola: the chapter's first example ---------------------------------------------------


def _parabola(xp, p, x):
    d = x - p["c"]
    return d * d


def _parabola_grad(xp, p, x):
    return (2.0 * (x - p["c"]),)


# --- quadratic bowl ---------------------------------------------------------------------------


def _quadratic(xp, p, x, y):
    return 0.5 * (p["a"] * x * x + p["b"] * y * y)


def _quadratic_grad(xp, p, x, y):
    return p["a"] * x, p["b"] * y


# --- Rosenbrock -------------------------------------------------------------------------------


def _rosenbrock(xp, p, x, y):
    u = p["a"] - x
    v = y - x * x
    return u * u + p["b"] * v * v


def _rosenbrock_grad(xp, p, x, y):
    u = p["a"] - x
    bv = p["b"] * (y - x * x)
    return -2.0 * u - 4.0 * x * bv, 2.0 * bv


# --- saddles ----------------------------------------------------------------------------------


def _saddle(xp, p, x, y):
    return x * x - y * y


def _saddle_grad(xp, p, x, y):
    return 2.0 * x, -2.0 * y


def _monkey_saddle(xp, p, x, y):
    return x * x * x - 3.0 * x * y * y


def _monkey_saddle_grad(xp, p, x, y):
    return 3.0 * (x * x - y * y), -6.0 * x * y


# --- Himmelblau -------------------------------------------------------------------------------


def _himmelblau(xp, p, x, y):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return u * u + v * v


def _himmelblau_grad(xp, p, x, y):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return 4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v


# --- Beale ------------------------------------------------------------------------------------


def _beale(xp, p, x, y):
    y2 = y * y
    t1 = 1.5 - x + x * y
    t2 = 2.25 - x + x * y2
    t3 = 2.625 - x + x * y2 * y
    return t1 * t1 + t2 * t2 + t3 * t3


def _beale_grad(xp, p, x, y):
    y2 = y * y
    y3 = y2 * y
    t1 = 2.0 * (1.5 - x + x * y)
    t2 = 2.0 * (2.25 - x + x * y2)
    t3 = 2.0 * (2.625 - x + x * y3)
    dx = t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0)
    dy = x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
    return dx, dy


# --- Booth and Matyas: tilted quadratic bowls -------------------------------------------------


def _booth(xp, p, x, y):
    u = x + 2.0 * y - 7.0
    v = 2.0 * x + y - 5.0
    return u * u + v * v


def _booth_grad(xp, p, x, y):
    u = x + 2.0 * y - 7.0
    v = 2.0 * x + y - 5.0
    return 2.0 * u + 4.0 * v, 4.0 * u + 2.0 * v


def _matyas(xp, p, x, y):
    return 0.26 * (x * x + y * y) - 0.48 * x * y


def _matyas_grad(xp, p, x, y):
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


# --- camels -----------------------------------------------------------------------------------


def _three_hump_camel(xp, p, x, y):
    x2 = x * x
    return x2 * (2.0 - 1.05 * x2 + x2 * x2 / 6.0) + x * y + y * y


def _three_hump_camel_grad(xp, p, x, y):
    x2 = x * x
    return x * (4.0 - 4.2 * x2 + x2 * x2) + y, x + 2.0 * y


def _six_hump_camel(xp, p, x, y):
    x2 = x * x
    y2 = y * y
    return x2 * (4.0 - 2.1 * x2 + x2 * x2 / 3.0) + x * y + y2 * (4.0 * y2 - 4.0)


def _six_hump_camel_grad(xp, p, x, y):
    x2 = x * x
    y2 = y * y
    return x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (16.0 * y2 - 8.0)


# --- Rastrigin --------------------------------------------------------------------------------


def _rastrigin(xp, p, x, y):
    a = p["A"]
    return 2.0 * a + x * x + y * y - a * (xp.cos(TWO_PI * x) + xp.cos(TWO_PI * y))


def _rastrigin_grad(xp, p, x, y):
    k = TWO_PI * p["A"]
    return 2.0 * x + k * xp.sin(TWO_PI * x), 2.0 * y + k * xp.sin(TWO_PI * y)


# --- Ackley -----------------------------------------------------------------------------------


def _ackley(xp, p, x, y):
    r = xp.sqrt(0.5 * (x * x + y * y))
    ripple = xp.exp(0.5 * (xp.cos(TWO_PI * x) + xp.cos(TWO_PI * y)))
    return 20.0 - 20.0 * xp.exp(-0.2 * r) - ripple + np.e


def _ackley_grad(xp, p, x, y):
    # The cone term's gradient 2 exp(-r/5) x / r has no limit at the origin; it is defined
    # as 0 there (safe_div), which is also the value of the symmetric subgradient.
    r = xp.sqrt(0.5 * (x * x + y * y))
    cone = 2.0 * xp.exp(-0.2 * r)
    ripple = np.pi * xp.exp(0.5 * (xp.cos(TWO_PI * x) + xp.cos(TWO_PI * y)))
    return (
        cone * xp.safe_div(x, r) + ripple * xp.sin(TWO_PI * x),
        cone * xp.safe_div(y, r) + ripple * xp.sin(TWO_PI * y),
    )


# --- Styblinski-Tang --------------------------------------------------------------------------


def _styblinski_tang(xp, p, x, y):
    x2 = x * x
    y2 = y * y
    return 0.5 * (x2 * (x2 - 16.0) + 5.0 * x + y2 * (y2 - 16.0) + 5.0 * y)


def _styblinski_tang_grad(xp, p, x, y):
    return x * (2.0 * x * x - 16.0) + 2.5, y * (2.0 * y * y - 16.0) + 2.5


# --- Goldstein-Price --------------------------------------------------------------------------


def _goldstein_price(xp, p, x, y):
    s = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    return (1.0 + s * s * a) * (30.0 + t * t * b)


def _goldstein_price_grad(xp, p, x, y):
    s = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    s2 = s * s
    t2 = t * t
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    first = 1.0 + s2 * a
    second = 30.0 + t2 * b
    # d(first)/dx == d(first)/dy: it depends on x and y only through symmetric terms.
    d_first = 2.0 * s * a + s2 * (6.0 * (x + y) - 14.0)
    d_second_dx = 4.0 * t * b + t2 * (24.0 * x - 36.0 * y - 32.0)
    d_second_dy = -6.0 * t * b + t2 * (54.0 * y - 36.0 * x + 48.0)
    return (
        d_first * second + first * d_second_dx,
        d_first * second + first * d_second_dy,
    )


# --- Levi N.13 --------------------------------------------------------------------------------


def _levi_n13(xp, p, x, y):
    sx = xp.sin(THREE_PI * x)
    s3y = xp.sin(THREE_PI * y)
    s2y = xp.sin(TWO_PI * y)
    u = x - 1.0
    v = y - 1.0
    return sx * sx + u * u * (1.0 + s3y * s3y) + v * v * (1.0 + s2y * s2y)


def _levi_n13_grad(xp, p, x, y):
    sx = xp.sin(THREE_PI * x)
    s3y = xp.sin(THREE_PI * y)
    s2y = xp.sin(TWO_PI * y)
    u = x - 1.0
    v = y - 1.0
    dx = 6.0 * np.pi * sx * xp.cos(THREE_PI * x) + 2.0 * u * (1.0 + s3y * s3y)
    dy = (
        6.0 * np.pi * u * u * s3y * xp.cos(THREE_PI * y)
        + 2.0 * v * (1.0 + s2y * s2y)
        + 4.0 * np.pi * v * v * s2y * xp.cos(TWO_PI * y)
    )
    return dx, dy


# --- registry ---------------------------------------------------------------------------------

# Learning rates per surface, in the order of OPTIMIZER_IDS (see Surface.suggested_lr and
# tests/numerics/test_suggested_lr.py). Adadelta is nearly scale-free and needs a large
# lr; Lion and the Adam family move about lr per coordinate per step, whatever the slope.
# fmt: off
_SUGGESTED_LR: dict[str, tuple[float, ...]] = {
    # sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam, adamw, nadam, radam, adamax, lion
    "parabola":         ( 0.1, 0.01, 0.01,  0.2, 0.02, 10.0, 0.05, 0.05, 0.05,  0.1, 0.05, 0.05),
    "quadratic":        (0.15, 0.01, 0.01,  0.2, 0.02,  5.0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05),
    "rosenbrock":       (1e-3, 1e-3, 5e-4,  0.5, 0.01,  5.0, 0.05, 0.05, 0.05, 5e-3,  0.2, 0.01),
    "saddle":           (7e-3, 1e-3, 1e-3, 0.05, 5e-3,  0.1, 5e-3, 5e-3, 5e-3, 0.02, 0.01, 0.01),
    "monkey_saddle":    (7e-4, 7e-5, 7e-5, 0.05, 5e-3, 0.15, 5e-3, 5e-3, 5e-3, 0.02, 0.01, 0.01),
    "himmelblau":       (1e-3, 1e-4, 1e-4,  0.2, 0.01,  2.0, 0.02, 0.02, 0.02, 0.02, 0.02, 0.05),
    "beale":            (0.01, 2e-3, 2e-3,  0.5, 0.02, 10.0,  0.2,  0.2,  0.2, 5e-3,  0.5, 0.05),
    "booth":            (0.01, 1e-3, 1e-3,  2.0,  0.1, 20.0,  0.2,  0.2,  0.2, 0.05,  0.5,  0.1),
    "matyas":           ( 0.5, 0.05, 0.05,  2.0,  0.2, 20.0,  0.5,  0.5,  0.5,  0.5,  1.0,  0.2),
    "three_hump_camel": (0.01, 2e-3, 2e-3,  0.1, 5e-3,  5.0, 0.05, 0.05, 0.05, 5e-3, 0.05, 0.05),
    "six_hump_camel":   (2e-3, 2e-3, 2e-3, 0.05, 5e-3,  2.0, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02),
    "rastrigin":        (5e-4, 5e-5, 5e-5, 0.05, 5e-3,  1.0, 0.02, 0.02, 0.02, 0.01, 0.02, 0.01),
    "ackley":           (5e-3, 1e-3, 1e-3,  0.5, 0.02,  1.0, 0.05, 0.05, 0.05, 0.05,  0.1, 0.02),
    "styblinski_tang":  (1e-3, 1e-4, 1e-4,  0.1, 0.01,  5.0, 0.02, 0.02, 0.02, 0.02, 0.02, 0.05),
    "goldstein_price":  (1e-5, 5e-6, 5e-6,  0.1, 0.01,  2.0, 0.02, 0.02, 0.02, 5e-5, 0.05, 0.02),
    "levi_n13":         (1e-3, 1e-3, 1e-3,  0.5, 0.05, 20.0,  0.2,  0.2,  0.2, 0.01,  0.5, 0.05),
}
# fmt: on


def _suggested_lr(surface_id: str) -> dict[str, float]:
    return dict(zip(OPTIMIZER_IDS, _SUGGESTED_LR[surface_id], strict=True))


_NO_SADDLES = _fixed()

_SURFACE_LIST = (
    Surface(
        id="parabola",
        name="Parabola",
        dim=1,
        formula=r"(x - c)^2",
        description=(
            "The simplest loss: one parameter and one valley floor at x = c. Gradient descent "
            "steps x -= lr * 2 (x - c); a learning rate above 1 overshoots further every step."
        ),
        params=(Param("c", 3.0, -10.0, 10.0, "position of the minimum"),),
        value=_parabola,
        grad=_parabola_grad,
        window=Window((-2.0, 8.0), None),
        default_start=(0.0,),
        minima=lambda p: (Minimum((p["c"],), 0.0),),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("parabola"),
    ),
    Surface(
        id="quadratic",
        name="Elongated bowl",
        dim=2,
        formula=r"\tfrac{1}{2}\,(a x^2 + b y^2)",
        description=(
            "A bowl that is b/a times steeper across y than along x. Plain gradient descent "
            "zig-zags across the steep direction while crawling along the shallow one; "
            "momentum and per-coordinate scaling (RMSprop, Adam) fix that."
        ),
        params=(
            Param("a", 1.0, 0.01, 100.0, "curvature along x"),
            Param("b", 10.0, 0.01, 100.0, "curvature along y"),
        ),
        value=_quadratic,
        grad=_quadratic_grad,
        window=Window((-3.0, 3.0), (-3.0, 3.0)),
        default_start=(-2.5, 2.0),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("quadratic"),
    ),
    Surface(
        id="rosenbrock",
        name="Rosenbrock",
        dim=2,
        formula=r"(a - x)^2 + b\,(y - x^2)^2",
        description=(
            "A long, curved, flat-bottomed valley: finding the valley is easy, following it to "
            "the minimum at (a, a\u00b2) is slow. The classic test of whether an optimizer "
            "can keep moving once the gradient gets small."
        ),
        params=(
            Param("a", 1.0, -3.0, 3.0, "the minimum is at (a, a^2)"),
            Param("b", 100.0, 0.0, 1000.0, "steepness of the valley walls"),
        ),
        value=_rosenbrock,
        grad=_rosenbrock_grad,
        window=Window((-2.0, 2.0), (-1.0, 3.0)),
        default_start=(-1.5, 2.0),
        minima=lambda p: (Minimum((p["a"], p["a"] * p["a"]), 0.0),),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("rosenbrock"),
    ),
    Surface(
        id="saddle",
        name="Saddle",
        dim=2,
        formula=r"x^2 - y^2",
        description=(
            "Downhill along y, uphill along x, with a flat point at the origin that is not a "
            "minimum. Started just off the ridge, gradient descent first slows down near the "
            "saddle and then escapes; the loss has no lower bound."
        ),
        params=(),
        value=_saddle,
        grad=_saddle_grad,
        window=Window((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(-1.5, 0.01),
        minima=_fixed(),
        saddle_points=_fixed((0.0, 0.0)),
        suggested_lr=_suggested_lr("saddle"),
    ),
    Surface(
        id="monkey_saddle",
        name="Monkey saddle",
        dim=2,
        formula=r"x^3 - 3 x y^2",
        description=(
            "A saddle with three valleys (two for the legs, one for the tail) and a flat "
            "origin where even the curvature vanishes, so escaping it is slow at first. "
            "There is no minimum."
        ),
        params=(),
        value=_monkey_saddle,
        grad=_monkey_saddle_grad,
        window=Window((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(1.5, 0.1),
        minima=_fixed(),
        saddle_points=_fixed((0.0, 0.0)),
        suggested_lr=_suggested_lr("monkey_saddle"),
    ),
    Surface(
        id="himmelblau",
        name="Himmelblau",
        dim=2,
        formula=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        description=(
            "Four equally deep minima around a central peak: which one an optimizer ends in "
            "depends on where it starts and how it moves."
        ),
        params=(),
        value=_himmelblau,
        grad=_himmelblau_grad,
        window=Window((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(-0.5, -1.5),
        minima=_fixed(
            Minimum((3.0, 2.0), 0.0),
            Minimum((-2.805118086952745, 3.131312518250573), 0.0),
            Minimum((-3.779310253377747, -3.283185991286169), 0.0),
            Minimum((3.5844283403304917, -1.8481265269644036), 0.0),
        ),
        saddle_points=_fixed(
            (0.08667750455539634, 2.884254701174776),
            (3.385154183607021, 0.07385187983774928),
            (-0.12796134673068005, -1.9537149802445766),
            (-3.0730257507643897, -0.08135304428796751),
        ),
        suggested_lr=_suggested_lr("himmelblau"),
    ),
    Surface(
        id="beale",
        name="Beale",
        dim=2,
        formula=(r"(1.5 - x + x y)^2 + (2.25 - x + x y^2)^2 + (2.625 - x + x y^3)^2"),
        description=(
            "Flat plateaus and sharp ridges with a narrow valley leading to the minimum at "
            "(3, 0.5); losses span five orders of magnitude, which is hard on a fixed step size."
        ),
        params=(),
        value=_beale,
        grad=_beale_grad,
        window=Window((-4.5, 4.5), (-4.5, 4.5)),
        default_start=(1.0, 1.5),
        minima=_fixed(Minimum((3.0, 0.5), 0.0)),
        saddle_points=_fixed((0.0, 1.0), (0.1005379373241583, -2.6445135850231254)),
        suggested_lr=_suggested_lr("beale"),
    ),
    Surface(
        id="booth",
        name="Booth",
        dim=2,
        formula=r"(x + 2y - 7)^2 + (2x + y - 5)^2",
        description=(
            "A tilted quadratic bowl with its minimum at (1, 3), nine times steeper across "
            "its diagonal valley than along it."
        ),
        params=(),
        value=_booth,
        grad=_booth_grad,
        window=Window((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(-8.0, 2.0),
        minima=_fixed(Minimum((1.0, 3.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("booth"),
    ),
    Surface(
        id="matyas",
        name="Matyas",
        dim=2,
        formula=r"0.26\,(x^2 + y^2) - 0.48\,x y",
        description=(
            "A nearly flat valley along the diagonal y = x: the loss barely changes along it, "
            "so plain gradient descent reaches the valley quickly and then crawls."
        ),
        params=(),
        value=_matyas,
        grad=_matyas_grad,
        window=Window((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(-8.0, 3.0),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("matyas"),
    ),
    Surface(
        id="three_hump_camel",
        name="Three-hump camel",
        dim=2,
        formula=r"2x^2 - 1.05x^4 + \tfrac{x^6}{6} + x y + y^2",
        description=(
            "A global minimum at the origin flanked by two shallower local minima: an easy "
            "place to see an optimizer settle for a local minimum."
        ),
        params=(),
        value=_three_hump_camel,
        grad=_three_hump_camel_grad,
        window=Window((-3.0, 3.0), (-3.0, 3.0)),
        default_start=(-2.5, 2.0),
        minima=_fixed(
            Minimum((0.0, 0.0), 0.0),
            Minimum((-1.7475523458302888, 0.8737761729151444), 0.29863844223685965),
            Minimum((1.7475523458302888, -0.8737761729151444), 0.29863844223685965),
        ),
        saddle_points=_fixed(
            (-1.07054229182366, 0.53527114591183), (1.07054229182366, -0.53527114591183)
        ),
        suggested_lr=_suggested_lr("three_hump_camel"),
    ),
    Surface(
        id="six_hump_camel",
        name="Six-hump camel",
        dim=2,
        formula=r"\left(4 - 2.1x^2 + \tfrac{x^4}{3}\right)x^2 + x y + (4y^2 - 4)\,y^2",
        description=(
            "Six minima, two of them global at about (\u00b10.09, \u22130.71), separated by "
            "saddles: small differences in the path decide where a run ends."
        ),
        params=(),
        value=_six_hump_camel,
        grad=_six_hump_camel_grad,
        window=Window((-2.0, 2.0), (-1.2, 1.2)),
        default_start=(1.9, 1.1),
        minima=_fixed(
            Minimum((0.08984201310031807, -0.7126564030207396), -1.0316284534898774),
            Minimum((-0.08984201310031807, 0.7126564030207396), -1.0316284534898774),
            Minimum((-1.7036067149699807, 0.7960835686726252), -0.21546382438371725),
            Minimum((1.7036067149699807, -0.7960835686726252), -0.21546382438371725),
            Minimum((-1.6071047529201972, -0.5686514548841314), 2.104250310311258),
            Minimum((1.6071047529201972, 0.5686514548841314), 2.104250310311258),
        ),
        saddle_points=_fixed(
            (0.0, 0.0),
            (-1.1092053368047865, 0.7682680925095398),
            (1.1092053368047865, -0.7682680925095398),
            (-1.2960702671671092, -0.6050843880386585),
            (1.2960702671671092, 0.6050843880386585),
            (-1.6380679841897787, -0.2286740690443941),
            (1.6380679841897787, 0.2286740690443941),
        ),
        suggested_lr=_suggested_lr("six_hump_camel"),
    ),
    Surface(
        id="rastrigin",
        name="Rastrigin",
        dim=2,
        formula=r"2A + \sum_{i=1}^{2} \left(x_i^2 - A \cos(2\pi x_i)\right)",
        description=(
            "A bowl covered in a regular egg-crate of local minima, one near every point with "
            "integer coordinates; the global minimum is at the origin. Gradient methods "
            "usually stop in the nearest dimple."
        ),
        params=(Param("A", 10.0, 0.0, 50.0, "height of the ripples"),),
        value=_rastrigin,
        grad=_rastrigin_grad,
        window=Window((-5.12, 5.12), (-5.12, 5.12)),
        default_start=(-2.5, 2.5),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("rastrigin"),
    ),
    Surface(
        id="ackley",
        name="Ackley",
        dim=2,
        formula=(r"-20\,e^{-0.2\sqrt{(x^2 + y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20"),
        description=(
            "A nearly flat, rippled plain around a deep funnel at the origin, where the surface "
            "has a sharp tip (its gradient is taken as zero there)."
        ),
        params=(),
        value=_ackley,
        grad=_ackley_grad,
        window=Window((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(1.5, 1.5),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("ackley"),
    ),
    Surface(
        id="styblinski_tang",
        name="Styblinski-Tang",
        dim=2,
        formula=r"\tfrac{1}{2} \sum_{i=1}^{2} \left(x_i^4 - 16 x_i^2 + 5 x_i\right)",
        description=(
            "Four basins, one per quadrant, of different depths; the deepest is near "
            "(-2.90, -2.90). Where a run ends depends on which side of the ridges it starts."
        ),
        params=(),
        value=_styblinski_tang,
        grad=_styblinski_tang_grad,
        window=Window((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(4.0, -0.5),
        minima=_fixed(
            Minimum((-2.903534027771177, -2.903534027771177), -78.33233140754284),
            Minimum((-2.903534027771177, 2.746802770990837), -64.19561235905536),
            Minimum((2.746802770990837, -2.903534027771177), -64.19561235905536),
            Minimum((2.746802770990837, 2.746802770990837), -50.05889331056789),
        ),
        saddle_points=_fixed(
            (0.1567312567803401, -2.903534027771177),
            (-2.903534027771177, 0.1567312567803401),
            (0.1567312567803401, 2.746802770990837),
            (2.746802770990837, 0.1567312567803401),
        ),
        suggested_lr=_suggested_lr("styblinski_tang"),
    ),
    Surface(
        id="goldstein_price",
        name="Goldstein-Price",
        dim=2,
        formula=(
            r"\left[1 + (x + y + 1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)\right]"
            r"\left[30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2)\right]"
        ),
        description=(
            "A polynomial whose values range from 3 to about a million in this window, with "
            "the global minimum at (0, -1) and three local ones; a fixed step size that suits "
            "the walls is far too small for the valley floor."
        ),
        params=(),
        value=_goldstein_price,
        grad=_goldstein_price_grad,
        window=Window((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(-1.5, 0.5),
        minima=_fixed(
            Minimum((0.0, -1.0), 3.0),
            Minimum((-0.6, -0.4), 30.0),
            Minimum((1.8, 0.2), 84.0),
            Minimum((1.2, 0.8), 840.0),
        ),
        saddle_points=_fixed((-0.4, -0.6), (1.2, -0.2), (0.6, 0.4), (1.4, 0.6)),
        suggested_lr=_suggested_lr("goldstein_price"),
    ),
    Surface(
        id="levi_n13",
        name="Levi N.13",
        dim=2,
        formula=(
            r"\sin^2(3\pi x) + (x - 1)^2 \left(1 + \sin^2(3\pi y)\right)"
            r" + (y - 1)^2 \left(1 + \sin^2(2\pi y)\right)"
        ),
        description=(
            "A bowl around (1, 1) with ripples of different frequency along x and y, so the "
            "local minima form an irregular grid."
        ),
        params=(),
        value=_levi_n13,
        grad=_levi_n13_grad,
        window=Window((-4.0, 6.0), (-4.0, 6.0)),
        default_start=(-3.5, 0.5),
        minima=_fixed(Minimum((1.0, 1.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=_suggested_lr("levi_n13"),
    ),
)

SURFACES: dict[str, Surface] = {surface.id: surface for surface in _SURFACE_LIST}
"""Every built-in surface by id, in display order (the simplest first)."""


def get_surface(surface_id: str) -> Surface:
    """The surface with this id; raises ValueError listing the valid ids."""
    try:
        return SURFACES[surface_id]
    except KeyError:
        valid = ", ".join(SURFACES)
        raise ValueError(f"unknown surface id; valid: {valid}") from None
