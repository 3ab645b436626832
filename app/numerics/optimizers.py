"""The optimizers: the catalogue the page and the API list, with torch.optim's semantics.

Each `Optimizer` is a record: what the page shows (name, description, the update rule in LaTeX,
a reference), its hyperparameters with defaults and ranges, and its ``rule``: which compiled
update rule runs it (``app.numerics.kernels.rules``, where every rule is written once), the
order the rule reads its hyperparameters in, and the state it keeps, named like torch's
per-parameter state (``momentum_buffer``, ``exp_avg``, ``exp_avg_sq``, ...).

``Optimizer.make(hp)`` binds resolved hyperparameters and returns a `Transform`, the optax
pattern, for parameter vectors of any length (a float, a point, a network's weights):

- ``init(params) -> state``: a NamedTuple of the buffers the chosen options use;
- ``update(grad, state, params, t) -> (step, state)``: ``t`` is the 1-based step count
  (torch's ``state["step"]`` after its increment); the new parameters are ``params + step``.
  Inputs are never written to.

The engine (``app.numerics.engine``) does not go through ``make``: it hands every run's rule
code and hyperparameters (``Optimizer.vector``) to the compiled walk, which calls the same rules.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from app.numerics.kernels import rules
from app.numerics.kernels.walk import rule_step
from app.numerics.parameters import Hyperparameter, ParameterError, validate

HyperparameterError = ParameterError
"""Overrides that name no hyperparameter or break its range (see ``parameters``)."""


class Transform(NamedTuple):
    """An optimizer with its hyperparameters bound: ``init`` and ``update`` (see module doc)."""

    init: Callable[[Any], NamedTuple]
    update: Callable[[Any, NamedTuple, Any, int], tuple[Any, NamedTuple]]


@dataclass(frozen=True)
class Rule:
    """Which compiled rule runs an optimizer, and how to read what it keeps."""

    code: int
    """The rule's code in ``kernels.rules`` (SGD, momentum and Nesterov share one)."""
    args: tuple[str, ...]
    """The hyperparameters in the order the compiled rule reads them."""
    state: tuple[str, ...]
    """The rows of the state array the rule may fill, by name."""
    used: Callable[[Mapping[str, Any]], tuple[str, ...]]
    """The rows the chosen options fill (Adam keeps ``max_exp_avg_sq`` only with amsgrad)."""


@dataclass(frozen=True)
class Optimizer:
    """One entry of the catalogue: what the page shows and which compiled rule runs it."""

    id: str
    name: str
    description: str
    update_rule: str
    reference: str
    hyperparameters: tuple[Hyperparameter, ...]
    rule: Rule
    check: Callable[[Mapping[str, Any]], None] | None = None
    """Rejects (ValueError) combinations of values that torch rejects."""

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, float | bool]:
        """Every hyperparameter, defaults filled in.

        HyperparameterError names every unknown or invalid override at once; ValueError for a
        combination of valid values that torch rejects (``check``).
        """
        resolved = validate(self.hyperparameters, overrides, self.id, "hyperparameter")
        if self.check is not None:
            self.check(resolved)
        return resolved

    def vector(self, hp: Mapping[str, Any]) -> np.ndarray:
        """Resolved hyperparameters as the compiled rule reads them (booleans as 0 or 1)."""
        return np.array([float(hp[name]) for name in self.rule.args])

    def state_fields(self, hp: Mapping[str, Any]) -> tuple[str, ...]:
        """The names of the state buffers this optimizer keeps with these options."""
        return self.rule.used(hp)

    def make(self, hp: Mapping[str, Any]) -> Transform:
        """The rule as a pure ``(init, update)`` pair (see the module's docstring)."""
        code, vector = self.rule.code, self.vector(hp)
        fields = self.state_fields(hp)
        rows = [self.rule.state.index(name) for name in fields]
        State = _state_type(self.name, fields)

        def init(params):
            shape = np.shape(params)
            state = np.zeros((rules.STATE_ROWS, max(int(np.prod(shape)), 1)))
            rules.initialise(code, vector, state)
            return _unpack(State, state, rows, shape)

        def update(grad, state, params, t):
            shape = np.shape(params)
            size = max(int(np.prod(shape)), 1)
            buffers = np.zeros((rules.STATE_ROWS, size))
            for row, value in zip(rows, state, strict=True):
                buffers[row] = np.ravel(value)
            step = np.empty(size)
            g = np.ascontiguousarray(np.ravel(grad), dtype=float)
            p = np.ascontiguousarray(np.ravel(params), dtype=float)
            rule_step(code, vector, buffers, g, p, int(t), step)
            return _shaped(step, shape), _unpack(State, buffers, rows, shape)

        return Transform(init, update)


def _state_type(name: str, fields: tuple[str, ...]) -> type:
    return NamedTuple(f"{name.replace(' ', '')}State", [(f, Any) for f in fields])


def _shaped(values: np.ndarray, shape: tuple[int, ...]):
    return float(values[0]) if shape == () else values.reshape(shape).copy()


def _unpack(State: type, buffers: np.ndarray, rows: list[int], shape: tuple[int, ...]):
    return State(*(_shaped(buffers[row], shape) for row in rows))


# --- which buffers each rule keeps -----------------------------------------------------------


def _sgd_state(hp):
    return ("momentum_buffer",) if hp["momentum"] != 0 else ()


_momentum_state = _nesterov_state = _sgd_state


def _adagrad_state(hp):
    return ("sum",)


def _rmsprop_state(hp):
    return (
        ("square_avg",)
        + ("grad_avg",) * bool(hp["centered"])
        + ("momentum_buffer",) * (hp["momentum"] != 0)
    )


def _adadelta_state(hp):
    return ("square_avg", "acc_delta")


def _adam_state(hp):
    return ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * bool(hp["amsgrad"])


_adamw_state = _adam_state


def _nadam_state(hp):
    return ("exp_avg", "exp_avg_sq", "mu_product")


def _radam_state(hp):
    return ("exp_avg", "exp_avg_sq")


def _adamax_state(hp):
    return ("exp_avg", "exp_inf")


def _lion_state(hp):
    return ("exp_avg",)


# --- the update rules as the page shows them (LaTeX) -----------------------------------------

_UPDATE_RULES = {
    "sgd": r"""
    \begin{aligned}
    g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    b_t &\leftarrow \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1) \\
    d_t &\leftarrow g_t + \mu b_t \text{ if nesterov, else } b_t
         \quad (d_t = g_t \text{ if } \mu = 0) \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma d_t
    \end{aligned}
""",
    "momentum": r"""
    \begin{aligned}
    b_t &\leftarrow \mu b_{t-1} + (1 - \tau) g_t \quad (b_1 = g_1) \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma b_t
    \end{aligned}
""",
    "nesterov": r"""
    \begin{aligned}
    b_t &\leftarrow \mu b_{t-1} + g_t \quad (b_1 = g_1) \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma (g_t + \mu b_t)
    \end{aligned}
""",
    "adagrad": r"""
    \begin{aligned}
    g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    s_t &\leftarrow s_{t-1} + g_t^2 \quad (s_0 = \text{initial\_accumulator\_value}) \\
    \theta_t &\leftarrow \theta_{t-1}
       - \frac{\gamma}{1 + (t - 1)\eta} \frac{g_t}{\sqrt{s_t} + \epsilon}
    \end{aligned}
""",
    "rmsprop": r"""
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
""",
    "adadelta": r"""
    \begin{aligned}
    g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    v_t &\leftarrow \rho v_{t-1} + (1 - \rho) g_t^2 \\
    \Delta_t &\leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t \\
    u_t &\leftarrow \rho u_{t-1} + (1 - \rho) \Delta_t^2 \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma \Delta_t
    \end{aligned}
""",
    "adam": r"""
    \begin{aligned}
    g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    \hat v_t &\leftarrow \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t \\
    \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
       \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}
    \end{aligned}
""",
    "adamw": r"""
    \begin{aligned}
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    v_t &\leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
    \hat v_t &\leftarrow \max(\hat v_{t-1}, v_t) \text{ if amsgrad, else } v_t \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma \lambda \theta_{t-1}
       - \frac{\gamma}{1 - \beta_1^t}
       \frac{m_t}{\sqrt{\hat v_t} / \sqrt{1 - \beta_2^t} + \epsilon}
    \end{aligned}
""",
    "nadam": r"""
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
""",
    "radam": r"""
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
""",
    "adamax": r"""
    \begin{aligned}
    g_t &\leftarrow \nabla f(\theta_{t-1}) + \lambda \theta_{t-1} \\
    m_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    u_t &\leftarrow \max(\beta_2 u_{t-1}, |g_t| + \epsilon) \\
    \theta_t &\leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{u_t}
    \end{aligned}
""",
    "lion": r"""
    \begin{aligned}
    c_t &\leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
    \theta_t &\leftarrow \theta_{t-1} - \gamma \left(\operatorname{sign}(c_t)
       + \lambda \theta_{t-1}\right) \\
    m_t &\leftarrow \beta_2 m_{t-1} + (1 - \beta_2) g_t
    \end{aligned}
""",
}


def _rule(optimizer_id: str) -> str:
    return textwrap.dedent(_UPDATE_RULES[optimizer_id]).strip()


# --- the catalogue -------------------------------------------------------------------------


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
        update_rule=_rule("sgd"),
        reference="Robbins & Monro 1951; torch.optim.SGD",
        hyperparameters=_sgd_hyperparameters(0.0, False),
        rule=Rule(rules.SGD, rules.SGD_ARGS, rules.SGD_STATE, _sgd_state),
        check=_check_nesterov,
    ),
    Optimizer(
        id="momentum",
        name="Momentum",
        description="Gradient descent that keeps a running velocity, so steps build up along "
        "consistent directions and zig-zags across a valley cancel out.",
        update_rule=_rule("momentum"),
        reference="Polyak 1964; torch.optim.SGD(momentum=0.9)",
        hyperparameters=_sgd_hyperparameters(0.9, False),
        rule=Rule(rules.SGD, rules.SGD_ARGS, rules.SGD_STATE, _momentum_state),
        check=_check_nesterov,
    ),
    Optimizer(
        id="nesterov",
        name="Nesterov momentum",
        description="Momentum that also looks one step ahead along the velocity, which "
        "brakes earlier and overshoots less than plain momentum.",
        update_rule=_rule("nesterov"),
        reference="Sutskever et al. 2013; torch.optim.SGD(momentum=0.9, nesterov=True)",
        hyperparameters=_sgd_hyperparameters(0.9, True),
        rule=Rule(rules.SGD, rules.SGD_ARGS, rules.SGD_STATE, _nesterov_state),
        check=_check_nesterov,
    ),
    Optimizer(
        id="adagrad",
        name="Adagrad",
        description="Gives each coordinate its own step size, which shrinks as squared "
        "gradients pile up; strong early, but it can slow to a crawl.",
        update_rule=_rule("adagrad"),
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
        rule=Rule(rules.ADAGRAD, rules.ADAGRAD_ARGS, rules.ADAGRAD_STATE, _adagrad_state),
    ),
    Optimizer(
        id="rmsprop",
        name="RMSprop",
        description="Divides each step by a running root-mean-square of recent gradients, so "
        "steep and flat directions move at similar speeds.",
        update_rule=_rule("rmsprop"),
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
        rule=Rule(rules.RMSPROP, rules.RMSPROP_ARGS, rules.RMSPROP_STATE, _rmsprop_state),
    ),
    Optimizer(
        id="adadelta",
        name="Adadelta",
        description="Sizes each step from running averages of past squared gradients and past "
        "squared steps, so it needs almost no learning-rate tuning.",
        update_rule=_rule("adadelta"),
        reference="Zeiler 2012; torch.optim.Adadelta",
        hyperparameters=(
            _lr(1.0),
            Hyperparameter("rho", 0.9, 0.0, 0.9999, False, "Decay rate of both running means."),
            _eps(1e-6),
            _weight_decay_hp(),
        ),
        rule=Rule(rules.ADADELTA, rules.ADADELTA_ARGS, rules.ADADELTA_STATE, _adadelta_state),
    ),
    Optimizer(
        id="adam",
        name="Adam",
        description="Momentum divided by a running root-mean-square of the gradient, both "
        "corrected for their start at zero; the usual default for deep learning.",
        update_rule=_rule("adam"),
        reference="Kingma & Ba 2015; torch.optim.Adam",
        hyperparameters=_adam_hyperparameters(0.0, False),
        rule=Rule(rules.ADAM, rules.ADAM_ARGS, rules.ADAM_STATE, _adam_state),
    ),
    Optimizer(
        id="adamw",
        name="AdamW",
        description="Adam with weight decay that shrinks the parameters directly instead of "
        "being mixed into the gradient.",
        update_rule=_rule("adamw"),
        reference="Loshchilov & Hutter 2019; torch.optim.AdamW",
        hyperparameters=_adam_hyperparameters(0.01, True),
        rule=Rule(rules.ADAMW, rules.ADAM_ARGS, rules.ADAM_STATE, _adamw_state),
    ),
    Optimizer(
        id="nadam",
        name="NAdam",
        description="Adam with Nesterov-style momentum: it uses the momentum it is about to "
        "have, so it reacts a little faster.",
        update_rule=_rule("nadam"),
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
        rule=Rule(rules.NADAM, rules.NADAM_ARGS, rules.NADAM_STATE, _nadam_state),
    ),
    Optimizer(
        id="radam",
        name="RAdam",
        description="Adam that takes plain momentum steps for the first few iterations, until "
        "its estimate of the gradient's scale is reliable.",
        update_rule=_rule("radam"),
        reference="Liu et al. 2020; torch.optim.RAdam",
        hyperparameters=(
            _lr(1e-3),
            _beta1(),
            _beta2(),
            _eps(1e-8),
            _weight_decay_hp(),
            _DECOUPLED,
        ),
        rule=Rule(rules.RADAM, rules.RADAM_ARGS, rules.RADAM_STATE, _radam_state),
    ),
    Optimizer(
        id="adamax",
        name="Adamax",
        description="A variant of Adam that divides by a decaying maximum of the gradient's "
        "size instead of its root-mean-square.",
        update_rule=_rule("adamax"),
        reference="Kingma & Ba 2015, section 7.1; torch.optim.Adamax",
        hyperparameters=(
            _lr(2e-3),
            _beta1(),
            _beta2(0.999, "Decay rate of the running maximum of |gradient|."),
            _eps(1e-8),
            _weight_decay_hp(),
        ),
        rule=Rule(rules.ADAMAX, rules.ADAMAX_ARGS, rules.ADAMAX_STATE, _adamax_state),
    ),
    Optimizer(
        id="lion",
        name="Lion",
        description="Moves every coordinate by exactly the learning rate, in the direction of "
        "the sign of a momentum; found by an automated search over optimizers.",
        update_rule=_rule("lion"),
        reference="Chen et al. 2023, Symbolic Discovery of Optimization Algorithms",
        hyperparameters=(
            _lr(1e-4),
            _beta1(0.9, "Mix of momentum and gradient whose sign gives the step."),
            _beta2(0.99, "Decay rate of the momentum."),
            _weight_decay_hp(0.0, decoupled=True),
        ),
        rule=Rule(rules.LION, rules.LION_ARGS, rules.LION_STATE, _lion_state),
    ),
)
"""Every optimizer by id, in the order the page lists them."""


def get_optimizer(optimizer_id: str) -> Optimizer:
    """The optimizer with this id; ValueError listing the valid ids otherwise."""
    try:
        return OPTIMIZERS[optimizer_id]
    except KeyError:
        raise ValueError(f"unknown optimizer id; valid: {', '.join(OPTIMIZERS)}") from None
