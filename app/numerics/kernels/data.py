"""Losses over a data set: the mean over examples of a per-example loss of z = w x + b.

``data`` is an array of shape (2, n): the inputs x and the targets y. ``LINEAR`` is the squared
error (z - y)^2; ``LOGISTIC`` the cross-entropy of a sigmoid, softplus(z) - y z, written so that
a large |z| neither overflows nor loses precision. A loop over the examples sums each loss and
its slope d loss / d z; the gradient in (w, b) is the mean of slope x and of slope, and the
Hessian the mean of the curvature d2 loss / d z2 times [[x^2, x], [x, 1]].
"""

from __future__ import annotations

import math

from app.numerics.kernels import kernel
from app.numerics.kernels.rules import maximum

LINEAR, LOGISTIC = 0, 1


@kernel
def term(kind, z, y):
    """(loss, d loss / d z) of one example."""
    if kind == LINEAR:
        r = z - y
        return r * r, 2.0 * r
    loss = maximum(z, 0.0) + math.log1p(math.exp(-abs(z))) - y * z
    return loss, 0.5 * (1.0 + math.tanh(0.5 * z)) - y


@kernel
def value(kind, data, w, b):
    total = 0.0
    n = data.shape[1]
    for i in range(n):
        total += term(kind, w * data[0, i] + b, data[1, i])[0]
    return total / n


@kernel
def value_grad(kind, data, w, b, grad):
    total, gw, gb = 0.0, 0.0, 0.0
    n = data.shape[1]
    for i in range(n):
        x = data[0, i]
        loss, slope = term(kind, w * x + b, data[1, i])
        total += loss
        gw += slope * x
        gb += slope
    grad[0], grad[1] = gw / n, gb / n
    return total / n


@kernel
def batch_value_grad(kind, data, indices, w, b, grad):
    """The mean loss and gradient over the examples ``indices`` (a mini-batch)."""
    total, gw, gb = 0.0, 0.0, 0.0
    for j in indices:
        x = data[0, j]
        loss, slope = term(kind, w * x + b, data[1, j])
        total += loss
        gw += slope * x
        gb += slope
    n = indices.size
    grad[0], grad[1] = gw / n, gb / n
    return total / n


@kernel
def curvature(kind, z):
    """d2 loss / d z2 of one example: 2 for the squared error, sigmoid'(z) = s (1 - s) for the
    cross-entropy (written with tanh, which neither overflows nor cancels)."""
    if kind == LINEAR:
        return 2.0
    t = math.tanh(0.5 * z)
    return 0.25 * (1.0 - t * t)


@kernel
def hessian(kind, data, w, b, hess):
    """The Hessian over (w, b) into ``hess`` (2, 2); returns the loss."""
    total, hww, hwb, hbb = 0.0, 0.0, 0.0, 0.0
    n = data.shape[1]
    for i in range(n):
        x = data[0, i]
        z = w * x + b
        total += term(kind, z, data[1, i])[0]
        c = curvature(kind, z)
        hww += c * x * x
        hwb += c * x
        hbb += c
    hess[0, 0], hess[0, 1], hess[1, 0], hess[1, 1] = hww / n, hwb / n, hwb / n, hbb / n
    return total / n
