"""The built-in surfaces' values, gradients and Hessians, each written once.

``name(q, x[, y])`` is the loss, ``name_grad(q, x[, y])`` the tuple of its partial
derivatives and ``name_hess(q, x[, y])`` its Hessian's distinct entries, ``(hxx,)`` for a 1-D
surface and ``(hxx, hxy, hyy)`` for a 2-D one; ``q`` holds the surface's parameters in the
order its record lists them (``app.numerics.surfaces``: Rosenbrock's ``q = (a, b)``). The
gradients and Hessians are derived by hand and checked against central differences and the
formula language's autodiff (first and second order) in the tests.
"""

from __future__ import annotations

import math

from app.numerics.kernels import kernel

TWO_PI = 2.0 * math.pi
THREE_PI = 3.0 * math.pi


@kernel(inline="always")
def safe_div(a, b):
    """a / b, and 0 where b is 0 (Ackley's cone at its tip)."""
    return a / b if b != 0.0 else 0.0


# --- parabola: the chapter's first example ---------------------------------------------------


@kernel(inline="always")
def parabola(q, x):
    d = x - q[0]
    return d * d


@kernel(inline="always")
def parabola_grad(q, x):
    return (2.0 * (x - q[0]),)


@kernel(inline="always")
def parabola_hess(q, x):
    return (2.0,)


# --- quadratic bowl ---------------------------------------------------------------------------


@kernel(inline="always")
def quadratic(q, x, y):
    return 0.5 * (q[0] * x * x + q[1] * y * y)


@kernel(inline="always")
def quadratic_grad(q, x, y):
    return q[0] * x, q[1] * y


@kernel(inline="always")
def quadratic_hess(q, x, y):
    return q[0], 0.0, q[1]


# --- Rosenbrock -------------------------------------------------------------------------------


@kernel(inline="always")
def rosenbrock(q, x, y):
    u = q[0] - x
    v = y - x * x
    return u * u + q[1] * v * v


@kernel(inline="always")
def rosenbrock_grad(q, x, y):
    u = q[0] - x
    bv = q[1] * (y - x * x)
    return -2.0 * u - 4.0 * x * bv, 2.0 * bv


@kernel(inline="always")
def rosenbrock_hess(q, x, y):
    b = q[1]
    return 2.0 - 4.0 * b * (y - x * x) + 8.0 * b * x * x, -4.0 * b * x, 2.0 * b


# --- saddles ----------------------------------------------------------------------------------


@kernel(inline="always")
def saddle(q, x, y):
    return x * x - y * y


@kernel(inline="always")
def saddle_grad(q, x, y):
    return 2.0 * x, -2.0 * y


@kernel(inline="always")
def saddle_hess(q, x, y):
    return 2.0, 0.0, -2.0


@kernel(inline="always")
def monkey_saddle(q, x, y):
    return x * x * x - 3.0 * x * y * y


@kernel(inline="always")
def monkey_saddle_grad(q, x, y):
    return 3.0 * (x * x - y * y), -6.0 * x * y


@kernel(inline="always")
def monkey_saddle_hess(q, x, y):
    return 6.0 * x, -6.0 * y, -6.0 * x


# --- Himmelblau -------------------------------------------------------------------------------


@kernel(inline="always")
def himmelblau(q, x, y):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return u * u + v * v


@kernel(inline="always")
def himmelblau_grad(q, x, y):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return 4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v


@kernel(inline="always")
def himmelblau_hess(q, x, y):
    u = x * x + y - 11.0
    v = x + y * y - 7.0
    return 4.0 * u + 8.0 * x * x + 2.0, 4.0 * (x + y), 2.0 + 4.0 * v + 8.0 * y * y


# --- Beale ------------------------------------------------------------------------------------


@kernel(inline="always")
def beale(q, x, y):
    y2 = y * y
    t1 = 1.5 - x + x * y
    t2 = 2.25 - x + x * y2
    t3 = 2.625 - x + x * y2 * y
    return t1 * t1 + t2 * t2 + t3 * t3


@kernel(inline="always")
def beale_grad(q, x, y):
    y2 = y * y
    y3 = y2 * y
    t1 = 2.0 * (1.5 - x + x * y)
    t2 = 2.0 * (2.25 - x + x * y2)
    t3 = 2.0 * (2.625 - x + x * y3)
    dx = t1 * (y - 1.0) + t2 * (y2 - 1.0) + t3 * (y3 - 1.0)
    dy = x * (t1 + 2.0 * y * t2 + 3.0 * y2 * t3)
    return dx, dy


@kernel(inline="always")
def beale_hess(q, x, y):
    # t_i = k_i + x (y^i - 1): d t_i/dx = y^i - 1, d t_i/dy = i x y^(i-1), d2 t_i/dx dy =
    # i y^(i-1), d2 t_i/dy2 = i (i-1) x y^(i-2); f = sum t_i^2.
    y2 = y * y
    y3 = y2 * y
    t1 = 1.5 - x + x * y
    t2 = 2.25 - x + x * y2
    t3 = 2.625 - x + x * y3
    c1, c2, c3 = y - 1.0, y2 - 1.0, y3 - 1.0
    e1, e2, e3 = x, 2.0 * x * y, 3.0 * x * y2
    hxx = 2.0 * (c1 * c1 + c2 * c2 + c3 * c3)
    hxy = 2.0 * (c1 * e1 + t1 + c2 * e2 + 2.0 * y * t2 + c3 * e3 + 3.0 * y2 * t3)
    hyy = 2.0 * (e1 * e1 + e2 * e2 + 2.0 * x * t2 + e3 * e3 + 6.0 * x * y * t3)
    return hxx, hxy, hyy


# --- Booth and Matyas: tilted quadratic bowls -------------------------------------------------


@kernel(inline="always")
def booth(q, x, y):
    u = x + 2.0 * y - 7.0
    v = 2.0 * x + y - 5.0
    return u * u + v * v


@kernel(inline="always")
def booth_grad(q, x, y):
    u = x + 2.0 * y - 7.0
    v = 2.0 * x + y - 5.0
    return 2.0 * u + 4.0 * v, 4.0 * u + 2.0 * v


@kernel(inline="always")
def booth_hess(q, x, y):
    return 10.0, 8.0, 10.0


@kernel(inline="always")
def matyas(q, x, y):
    return 0.26 * (x * x + y * y) - 0.48 * x * y


@kernel(inline="always")
def matyas_grad(q, x, y):
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


@kernel(inline="always")
def matyas_hess(q, x, y):
    return 0.52, -0.48, 0.52


# --- camels -----------------------------------------------------------------------------------


@kernel(inline="always")
def three_hump_camel(q, x, y):
    x2 = x * x
    return x2 * (2.0 - 1.05 * x2 + x2 * x2 / 6.0) + x * y + y * y


@kernel(inline="always")
def three_hump_camel_grad(q, x, y):
    x2 = x * x
    return x * (4.0 - 4.2 * x2 + x2 * x2) + y, x + 2.0 * y


@kernel(inline="always")
def three_hump_camel_hess(q, x, y):
    x2 = x * x
    return 4.0 - 12.6 * x2 + 5.0 * x2 * x2, 1.0, 2.0


@kernel(inline="always")
def six_hump_camel(q, x, y):
    x2 = x * x
    y2 = y * y
    return x2 * (4.0 - 2.1 * x2 + x2 * x2 / 3.0) + x * y + y2 * (4.0 * y2 - 4.0)


@kernel(inline="always")
def six_hump_camel_grad(q, x, y):
    x2 = x * x
    y2 = y * y
    return x * (8.0 - 8.4 * x2 + 2.0 * x2 * x2) + y, x + y * (16.0 * y2 - 8.0)


@kernel(inline="always")
def six_hump_camel_hess(q, x, y):
    x2 = x * x
    return 8.0 - 25.2 * x2 + 10.0 * x2 * x2, 1.0, 48.0 * y * y - 8.0


# --- Rastrigin --------------------------------------------------------------------------------


@kernel(inline="always")
def rastrigin(q, x, y):
    a = q[0]
    return 2.0 * a + x * x + y * y - a * (math.cos(TWO_PI * x) + math.cos(TWO_PI * y))


@kernel(inline="always")
def rastrigin_grad(q, x, y):
    k = TWO_PI * q[0]
    return 2.0 * x + k * math.sin(TWO_PI * x), 2.0 * y + k * math.sin(TWO_PI * y)


@kernel(inline="always")
def rastrigin_hess(q, x, y):
    k = 2.0 * TWO_PI * math.pi * q[0]
    return 2.0 + k * math.cos(TWO_PI * x), 0.0, 2.0 + k * math.cos(TWO_PI * y)


# --- Ackley -----------------------------------------------------------------------------------


@kernel(inline="always")
def ackley(q, x, y):
    r = math.sqrt(0.5 * (x * x + y * y))
    ripple = math.exp(0.5 * (math.cos(TWO_PI * x) + math.cos(TWO_PI * y)))
    return 20.0 - 20.0 * math.exp(-0.2 * r) - ripple + math.e


@kernel(inline="always")
def ackley_grad(q, x, y):
    # The cone term's gradient 2 exp(-r/5) x / r has no limit at the origin; it is defined
    # as 0 there (safe_div), which is also the value of the symmetric subgradient.
    r = math.sqrt(0.5 * (x * x + y * y))
    cone = 2.0 * math.exp(-0.2 * r)
    ripple = math.pi * math.exp(0.5 * (math.cos(TWO_PI * x) + math.cos(TWO_PI * y)))
    return (
        cone * safe_div(x, r) + ripple * math.sin(TWO_PI * x),
        cone * safe_div(y, r) + ripple * math.sin(TWO_PI * y),
    )


@kernel(inline="always")
def ackley_hess(q, x, y):
    # The cone -20 exp(-r/5), r = sqrt((x^2 + y^2)/2), has no curvature at its tip (it is
    # infinitely sharp): nan there, which the API reports as "not defined at this point".
    r2 = 0.5 * (x * x + y * y)
    r = math.sqrt(r2)
    if r == 0.0:
        return math.nan, math.nan, math.nan
    e = 2.0 * math.exp(-0.2 * r)
    k = 0.1 / r2 + 0.5 / (r2 * r)
    ripple = math.exp(0.5 * (math.cos(TWO_PI * x) + math.cos(TWO_PI * y)))
    pi2 = math.pi * math.pi
    sx, sy = math.sin(TWO_PI * x), math.sin(TWO_PI * y)
    hxx = e * (1.0 / r - k * x * x) + pi2 * ripple * (2.0 * math.cos(TWO_PI * x) - sx * sx)
    hyy = e * (1.0 / r - k * y * y) + pi2 * ripple * (2.0 * math.cos(TWO_PI * y) - sy * sy)
    hxy = -e * k * x * y - pi2 * ripple * sx * sy
    return hxx, hxy, hyy


# --- Styblinski-Tang --------------------------------------------------------------------------


@kernel(inline="always")
def styblinski_tang(q, x, y):
    x2 = x * x
    y2 = y * y
    return 0.5 * (x2 * (x2 - 16.0) + 5.0 * x + y2 * (y2 - 16.0) + 5.0 * y)


@kernel(inline="always")
def styblinski_tang_grad(q, x, y):
    return x * (2.0 * x * x - 16.0) + 2.5, y * (2.0 * y * y - 16.0) + 2.5


@kernel(inline="always")
def styblinski_tang_hess(q, x, y):
    return 6.0 * x * x - 16.0, 0.0, 6.0 * y * y - 16.0


# --- Goldstein-Price --------------------------------------------------------------------------


@kernel(inline="always")
def goldstein_price(q, x, y):
    s = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    return (1.0 + s * s * a) * (30.0 + t * t * b)


@kernel(inline="always")
def goldstein_price_grad(q, x, y):
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


@kernel(inline="always")
def goldstein_price_hess(q, x, y):
    # f = F G with F = 1 + s^2 A, G = 30 + t^2 B (the names of goldstein_price_grad); F
    # depends on x + y only through s and A, so its second derivatives are all equal.
    s = x + y + 1.0
    t = 2.0 * x - 3.0 * y
    a = 19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y
    b = 18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y
    a1 = 6.0 * (x + y) - 14.0
    bx = 24.0 * x - 36.0 * y - 32.0
    by = 54.0 * y - 36.0 * x + 48.0
    first = 1.0 + s * s * a
    second = 30.0 + t * t * b
    f1 = 2.0 * s * a + s * s * a1
    f2 = 2.0 * a + 4.0 * s * a1 + 6.0 * s * s
    gx = 4.0 * t * b + t * t * bx
    gy = -6.0 * t * b + t * t * by
    gxx = 8.0 * b + 8.0 * t * bx + 24.0 * t * t
    gxy = -12.0 * b + 4.0 * t * by - 6.0 * t * bx - 36.0 * t * t
    gyy = 18.0 * b - 12.0 * t * by + 54.0 * t * t
    return (
        f2 * second + 2.0 * f1 * gx + first * gxx,
        f2 * second + f1 * gy + f1 * gx + first * gxy,
        f2 * second + 2.0 * f1 * gy + first * gyy,
    )


# --- Levi N.13 --------------------------------------------------------------------------------


@kernel(inline="always")
def levi_n13(q, x, y):
    sx = math.sin(THREE_PI * x)
    s3y = math.sin(THREE_PI * y)
    s2y = math.sin(TWO_PI * y)
    u = x - 1.0
    v = y - 1.0
    return sx * sx + u * u * (1.0 + s3y * s3y) + v * v * (1.0 + s2y * s2y)


@kernel(inline="always")
def levi_n13_grad(q, x, y):
    sx = math.sin(THREE_PI * x)
    s3y = math.sin(THREE_PI * y)
    s2y = math.sin(TWO_PI * y)
    u = x - 1.0
    v = y - 1.0
    dx = 6.0 * math.pi * sx * math.cos(THREE_PI * x) + 2.0 * u * (1.0 + s3y * s3y)
    dy = (
        6.0 * math.pi * u * u * s3y * math.cos(THREE_PI * y)
        + 2.0 * v * (1.0 + s2y * s2y)
        + 4.0 * math.pi * v * v * s2y * math.cos(TWO_PI * y)
    )
    return dx, dy


@kernel(inline="always")
def levi_n13_hess(q, x, y):
    s3y = math.sin(THREE_PI * y)
    c3y = math.cos(THREE_PI * y)
    s2y = math.sin(TWO_PI * y)
    c2y = math.cos(TWO_PI * y)
    u = x - 1.0
    v = y - 1.0
    pi2 = math.pi * math.pi
    hxx = 18.0 * pi2 * math.cos(2.0 * THREE_PI * x) + 2.0 * (1.0 + s3y * s3y)
    hxy = 12.0 * math.pi * u * s3y * c3y
    hyy = (
        18.0 * pi2 * u * u * math.cos(2.0 * THREE_PI * y)
        + 2.0 * (1.0 + s2y * s2y)
        + 16.0 * math.pi * v * s2y * c2y
        + 8.0 * pi2 * v * v * math.cos(2.0 * TWO_PI * y)
    )
    return hxx, hxy, hyy
