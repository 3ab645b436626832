"""The twelve update rules, each written once, with torch.optim's arithmetic.

A rule is ``rule(h, c, state, g, p, t, step)``: ``h`` the run's hyperparameters in the order of
the rule's ``*_ARGS`` (booleans as 0.0 or 1.0), ``c`` the step's coefficients (below), ``state``
an array of shape (STATE_ROWS, n) whose leading rows are the rule's ``*_STATE`` buffers (updated
in place), ``g`` the gradient, ``p`` the parameters, ``t`` the 1-based step count (torch's
``state["step"]`` after its increment). It writes the step into ``step``; the new parameters
are ``p + step``. Vectors have any length n: a point on a surface (n = 1 or 2) or a network's
flat parameters.

What depends on the step count alone — Adam's bias corrections, NAdam's momentum schedule,
RAdam's rectification — is the rule's *coefficients*: ``coefficients(code, h, t, c)`` writes
them, from every hyperparameter but the learning rate, so a walk computes them once per step
for all the runs that share them (a learning-rate sweep: once for all 512 lrs).

The arithmetic follows torch's single-tensor CPU code operation by operation: the same
defaults, ``lerp`` for running means, the per-step coefficients (bias corrections) computed
once per step from ``t``, epsilon added where torch adds it, the learning rate folded in where
``addcdiv`` folds it. As in torch, a term whose coefficient is zero (weight decay, momentum) is
left out. torch's compiled kernels fuse some multiply-adds (FMA), which this code does not, so
paths agree with torch to about 1e-15 relative rather than bit for bit
(``bench/compare_torch.py`` measures it). Powers of a step count are taken as ``b ** float(t)``:
the C library's ``pow``, as Python's float power computes them in torch's optimizer code.
"""

from __future__ import annotations

import math

from app.numerics.kernels import kernel

STATE_ROWS = 3
"""Rows of the state array: the most buffers any rule keeps (Adam with amsgrad, NAdam, RMSprop
centered with momentum)."""

# The codes the walk dispatches on; ``app.numerics.optimizers`` gives each catalogue entry one.
SGD, ADAGRAD, RMSPROP, ADADELTA, ADAM, ADAMW, NADAM, RADAM, ADAMAX, LION = range(10)

SGD_ARGS = ("lr", "momentum", "dampening", "weight_decay", "nesterov")
SGD_STATE = ("momentum_buffer",)
ADAGRAD_ARGS = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")
ADAGRAD_STATE = ("sum",)
RMSPROP_ARGS = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")
RMSPROP_STATE = ("square_avg", "grad_avg", "momentum_buffer")
ADADELTA_ARGS = ("lr", "rho", "eps", "weight_decay")
ADADELTA_STATE = ("square_avg", "acc_delta")
ADAM_ARGS = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad")
ADAM_STATE = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")
NADAM_ARGS = ("lr", "beta1", "beta2", "eps", "weight_decay", "momentum_decay",
              "decoupled_weight_decay")  # fmt: skip
NADAM_STATE = ("exp_avg", "exp_avg_sq", "mu_product")
RADAM_ARGS = ("lr", "beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay")
RADAM_STATE = ("exp_avg", "exp_avg_sq")
ADAMAX_ARGS = ("lr", "beta1", "beta2", "eps", "weight_decay")
ADAMAX_STATE = ("exp_avg", "exp_inf")
LION_ARGS = ("lr", "beta1", "beta2", "weight_decay")
LION_STATE = ("exp_avg",)


# --- pieces shared by the rules ------------------------------------------------------------


@kernel(inline="always")
def lerp(start, end, weight):
    """torch.lerp(start, end, weight) as torch rounds it: ``start + w (end - start)`` for
    w < 0.5, else ``end - (end - start)(1 - w)``, so each branch is exact at its own end (with
    beta1 = 0 the running mean is the gradient, bit for bit)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


@kernel(inline="always")
def maximum(a, b):
    """numpy.maximum: nan if either is nan."""
    if a != a or b != b:
        return math.nan
    return a if a >= b else b


@kernel(inline="always")
def sign(a):
    """numpy.sign: -1, 0 or 1, and nan for nan."""
    if a > 0.0:
        return 1.0
    if a < 0.0:
        return -1.0
    return a


@kernel(inline="always")
def coupled(g, p, weight_decay):
    """The L2 penalty folded into the gradient before the rule (torch's default)."""
    return g + weight_decay * p if weight_decay != 0.0 else g


@kernel(inline="always")
def decoupled(step, p, lr, weight_decay):
    """Decay applied to the parameters beside the rule (AdamW, Lion): p (1 - lr wd) + step.

    torch multiplies p by the factor, whose rounding recurs every step; adding -lr wd p instead
    would drift by about t ulps. ``p * factor - p`` is exact (Sterbenz, factor >= 0.5), so
    ``p + result`` lands where torch's ``p * factor + rule`` does, up to one rounding."""
    if weight_decay == 0.0:
        return step
    factor = 1.0 - lr * weight_decay
    return (p * factor - p) + step


COEFFICIENTS = 4
"""The most per-step coefficients any rule has (RAdam's)."""


# --- the rules and their coefficients ------------------------------------------------------


@kernel(inline="always")
def sgd(h, c, state, g, p, t, step):
    lr, momentum, dampening, weight_decay, nesterov = h[0], h[1], h[2], h[3], h[4] != 0.0
    keep = 1.0 - dampening
    for i in range(g.size):
        gi = coupled(g[i], p[i], weight_decay)
        if momentum != 0.0:
            buf = gi if t == 1 else state[0, i] * momentum + keep * gi
            state[0, i] = buf
            step[i] = -lr * (gi + momentum * buf if nesterov else buf)
        else:
            step[i] = -lr * gi


@kernel
def adagrad_coefficients(h, t, c):
    c[0] = 1 + (t - 1) * h[1]  # the learning rate's decay: lr / (1 + (t - 1) lr_decay)


@kernel(inline="always")
def adagrad(h, c, state, g, p, t, step):
    lr, weight_decay, eps = h[0], h[2], h[4]
    clr = -(lr / c[0])
    for i in range(g.size):
        gi = coupled(g[i], p[i], weight_decay)
        total = state[0, i] + gi * gi
        state[0, i] = total
        step[i] = clr * gi / (math.sqrt(total) + eps)


@kernel(inline="always")
def rmsprop(h, c, state, g, p, t, step):
    lr, alpha, eps, weight_decay, momentum, centered = h[0], h[1], h[2], h[3], h[4], h[5] != 0.0
    keep = 1.0 - alpha
    for i in range(g.size):
        gi = coupled(g[i], p[i], weight_decay)
        square_avg = state[0, i] * alpha + keep * gi * gi
        state[0, i] = square_avg
        if centered:
            grad_avg = lerp(state[1, i], gi, keep)
            state[1, i] = grad_avg
            avg = math.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            avg = math.sqrt(square_avg) + eps
        if momentum != 0.0:
            buf = state[2, i] * momentum + gi / avg
            state[2, i] = buf
            step[i] = -lr * buf
        else:
            step[i] = -lr * gi / avg


@kernel(inline="always")
def adadelta(h, c, state, g, p, t, step):
    lr, rho, eps, weight_decay = h[0], h[1], h[2], h[3]
    keep = 1.0 - rho
    for i in range(g.size):
        gi = coupled(g[i], p[i], weight_decay)
        square_avg = state[0, i] * rho + keep * gi * gi
        delta = math.sqrt(state[1, i] + eps) / math.sqrt(square_avg + eps) * gi
        state[0, i] = square_avg
        state[1, i] = state[1, i] * rho + keep * delta * delta
        step[i] = -lr * delta


@kernel
def adam_coefficients(h, t, c):
    beta1, beta2 = h[1], h[2]
    c[0] = 1 - beta1 ** float(t)
    c[1] = (1 - beta2 ** float(t)) ** 0.5


@kernel(inline="always")
def _adam(h, c, state, g, p, t, step, decoupled_decay):
    lr, beta1, beta2, eps, weight_decay, amsgrad = h[0], h[1], h[2], h[3], h[4], h[5] != 0.0
    keep2 = 1.0 - beta2
    correction2_sqrt = c[1]
    neg_step_size = -(lr / c[0])
    for i in range(g.size):
        gi = g[i] if decoupled_decay else coupled(g[i], p[i], weight_decay)
        exp_avg = lerp(state[0, i], gi, 1.0 - beta1)
        exp_avg_sq = state[1, i] * beta2 + keep2 * gi * gi
        state[0, i] = exp_avg
        state[1, i] = exp_avg_sq
        if amsgrad:
            largest = maximum(state[2, i], exp_avg_sq)
            state[2, i] = largest
            denom = math.sqrt(largest) / correction2_sqrt + eps
        else:
            denom = math.sqrt(exp_avg_sq) / correction2_sqrt + eps
        s = neg_step_size * exp_avg / denom
        step[i] = decoupled(s, p[i], lr, weight_decay) if decoupled_decay else s


@kernel(inline="always")
def adam(h, c, state, g, p, t, step):
    _adam(h, c, state, g, p, t, step, False)


@kernel(inline="always")
def adamw(h, c, state, g, p, t, step):
    """Adam with the weight decay applied to the parameters (the same hyperparameters)."""
    _adam(h, c, state, g, p, t, step, True)


@kernel
def nadam_coefficients(h, t, c):
    beta1, beta2, momentum_decay = h[1], h[2], h[5]
    # Dozat's momentum warm-up: mu_t rises from beta1 / 2 towards beta1.
    c[0] = 1 - beta2 ** float(t)
    c[1] = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
    c[2] = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))


@kernel(inline="always")
def nadam(h, c, state, g, p, t, step):
    lr, beta1, beta2, eps, weight_decay = h[0], h[1], h[2], h[3], h[4]
    decoupled_decay = h[6] != 0.0
    keep2 = 1.0 - beta2
    correction2, mu, mu_next = c[0], c[1], c[2]
    for i in range(g.size):
        gi = g[i] if decoupled_decay else coupled(g[i], p[i], weight_decay)
        mu_product = state[2, i] * mu
        mu_product_next = mu_product * mu_next
        exp_avg = lerp(state[0, i], gi, 1.0 - beta1)
        exp_avg_sq = state[1, i] * beta2 + keep2 * gi * gi
        state[0, i], state[1, i], state[2, i] = exp_avg, exp_avg_sq, mu_product
        denom = math.sqrt(exp_avg_sq / correction2) + eps
        s = (-lr * (1.0 - mu) / (1.0 - mu_product)) * gi / denom + (
            -lr * mu_next / (1.0 - mu_product_next)
        ) * exp_avg / denom
        step[i] = decoupled(s, p[i], lr, weight_decay) if decoupled_decay else s


@kernel
def radam_coefficients(h, t, c):
    beta1, beta2 = h[1], h[2]
    correction1, correction2 = 1 - beta1 ** float(t), 1 - beta2 ** float(t)
    # rho: length of the approximated simple moving average; the variance of the adaptive rate
    # is tractable only once rho_t > 5 (Liu et al., section 3).
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2 ** float(t)) / correction2
    c[0], c[1], c[2], c[3] = correction1, 0.0, 0.0, 0.0
    if rho_t > 5.0:
        c[1] = correction2**0.5
        rect = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        c[2] = rect**0.5
        c[3] = 1.0  # rectified


@kernel(inline="always")
def radam(h, c, state, g, p, t, step):
    lr, beta1, beta2, eps, weight_decay = h[0], h[1], h[2], h[3], h[4]
    decoupled_decay = h[5] != 0.0
    keep2 = 1.0 - beta2
    correction1, correction2_sqrt, rect, rectified = c[0], c[1], c[2], c[3] != 0.0
    for i in range(g.size):
        gi = g[i] if decoupled_decay else coupled(g[i], p[i], weight_decay)
        exp_avg = lerp(state[0, i], gi, 1.0 - beta1)
        exp_avg_sq = state[1, i] * beta2 + keep2 * gi * gi
        state[0, i], state[1, i] = exp_avg, exp_avg_sq
        plain = exp_avg / correction1 * lr
        if rectified:
            s = -(plain * (correction2_sqrt / (math.sqrt(exp_avg_sq) + eps)) * rect)
        else:
            s = -plain
        step[i] = decoupled(s, p[i], lr, weight_decay) if decoupled_decay else s


@kernel
def adamax_coefficients(h, t, c):
    c[0] = 1 - h[1] ** float(t)


@kernel(inline="always")
def adamax(h, c, state, g, p, t, step):
    lr, beta1, beta2, eps, weight_decay = h[0], h[1], h[2], h[3], h[4]
    neg_step_size = -(lr / c[0])
    for i in range(g.size):
        gi = coupled(g[i], p[i], weight_decay)
        exp_avg = lerp(state[0, i], gi, 1.0 - beta1)
        exp_inf = maximum(state[1, i] * beta2, abs(gi) + eps)
        state[0, i], state[1, i] = exp_avg, exp_inf
        step[i] = neg_step_size * exp_avg / exp_inf


@kernel(inline="always")
def lion(h, c, state, g, p, t, step):
    lr, beta1, beta2, weight_decay = h[0], h[1], h[2], h[3]
    keep1, keep2 = 1.0 - beta1, 1.0 - beta2
    for i in range(g.size):
        direction = sign(beta1 * state[0, i] + keep1 * g[i])
        state[0, i] = beta2 * state[0, i] + keep2 * g[i]
        step[i] = decoupled(-lr * direction, p[i], lr, weight_decay)


# --- dispatch --------------------------------------------------------------------------------


@kernel(inline="always")
def initialise(code, h, state):
    """The state before step 1: zeros, except Adagrad's initial sum and NAdam's mu product."""
    state[:] = 0.0
    if code == ADAGRAD:
        state[0, :] = h[3]
    elif code == NADAM:
        state[2, :] = 1.0


@kernel
def has_coefficients(code):
    return code in (ADAGRAD, ADAM, ADAMW, NADAM, RADAM, ADAMAX)


@kernel
def coefficients(code, h, t, c):
    """Rule ``code``'s coefficients at step ``t`` into ``c`` (``has_coefficients``)."""
    if code == ADAGRAD:
        adagrad_coefficients(h, t, c)
    elif code in (ADAM, ADAMW):
        adam_coefficients(h, t, c)
    elif code == NADAM:
        nadam_coefficients(h, t, c)
    elif code == RADAM:
        radam_coefficients(h, t, c)
    elif code == ADAMAX:
        adamax_coefficients(h, t, c)


@kernel(inline="always")
def update(code, h, c, state, g, p, t, step):
    """Rule ``code`` (one of the codes above) for one step; see the module's docstring."""
    if code == SGD:
        sgd(h, c, state, g, p, t, step)
    elif code == ADAGRAD:
        adagrad(h, c, state, g, p, t, step)
    elif code == RMSPROP:
        rmsprop(h, c, state, g, p, t, step)
    elif code == ADADELTA:
        adadelta(h, c, state, g, p, t, step)
    elif code == ADAM:
        adam(h, c, state, g, p, t, step)
    elif code == ADAMW:
        adamw(h, c, state, g, p, t, step)
    elif code == NADAM:
        nadam(h, c, state, g, p, t, step)
    elif code == RADAM:
        radam(h, c, state, g, p, t, step)
    elif code == ADAMAX:
        adamax(h, c, state, g, p, t, step)
    else:
        lion(h, c, state, g, p, t, step)
