"""A multilayer perceptron's forward pass, its backprop and its training, compiled.

The network is ``sizes = [inputs, hidden..., outputs]``; its parameters are one flat vector in
torch's order (``nn.Sequential(...).parameters()``): for each layer its weight ``[out][in]``
row by row, then its bias ``[out]``. Hidden layers apply the activation (``TANH``, ``RELU``,
``SIGMOID``), the output layer is linear: one logit per class under the mean cross-entropy, or
one output under the mean squared error.

Every example's values are a row of ``values`` (m, sum(sizes)): layer l's units in the columns
from ``offsets[layer]`` (layer 0 is the input). The forward pass keeps them, and the backward pass
reuses them: an activation's slope is written with its output (tanh' = 1 - a^2, sigmoid' =
a (1 - a), relu' = [a > 0]), so nothing is computed twice. ``deltas`` has the same layout and
holds d loss / d z for each layer's pre-activations, from the output down: layer l's deltas
give its weights' gradient (delta^T a_{layer-1}) and, through its weights, the deltas of the layer
below, "reusing the gradient already computed for the layer above".

Loops run over an example's units in the inner loop (weights read transposed in the forward
pass), so the compiler keeps them in vector registers; sums run over examples in their order,
so a result is the same bits on every run.
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


@kernel(inline="always")
def activate(act, z):
    if act == TANH:
        # tanh |z| = -t / (t + 2) with t = expm1(-2 |z|): within 2 ulps of math.tanh, in
        # half its time (one expm1 and a division).
        t = math.expm1(-2.0 * abs(z))
        a = -t / (t + 2.0)
        return a if z >= 0.0 else -a
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
    """Where each layer's units start in a row of ``values`` (and the row's width, last)."""
    out = np.zeros(sizes.size + 1, dtype=np.int64)
    for i in range(sizes.size):
        out[i + 1] = out[i] + sizes[i]
    return out


@kernel
def transpose(sizes, theta, wt):
    """Every layer's weight into ``wt`` as ``[in][out]`` (biases stay where they are)."""
    start = 0
    for layer in range(sizes.size - 1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        for j in range(n_out):
            for k in range(n_in):
                wt[start + k * n_out + j] = theta[start + j * n_in + k]
        start += n_in * n_out + n_out


@kernel
def forward(sizes, act, theta, wt, x, rows, values):
    """The values of every layer for the examples ``x[rows]`` into ``values`` (m, width);
    ``wt`` holds ``theta``'s weights transposed (``transpose``)."""
    col = offsets(sizes)
    m = rows.size
    for i in range(m):
        row = values[i]
        for k in range(sizes[0]):
            row[k] = x[rows[i], k]
    start = 0
    layers = sizes.size - 1
    for layer in range(layers):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        ci, co, bias = col[layer], col[layer + 1], start + n_in * n_out
        for i in range(m):
            row = values[i]
            for j in range(n_out):
                row[co + j] = theta[bias + j]
            for k in range(n_in):
                a = row[ci + k]
                base = start + k * n_out
                for j in range(n_out):
                    row[co + j] += a * wt[base + j]
            if layer < layers - 1:
                for j in range(n_out):
                    row[co + j] = activate(act, row[co + j])
        start = bias + n_out


@kernel
def output_loss(sizes, loss, y, rows, values, deltas, backward):
    """The mean loss of the outputs against ``y[rows]``, the number classified right, and with
    ``backward`` d loss / d output into the last columns of ``deltas``."""
    col = offsets(sizes)
    co, n_out = col[sizes.size - 1], sizes[sizes.size - 1]
    m = rows.size
    total, correct = 0.0, 0
    for i in range(m):
        row = values[i]
        if loss == SQUARED_ERROR:
            r = row[co] - y[rows[i]]
            total += r * r
            if backward:
                deltas[i, co] = 2.0 * r / m
            continue
        # log-softmax as torch computes it: (z_j - max) - log(sum exp(z - max))
        label = int(y[rows[i]])
        top, best = row[co], 0
        for j in range(1, n_out):
            if row[co + j] > top:
                top, best = row[co + j], j
        s = 0.0
        for j in range(n_out):
            s += math.exp(row[co + j] - top)
        log_s = math.log(s)
        total += log_s - (row[co + label] - top)
        correct += best == label
        if backward:
            for j in range(n_out):
                p = math.exp(row[co + j] - top - log_s)
                deltas[i, co + j] = (p - (1.0 if j == label else 0.0)) / m
    return total / m, correct


@kernel
def backprop(sizes, act, theta, values, deltas, m, grad):
    """The gradient of the loss into ``grad`` (theta's layout), layer by layer from the output
    down, from ``output_loss``'s deltas and the values ``forward`` kept."""
    col = offsets(sizes)
    layers = sizes.size - 1
    end = grad.size
    for layer in range(layers - 1, -1, -1):
        n_in, n_out = sizes[layer], sizes[layer + 1]
        ci, co = col[layer], col[layer + 1]
        start = end - n_out - n_in * n_out
        bias = start + n_in * n_out
        grad[start:end] = 0.0
        for i in range(m):
            row, d_row = values[i], deltas[i]
            for j in range(n_out):
                d = d_row[co + j]
                grad[bias + j] += d
                base = start + j * n_in
                for k in range(n_in):
                    grad[base + k] += d * row[ci + k]
        if layer > 0:  # the deltas of the layer below, through this layer's weights
            for i in range(m):
                row, d_row = values[i], deltas[i]
                for k in range(n_in):
                    d_row[ci + k] = 0.0
                for j in range(n_out):
                    d = d_row[co + j]
                    base = start + j * n_in
                    for k in range(n_in):
                        d_row[ci + k] += d * theta[base + k]
                for k in range(n_in):
                    d_row[ci + k] *= slope(act, row[ci + k])
        end = start


@kernel
def evaluate(sizes, act, loss, theta, wt, x, y, rows, values, deltas, grad, backward):
    """Mean loss and correct count over ``x[rows]``; with ``backward`` the gradient too."""
    transpose(sizes, theta, wt)
    forward(sizes, act, theta, wt, x, rows, values)
    value, correct = output_loss(sizes, loss, y, rows, values, deltas, backward)
    if backward:
        backprop(sizes, act, theta, values, deltas, rows.size, grad)
    return value, correct


@kernel
def loss_grad(sizes, act, loss, theta, x, y, grad, values):
    """From Python: the mean loss over every example and its gradient into ``grad``; the
    forward values into ``values`` (n, width)."""
    rows = np.arange(x.shape[0])
    wt = np.empty(theta.size)
    deltas = np.empty_like(values)
    value, _ = evaluate(sizes, act, loss, theta, wt, x, y, rows, values, deltas, grad, True)
    return value


@kernel
def losses_at(sizes, act, loss, thetas, x, y, out):
    """From Python: the mean loss over every example at each row of ``thetas`` (the gradient
    check's forward passes)."""
    rows = np.arange(x.shape[0])
    wt = np.empty(thetas.shape[1])
    values = np.empty((x.shape[0], offsets(sizes)[-1]))
    for r in range(thetas.shape[0]):
        out[r], _ = evaluate(sizes, act, loss, thetas[r], wt, x, y, rows, values, values, wt, False)


@kernel
def predict(sizes, act, loss, thetas, x, out):
    """Each row of ``thetas`` on every row of ``x``: the class probabilities (softmax)
    into ``out[r, :, i]``, or the regression's output into ``out[r, 0, i]``."""
    col = offsets(sizes)
    co, n_out = col[sizes.size - 1], sizes[sizes.size - 1]
    chunk = 512
    values = np.empty((min(chunk, x.shape[0]), col[-1]))
    wt = np.empty(thetas.shape[1])
    for r in range(thetas.shape[0]):
        transpose(sizes, thetas[r], wt)
        for first in range(0, x.shape[0], chunk):
            rows = np.arange(first, min(first + chunk, x.shape[0]))
            forward(sizes, act, thetas[r], wt, x, rows, values)
            for i in range(rows.size):
                row = values[i]
                if loss == SQUARED_ERROR:
                    out[r, 0, first + i] = row[co]
                    continue
                top = row[co]
                for j in range(1, n_out):
                    top = max(top, row[co + j])
                s = 0.0
                for j in range(n_out):
                    s += math.exp(row[co + j] - top)
                for j in range(n_out):
                    out[r, j, first + i] = math.exp(row[co + j] - top) / s


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
    width = offsets(sizes)[-1]
    layers = sizes.size - 1
    values = np.empty((n, width))
    deltas = np.empty((n, width))
    test_values = np.empty((max(n_test, 1), width))
    wt = np.empty(size)
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
            value, correct = evaluate(
                sizes, act, loss, p, wt, x, y, everyone, values, deltas, g, True
            )
            if not abs(value) <= max_loss:
                why = w.LOSS_NOT_FINITE if not math.isfinite(value) else w.LOSS_TOO_LARGE
                st, at = w.DIVERGED, k
                break
            norm2 = 0.0
            for i in range(size):
                norm2 += g[i] * g[i]
            if not norm2 < math.inf:
                st, why, at = w.DIVERGED, w.GRADIENT_NOT_FINITE, k
                break
            if k == 0:
                first = base = value
            elif value > last:
                streak += 1
            else:
                streak, base = 0, value
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
                tv, tc = evaluate(
                    sizes, act, loss, p, wt, xt, yt, everyone_test, test_values, test_values,
                    u, False,
                )  # fmt: skip
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
                evaluate(sizes, act, loss, p, wt, x, y, batch, values, deltas, u, True)
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
