"""Optimizers as pure ``(init, update)`` pairs with torch.optim semantics.

An `Optimizer` is a record: metadata for the page and the API, its hyperparameters with
defaults and ranges, and ``make(hp, xp)``, which binds resolved hyperparameters once and
returns a `Transform` (the optax alias pattern):

- ``init(params) -> state``: a NamedTuple named like torch's per-parameter state
  (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ...), holding only what the chosen
  options use;
- ``update(grad, state, params, t) -> (step, state)``: ``t`` is the 1-based step count
  (torch's ``state["step"]`` after its increment); the new parameters are ``params + step``.
  Inputs are never written to.

Every rule is written once against an array namespace (see ``xp.py``): plain floats for one
coordinate of one run, or numpy arrays with a leading batch axis, where any float
hyperparameter may itself be an array that broadcasts against the parameters (a sweep over
learning rates, say). Both give bit-identical results. As in torch, a term whose coefficient
is zero (weight decay, momentum) is left out; when a batch mixes zero and non-zero values, the
term is kept for every run, which changes nothing for the zero ones (RMSprop's momentum: at
most the last bit) except that their state carries the unused buffer.

The arithmetic follows torch's single-tensor CPU code operation by operation: the same
defaults, ``lerp`` for running means, bias corrections computed in Python floats, epsilon
added where torch adds it, the learning rate folded in where ``addcdiv`` folds it. torch's
compiled kernels fuse some multiply-adds (FMA), which Python cannot, and the decoupled weight
decay is applied as part of the step; trajectories therefore agree with torch to about 1e-15
relative rather than bit for bit (``bench/compare_torch.py`` measures it).
"""

from __future__ import annotations

import functools
import inspect
import itertools
import numbers
import textwrap
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np

Update = Callable[[Any, Any, Any, int], tuple[Any, Any]]


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


class Transform(NamedTuple):
    """An optimizer with its hyperparameters bound: ``init`` and ``update`` (see module doc)."""

    init: Callable[[Any], NamedTuple]
    update: Update


class HyperparameterError(ValueError):
    """Overrides that name no hyperparameter or break its range: ``problems`` maps each such
    name to a message naming it and its limit, so a caller can place one error per field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = dict(problems)


@dataclass(frozen=True)
class Optimizer:
    """One entry of the catalogue: what the page shows and how to build the transform."""

    id: str
    name: str
    description: str
    update_rule: str
    reference: str
    hyperparameters: tuple[Hyperparameter, ...]
    make: Callable[..., Transform]
    check: Callable[[Mapping[str, Any]], None] | None = None
    """Rejects (ValueError) combinations of values that torch rejects."""

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, float | bool]:
        """Every hyperparameter, defaults filled in.

        HyperparameterError names every unknown or invalid override at once; ValueError for a
        combination of valid values that torch rejects (``check``).
        """
        known = {h.name: h for h in self.hyperparameters}
        resolved: dict[str, float | bool] = {h.name: h.default for h in self.hyperparameters}
        problems: dict[str, str] = {}
        for name, value in (overrides or {}).items():
            if name not in known:
                valid = ", ".join(known)
                problems[name] = f"unknown hyperparameter for {self.id}; valid: {valid}"
                continue
            try:
                resolved[name] = _validated(known[name], value)
            except ValueError as error:
                problems[name] = str(error)
        if problems:
            raise HyperparameterError(problems)
        if self.check is not None:
            self.check(resolved)
        return resolved


def _validated(h: Hyperparameter, value: Any) -> float | bool:
    if isinstance(h.default, bool):
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"{h.name} must be true or false, not {value!r}")
        return bool(value)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{h.name} must be a number, not {value!r}")
    value = float(value)
    if not h.min <= value <= h.max:  # also rejects nan
        raise ValueError(f"{h.name} must be between {h.min:g} and {h.max:g}, not {value:g}")
    return value


# --- pieces shared by the rules ------------------------------------------------------------


@functools.cache
def _state(name: str, *fields: str) -> type:
    return namedtuple(name, fields)


def _zeros_init(State: type, xp: SimpleNamespace) -> Callable[[Any], NamedTuple]:
    return lambda params: State(*(xp.zeros_like(params) for _ in State._fields))


def _nonzero(value: Any) -> bool:
    """Whether a coefficient is nonzero anywhere: torch leaves out a term whose factor is 0."""
    return bool(np.any(np.asarray(value) != 0))


def _lerp(weight: Any) -> Callable[[Any, Any], Any]:
    """``(start, end) -> torch.lerp(start, end, weight)``, rounded as torch rounds it.

    torch computes ``start + w (end - start)`` for ``w < 0.5`` and
    ``end - (end - start)(1 - w)`` otherwise (with fused multiply-adds on CPU), so each branch
    is exact at its own end: with ``beta1 = 0`` the running mean is the gradient, bit for bit.
    """
    small = np.asarray(weight) < 0.5
    if small.all():
        return lambda start, end: start + weight * (end - start)
    complement = 1.0 - weight
    if not small.any():
        return lambda start, end: end - (end - start) * complement
    return lambda start, end: np.where(
        small, start + weight * (end - start), end - (end - start) * complement
    )


def _schedule(fn: Callable[..., tuple], *hps: Any) -> Callable[[int], tuple]:
    """``t -> fn(*hps, t)``: the per-step coefficients that depend on t alone.

    torch computes these (bias corrections and the like) in Python floats, with Python's
    ``**``. For array hyperparameters ``fn`` runs in Python once per distinct combination of
    values and the results are spread back, so both namespaces round alike (numpy's power
    function may differ from the C library's in the last bit).
    """
    if not any(isinstance(h, np.ndarray) for h in hps):
        return functools.partial(fn, *hps)
    shape = np.broadcast_shapes(*(np.shape(h) for h in hps))
    table = np.stack([np.broadcast_to(h, shape).ravel() for h in hps], axis=1)
    combos, where = np.unique(table, axis=0, return_inverse=True)
    combos, where = combos.tolist(), where.reshape(shape)

    def lifted(t: int) -> tuple:
        rows = [fn(*combo, t) for combo in combos]
        return tuple(np.array(column)[where] for column in zip(*rows, strict=True))

    return lifted


def _coupled_weight_decay(update: Update, weight_decay: Any) -> Update:
    """L2 penalty folded into the gradient before the rule: g <- g + wd * p (torch's default)."""
    if not _nonzero(weight_decay):
        return update

    def decayed(grad, state, params, t):
        return update(grad + weight_decay * params, state, params, t)

    return decayed


def _decoupled_weight_decay(update: Update, lr: Any, weight_decay: Any) -> Update:
    """Decay applied to the parameters beside the rule (AdamW, Lion): p <- p (1 - lr wd) + step."""
    if not _nonzero(weight_decay):
        return update
    factor = 1 - lr * weight_decay

    def decayed(grad, state, params, t):
        step, state = update(grad, state, params, t)
        # torch multiplies p by factor, whose rounding error recurs every step: adding
        # -lr wd p instead would drift from torch by about t ulps. p * factor - p is exact
        # (Sterbenz, factor >= 0.5), so params + step lands where torch's p * factor + rule
        # does, give or take the rounding of a small sum.
        return (params * factor - params) + step, state

    return decayed


def _weight_decay(update: Update, hp: Mapping[str, Any]) -> Update:
    if hp["decoupled_weight_decay"]:
        return _decoupled_weight_decay(update, hp["lr"], hp["weight_decay"])
    return _coupled_weight_decay(update, hp["weight_decay"])


# --- the rules -----------------------------------------------------------------------------


def sgd(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Stochastic gradient descent with optional momentum (torch.optim.SGD).

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       b_t &\leftarrow \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1) \\
       d_t &\leftarrow g_t + \mu b_t \text{ if nesterov, else } b_t
            \quad (d_t = g_t \text{ if } \mu = 0) \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma d_t
       \end{aligned}

    Args (keys of ``hp``):
      lr: learning rate :math:`\gamma`.
      momentum: momentum factor :math:`\mu`; 0 is plain gradient descent.
      dampening: :math:`\tau`, shrinks the gradient's share of the buffer after step 1.
      weight_decay: L2 penalty :math:`\lambda` added to the gradient.
      nesterov: look ahead along the buffer (needs momentum > 0 and dampening = 0).

    References:
      Robbins & Monro, 1951, A Stochastic Approximation Method;
      https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
    """
    neg_lr, momentum, nesterov = -hp["lr"], hp["momentum"], hp["nesterov"]
    if _nonzero(momentum):
        State = _state("SGDState", "momentum_buffer")
        # Runs of a batch with momentum 0 (torch: plain SGD) must ignore dampening.
        keep = 1.0 - hp["dampening"] * (momentum != 0)

        def update(grad, state, params, t):
            buf = grad if t == 1 else state.momentum_buffer * momentum + keep * grad
            return neg_lr * (grad + momentum * buf if nesterov else buf), State(buf)

    else:
        State = _state("SGDState")

        def update(grad, state, params, t):
            return neg_lr * grad, state

    return Transform(_zeros_init(State, xp), _coupled_weight_decay(update, hp["weight_decay"]))


def momentum(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Heavy-ball momentum: torch.optim.SGD with momentum 0.9 by default (see `sgd`).

    .. math::
       \begin{aligned}
       b_t &\leftarrow \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1) \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma b_t
       \end{aligned}

    Args: as `sgd`.

    References:
      Polyak, 1964, Some methods of speeding up the convergence of iteration methods.
    """
    return sgd(hp, xp)


def nesterov(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Nesterov momentum as torch.optim.SGD(nesterov=True) computes it (see `sgd`).

    .. math::
       \begin{aligned}
       b_t &\leftarrow \mu b_{t-1} + g_t \quad (b_1 = g_1) \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma (g_t + \mu b_t)
       \end{aligned}

    Args: as `sgd`.

    References:
      Sutskever, Martens, Dahl & Hinton, 2013, On the importance of initialization and
      momentum in deep learning.
    """
    return sgd(hp, xp)


def adagrad(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Adagrad: per-coordinate steps shrink with the sum of past squared gradients.

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       s_t &\leftarrow s_{t-1} + g_t^2 \quad (s_0 = \text{initial\_accumulator\_value}) \\
       \theta_t &\leftarrow \theta_{t-1}
          - \frac{\gamma}{1 + (t - 1)\eta} \frac{g_t}{\sqrt{s_t} + \epsilon}
       \end{aligned}

    Args (keys of ``hp``):
      lr: learning rate :math:`\gamma`.
      lr_decay: :math:`\eta`, decays the learning rate as 1 / (1 + (t - 1) eta).
      weight_decay: L2 penalty :math:`\lambda`.
      initial_accumulator_value: starting value of the sum of squares.
      eps: :math:`\epsilon`, keeps the denominator away from 0.

    References:
      Duchi, Hazan & Singer, 2011, Adaptive Subgradient Methods for Online Learning and
      Stochastic Optimization; torch.optim.Adagrad.
    """
    lr, lr_decay, eps = hp["lr"], hp["lr_decay"], hp["eps"]
    initial, State = hp["initial_accumulator_value"], _state("AdagradState", "sum")

    def init(params):
        return State(xp.zeros_like(params) + initial)

    def update(grad, state, params, t):
        total = state.sum + grad * grad
        return -(lr / (1 + (t - 1) * lr_decay)) * grad / (xp.sqrt(total) + eps), State(total)

    return Transform(init, _coupled_weight_decay(update, hp["weight_decay"]))


def rmsprop(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""RMSprop: steps divided by a running root-mean-square of the gradient.

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       v_t &\leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2 \\
       \bar g_t &\leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t,
          \quad \tilde v_t \leftarrow v_t - \bar g_t^2
          \text{ if centered, else } \tilde v_t \leftarrow v_t \\
       b_t &\leftarrow \mu b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon} \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma b_t
          \quad (\text{with } \mu = 0: \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon))
       \end{aligned}

    Args (keys of ``hp``):
      lr: learning rate :math:`\gamma`.
      alpha: smoothing constant :math:`\alpha` of the running means.
      eps: :math:`\epsilon`, keeps the denominator away from 0.
      weight_decay: L2 penalty :math:`\lambda`.
      momentum: momentum factor :math:`\mu` of the step buffer.
      centered: divide by an estimate of the gradient's variance instead of its mean square.

    References:
      Hinton, 2012, Neural Networks for Machine Learning, lecture 6e; centered: Graves, 2013,
      Generating Sequences With Recurrent Neural Networks; torch.optim.RMSprop.
    """
    neg_lr, alpha, eps, momentum = -hp["lr"], hp["alpha"], hp["eps"], hp["momentum"]
    centered, with_momentum, keep = hp["centered"], _nonzero(momentum), 1.0 - alpha
    fields = ("square_avg",) + ("grad_avg",) * centered + ("momentum_buffer",) * with_momentum
    State, average = _state("RMSpropState", *fields), _lerp(keep)

    def update(grad, state, params, t):
        square_avg = state.square_avg * alpha + keep * grad * grad
        if centered:
            grad_avg = average(state.grad_avg, grad)
            avg = xp.sqrt(square_avg - grad_avg * grad_avg) + eps
            averages = (square_avg, grad_avg)
        else:
            avg = xp.sqrt(square_avg) + eps
            averages = (square_avg,)
        if with_momentum:
            buf = state.momentum_buffer * momentum + grad / avg
            return neg_lr * buf, State(*averages, buf)
        return neg_lr * grad / avg, State(*averages)

    return Transform(_zeros_init(State, xp), _coupled_weight_decay(update, hp["weight_decay"]))


def adadelta(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Adadelta: the step size adapts to running means of squared gradients and steps.

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       v_t &\leftarrow \rho v_{t-1} + (1 - \rho) g_t^2 \\
       \Delta_t &\leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t \\
       u_t &\leftarrow \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma \Delta_t
       \end{aligned}

    Args (keys of ``hp``):
      lr: :math:`\gamma`, scales the delta (1 in the paper).
      rho: decay rate :math:`\rho` of both running means.
      eps: :math:`\epsilon`, sets the size of the very first steps.
      weight_decay: L2 penalty :math:`\lambda`.

    References:
      Zeiler, 2012, ADADELTA: An Adaptive Learning Rate Method; torch.optim.Adadelta.
    """
    neg_lr, rho, eps, keep = -hp["lr"], hp["rho"], hp["eps"], 1.0 - hp["rho"]
    State = _state("AdadeltaState", "square_avg", "acc_delta")

    def update(grad, state, params, t):
        square_avg = state.square_avg * rho + keep * grad * grad
        delta = xp.sqrt(state.acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta = state.acc_delta * rho + keep * delta * delta
        return neg_lr * delta, State(square_avg, acc_delta)

    return Transform(_zeros_init(State, xp), _coupled_weight_decay(update, hp["weight_decay"]))


def _adam_corrections(beta1: float, beta2: float, t: int) -> tuple[float, float]:
    return 1 - beta1**t, (1 - beta2**t) ** 0.5


def _scale_by_adam(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    """Adam's step without weight decay (shared by `adam` and `adamw`)."""
    lr, beta2, eps, amsgrad = hp["lr"], hp["beta2"], hp["eps"], hp["amsgrad"]
    average, keep2 = _lerp(1.0 - hp["beta1"]), 1.0 - beta2
    corrections = _schedule(_adam_corrections, hp["beta1"], beta2)
    fields = ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * amsgrad
    State = _state("AdamState", *fields)

    def update(grad, state, params, t):
        exp_avg = average(state.exp_avg, grad)
        exp_avg_sq = state.exp_avg_sq * beta2 + keep2 * grad * grad
        correction1, correction2_sqrt = corrections(t)
        neg_step_size = -(lr / correction1)
        if amsgrad:
            max_exp_avg_sq = xp.maximum(state.max_exp_avg_sq, exp_avg_sq)
            denom = xp.sqrt(max_exp_avg_sq) / correction2_sqrt + eps
            return neg_step_size * exp_avg / denom, State(exp_avg, exp_avg_sq, max_exp_avg_sq)
        denom = xp.sqrt(exp_avg_sq) / correction2_sqrt + eps
        return neg_step_size * exp_avg / denom, State(exp_avg, exp_avg_sq)

    return Transform(_zeros_init(State, xp), update)


def adam(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Adam: momentum divided by a running root-mean-square, both bias-corrected.

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
       v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
       \hat v_t &\leftarrow \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t \\
       \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
          \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}
       \end{aligned}

    Args (keys of ``hp``):
      lr: learning rate :math:`\gamma`.
      beta1, beta2: decay rates of the running means of the gradient and its square.
      eps: :math:`\epsilon`, keeps the denominator away from 0.
      weight_decay: L2 penalty :math:`\lambda` added to the gradient.
      amsgrad: divide by the largest second moment seen so far.

    References:
      Kingma & Ba, 2015, Adam: A Method for Stochastic Optimization; amsgrad: Reddi, Kale &
      Kumar, 2018, On the Convergence of Adam and Beyond; torch.optim.Adam.
    """
    init, update = _scale_by_adam(hp, xp)
    return Transform(init, _coupled_weight_decay(update, hp["weight_decay"]))


def adamw(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""AdamW: Adam with weight decay applied to the parameters, not the gradient.

    .. math::
       \begin{aligned}
       m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
       v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
       \hat v_t &\leftarrow \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma \lambda \theta_{t-1}
          - \frac{\gamma}{1 - \beta_1^t}
          \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}
       \end{aligned}

    Args: as `adam`; weight_decay :math:`\lambda` shrinks the parameters directly.

    References:
      Loshchilov & Hutter, 2019, Decoupled Weight Decay Regularization; torch.optim.AdamW.
    """
    init, update = _scale_by_adam(hp, xp)
    return Transform(init, _decoupled_weight_decay(update, hp["lr"], hp["weight_decay"]))


def _nadam_schedule(beta1: float, beta2: float, momentum_decay: float, t: int) -> tuple:
    # Dozat's momentum warm-up: mu_t rises from beta1 / 2 towards beta1.
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * momentum_decay)))
    return 1 - beta2**t, mu, mu_next


def nadam(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""NAdam: Adam with a Nesterov look-ahead in its momentum (torch.optim.NAdam).

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       \mu_t &\leftarrow \beta_1 \left(1 - \tfrac12 \, 0.96^{t \psi}\right) \\
       m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
       v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma \,
          \frac{\frac{1 - \mu_t}{1 - \prod_{i \le t} \mu_i} g_t
          + \frac{\mu_{t+1}}{1 - \prod_{i \le t+1} \mu_i} m_t}
          {\sqrt{v_t / (1 - \beta_2^t)} + \epsilon}
       \end{aligned}

    Args (keys of ``hp``):
      lr, beta1, beta2, eps: as `adam`.
      weight_decay: :math:`\lambda`, added to the gradient, or with decoupled_weight_decay
        applied to the parameters as in AdamW.
      momentum_decay: :math:`\psi`, how fast the momentum warms up to beta1.
      decoupled_weight_decay: decay the parameters directly (NAdamW).

    References:
      Dozat, 2016, Incorporating Nesterov Momentum into Adam; torch.optim.NAdam.
    """
    neg_lr, beta2, eps = -hp["lr"], hp["beta2"], hp["eps"]
    average, keep2 = _lerp(1.0 - hp["beta1"]), 1.0 - beta2
    schedule = _schedule(_nadam_schedule, hp["beta1"], beta2, hp["momentum_decay"])
    State = _state("NAdamState", "exp_avg", "exp_avg_sq", "mu_product")

    def init(params):
        return State(xp.zeros_like(params), xp.zeros_like(params), 1.0)

    def update(grad, state, params, t):
        correction2, mu, mu_next = schedule(t)
        mu_product = state.mu_product * mu
        mu_product_next = mu_product * mu_next
        exp_avg = average(state.exp_avg, grad)
        exp_avg_sq = state.exp_avg_sq * beta2 + keep2 * grad * grad
        denom = xp.sqrt(exp_avg_sq / correction2) + eps
        step = (neg_lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denom + (
            neg_lr * mu_next / (1.0 - mu_product_next)
        ) * exp_avg / denom
        return step, State(exp_avg, exp_avg_sq, mu_product)

    return Transform(init, _weight_decay(update, hp))


def _radam_schedule(beta1: float, beta2: float, t: int) -> tuple:
    correction1, correction2 = 1 - beta1**t, 1 - beta2**t
    # rho: length of the approximated simple moving average; the variance of the adaptive
    # rate is tractable only once rho_t > 5 (Liu et al., section 3).
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2**t) / correction2
    if rho_t > 5.0:
        rect = (
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        ) ** 0.5
        return correction1, correction2**0.5, rect, True
    return correction1, 0.0, 0.0, False


def radam(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""RAdam: Adam that takes plain momentum steps until its adaptive rate is reliable.

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
       v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2,
          \quad \hat m_t \leftarrow m_t / (1 - \beta_1^t) \\
       \rho_\infty &\leftarrow \frac{2}{1 - \beta_2} - 1, \quad
       \rho_t \leftarrow \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t} \\
       r_t &\leftarrow \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}
          {(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}} \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma \hat m_t \, r_t
          \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon} \text{ if } \rho_t > 5,
          \text{ else } \theta_{t-1} - \gamma \hat m_t
       \end{aligned}

    Args (keys of ``hp``):
      lr, beta1, beta2, eps: as `adam`.
      weight_decay: :math:`\lambda`, added to the gradient, or with decoupled_weight_decay
        applied to the parameters as in AdamW.
      decoupled_weight_decay: decay the parameters directly (RAdamW).

    References:
      Liu et al., 2020, On the Variance of the Adaptive Learning Rate and Beyond;
      torch.optim.RAdam.
    """
    lr, beta2, eps = hp["lr"], hp["beta2"], hp["eps"]
    average, keep2 = _lerp(1.0 - hp["beta1"]), 1.0 - beta2
    schedule = _schedule(_radam_schedule, hp["beta1"], beta2)
    State = _state("RAdamState", "exp_avg", "exp_avg_sq")

    def update(grad, state, params, t):
        exp_avg = average(state.exp_avg, grad)
        exp_avg_sq = state.exp_avg_sq * beta2 + keep2 * grad * grad
        correction1, correction2_sqrt, rect, rectified = schedule(t)
        plain = exp_avg / correction1 * lr
        if rectified is False:
            return -plain, State(exp_avg, exp_avg_sq)
        step = -(plain * (correction2_sqrt / (xp.sqrt(exp_avg_sq) + eps)) * rect)
        if rectified is not True:  # an array: runs with different beta2 cross at different t
            step = np.where(rectified, step, -plain)
        return step, State(exp_avg, exp_avg_sq)

    return Transform(_zeros_init(State, xp), _weight_decay(update, hp))


def _adamax_correction(beta1: float, t: int) -> tuple[float]:
    return (1 - beta1**t,)


def adamax(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Adamax: Adam with the root-mean-square replaced by a decaying maximum of |g|.

    .. math::
       \begin{aligned}
       g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
       m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
       u_t &\leftarrow \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
       \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{u_t}
       \end{aligned}

    Args (keys of ``hp``):
      lr, beta1, eps: as `adam`.
      beta2: decay rate of the running maximum.
      weight_decay: L2 penalty :math:`\lambda`.

    References:
      Kingma & Ba, 2015, Adam: A Method for Stochastic Optimization, section 7.1;
      torch.optim.Adamax.
    """
    lr, beta2, eps = hp["lr"], hp["beta2"], hp["eps"]
    average, correction = _lerp(1.0 - hp["beta1"]), _schedule(_adamax_correction, hp["beta1"])
    State = _state("AdamaxState", "exp_avg", "exp_inf")

    def update(grad, state, params, t):
        exp_avg = average(state.exp_avg, grad)
        exp_inf = xp.maximum(state.exp_inf * beta2, xp.abs(grad) + eps)
        (correction1,) = correction(t)
        return -(lr / correction1) * exp_avg / exp_inf, State(exp_avg, exp_inf)

    return Transform(_zeros_init(State, xp), _coupled_weight_decay(update, hp["weight_decay"]))


def lion(hp: Mapping[str, Any], xp: SimpleNamespace) -> Transform:
    r"""Lion: steps of fixed size lr along the sign of an interpolated momentum.

    .. math::
       \begin{aligned}
       c_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
       \theta_t &\leftarrow \theta_{t-1} - \gamma \left(\operatorname{sign}(c_t)
          + \lambda \theta_{t-1}\right) \\
       m_t &\leftarrow \beta_2 m_{t-1} + (1 - \beta_2) g_t
       \end{aligned}

    Args (keys of ``hp``):
      lr: :math:`\gamma`, the size of every step in every coordinate.
      beta1: mix of momentum and gradient that sets the step's sign.
      beta2: decay rate :math:`\beta_2` of the momentum.
      weight_decay: :math:`\lambda`, shrinks the parameters directly (decoupled).

    References:
      Chen et al., 2023, Symbolic Discovery of Optimization Algorithms, algorithm 2.
    """
    neg_lr, beta1, beta2 = -hp["lr"], hp["beta1"], hp["beta2"]
    keep1, keep2 = 1.0 - beta1, 1.0 - beta2
    State = _state("LionState", "exp_avg")

    def update(grad, state, params, t):
        direction = xp.sign(beta1 * state.exp_avg + keep1 * grad)
        return neg_lr * direction, State(beta2 * state.exp_avg + keep2 * grad)

    return Transform(
        _zeros_init(State, xp), _decoupled_weight_decay(update, hp["lr"], hp["weight_decay"])
    )


# --- the catalogue -------------------------------------------------------------------------


def _update_rule(factory: Callable[..., Transform]) -> str:
    """The LaTeX of a factory's ``.. math::`` block: the docstring is the one source."""
    lines = inspect.cleandoc(factory.__doc__).splitlines()
    block = lines[lines.index(".. math::") + 1 :]
    block = itertools.takewhile(lambda line: line.startswith(" ") or not line.strip(), block)
    return textwrap.dedent("\n".join(block)).strip()


def _lr(default: float, maximum: float = 1e6) -> Hyperparameter:
    return Hyperparameter("lr", default, 1e-6, maximum, True, "Learning rate: scales every step.")


def _eps(default: float) -> Hyperparameter:
    return Hyperparameter(
        "eps", default, 1e-12, 1.0, True, "Added to the denominator so it never reaches zero."
    )


def _weight_decay_hp(default: float = 0.0, decoupled: bool = False) -> Hyperparameter:
    where = "shrinks the parameters" if decoupled else "adds weight_decay * p to the gradient"
    return Hyperparameter(
        "weight_decay", default, 0.0, 1.0, True, f"Pull towards the origin: {where}."
    )


def _momentum_hp(default: float) -> Hyperparameter:
    return Hyperparameter(
        "momentum", default, 0.0, 0.999, False, "Fraction of the previous step carried over."
    )


def _beta1(default: float = 0.9, description: str = "") -> Hyperparameter:
    return Hyperparameter(
        "beta1",
        default,
        0.0,
        0.9999,
        False,
        description or "Decay rate of the running mean of gradients (momentum).",
    )


def _beta2(default: float = 0.999, description: str = "") -> Hyperparameter:
    return Hyperparameter(
        "beta2",
        default,
        0.0,
        0.99999,
        False,
        description or "Decay rate of the running mean of squared gradients.",
    )


_DAMPENING = Hyperparameter(
    "dampening", 0.0, 0.0, 1.0, False, "Shrinks the gradient's share of the momentum buffer."
)
_AMSGRAD = Hyperparameter(
    "amsgrad", False, None, None, False, "Divide by the largest second moment seen so far."
)
_DECOUPLED = Hyperparameter(
    "decoupled_weight_decay",
    False,
    None,
    None,
    False,
    "Apply weight decay to the parameters (as AdamW) instead of the gradient.",
)


def _sgd_hyperparameters(momentum: float, nesterov: bool) -> tuple[Hyperparameter, ...]:
    return (
        _lr(1e-3),
        _momentum_hp(momentum),
        _DAMPENING,
        _weight_decay_hp(),
        Hyperparameter(
            "nesterov", nesterov, None, None, False, "Evaluate the momentum step one step ahead."
        ),
    )


def _check_nesterov(hp: Mapping[str, Any]) -> None:
    if hp["nesterov"] and (hp["momentum"] <= 0 or hp["dampening"] != 0):
        raise ValueError("nesterov requires momentum > 0 and dampening = 0")


def _adam_hyperparameters(weight_decay: float, decoupled: bool) -> tuple[Hyperparameter, ...]:
    return (
        _lr(1e-3),
        _beta1(),
        _beta2(),
        _eps(1e-8),
        _weight_decay_hp(weight_decay, decoupled),
        _AMSGRAD,
    )


def _catalogue(*optimizers: Optimizer) -> dict[str, Optimizer]:
    return {optimizer.id: optimizer for optimizer in optimizers}


OPTIMIZERS: dict[str, Optimizer] = _catalogue(
    Optimizer(
        id="sgd",
        name="SGD",
        description="Plain gradient descent: step downhill by the learning rate times the "
        "gradient. Simple and predictable, but slow in narrow valleys.",
        update_rule=_update_rule(sgd),
        reference="Robbins & Monro 1951; torch.optim.SGD",
        hyperparameters=_sgd_hyperparameters(0.0, False),
        make=sgd,
        check=_check_nesterov,
    ),
    Optimizer(
        id="momentum",
        name="Momentum",
        description="Gradient descent that keeps a running velocity, so steps build up along "
        "consistent directions and zig-zags across a valley cancel out.",
        update_rule=_update_rule(momentum),
        reference="Polyak 1964; torch.optim.SGD(momentum=0.9)",
        hyperparameters=_sgd_hyperparameters(0.9, False),
        make=momentum,
        check=_check_nesterov,
    ),
    Optimizer(
        id="nesterov",
        name="Nesterov momentum",
        description="Momentum that also looks one step ahead along the velocity, which "
        "brakes earlier and overshoots less than plain momentum.",
        update_rule=_update_rule(nesterov),
        reference="Sutskever et al. 2013; torch.optim.SGD(momentum=0.9, nesterov=True)",
        hyperparameters=_sgd_hyperparameters(0.9, True),
        make=nesterov,
        check=_check_nesterov,
    ),
    Optimizer(
        id="adagrad",
        name="Adagrad",
        description="Gives each coordinate its own step size, which shrinks as squared "
        "gradients pile up; strong early, but it can slow to a crawl.",
        update_rule=_update_rule(adagrad),
        reference="Duchi, Hazan & Singer 2011; torch.optim.Adagrad",
        hyperparameters=(
            _lr(1e-2),
            Hyperparameter(
                "lr_decay", 0.0, 0.0, 1.0, True, "Shrinks the learning rate as 1/(1 + (t-1) decay)."
            ),
            _weight_decay_hp(),
            Hyperparameter(
                "initial_accumulator_value",
                0.0,
                0.0,
                10.0,
                False,
                "Starting value of the running sum of squared gradients.",
            ),
            _eps(1e-10),
        ),
        make=adagrad,
    ),
    Optimizer(
        id="rmsprop",
        name="RMSprop",
        description="Divides each step by a running root-mean-square of recent gradients, so "
        "steep and flat directions move at similar speeds.",
        update_rule=_update_rule(rmsprop),
        reference="Hinton 2012, lecture 6e; torch.optim.RMSprop",
        hyperparameters=(
            _lr(1e-2),
            Hyperparameter(
                "alpha", 0.99, 0.0, 0.9999, False, "Decay rate of the running mean square."
            ),
            _eps(1e-8),
            _weight_decay_hp(),
            _momentum_hp(0.0),
            Hyperparameter(
                "centered",
                False,
                None,
                None,
                False,
                "Divide by the gradient's running variance instead of its mean square.",
            ),
        ),
        make=rmsprop,
    ),
    Optimizer(
        id="adadelta",
        name="Adadelta",
        description="Sizes each step from running averages of past squared gradients and past "
        "squared steps, so it needs almost no learning-rate tuning.",
        update_rule=_update_rule(adadelta),
        reference="Zeiler 2012; torch.optim.Adadelta",
        hyperparameters=(
            _lr(1.0),
            Hyperparameter("rho", 0.9, 0.0, 0.9999, False, "Decay rate of both running means."),
            _eps(1e-6),
            _weight_decay_hp(),
        ),
        make=adadelta,
    ),
    Optimizer(
        id="adam",
        name="Adam",
        description="Momentum divided by a running root-mean-square of the gradient, both "
        "corrected for their start at zero; the usual default for deep learning.",
        update_rule=_update_rule(adam),
        reference="Kingma & Ba 2015; torch.optim.Adam",
        hyperparameters=_adam_hyperparameters(0.0, False),
        make=adam,
    ),
    Optimizer(
        id="adamw",
        name="AdamW",
        description="Adam with weight decay that shrinks the parameters directly instead of "
        "being mixed into the gradient.",
        update_rule=_update_rule(adamw),
        reference="Loshchilov & Hutter 2019; torch.optim.AdamW",
        hyperparameters=_adam_hyperparameters(0.01, True),
        make=adamw,
    ),
    Optimizer(
        id="nadam",
        name="NAdam",
        description="Adam with Nesterov-style momentum: it uses the momentum it is about to "
        "have, so it reacts a little faster.",
        update_rule=_update_rule(nadam),
        reference="Dozat 2016; torch.optim.NAdam",
        hyperparameters=(
            _lr(2e-3),
            _beta1(),
            _beta2(),
            _eps(1e-8),
            _weight_decay_hp(),
            Hyperparameter(
                "momentum_decay", 4e-3, 0.0, 1.0, True, "How fast the momentum warms up to beta1."
            ),
            _DECOUPLED,
        ),
        make=nadam,
    ),
    Optimizer(
        id="radam",
        name="RAdam",
        description="Adam that takes plain momentum steps for the first few iterations, until "
        "its estimate of the gradient's scale is reliable.",
        update_rule=_update_rule(radam),
        reference="Liu et al. 2020; torch.optim.RAdam",
        hyperparameters=(
            _lr(1e-3),
            _beta1(),
            _beta2(),
            _eps(1e-8),
            _weight_decay_hp(),
            _DECOUPLED,
        ),
        make=radam,
    ),
    Optimizer(
        id="adamax",
        name="Adamax",
        description="A variant of Adam that divides by a decaying maximum of the gradient's "
        "size instead of its root-mean-square.",
        update_rule=_update_rule(adamax),
        reference="Kingma & Ba 2015, section 7.1; torch.optim.Adamax",
        hyperparameters=(
            _lr(2e-3),
            _beta1(),
            _beta2(0.999, "Decay rate of the running maximum of |gradient|."),
            _eps(1e-8),
            _weight_decay_hp(),
        ),
        make=adamax,
    ),
    Optimizer(
        id="lion",
        name="Lion",
        description="Moves every coordinate by exactly the learning rate, in the direction of "
        "the sign of a momentum; found by an automated search over optimizers.",
        update_rule=_update_rule(lion),
        reference="Chen et al. 2023, Symbolic Discovery of Optimization Algorithms",
        hyperparameters=(
            _lr(1e-4),
            _beta1(0.9, "Mix of momentum and gradient whose sign gives the step."),
            _beta2(0.99, "Decay rate of the momentum."),
            _weight_decay_hp(0.0, decoupled=True),
        ),
        make=lion,
    ),
)
"""Every optimizer by id, in the order the page lists them."""


def get_optimizer(optimizer_id: str) -> Optimizer:
    """The optimizer with this id; ValueError listing the valid ids otherwise."""
    try:
        return OPTIMIZERS[optimizer_id]
    except KeyError:
        raise ValueError(f"unknown optimizer id; valid: {', '.join(OPTIMIZERS)}") from None
