"""Small neural networks on toy data: the data sets, the MLP, backprop's check and training.

- Data sets, generated and seeded (``DATASETS``): two moons, circles, spirals of 2 and 3 arms,
  XOR, Gaussian blobs (classification in the plane) and a noisy sine (regression on a line);
  ``make_data`` draws one and holds a test fraction out.
- The network (``Network``): ``inputs -> hidden... -> outputs``, an activation on the hidden
  layers, a linear output layer (one logit per class under the mean cross-entropy, or one
  output under the mean squared error). Its parameters are one flat vector in torch's order
  (``layers``: each ``nn.Linear``'s weight ``[out][in]`` then its bias), initialised as
  ``nn.Linear`` initialises itself: weight and bias uniform in +-1/sqrt(fan_in)
  (``initial_parameters``).
- ``loss_and_gradient``: one forward pass that keeps every layer's values, one backward pass
  that reuses them (``kernels.network``, where both are written); ``gradient_check`` sets
  backprop against central differences (2 forward passes per parameter checked) on a seeded
  sample (``check_sample``, named as torch indexes them: ``parameter_name``);
  ``example_passes`` is backprop for one example written out in numpy, every layer's forward
  values and backward gradients kept for the page to show.
- ``train``: any of the optimizers, any schedule, full batch or mini-batches reshuffled every
  epoch (``engine.batch_plan``, as on data-set surfaces), several runs from the same start, and
  the surfaces' stop rules (``kernels.walk``; the same reasons, ``engine.reason_texts``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from app.numerics import engine
from app.numerics.kernels import network as kernel
from app.numerics.optimizers import Optimizer
from app.numerics.parameters import Param, validate

ACTIVATIONS = {"tanh": kernel.TANH, "relu": kernel.RELU, "sigmoid": kernel.SIGMOID}


# --- data sets ---------------------------------------------------------------------------------


def _moons(n, noise, rng):
    upper = n - n // 2
    t = np.concatenate([np.linspace(0.0, math.pi, upper), np.linspace(0.0, math.pi, n // 2)])
    first = np.arange(n) < upper
    x = np.where(first, np.cos(t), 1.0 - np.cos(t))
    y = np.where(first, np.sin(t), 0.5 - np.sin(t))
    return np.stack([x, y], 1) + noise * rng.standard_normal((n, 2)), (~first).astype(float)


def _circles(n, noise, rng):
    outer = np.arange(n) < n - n // 2
    t = rng.uniform(0.0, 2.0 * math.pi, n)
    radius = np.where(outer, 1.0, 0.5)
    points = np.stack([radius * np.cos(t), radius * np.sin(t)], 1)
    return points + noise * rng.standard_normal((n, 2)), (~outer).astype(float)


def _spiral(arms):
    def spiral(n, noise, rng):
        label = np.arange(n) % arms
        t = rng.uniform(0.0, 1.0, n)
        angle = 4.0 * t + 2.0 * math.pi * label / arms
        points = np.stack([t * np.cos(angle), t * np.sin(angle)], 1)
        return points + noise * rng.standard_normal((n, 2)), label.astype(float)

    return spiral


def _xor(n, noise, rng):
    points = rng.uniform(-1.0, 1.0, (n, 2))
    label = (points[:, 0] * points[:, 1] < 0).astype(float)
    return points + noise * rng.standard_normal((n, 2)), label


def _blobs(n, noise, rng):
    label = np.arange(n) % 3
    angle = 2.0 * math.pi * label / 3 + math.pi / 2
    centres = np.stack([np.cos(angle), np.sin(angle)], 1)
    return centres + noise * rng.standard_normal((n, 2)), label.astype(float)


def _sine(n, noise, rng):
    x = rng.uniform(-math.pi, math.pi, n)
    return x[:, None], np.sin(x) + noise * rng.standard_normal(n)


@dataclass(frozen=True)
class NetworkDataset:
    """A generated data set: ``classes`` labels (0 for regression), ``inputs`` coordinates."""

    id: str
    name: str
    description: str
    classes: int
    inputs: int
    noise: float
    """The default noise: the std of the Gaussian added to each coordinate (to y for sine)."""
    generate: object

    @property
    def params(self) -> tuple[Param, ...]:
        return (
            Param("n", 200, 4, 5000, "Examples, train and test together", integer=True),
            Param("noise", self.noise, 0.0, 2.0, "Std of the noise on each example"),
            Param("seed", 0, 0, 2**32 - 1, "Seeds the draw", integer=True),
        )

    @property
    def outputs(self) -> int:
        return self.classes or 1


DATASETS = {
    d.id: d
    for d in (
        NetworkDataset("moons", "Two moons", "Two interleaved half circles", 2, 2, 0.2, _moons),
        NetworkDataset("circles", "Circles", "A ring around a disc", 2, 2, 0.1, _circles),
        NetworkDataset(
            "spiral", "Spiral", "Two arms winding round each other", 2, 2, 0.05, _spiral(2)
        ),
        NetworkDataset("spiral3", "Spiral, 3 arms", "Three arms", 3, 2, 0.05, _spiral(3)),
        NetworkDataset("xor", "XOR", "The sign of x times y", 2, 2, 0.05, _xor),
        NetworkDataset("blobs", "Gaussian blobs", "Three round clusters", 3, 2, 0.4, _blobs),
        NetworkDataset(
            "sine", "Noisy sine", "y = sin(x) + noise, for regression", 0, 1, 0.1, _sine
        ),
    )
}
"""Every data set by id."""


@dataclass(frozen=True)
class Split:
    """The examples a network trains on and the ones held out; labels as floats."""

    dataset: NetworkDataset
    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def get_dataset(dataset_id: str) -> NetworkDataset:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        raise ValueError(f"unknown network data set id; valid: {', '.join(DATASETS)}") from None


def make_data(
    dataset: NetworkDataset, params: Mapping[str, float] | None, test_fraction: float
) -> Split:
    """The examples drawn with ``params`` (n, noise, seed; ParameterError names a bad one),
    ``round(n * test_fraction)`` of them, chosen by the seed, held out for testing."""
    p = validate(dataset.params, params, f"data set '{dataset.id}'")
    n = int(p["n"])
    rng = np.random.default_rng([int(p["seed"]), 17])
    x, y = dataset.generate(n, p["noise"], rng)
    order = rng.permutation(n)
    held = min(round(n * test_fraction), n - 1)
    test, keep = np.sort(order[:held]), np.sort(order[held:])
    c = np.ascontiguousarray
    return Split(dataset, c(x[keep]), c(y[keep]), c(x[test]), c(y[test]))


# --- the network -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    """Layer widths ``sizes = (inputs, hidden..., outputs)``, the hidden layers' activation and
    the loss (cross-entropy over ``outputs`` classes, or squared error with one output)."""

    sizes: tuple[int, ...]
    activation: str = "tanh"
    regression: bool = False

    @property
    def layers(self) -> list[tuple[int, int]]:
        """Each linear layer's (out, in): its weight's shape."""
        return list(zip(self.sizes[1:], self.sizes[:-1], strict=True))

    @property
    def parameter_count(self) -> int:
        return sum(o * i + o for o, i in self.layers)

    @property
    def codes(self) -> tuple[np.ndarray, int, int]:
        """What the kernels take: the sizes, the activation's code and the loss's."""
        loss = kernel.SQUARED_ERROR if self.regression else kernel.CROSS_ENTROPY
        return np.array(self.sizes, dtype=np.int64), ACTIVATIONS[self.activation], loss

    def unflatten(self, theta: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The flat vector as each layer's (weight [out][in], bias [out])."""
        out, start = [], 0
        for o, i in self.layers:
            weight = theta[start : start + o * i].reshape(o, i)
            out.append((weight, theta[start + o * i : start + o * i + o]))
            start += o * i + o
        return out

    def layer_of(self, index: int) -> int:
        """Which layer the flat parameter ``index`` belongs to."""
        ends = np.cumsum([o * i + o for o, i in self.layers])
        return int(np.searchsorted(ends, index, side="right"))


def network_for(dataset: NetworkDataset, hidden: Sequence[int], activation: str) -> Network:
    sizes = (dataset.inputs, *hidden, dataset.outputs)
    return Network(tuple(int(s) for s in sizes), activation, dataset.classes == 0)


def initial_parameters(network: Network, seed: int) -> np.ndarray:
    """torch.nn.Linear's default initialisation, seeded: for each layer in order, its weight
    then its bias uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)] (kaiming_uniform with a =
    sqrt(5) gives that bound for the weight; the bias uses it by definition)."""
    rng = np.random.default_rng([seed, 1])
    parts = []
    for o, i in network.layers:
        bound = 1.0 / math.sqrt(i)
        parts += [rng.uniform(-bound, bound, o * i), rng.uniform(-bound, bound, o)]
    return np.concatenate(parts)


def loss_and_gradient(
    network: Network, theta: np.ndarray, x: np.ndarray, y: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """The mean loss over the examples, its gradient (theta's layout) by backprop, and the
    forward values of every layer (n, sum(sizes)) that the backward pass reused."""
    sizes, act, loss = network.codes
    grad = np.empty(theta.size)
    values = np.empty((len(x), sum(network.sizes)))
    value = kernel.loss_grad(
        sizes, act, loss, _vector(theta), _examples(x), _vector(y), grad, values
    )
    return value, grad, values


def losses_at(network: Network, thetas: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The mean loss at each row of ``thetas`` (forward passes only)."""
    sizes, act, loss = network.codes
    thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=float)
    out = np.empty(len(thetas))
    kernel.losses_at(sizes, act, loss, thetas, _examples(x), _vector(y), out)
    return out


def predict(network: Network, thetas: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(len(thetas), outputs, len(x)): class probabilities, or the regression's output."""
    sizes, act, loss = network.codes
    thetas = np.ascontiguousarray(np.atleast_2d(thetas), dtype=float)
    out = np.empty((len(thetas), network.sizes[-1], len(x)))
    kernel.predict(sizes, act, loss, thetas, _examples(x), out)
    return out


@dataclass(frozen=True)
class NetworkCheck:
    """Backprop against central differences on some parameters, and what each cost."""

    indices: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_error: float
    forward_passes: int
    """2 per parameter checked; backprop's gradient of all of them is 1 forward + 1 backward."""
    backprop_seconds: float
    check_seconds: float
    loss: float
    gradient: np.ndarray
    """Backprop's gradient of every parameter (the one pass that was timed)."""


BACKPROP_TIMINGS = 3
"""Backprop passes a gradient check times (it reports the fastest)."""


def gradient_check(
    network: Network,
    theta: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    eps: float = 1e-6,
    indices: Sequence[int] | None = None,
) -> NetworkCheck:
    """dL/dtheta_i by (L(theta + eps e_i) - L(theta - eps e_i)) / (2 eps) for the parameters
    ``indices`` (all of them by default), beside backprop's.

    Backprop's time is the fastest of ``BACKPROP_TIMINGS`` passes, and the check's passes are
    timed after one untimed pass: a first call in a process can take a hundred times longer
    (the compiled kernel is loaded), which would say nothing about either method."""
    theta = _vector(theta)
    chosen = np.arange(theta.size) if indices is None else np.asarray(indices, dtype=np.int64)
    backprop_seconds = math.inf
    for _ in range(BACKPROP_TIMINGS):
        started = time.perf_counter()
        loss, grad, _ = loss_and_gradient(network, theta, x, y)
        backprop_seconds = min(backprop_seconds, time.perf_counter() - started)
    shifted = np.repeat(theta[None, :], 2 * chosen.size, axis=0)
    rows = np.arange(chosen.size)
    shifted[2 * rows, chosen] += eps
    shifted[2 * rows + 1, chosen] -= eps
    losses_at(network, theta, x[:1], y[:1])
    started = time.perf_counter()
    values = losses_at(network, shifted, x, y)
    check_seconds = time.perf_counter() - started
    numeric = (values[0::2] - values[1::2]) / (2 * eps)
    analytic = grad[chosen]
    error = float(np.max(np.abs(analytic - numeric))) if chosen.size else 0.0
    return NetworkCheck(chosen, analytic, numeric, error, 2 * chosen.size, backprop_seconds,
                        check_seconds, loss, grad)  # fmt: skip


def check_sample(network: Network, count: int, seed: int) -> np.ndarray:
    """``count`` distinct parameter indices (all of them if there are fewer), drawn with
    ``seed`` and sorted: which parameters a gradient check compares. The layers take turns
    (each layer's parameters in a seeded order), so every layer is checked, however many more
    parameters the middle layers hold."""
    rng = np.random.default_rng([seed, 3])
    ends = np.cumsum([0] + [o * i + o for o, i in network.layers])
    orders = [start + rng.permutation(end - start) for start, end in pairwise(ends)]
    turns = [order[k] for k in range(int(max(np.diff(ends)))) for order in orders if k < order.size]
    return np.sort(np.array(turns[:count], dtype=np.int64))


def parameter_name(network: Network, index: int) -> str:
    """The flat parameter ``index`` as torch would index it, layers counted from 1:
    ``W2[3][1]`` (layer 2's weight, output unit 3, input 1) or ``b1[4]``."""
    layer = network.layer_of(index)
    o, i = network.layers[layer]
    offset = index - sum(oo * ii + oo for oo, ii in network.layers[:layer])
    if offset < o * i:
        return f"W{layer + 1}[{offset // i}][{offset % i}]"
    return f"b{layer + 1}[{offset - o * i}]"


def layer_norms(network: Network, grad: np.ndarray) -> np.ndarray:
    """Each layer's gradient norm, its weight and bias together (``train``'s gradient_norms)."""
    ends = np.cumsum([0] + [o * i + o for o, i in network.layers])
    return np.array([math.sqrt(float(grad[a:b] @ grad[a:b])) for a, b in pairwise(ends)])


@dataclass(frozen=True)
class ExamplePasses:
    """One example through the network and back, layer l = 1..L (the output last): the
    forward values ``z_l = W_l a_{l-1} + b_l`` and ``a_l = act(z_l)`` (``a_L = z_L``, the
    output is linear), and the backward gradients of that example's own loss, ``dL/da_l`` and
    ``dL/dz_l``; ``input_gradient`` is dL/dx."""

    loss: float
    pre_activations: list[np.ndarray]
    activations: list[np.ndarray]
    activation_gradients: list[np.ndarray]
    pre_activation_gradients: list[np.ndarray]
    input_gradient: np.ndarray


def example_passes(network: Network, theta: np.ndarray, x: np.ndarray, y: float) -> ExamplePasses:
    """Backprop for one example written out in numpy, as the chapter does it: the forward pass
    keeps every layer's z and a; the backward pass starts at the output (dL/dz_L = softmax(z_L)
    - onehot(y) for the cross-entropy, 2 (z_L - y) for the squared error) and walks down with
    the chain rule, dL/da_{l-1} = W_l^T dL/dz_l and dL/dz_{l-1} = dL/da_{l-1} * act'(z_{l-1}).
    The same loss as ``loss_and_gradient`` over a set of one example."""
    layers = network.unflatten(_vector(theta))
    a = _vector(x)
    zs, acts = [], []
    for depth, (weight, bias) in enumerate(layers):
        z = weight @ a + bias
        a = z if depth == len(layers) - 1 else _ACTIVATE[network.activation](z)
        zs.append(z)
        acts.append(a)
    out = zs[-1]
    if network.regression:
        loss = float((out[0] - y) ** 2)
        d_z = 2.0 * (out - y)
    else:
        shifted = out - out.max()
        log_sum = math.log(float(np.exp(shifted).sum()))
        loss = log_sum - float(shifted[int(y)])
        d_z = np.exp(shifted - log_sum)
        d_z[int(y)] -= 1.0
    d_as, d_zs = [d_z], [d_z]
    for depth in range(len(layers) - 1, 0, -1):
        d_a = layers[depth][0].T @ d_zs[0]
        d_as.insert(0, d_a)
        d_zs.insert(0, d_a * _SLOPE[network.activation](acts[depth - 1]))
    return ExamplePasses(loss, zs, acts, d_as, d_zs, layers[0][0].T @ d_zs[0])


_ACTIVATE = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 0.5 + 0.5 * np.tanh(0.5 * z),  # 1 / (1 + e^-z), without overflow
}
_SLOPE = {
    "tanh": lambda a: 1.0 - a * a,
    "relu": lambda a: (a > 0.0).astype(float),
    "sigmoid": lambda a: a * (1.0 - a),
}
"""Each activation and its derivative from its output, as ``kernels.network`` writes them."""


# --- training ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkRunSpec:
    optimizer: Optimizer
    hyperparameters: Mapping[str, object]
    lr_scale: Sequence[float] | None = None
    """Per-update factor on the step (a schedule as ``lr_t / lr``), or None."""


@dataclass
class NetworkRun:
    """One run's record: index k is after k updates (k = 0 .. the last valid point)."""

    losses: np.ndarray
    test_losses: np.ndarray
    accuracies: np.ndarray
    test_accuracies: np.ndarray
    gradient_norms: np.ndarray
    """(points, layers): each layer's (weight and bias) gradient norm on the training set."""
    final_parameters: np.ndarray
    snapshot_steps: list[int]
    snapshots: np.ndarray
    """(len(snapshot_steps), parameters): the parameters at those steps."""
    status: str
    stopped_at: int
    reason: str | None

    @property
    def message(self) -> str:
        return engine.Trajectory(
            np.empty(0), np.empty(0), np.empty(0), self.status, self.stopped_at, self.reason
        ).message


def snapshot_steps(steps: int, count: int) -> np.ndarray:
    """``count`` steps spread evenly over 0..steps (fewer when there are fewer steps)."""
    return np.unique(np.round(np.linspace(0, steps, min(count, steps + 1))).astype(np.int64))


def train(
    network: Network,
    data: Split,
    theta0: np.ndarray,
    runs: Sequence[NetworkRunSpec],
    steps: int,
    stop: engine.StopRules,
    *,
    batching: engine.Batching | None = None,
    snapshots: int = 50,
) -> list[NetworkRun]:
    """Every run from ``theta0`` for at most ``steps`` updates, in one compiled call per
    core; run i's mini-batches are shuffled with key (i,), as ``engine.simulate`` keys runs."""
    n_runs, size, n = len(runs), theta0.size, len(data.x)
    sizes, act, loss = network.codes
    codes = np.array([s.optimizer.rule.code for s in runs], dtype=np.int64)
    hps = engine._hyperparameter_table(
        [s.optimizer for s in runs], [s.hyperparameters for s in runs], n_runs
    )
    plans = [engine.batch_plan(batching, n, (i,), steps) for i in range(n_runs)]
    if plans and plans[0] is not None:
        orders = np.stack([plan.order for plan in plans])
        batch_starts, batch_ends = plans[0].starts, plans[0].ends
    else:
        orders = np.zeros((0, 0), dtype=np.int64)
        batch_starts = batch_ends = np.zeros(0, dtype=np.int64)
    scales = np.zeros((0, 0))
    if any(s.lr_scale is not None for s in runs):
        scales = np.ones((n_runs, steps))
        for i, s in enumerate(runs):
            if s.lr_scale is not None:
                scales[i] = s.lr_scale[:steps]
    snaps = snapshot_steps(steps, snapshots)
    rows, layers = steps + 1, len(network.layers)
    losses, test_losses = np.empty((n_runs, rows)), np.empty((n_runs, rows))
    accuracies, test_accuracies = np.empty((n_runs, rows)), np.empty((n_runs, rows))
    norms = np.empty((n_runs, rows, layers))
    kept = np.empty((n_runs, snaps.size, size))
    status, stopped_at = np.empty(n_runs, dtype=np.int64), np.empty(n_runs, dtype=np.int64)
    reasons, finals = np.empty(n_runs, dtype=np.int64), np.empty((n_runs, size))
    per_run = (codes, hps, orders, scales)
    outputs = (losses, test_losses, accuracies, test_accuracies, norms, kept, status,
               stopped_at, reasons, finals)  # fmt: skip
    x, y, xt, yt = _examples(data.x), _vector(data.y), _examples(data.x_test), _vector(data.y_test)
    start = _vector(theta0)

    def part(block: slice) -> None:
        codes_, hps_, orders_, scales_ = (a[block] if len(a) else a for a in per_run)
        kernel.train(
            sizes, act, loss, x, y, xt, yt, start, codes_, hps_, steps, stop.grad_tol,
            stop.max_loss, stop.max_coord, orders_, batch_starts.astype(np.int64),
            batch_ends.astype(np.int64), scales_, snaps, *(a[block] for a in outputs),
        )  # fmt: skip

    example_steps = n_runs * steps * (n + len(data.x_test))
    blocks = engine._blocks(n_runs, example_steps // PARALLEL_EXAMPLES)
    if len(blocks) == 1:
        part(blocks[0])
    else:
        list(engine._pool().map(part, blocks))
    texts = engine.reason_texts(stop)
    out = []
    for i in range(n_runs):
        end = int(stopped_at[i]) + (0 if status[i] == 2 else 1)
        taken = int(np.searchsorted(snaps, end))
        out.append(
            NetworkRun(
                losses=losses[i, :end],
                test_losses=test_losses[i, :end],
                accuracies=accuracies[i, :end],
                test_accuracies=test_accuracies[i, :end],
                gradient_norms=norms[i, :end],
                final_parameters=finals[i],
                snapshot_steps=snaps[:taken].tolist(),
                snapshots=kept[i, :taken],
                status=engine.STATUS_NAMES[status[i]],
                stopped_at=int(stopped_at[i]),
                reason=texts[int(reasons[i])],
            )
        )
    return out


PARALLEL_EXAMPLES = 8
"""Example-steps (one example through one step's passes) that weigh as one run-step of a
surface when deciding to split the runs over the cores (``engine.PARALLEL_STEPS``)."""


def plane_grid(data: Split, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid the boundaries are drawn on: the examples' extent with a margin of a tenth,
    ``resolution`` points per axis; returns xs, ys (empty for 1-D inputs) and the grid's
    points (ny * nx, inputs), row j of the plane first."""
    every = np.concatenate([data.x, data.x_test])
    low, high = every.min(axis=0), every.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-9)
    low, high = low - margin, high + margin
    xs = np.linspace(low[0], high[0], resolution)
    if every.shape[1] == 1:
        return xs, np.empty(0), xs[:, None].copy()
    ys = np.linspace(low[1], high[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.ascontiguousarray(np.stack([gx.ravel(), gy.ravel()], 1))


def _vector(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=float).reshape(-1)


def _examples(values) -> np.ndarray:
    values = np.ascontiguousarray(values, dtype=float)
    return values if values.ndim == 2 else values.reshape(-1, 1)
