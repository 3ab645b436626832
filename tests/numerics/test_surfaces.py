"""Surfaces: gradients against finite differences, known optima, the two namespaces, params.

References are independent of the analytic gradients: central differences of ``value``, a
finite-difference Hessian built from ``value`` alone, brute-force grids, and values worked
out by hand.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from app.numerics.optimizers import OPTIMIZERS
from app.numerics.surfaces import SURFACES, Surface, get_surface

REQUIRED_IDS = {
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
}

ALL = pytest.mark.parametrize("surface", list(SURFACES.values()), ids=list(SURFACES))

# Non-default parameters, including range ends: optima must follow the parameters.
PARAM_CASES = [
    ("parabola", {"c": -10.0}),
    ("parabola", {"c": 7.5}),
    ("quadratic", {"a": 0.01, "b": 100.0}),
    ("rosenbrock", {"a": -2.0, "b": 10.0}),
    ("rosenbrock", {"a": 3.0, "b": 1000.0}),
    ("rastrigin", {"A": 0.0}),
    ("rastrigin", {"A": 50.0}),
]


def spans(surface: Surface) -> list[tuple[float, float]]:
    window = surface.window
    return [window.x] if surface.dim == 1 else [window.x, window.y]


def random_points(surface: Surface, n: int = 50, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(lo, hi, n) for lo, hi in spans(surface)]


def value_np(surface: Surface, params, coords) -> np.ndarray:
    return np.asarray(surface.value(params, *coords), dtype=float)


def grad_np(surface: Surface, params, coords) -> np.ndarray:
    return np.asarray([np.asarray(g, dtype=float) for g in surface.grad(params, *coords)])


def steps_for(surface: Surface, coords, relative: float) -> list[np.ndarray]:
    # A step relative to each coordinate's scale (its magnitude, at least the window's 1/10).
    scales = [max(hi - lo, 1.0) / 10.0 for lo, hi in spans(surface)]
    return [relative * np.maximum(np.abs(c), s) for c, s in zip(coords, scales, strict=True)]


def central_differences(surface: Surface, params, coords) -> np.ndarray:
    out = []
    for i, h in enumerate(steps_for(surface, coords, 1e-6)):
        up = [c + h if j == i else c for j, c in enumerate(coords)]
        down = [c - h if j == i else c for j, c in enumerate(coords)]
        # (up - down) rather than 2h: the actual spacing after rounding.
        out.append(
            (value_np(surface, params, up) - value_np(surface, params, down)) / (up[i] - down[i])
        )
    return np.asarray(out)


def relative_error(a, b) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.abs(a - b) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))


def hessian_from_values(surface: Surface, params, point, relative: float = 1e-4) -> np.ndarray:
    """Second differences of ``value`` only (independent of ``grad``)."""
    x0 = np.asarray(point, float)
    h = relative * np.maximum(np.abs(x0), 1.0)
    n = len(x0)

    def f(dx) -> float:
        return float(value_np(surface, params, [np.float64(v) for v in x0 + dx]))

    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            hess[i, j] = (f(ei + ej) - f(ei - ej) - f(-ei + ej) + f(-ei - ej)) / (4 * h[i] * h[j])
    return 0.5 * (hess + hess.T)


def grid(surface: Surface, n: int = 601) -> list[np.ndarray]:
    axes = [np.linspace(lo, hi, n) for lo, hi in spans(surface)]
    return list(np.meshgrid(*axes, indexing="xy")) if surface.dim == 2 else axes


# --- the registry -----------------------------------------------------------------------------


def test_registry_has_every_required_surface_with_parabola_first():
    assert set(SURFACES) == REQUIRED_IDS
    assert next(iter(SURFACES)) == "parabola"
    assert all(key == surface.id for key, surface in SURFACES.items())


@ALL
def test_record_is_consistent(surface):
    assert surface.dim in (1, 2)
    assert (surface.window.y is None) == (surface.dim == 1)
    for lo, hi in spans(surface):
        assert lo < hi
    assert len(surface.default_start) == surface.dim
    for c, (lo, hi) in zip(surface.default_start, spans(surface), strict=True):
        assert lo <= c <= hi
    assert surface.name and surface.formula and surface.description
    assert set(surface.suggested_lr) == set(OPTIMIZERS)
    assert all(lr > 0 for lr in surface.suggested_lr.values())
    for param in surface.params:
        assert param.min <= param.default <= param.max


@ALL
def test_default_start_is_not_stationary_and_not_a_known_optimum(surface):
    params = surface.resolve_params(None)
    g = surface.grad(params, *surface.default_start)
    assert math.hypot(*g) > 1e-2
    for minimum in surface.minima(params):
        assert minimum.point != surface.default_start


def test_get_surface_returns_the_record_and_rejects_unknown_ids():
    assert get_surface("rosenbrock") is SURFACES["rosenbrock"]
    with pytest.raises(ValueError, match=r"unknown surface id; valid: parabola, quadratic"):
        get_surface("z")


def test_required_parameters_defaults_and_ranges():
    def spec(surface_id):
        return {p.name: (p.default, p.min, p.max) for p in SURFACES[surface_id].params}

    assert spec("parabola") == {"c": (3.0, -10.0, 10.0)}
    assert spec("quadratic") == {"a": (1.0, 0.01, 100.0), "b": (10.0, 0.01, 100.0)}
    assert spec("rosenbrock") == {"a": (1.0, -3.0, 3.0), "b": (100.0, 0.0, 1000.0)}
    assert spec("rastrigin") == {"A": (10.0, 0.0, 50.0)}


def test_required_windows_and_starts():
    assert SURFACES["parabola"].window == ((-2.0, 8.0), None)
    assert SURFACES["parabola"].default_start == (0.0,)
    assert SURFACES["quadratic"].window == ((-3.0, 3.0), (-3.0, 3.0))
    assert SURFACES["quadratic"].default_start == (-2.5, 2.0)
    assert SURFACES["rosenbrock"].window == ((-2.0, 2.0), (-1.0, 3.0))
    assert SURFACES["rosenbrock"].default_start == (-1.5, 2.0)
    assert SURFACES["saddle"].window == ((-2.0, 2.0), (-2.0, 2.0))
    assert SURFACES["saddle"].default_start == (-1.5, 0.01)


# --- resolve_params ---------------------------------------------------------------------------


def test_resolve_params_fills_defaults():
    assert SURFACES["rosenbrock"].resolve_params(None) == {"a": 1.0, "b": 100.0}
    assert SURFACES["rosenbrock"].resolve_params({}) == {"a": 1.0, "b": 100.0}
    assert SURFACES["himmelblau"].resolve_params(None) == {}


def test_resolve_params_applies_overrides_and_accepts_range_ends():
    rosenbrock = SURFACES["rosenbrock"]
    assert rosenbrock.resolve_params({"b": 10}) == {"a": 1.0, "b": 10.0}
    assert rosenbrock.resolve_params({"a": -3.0, "b": 1000.0}) == {"a": -3.0, "b": 1000.0}
    assert rosenbrock.resolve_params({"b": 0}) == {"a": 1.0, "b": 0.0}


def test_resolve_params_rejects_unknown_names_listing_the_valid_ones():
    with pytest.raises(
        ValueError, match=r"unknown parameter for surface 'rosenbrock'; valid: a, b"
    ):
        SURFACES["rosenbrock"].resolve_params({"z": 1.0})
    with pytest.raises(
        ValueError, match=r"unknown parameter for surface 'himmelblau'; valid: none"
    ):
        SURFACES["himmelblau"].resolve_params({"c": 1.0})


@pytest.mark.parametrize(
    ("surface_id", "overrides"),
    [
        ("rosenbrock", {"b": 1000.5}),
        ("rosenbrock", {"a": -3.01}),
        ("quadratic", {"a": 0.0}),
        ("parabola", {"c": 11.0}),
        ("rastrigin", {"A": -1.0}),
        ("parabola", {"c": float("nan")}),
        ("parabola", {"c": float("inf")}),
    ],
)
def test_resolve_params_rejects_values_outside_the_range(surface_id, overrides):
    [name] = overrides
    with pytest.raises(ValueError, match=rf"^{name} must be between "):
        SURFACES[surface_id].resolve_params(overrides)


# --- values worked out by hand ----------------------------------------------------------------

HAND_VALUES = [
    ("parabola", (0.0,), 9.0),
    ("parabola", (3.0,), 0.0),
    ("quadratic", (1.0, 1.0), 5.5),
    ("rosenbrock", (-1.5, 2.0), 12.5),  # (1 + 1.5)^2 + 100 (2 - 2.25)^2
    ("rosenbrock", (1.0, 1.0), 0.0),
    ("saddle", (1.0, 2.0), -3.0),
    ("monkey_saddle", (1.0, 1.0), -2.0),
    ("himmelblau", (0.0, 0.0), 170.0),  # 11^2 + 7^2
    ("beale", (0.0, 0.0), 14.203125),  # 1.5^2 + 2.25^2 + 2.625^2
    ("beale", (3.0, 0.5), 0.0),
    ("booth", (0.0, 0.0), 74.0),
    ("matyas", (1.0, 1.0), 0.04),
    ("three_hump_camel", (1.0, 1.0), 2.0 - 1.05 + 1.0 / 6.0 + 2.0),
    ("six_hump_camel", (1.0, 1.0), 4.0 - 2.1 + 1.0 / 3.0 + 1.0),
    ("rastrigin", (0.5, 0.5), 40.5),  # 20 + 2 (0.25 + 10)
    ("rastrigin", (1.0, 1.0), 2.0),
    ("ackley", (0.0, 0.0), 0.0),
    ("styblinski_tang", (1.0, 1.0), -10.0),
    ("goldstein_price", (0.0, 0.0), 600.0),  # (1 + 19) (30 + 0)
    ("goldstein_price", (0.0, -1.0), 3.0),
    ("levi_n13", (0.0, 0.0), 2.0),
    ("levi_n13", (1.0, 1.0), 0.0),
]


@pytest.mark.parametrize(("surface_id", "point", "expected"), HAND_VALUES)
def test_value_matches_hand_computation(surface_id, point, expected):
    surface = SURFACES[surface_id]
    assert surface.value(surface.resolve_params(None), *point) == pytest.approx(
        expected, rel=1e-12, abs=1e-12
    )


def test_rosenbrock_gradient_by_hand():
    # u = a - x = 2.5, v = y - x^2 = -0.25: (-2u - 4 b x v, 2 b v)
    surface = SURFACES["rosenbrock"]
    assert surface.grad(surface.resolve_params(None), -1.5, 2.0) == (-155.0, -50.0)


def test_parabola_first_step_of_the_chapter():
    # x -= lr * 2 (x - 3) from x = 0 with lr = 0.1 prints "step 0 x=0.6000 f(x)=5.7600".
    surface = SURFACES["parabola"]
    params = surface.resolve_params(None)
    [g] = surface.grad(params, 0.0)
    x = 0.0 - 0.1 * g
    assert (x, surface.value(params, x)) == pytest.approx((0.6, 5.76))


# --- gradients --------------------------------------------------------------------------------


@ALL
def test_gradient_matches_central_differences(surface):
    params = surface.resolve_params(None)
    coords = random_points(surface)
    numeric = central_differences(surface, params, coords)
    analytic = grad_np(surface, params, coords)
    assert analytic.shape == numeric.shape == (surface.dim, 50)
    assert relative_error(analytic, numeric).max() < 1e-6


@pytest.mark.parametrize(("surface_id", "overrides"), PARAM_CASES)
def test_gradient_matches_central_differences_with_other_params(surface_id, overrides):
    surface = SURFACES[surface_id]
    params = surface.resolve_params(overrides)
    coords = random_points(surface, seed=1)
    numeric = central_differences(surface, params, coords)
    assert relative_error(grad_np(surface, params, coords), numeric).max() < 1e-6


@ALL
def test_scalar_and_numpy_namespaces_are_bit_identical(surface):
    params = surface.resolve_params(None)
    coords = random_points(surface, seed=2)
    values = value_np(surface, params, coords)
    grads = grad_np(surface, params, coords)
    for k in range(50):
        point = [float(c[k]) for c in coords]
        value = surface.value(params, *point)
        grad = surface.grad(params, *point)
        # plain floats, not numpy scalars: the single-run path stays in Python arithmetic
        assert type(value) is float
        assert all(type(g) is float for g in grad)
        assert value == values[k]
        assert len(grad) == surface.dim
        assert all(g == grads[i, k] for i, g in enumerate(grad))


@ALL
def test_value_and_grad_broadcast_over_a_meshgrid_without_warnings(surface):
    params = surface.resolve_params(None)
    if surface.dim == 1:
        coords = [np.linspace(*surface.window.x, 101).reshape(1, 101).repeat(3, axis=0)]
    else:
        xs, ys = np.meshgrid(
            np.linspace(*surface.window.x, 101), np.linspace(*surface.window.y, 81)
        )
        coords = [xs, ys]
    shape = coords[0].shape
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        value = surface.value(params, *coords)
        grad = surface.grad(params, *coords)
    assert np.shape(value) == shape
    assert len(grad) == surface.dim
    assert all(np.shape(g) == shape for g in grad)
    assert np.isfinite(value).all()
    assert all(np.isfinite(g).all() for g in grad)


def test_ackley_gradient_is_zero_at_the_origin_in_both_namespaces():
    surface = SURFACES["ackley"]
    params = surface.resolve_params(None)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        assert surface.grad(params, 0.0, 0.0) == (0.0, 0.0)
        gx, gy = surface.grad(params, np.zeros(3), np.zeros(3))
        value = surface.value(params, 0.0, 0.0)
    assert gx.tolist() == gy.tolist() == [0.0, 0.0, 0.0]
    assert abs(value) < 1e-12


def test_ackley_gradient_is_finite_next_to_the_origin():
    surface = SURFACES["ackley"]
    params = surface.resolve_params(None)
    # Where x^2 + y^2 underflows to 0 the radius is 0 and the cone term falls back to 0.
    for point in [(1e-300, 0.0), (0.0, -5e-324), (1e-170, 1e-170)]:
        assert all(math.isfinite(c) for c in surface.grad(params, *point))
    # Elsewhere the cone's slope is 2 sqrt(2) exp(-0.2 r) in every direction, -> 2 sqrt(2).
    for point in [(1e-100, 0.0), (0.0, -1e-150), (1e-12, -1e-12)]:
        g = surface.grad(params, *point)
        assert math.hypot(*g) == pytest.approx(2.0 * math.sqrt(2.0), rel=1e-9)


# --- known optima -----------------------------------------------------------------------------


WITH_MINIMA = [s for s in SURFACES.values() if s.minima(s.resolve_params(None))]
OPTIMUM_CASES = [(surface.id, None) for surface in WITH_MINIMA] + PARAM_CASES


def test_only_the_saddles_have_no_minimum():
    assert {s.id for s in SURFACES.values()} - {s.id for s in WITH_MINIMA} == {
        "saddle",
        "monkey_saddle",
    }


@pytest.mark.parametrize(("surface_id", "overrides"), OPTIMUM_CASES)
def test_listed_minima_are_stationary_with_the_listed_value(surface_id, overrides):
    surface = SURFACES[surface_id]
    params = surface.resolve_params(overrides)
    for minimum in surface.minima(params):
        assert len(minimum.point) == surface.dim
        g = surface.grad(params, *minimum.point)
        assert math.hypot(*g) < 1e-6, minimum
        value = surface.value(params, *minimum.point)
        assert abs(value - minimum.value) <= 1e-6 * max(1.0, abs(minimum.value)), minimum


@pytest.mark.parametrize(("surface_id", "overrides"), OPTIMUM_CASES)
def test_listed_minima_are_local_minima(surface_id, overrides):
    surface = SURFACES[surface_id]
    params = surface.resolve_params(overrides)
    for minimum in surface.minima(params):
        f0 = surface.value(params, *minimum.point)
        # Every nearby point is at least as high (a ring of points at two radii).
        for radius in (1e-3, 1e-2):
            angles = np.linspace(0.0, 2.0 * np.pi, 64, endpoint=False)
            if surface.dim == 1:
                offsets = [np.array([-radius, radius])]
            else:
                offsets = [radius * np.cos(angles), radius * np.sin(angles)]
            ring = [c + o for c, o in zip(minimum.point, offsets, strict=True)]
            assert (value_np(surface, params, ring) >= f0 - 1e-12).all(), minimum


@pytest.mark.parametrize(("surface_id", "overrides"), OPTIMUM_CASES)
def test_the_smallest_listed_minimum_is_the_global_minimum_over_the_window(surface_id, overrides):
    surface = SURFACES[surface_id]
    params = surface.resolve_params(overrides)
    best = min(minimum.value for minimum in surface.minima(params))
    grid_values = value_np(surface, params, grid(surface))
    assert grid_values.min() >= best - 1e-9 * max(1.0, abs(best))


@pytest.mark.parametrize("surface", WITH_MINIMA, ids=[s.id for s in WITH_MINIMA])
def test_the_window_shows_a_global_minimum(surface):
    minima = surface.minima(surface.resolve_params(None))
    best = min(minimum.value for minimum in minima)
    inside = [
        all(lo < c < hi for c, (lo, hi) in zip(m.point, spans(surface), strict=True))
        for m in minima
        if m.value == best
    ]
    assert any(inside)


def test_surfaces_without_minima_keep_falling_along_their_valleys():
    saddle, monkey = SURFACES["saddle"], SURFACES["monkey_saddle"]
    assert saddle.minima({}) == monkey.minima({}) == ()
    assert [saddle.value({}, 0.0, y) for y in (0.0, 2.0, 20.0)] == [0.0, -4.0, -400.0]
    assert [monkey.value({}, x, 0.0) for x in (0.0, -2.0, -20.0)] == [0.0, -8.0, -8000.0]


def test_required_minima_values():
    def minima(surface_id, **overrides):
        surface = SURFACES[surface_id]
        return surface.minima(surface.resolve_params(overrides))

    assert minima("parabola") == (((3.0,), 0.0),)
    assert minima("rosenbrock", a=-2.0) == (((-2.0, 4.0), 0.0),)
    assert minima("quadratic") == (((0.0, 0.0), 0.0),)
    himmelblau = sorted(minima("himmelblau"))
    published = sorted(
        [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    )
    assert [m.point for m in himmelblau] == [pytest.approx(p, abs=1e-6) for p in published]
    assert all(m.value == 0.0 for m in himmelblau)
    six_hump = sorted(m for m in minima("six_hump_camel") if m.value < -1)
    assert [m.point for m in six_hump] == [
        pytest.approx((-0.0898, 0.7126), abs=1e-4),
        pytest.approx((0.0898, -0.7126), abs=1e-4),
    ]
    assert six_hump[0].value == pytest.approx(-1.0316, abs=1e-4)
    [styblinski] = [m for m in minima("styblinski_tang") if m.value < -70]
    assert styblinski.point == pytest.approx((-2.903534, -2.903534), abs=1e-6)
    assert styblinski.value == pytest.approx(-78.33233, abs=1e-5)
    assert min(minima("goldstein_price"), key=lambda m: m.value) == ((0.0, -1.0), 3.0)
    assert minima("levi_n13") == (((1.0, 1.0), 0.0),)
    assert minima("ackley") == minima("rastrigin") == (((0.0, 0.0), 0.0),)


@ALL
def test_listed_saddle_points_are_stationary_and_neither_minimum_nor_maximum(surface):
    params = surface.resolve_params(None)
    for point in surface.saddle_points(params):
        assert len(point) == surface.dim
        assert math.hypot(*surface.grad(params, *point)) < 1e-6, point
        eigenvalues = np.linalg.eigvalsh(hessian_from_values(surface, params, point))
        if np.abs(eigenvalues).max() > 1e-3:
            assert eigenvalues.min() < 0 < eigenvalues.max(), (point, eigenvalues)
        # Degenerate or not, a saddle has lower and higher points all around it.
        f0 = surface.value(params, *point)
        angles = np.linspace(0.0, 2.0 * np.pi, 72, endpoint=False)
        radius = 1e-3
        ring = value_np(
            surface,
            params,
            [point[0] + radius * np.cos(angles), point[1] + radius * np.sin(angles)],
        )
        assert ring.min() < f0 < ring.max(), point


def test_known_saddles_are_listed():
    saddle, monkey = SURFACES["saddle"], SURFACES["monkey_saddle"]
    assert saddle.saddle_points({}) == ((0.0, 0.0),)
    assert monkey.saddle_points({}) == ((0.0, 0.0),)
    himmelblau = SURFACES["himmelblau"]
    assert len(himmelblau.saddle_points({})) == 4
