"""A multilayer perceptron's forward pass, its backprop and its training, compiled.

The network is ``sizes = [inputs, hidden..., outputs]``; its parameters are one flat vector in
torch's order (``nn.Sequential(...).parameters()``): for each layer its weight ``[out][in]``
row by row, then its bias ``[out]``. Hidden layers apply the activation (``TANH``, ``RELU``,
``SIGMOID``), the output layer is linear: one logit per class under the mean cross-entropy, or
one output under the mean squared error.

Every layer's values are a matrix ``values[layer, unit, example]`` (layer 0 is the input;
a workspace as wide as the widest layer, each layer using its first units). The forward pass
keeps them, and the backward pass reuses them: an activation's slope is written with its output
(tanh' = 1 - a^2, sigmoid' = a (1 - a), relu' = [a > 0]), so nothing is computed twice.
``deltas`` has the same layout and holds d loss / d z for each layer's pre-activations, from the
output down: layer l's deltas give its weights' gradient (delta^T a_{layer-1}) and, through its
weights, the deltas of the layer below, "reusing the gradient already computed for the layer
above".

The inner loops run over the examples (a unit's values are contiguous) or, for the weights'
gradient, along the wider side of the layer, so the compiler keeps them in vector registers;
every sum runs in a fixed order (over inputs k, over units j, over examples in their order), so
a result is the same bits on every run.
"""

from __future__ import annotations

import math

import numpy as np

from app.numerics.kernels import kernel, rules
from app.numerics.kernels import walk as w

TANH, RELU, SIGMOID = range(3)
"""Activation codes."""
CROSS_ENTROPY, SQUARED_ERROR = range(2)
"""Loss codes: classification (integer labels) or regression (one output)."""


POWERS_OF_TWO = 2.0 ** np.arange(64)
"""2^0 ... 2^63, exact: tanh's 2^n read from a table (a constant in the compiled code), which
measured 13% faster than six conditional products."""


@kernel(inline="always")
def tanh(z):
    """tanh in arithmetic only (no call into libm), so a loop of it is vectorised, with one
    division: within 2 ulps of numpy's tanh (``tests/numerics/test_networks.py`` checks a
    million points), with its sign (tanh -0 is -0). Cephes' tanh: below 0.625, x + x^3 P(x^2) /
    Q(x^2); above, 1 - 2 / (exp(2x) + 1) with Cephes' exp (2x = n ln 2 + r in two parts,
    exp(r) = (q + p) / (q - p) a Pade form in r) and 2^n from a table of exact powers, written
    as one fraction; 1 from 20 on (tanh 20 rounds to 1). Both forms are computed and one kept
    (no branch in the loop), and the division is done once, on the kept one: it was three
    divisions, the forward pass's largest cost."""
    x = abs(z)
    s = x * x
    p = (-9.64399179425052238628e-1 * s - 9.92877231001918586564e1) * s
    p = p - 1.61468768441708447952e3
    q = ((s + 1.12811678491632931402e2) * s + 2.23548839060100448583e3) * s
    q = q + 4.84406305325125486048e3
    small_top, small_bottom = x * s * p, q  # x + small_top / small_bottom
    y = 2.0 * (20.0 if x > 20.0 else x)  # a nan stays nan
    n = math.floor(1.4426950408889634073599 * y + 0.5)
    r = y - n * 6.93145751953125e-1
    r = r - n * 1.42860682030941723212e-6
    rr = r * r
    p = (1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr
    p = r * (p + 9.99999999999999999910e-1)
    q = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
         + 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0  # fmt: skip
    f = POWERS_OF_TWO[int(n) if n == n else 0]  # 2^n, 0 <= n <= 58 (a nan reads 2^0)
    # 1 - 2 / (e f + 1) with e = (q + p) / (q - p): 1 - 2 (q - p) / ((q + p) f + (q - p))
    big_top, big_bottom = 2.0 * (q - p), (q + p) * f + (q - p)
    chosen = x < 0.625
    quotient = (small_top if chosen else big_top) / (small_bottom if chosen else big_bottom)
    return math.copysign(x + quotient if chosen else 1.0 - quotient, z)


@kernel(inline="always")
def activate(act, z):
    if act == TANH:
        return tanh(z)
    if act == RELU:
        return z if z > 0.0 else 0.0
    return 1.0 / (1.0 + math.exp(-z))


@kernel(inline="always")
def slope(act, a):
    """The activation's derivative, from its output ``a``."""
    if act == TANH:
        return 1.0 - a * a
    if act == RELU:
        return 1.0 if a > 0.0 else 0.0
    return a * (1.0 - a)


@kernel
def offsets(sizes):
    """Where each layer's units start in a row of the flat layout (and the row's width, last)."""
    out = np.zeros(sizes.size + 1, dtype=np.int64)
    for i in range(sizes.size):
        out[i + 1] = out[i] + sizes[i]
    return out


@kernel
def workspace(sizes, m):
    """The buffers ``forward`` and ``backprop`` use for up to ``m`` examples: the values and
    the deltas (layers + 1, widest, m), a transpose (2, m, widest) and a (widest, widest)."""
    wide = 1
    for s in sizes:
        wide = max(wide, s)
    m = max(m, 1)
    return (np.empty((sizes.size, wide, m)), np.empty((sizes.size, wide, m)),
            np.empty((2, m, wide)), np.empty((wide, wide)))  # fmt: skip


@kernel
def forward(sizes, act, theta, x, rows, values):
    """The values of every layer for the examples ``x[rows]`` into ``values[layer, unit, i]``
    (layer 0 is the input); each unit's pre-activation is its bias, then ``w[j, k] a[k]`` added
    for k in order, over every example at once (the inner loop, which the compiler vectorises).
    """
    m = rows.size
    for i in range(m):
        for k in range(sizes[0]):
            values[0, k, i] = x[rows[i], k]
    start = 0
    layers = sizes.size - 1
    for layer in range(layers):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        bias = start + n_in * n_out
        for j in range(n_out):
            z = values[layer + 1, j]
            b = theta[bias + j]
            for i in range(m):
                z[i] = b
            for k in range(n_in):
                w = theta[start + j * n_in + k]
                a = values[layer, k]
                for i in range(m):
                    z[i] += a[i] * w
            if layer < layers - 1 and act == TANH:  # a loop of its own: vectorised
                for i in range(m):
                    z[i] = tanh(z[i])
            elif layer < layers - 1:
                for i in range(m):
                    z[i] = activate(act, z[i])
        start = bias + n_out


@kernel
def output_loss(sizes, loss, y, rows, values, deltas, backward):
    """The mean loss of the outputs against ``y[rows]``, the number classified right, and with
    ``backward`` d loss / d output into the last layer of ``deltas``."""
    last, n_out = sizes.size - 1, sizes[sizes.size - 1]
    out, d_out = values[last], deltas[last]
    m = rows.size
    total, correct = 0.0, 0
    for i in range(m):
        if loss == SQUARED_ERROR:
            r = out[0, i] - y[rows[i]]
            total += r * r
            if backward:
                d_out[0, i] = 2.0 * r / m
            continue
        # log-softmax as torch computes it: (z_j - max) - log(sum exp(z - max)); the softmax
        # for the gradient as exp(z_j - max) / sum (torch: exp(log-softmax), the same value up
        # to rounding), from the exponentials the sum took, so one exponential per class but
        # the largest (exp(0) is 1)
        label = int(y[rows[i]])
        top, best = out[0, i], 0
        for j in range(1, n_out):
            if out[j, i] > top:
                top, best = out[j, i], j
        s = 0.0
        for j in range(n_out):
            e = 1.0 if j == best else math.exp(out[j, i] - top)
            s += e
            if backward:
                d_out[j, i] = e
        log_s = math.log(s)
        total += log_s - (out[label, i] - top)
        correct += best == label
        if backward:
            for j in range(n_out):
                d_out[j, i] = (d_out[j, i] / s - (1.0 if j == label else 0.0)) / m
    return total / m, correct


@kernel
def backprop(sizes, act, theta, values, deltas, m, grad, flip, square):
    """The gradient of the loss into ``grad`` (theta's layout), layer by layer from the output
    down, from ``output_loss``'s deltas and the values ``forward`` kept.

    Each weight's gradient is the sum over the examples, in their order, of delta_j a_k; the
    sums run side by side along the wider of the layer's two sides (``flip`` holds the other
    side's values transposed, ``square`` the sums before they go to theta's layout), so the
    inner loop is contiguous and vectorised while each sum keeps its order. The sums are
    register-blocked without reordering them: four examples (or, for the deltas below, four
    units) are added per pass, ``g = g + t0 + t1 + t2 + t3`` evaluated left to right, the same
    additions in the same order as one at a time, with a quarter of the loads and stores of
    ``g`` and a quarter of the short inner loops' entries (their set-up cost dominated)."""
    layers = sizes.size - 1
    end = grad.size
    quad = m - m % 4  # the examples taken four at a time, the rest one by one
    for layer in range(layers - 1, -1, -1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        start = end - n_out - n_in * n_out
        bias = start + n_in * n_out
        a, d = values[layer], deltas[layer + 1]
        d_t = flip[0]
        for i in range(m):  # the transposes store contiguously (faster than loading so)
            for j in range(n_out):
                d_t[i, j] = d[j, i]
        g = grad[bias : bias + n_out]
        for j in range(n_out):
            g[j] = 0.0
        for i in range(0, quad, 4):
            r0, r1, r2, r3 = d_t[i], d_t[i + 1], d_t[i + 2], d_t[i + 3]
            for j in range(n_out):
                g[j] = g[j] + r0[j] + r1[j] + r2[j] + r3[j]
        for i in range(quad, m):
            for j in range(n_out):
                g[j] += d_t[i, j]
        if n_out >= n_in:  # sums along j: square[k, j] = sum_i a[k, i] d[j, i]
            for k in range(n_in):
                g = square[k]
                for j in range(n_out):
                    g[j] = 0.0
                a_k = a[k]
                for i in range(0, quad, 4):
                    s0, s1, s2, s3 = a_k[i], a_k[i + 1], a_k[i + 2], a_k[i + 3]
                    r0, r1, r2, r3 = d_t[i], d_t[i + 1], d_t[i + 2], d_t[i + 3]
                    for j in range(n_out):
                        g[j] = g[j] + r0[j] * s0 + r1[j] * s1 + r2[j] * s2 + r3[j] * s3
                for i in range(quad, m):
                    s = a_k[i]
                    row = d_t[i]
                    for j in range(n_out):
                        g[j] += row[j] * s
            for j in range(n_out):
                for k in range(n_in):
                    grad[start + j * n_in + k] = square[k, j]
        else:  # sums along k, straight into grad[start + j * n_in + k]
            a_t = flip[1]
            for i in range(m):
                for k in range(n_in):
                    a_t[i, k] = a[k, i]
            for j in range(n_out):
                base = start + j * n_in
                g = grad[base : base + n_in]
                for k in range(n_in):
                    g[k] = 0.0
                d_j = d[j]
                for i in range(0, quad, 4):
                    s0, s1, s2, s3 = d_j[i], d_j[i + 1], d_j[i + 2], d_j[i + 3]
                    r0, r1, r2, r3 = a_t[i], a_t[i + 1], a_t[i + 2], a_t[i + 3]
                    for k in range(n_in):
                        g[k] = g[k] + s0 * r0[k] + s1 * r1[k] + s2 * r2[k] + s3 * r3[k]
                for i in range(quad, m):
                    s = d_j[i]
                    row = a_t[i]
                    for k in range(n_in):
                        g[k] += s * row[k]
        if layer > 0:  # the deltas of the layer below, through this layer's weights
            below = deltas[layer]
            for k in range(n_in):
                b = below[k]
                for i in range(m):
                    b[i] = 0.0
                j = 0
                while j + 4 <= n_out:  # four units at a pass over b, added in order
                    at = start + j * n_in + k
                    w0, w1 = theta[at], theta[at + n_in]
                    w2, w3 = theta[at + 2 * n_in], theta[at + 3 * n_in]
                    d0, d1, d2, d3 = d[j], d[j + 1], d[j + 2], d[j + 3]
                    for i in range(m):
                        b[i] = b[i] + d0[i] * w0 + d1[i] * w1 + d2[i] * w2 + d3[i] * w3
                    j += 4
                for rest in range(j, n_out):
                    w = theta[start + rest * n_in + k]
                    d_j = d[rest]
                    for i in range(m):
                        b[i] += d_j[i] * w
                a_k = a[k]
                for i in range(m):
                    b[i] *= slope(act, a_k[i])
        end = start


@kernel
def evaluate(sizes, act, loss, theta, x, y, rows, work, grad, backward):
    """Mean loss and correct count over ``x[rows]``; with ``backward`` the gradient too
    (``work``: a ``workspace`` for at least ``rows.size`` examples)."""
    values, deltas, flip, square = work
    forward(sizes, act, theta, x, rows, values)
    value, correct = output_loss(sizes, loss, y, rows, values, deltas, backward)
    if backward:
        backprop(sizes, act, theta, values, deltas, rows.size, grad, flip, square)
    return value, correct


@kernel
def loss_grad(sizes, act, loss, theta, x, y, grad, values):
    """From Python: the mean loss over every example and its gradient into ``grad``; the
    forward values into ``values`` (n, sum(sizes)), layer after layer along a row."""
    n = x.shape[0]
    rows = np.arange(n)
    work = workspace(sizes, n)
    value, _ = evaluate(sizes, act, loss, theta, x, y, rows, work, grad, True)
    col = offsets(sizes)
    for layer in range(sizes.size):
        for j in range(sizes[layer]):
            for i in range(n):
                values[i, col[layer] + j] = work[0][layer, j, i]
    return value


@kernel
def losses_at(sizes, act, loss, thetas, x, y, out):
    """From Python: the mean loss over every example at each row of ``thetas`` (the gradient
    check's forward passes)."""
    rows = np.arange(x.shape[0])
    work = workspace(sizes, x.shape[0])
    unused = np.empty(0)
    for r in range(thetas.shape[0]):
        out[r], _ = evaluate(sizes, act, loss, thetas[r], x, y, rows, work, unused, False)


@kernel
def predict(sizes, act, loss, thetas, x, out):
    """Each row of ``thetas`` on every row of ``x``: the class probabilities (softmax)
    into ``out[r, :, i]``, or the regression's output into ``out[r, 0, i]``."""
    last, n_out = sizes.size - 1, sizes[sizes.size - 1]
    chunk = 256
    values = workspace(sizes, min(chunk, x.shape[0]))[0]
    top, s = np.empty(chunk), np.empty(chunk)
    for r in range(thetas.shape[0]):
        for first in range(0, x.shape[0], chunk):
            rows = np.arange(first, min(first + chunk, x.shape[0]))
            m = rows.size
            forward(sizes, act, thetas[r], x, rows, values)
            z = values[last]
            if loss == SQUARED_ERROR:
                for i in range(m):
                    out[r, 0, first + i] = z[0, i]
                continue
            for i in range(m):
                top[i] = z[0, i]
                s[i] = 0.0
            for j in range(1, n_out):
                for i in range(m):
                    top[i] = max(top[i], z[j, i])
            for j in range(n_out):  # the exponentials kept in out, then divided by their sum
                o = out[r, j]
                for i in range(m):
                    e = math.exp(z[j, i] - top[i])
                    o[first + i] = e
                    s[i] += e
            for j in range(n_out):
                o = out[r, j]
                for i in range(m):
                    o[first + i] /= s[i]


@kernel
def train(
    sizes, act, loss, x, y, xt, yt, theta0, codes, hps, steps, grad_tol, max_loss, max_coord,
    orders, batch_starts, batch_ends, scales, snap_steps,
    losses, test_losses, accuracies, test_accuracies, layer_norms, snapshots,
    status, stopped_at, reasons, finals,
):  # fmt: skip
    """Train one network per run from ``theta0``, with the surfaces' stop rules (``walk``).

    Run r: rule ``codes[r]`` with hyperparameters ``hps[r]``; with mini-batches update k+1
    sees the examples ``orders[r, batch_starts[k]:batch_ends[k]]`` (empty ``orders``: full
    batch); ``scales`` (runs, steps) multiplies each step (a schedule), empty when off. At each
    point k: the loss and accuracy over all of ``x`` and of the test set ``xt``, each layer's
    gradient norm (of the full gradient); the parameters at the steps ``snap_steps`` into
    ``snapshots[r, s]``; ``finals[r]`` the last valid parameters.
    """
    n, n_test, size = x.shape[0], xt.shape[0], theta0.size
    layers = sizes.size - 1
    work, test_work = workspace(sizes, n), workspace(sizes, n_test)
    everyone, everyone_test = np.arange(n), np.arange(n_test)
    p, previous, g, u, step = (np.empty(size), np.empty(size), np.empty(size),
                               np.empty(size), np.empty(size))  # fmt: skip
    state = np.empty((rules.STATE_ROWS, size))
    c = np.zeros(rules.COEFFICIENTS)
    batched, scaled = orders.shape[0] > 0, scales.shape[0] > 0
    tol2 = grad_tol * grad_tol
    for r in range(codes.size):
        code, h = codes[r], hps[r]
        p[:] = theta0
        previous[:] = theta0
        rules.initialise(code, h, state)
        st, why, at = w.MAX_STEPS, w.NO_REASON, steps
        last, best = math.nan, math.inf
        first, base, streak = math.nan, math.nan, 0
        snap = 0
        for i in range(size):
            if not abs(p[i]) <= max_coord:
                st, why, at = w.DIVERGED, w.COORDINATE, 0
        k = 0
        while st == w.MAX_STEPS:
            value, correct = evaluate(sizes, act, loss, p, x, y, everyone, work, g, True)
            why, norm2 = w.unusable(value, g, size, max_loss)
            if why != w.NO_REASON:
                st, at = w.DIVERGED, k
                break
            first, base, streak = w.rising(value, last, k, first, base, streak)
            last, best = value, min(best, value)
            losses[r, k], accuracies[r, k] = value, correct / n
            end = size
            for layer in range(layers - 1, -1, -1):
                start = end - sizes[layer + 1] * (sizes[layer] + 1)
                total = 0.0
                for i in range(start, end):
                    total += g[i] * g[i]
                layer_norms[r, k, layer] = math.sqrt(total)
                end = start
            if n_test > 0:
                tv, tc = evaluate(sizes, act, loss, p, xt, yt, everyone_test, test_work, u, False)
                test_losses[r, k], test_accuracies[r, k] = tv, tc / n_test
            if snap < snap_steps.size and snap_steps[snap] == k:
                snapshots[r, snap] = p
                snap += 1
            if norm2 <= tol2:
                st, at = w.CONVERGED, k
                break
            if k == steps:
                break
            if batched:
                batch = orders[r, batch_starts[k] : batch_ends[k]]
                evaluate(sizes, act, loss, p, x, y, batch, work, u, True)
            else:
                u[:] = g
            k += 1
            if rules.has_coefficients(code):
                rules.coefficients(code, h, k, c)
            rules.update(code, h, c, state, u, p, k, step)
            factor = scales[r, k - 1] if scaled else 1.0
            for i in range(size):
                previous[i] = p[i]
                p[i] += step[i] * factor if scaled else step[i]
                if not abs(p[i]) <= max_coord:
                    st, why, at = w.DIVERGED, w.COORDINATE, k
        if st == w.MAX_STEPS and k > 0:
            why = w.trend(first, best, last, base, streak, k)
            if why != w.NO_REASON:
                st = w.DIVERGING
        status[r], stopped_at[r], reasons[r] = st, at, why
        finals[r] = previous if st == w.DIVERGED else p
