"""Loss surfaces: one record per surface, and the registry the API lists.

A `Surface` is everything a plot and a run need: its formula for the page, parameters, window,
default start, known minima and saddle points, the learning rates it suggests for each optimizer
(keyed by optimizer id), and what computes it: a built-in's compiled value and gradient
(``app.numerics.kernels.functions``, each written once), a typed formula's tape
(``app.numerics.expression``) or a data set's examples (``app.numerics.datasets``). Whatever
the kind, ``Surface.program(params)`` is what the compiled kernels evaluate, and ``value`` and
``grad`` evaluate it at floats or arrays of points from Python.

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

from app.numerics.kernels import evaluate, walk
from app.numerics.parameters import Param, validate

__all__ = ["EvaluationCost", "Minimum", "Param", "Program", "Surface", "Window", "get_surface"]

_NO_OPS = np.zeros((0, 4), dtype=np.int64)
_NO_FLOATS = np.zeros(0)
_NO_EXAMPLES = np.zeros((2, 0))
# Read-only like every surface's own tape and examples (shared by all requests): numba compiles
# one specialization per combination of array flags, so the kernels see one combination only.
for _empty in (_NO_OPS, _NO_FLOATS, _NO_EXAMPLES):
    _empty.flags.writeable = False


class Program(NamedTuple):
    """A surface as the kernels take it: ``(kind, q, ops, known, examples)`` (see
    ``kernels.evaluate``); parts a kind does not use are empty arrays."""

    kind: int
    q: np.ndarray
    ops: np.ndarray
    known: np.ndarray
    examples: np.ndarray


class Minimum(NamedTuple):
    point: tuple[float, ...]
    value: float


class Window(NamedTuple):
    """Plot window: ``x`` and ``y`` ranges, ``y`` is None for a 1-D surface."""

    x: tuple[float, float]
    y: tuple[float, float] | None


@dataclass(frozen=True)
class EvaluationCost:
    """What one evaluation of the loss and its gradient at one point computes in the compiled
    kernels, counted from the surface's definition; the API's cost model (``app.api.cost``)
    turns it into work and memory before a request runs."""

    operations: int = 1
    """Units of work per point: a formula's graph nodes, each weighed by its ``Op.cost``; 1 for
    a built-in (one fixed pass) and for a data set besides its examples."""
    elements: int = 0
    """For a data set: its examples times ``per_example``."""
    per_example: int = 0
    """For a data set: the units one example costs, so a mini-batch can be counted."""


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
    kernel: int
    """``kernels.evaluate``'s kind: a built-in's code, ``TAPE`` or ``DATA + loss kind``."""
    window: Window
    default_start: tuple[float, ...]
    minima: Callable[[Mapping[str, float]], tuple[Minimum, ...]]
    saddle_points: Callable[[Mapping[str, float]], tuple[tuple[float, ...], ...]]
    suggested_lr: Mapping[str, float]
    expression: str = ""
    """A built-in written in the formula language, parameters as ``{name}``: the backprop panel
    draws its graph, and the tests check the compiled gradient against its autodiff."""
    cost: EvaluationCost = EvaluationCost()
    tape: tuple[np.ndarray, np.ndarray] | None = None
    """For a typed formula: its tape ``(ops, known)`` (``kernels.tape``)."""
    data: Any = None
    """For a loss over a data set (``app.numerics.datasets``): its ``Sample``, which also
    gives the loss and gradient of a mini-batch; None for an analytic surface."""

    def resolve_params(self, overrides: Mapping[str, float] | None) -> dict[str, float]:
        """The parameter values: defaults, with ``overrides`` applied (ParameterError names
        every unknown or out-of-range one)."""
        return validate(self.params, overrides, f"surface '{self.id}'")

    def program(self, params: Mapping[str, float]) -> Program:
        """What the kernels evaluate, for resolved parameters ``params``."""
        q = np.array([float(params[p.name]) for p in self.params])
        ops, known = self.tape if self.tape is not None else (_NO_OPS, _NO_FLOATS)
        examples = self.data.examples if self.data is not None else _NO_EXAMPLES
        return Program(self.kernel, q, ops, known, examples)

    def value(self, params: Mapping[str, float], *coords):
        """The loss at ``coords`` (one float or array per coordinate, broadcast together): a
        float for floats, else an array of the coordinates' common shape."""
        points, shape = _points(coords, self.dim)
        values = np.empty(len(points))
        walk.values_at(*self.program(params), points, values)
        return float(values[0]) if shape is None else values.reshape(shape)

    def grad(self, params: Mapping[str, float], *coords) -> tuple:
        """The gradient at ``coords``: a tuple of ``dim`` partial derivatives, each a float or
        an array as in ``value``."""
        points, shape = _points(coords, self.dim)
        values, grads = np.empty(len(points)), np.empty((len(points), self.dim))
        walk.value_grads(*self.program(params), points, values, grads)
        if shape is None:
            return tuple(float(g) for g in grads[0])
        return tuple(grads[:, i].reshape(shape) for i in range(self.dim))


def _points(coords, dim: int) -> tuple[np.ndarray, tuple[int, ...] | None]:
    """Coordinates as rows of points (n, dim), and their common shape (None for floats)."""
    if len(coords) != dim:
        raise ValueError(f"expected {dim} coordinates, got {len(coords)}")
    scalar = all(np.ndim(c) == 0 for c in coords)
    arrays = np.broadcast_arrays(*(np.asarray(c, dtype=float) for c in coords))
    points = np.ascontiguousarray(np.stack([a.ravel() for a in arrays], axis=1))
    return points, None if scalar else arrays[0].shape


def _fixed(*items):
    """``minima`` / ``saddle_points`` for a surface whose optima do not depend on params."""
    return lambda p: items


# --- registry ---------------------------------------------------------------------------------

_NO_SADDLES = _fixed()

# fmt: off

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
        kernel=evaluate.BUILTINS.index("parabola"),
        expression="(x - {c})**2",
        window=Window((-2.0, 8.0), None),
        default_start=(0.0,),
        minima=lambda p: (Minimum((p["c"],), 0.0),),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=0.1, momentum=0.01, nesterov=0.01, adagrad=0.2, rmsprop=0.02, adadelta=10.0,
            adam=0.05, adamw=0.05, nadam=0.05, radam=0.1, adamax=0.05, lion=0.05,
        ),
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
        kernel=evaluate.BUILTINS.index("quadratic"),
        expression="0.5*({a}*x**2 + {b}*y**2)",
        window=Window((-3.0, 3.0), (-3.0, 3.0)),
        default_start=(-2.5, 2.0),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=0.15, momentum=0.01, nesterov=0.01, adagrad=0.2, rmsprop=0.02, adadelta=5.0,
            adam=0.05, adamw=0.05, nadam=0.05, radam=0.05, adamax=0.05, lion=0.05,
        ),
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
        kernel=evaluate.BUILTINS.index("rosenbrock"),
        expression="({a} - x)**2 + {b}*(y - x**2)**2",
        window=Window((-2.0, 2.0), (-1.0, 3.0)),
        default_start=(-1.5, 2.0),
        minima=lambda p: (Minimum((p["a"], p["a"] * p["a"]), 0.0),),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=1e-3, momentum=1e-3, nesterov=5e-4, adagrad=0.5, rmsprop=0.01, adadelta=5.0,
            adam=0.05, adamw=0.05, nadam=0.05, radam=5e-3, adamax=0.2, lion=0.01,
        ),
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
        kernel=evaluate.BUILTINS.index("saddle"),
        expression="x**2 - y**2",
        window=Window((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(-1.5, 0.01),
        minima=_fixed(),
        saddle_points=_fixed((0.0, 0.0)),
        suggested_lr=dict(
            sgd=7e-3, momentum=1e-3, nesterov=1e-3, adagrad=0.05, rmsprop=5e-3, adadelta=0.1,
            adam=5e-3, adamw=5e-3, nadam=5e-3, radam=0.02, adamax=0.01, lion=0.01,
        ),
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
        kernel=evaluate.BUILTINS.index("monkey_saddle"),
        expression="x**3 - 3*x*y**2",
        window=Window((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(1.5, 0.1),
        minima=_fixed(),
        saddle_points=_fixed((0.0, 0.0)),
        suggested_lr=dict(
            sgd=7e-4, momentum=7e-5, nesterov=7e-5, adagrad=0.05, rmsprop=5e-3, adadelta=0.15,
            adam=5e-3, adamw=5e-3, nadam=5e-3, radam=0.02, adamax=0.01, lion=0.01,
        ),
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
        kernel=evaluate.BUILTINS.index("himmelblau"),
        expression="(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
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
        suggested_lr=dict(
            sgd=1e-3, momentum=1e-4, nesterov=1e-4, adagrad=0.2, rmsprop=0.01, adadelta=2.0,
            adam=0.02, adamw=0.02, nadam=0.02, radam=0.02, adamax=0.02, lion=0.05,
        ),
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
        kernel=evaluate.BUILTINS.index("beale"),
        expression="(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
        window=Window((-4.5, 4.5), (-4.5, 4.5)),
        default_start=(1.0, 1.5),
        minima=_fixed(Minimum((3.0, 0.5), 0.0)),
        saddle_points=_fixed((0.0, 1.0), (0.1005379373241583, -2.6445135850231254)),
        suggested_lr=dict(
            sgd=0.01, momentum=2e-3, nesterov=2e-3, adagrad=0.5, rmsprop=0.02, adadelta=10.0,
            adam=0.2, adamw=0.2, nadam=0.2, radam=5e-3, adamax=0.5, lion=0.05,
        ),
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
        kernel=evaluate.BUILTINS.index("booth"),
        expression="(x + 2*y - 7)**2 + (2*x + y - 5)**2",
        window=Window((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(-8.0, 2.0),
        minima=_fixed(Minimum((1.0, 3.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=0.01, momentum=1e-3, nesterov=1e-3, adagrad=2.0, rmsprop=0.1, adadelta=20.0,
            adam=0.2, adamw=0.2, nadam=0.2, radam=0.05, adamax=0.5, lion=0.1,
        ),
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
        kernel=evaluate.BUILTINS.index("matyas"),
        expression="0.26*(x**2 + y**2) - 0.48*x*y",
        window=Window((-10.0, 10.0), (-10.0, 10.0)),
        default_start=(-8.0, 3.0),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=0.5, momentum=0.05, nesterov=0.05, adagrad=2.0, rmsprop=0.2, adadelta=20.0,
            adam=0.5, adamw=0.5, nadam=0.5, radam=0.5, adamax=1.0, lion=0.2,
        ),
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
        kernel=evaluate.BUILTINS.index("three_hump_camel"),
        expression="2*x**2 - 1.05*x**4 + x**6/6 + x*y + y**2",
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
        suggested_lr=dict(
            sgd=0.01, momentum=2e-3, nesterov=2e-3, adagrad=0.1, rmsprop=5e-3, adadelta=5.0,
            adam=0.05, adamw=0.05, nadam=0.05, radam=5e-3, adamax=0.05, lion=0.05,
        ),
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
        kernel=evaluate.BUILTINS.index("six_hump_camel"),
        expression="(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (4*y**2 - 4)*y**2",
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
        suggested_lr=dict(
            sgd=2e-3, momentum=2e-3, nesterov=2e-3, adagrad=0.05, rmsprop=5e-3, adadelta=2.0,
            adam=0.02, adamw=0.02, nadam=0.02, radam=0.02, adamax=0.02, lion=0.02,
        ),
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
        kernel=evaluate.BUILTINS.index("rastrigin"),
        expression="2*{A} + x**2 - {A}*cos(2*pi*x) + y**2 - {A}*cos(2*pi*y)",
        window=Window((-5.12, 5.12), (-5.12, 5.12)),
        default_start=(-2.5, 2.5),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=5e-4, momentum=5e-5, nesterov=5e-5, adagrad=0.05, rmsprop=5e-3, adadelta=1.0,
            adam=0.02, adamw=0.02, nadam=0.02, radam=0.01, adamax=0.02, lion=0.01,
        ),
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
        kernel=evaluate.BUILTINS.index("ackley"),
        expression=(
            "-20*exp(-0.2*sqrt(0.5*(x**2"
            " + y**2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + e + 20"
        ),
        window=Window((-5.0, 5.0), (-5.0, 5.0)),
        default_start=(1.5, 1.5),
        minima=_fixed(Minimum((0.0, 0.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=5e-3, momentum=1e-3, nesterov=1e-3, adagrad=0.5, rmsprop=0.02, adadelta=1.0,
            adam=0.05, adamw=0.05, nadam=0.05, radam=0.05, adamax=0.1, lion=0.02,
        ),
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
        kernel=evaluate.BUILTINS.index("styblinski_tang"),
        expression="0.5*(x**4 - 16*x**2 + 5*x + y**4 - 16*y**2 + 5*y)",
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
        suggested_lr=dict(
            sgd=1e-3, momentum=1e-4, nesterov=1e-4, adagrad=0.1, rmsprop=0.01, adadelta=5.0,
            adam=0.02, adamw=0.02, nadam=0.02, radam=0.02, adamax=0.02, lion=0.05,
        ),
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
        kernel=evaluate.BUILTINS.index("goldstein_price"),
        expression=(
            "(1 + (x + y + 1)**2*(19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2))*(30"
            " + (2*x - 3*y)**2*(18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))"
        ),
        window=Window((-2.0, 2.0), (-2.0, 2.0)),
        default_start=(-1.5, 0.5),
        minima=_fixed(
            Minimum((0.0, -1.0), 3.0),
            Minimum((-0.6, -0.4), 30.0),
            Minimum((1.8, 0.2), 84.0),
            Minimum((1.2, 0.8), 840.0),
        ),
        saddle_points=_fixed((-0.4, -0.6), (1.2, -0.2), (0.6, 0.4), (1.4, 0.6)),
        suggested_lr=dict(
            sgd=1e-5, momentum=5e-6, nesterov=5e-6, adagrad=0.1, rmsprop=0.01, adadelta=2.0,
            adam=0.02, adamw=0.02, nadam=0.02, radam=5e-5, adamax=0.05, lion=0.02,
        ),
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
        kernel=evaluate.BUILTINS.index("levi_n13"),
        expression=(
            "sin(3*pi*x)**2 + (x - 1)**2*(1 + sin(3*pi*y)**2)"
            " + (y - 1)**2*(1 + sin(2*pi*y)**2)"
        ),
        window=Window((-4.0, 6.0), (-4.0, 6.0)),
        default_start=(-3.5, 0.5),
        minima=_fixed(Minimum((1.0, 1.0), 0.0)),
        saddle_points=_NO_SADDLES,
        suggested_lr=dict(
            sgd=1e-3, momentum=1e-3, nesterov=1e-3, adagrad=0.5, rmsprop=0.05, adadelta=20.0,
            adam=0.2, adamw=0.2, nadam=0.2, radam=0.01, adamax=0.5, lion=0.05,
        ),
    ),
)
# fmt: on

SURFACES: dict[str, Surface] = {surface.id: surface for surface in _SURFACE_LIST}
"""Every built-in surface by id, in display order (the simplest first)."""


def get_surface(surface_id: str) -> Surface:
    """The surface with this id; raises ValueError listing the valid ids."""
    try:
        return SURFACES[surface_id]
    except KeyError:
        valid = ", ".join(SURFACES)
        raise ValueError(f"unknown surface id; valid: {valid}") from None
