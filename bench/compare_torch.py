"""Compare every optimizer with torch.optim in float64 and print the largest differences.

Each case runs an optimizer with non-default hyperparameters for 200 steps on random diagonal
quadratics f(p) = sum(a * (p - c)**2) / 2, in both implementations, with the same gradient
a * (p - c) (it rounds identically in numpy and torch, so every difference comes from the update
rules). The figure is the largest max|p_ours - p_torch| / max|p_torch| over steps and problems.
Learning rates are small enough that no run reaches its minimum within the 200 steps: adaptive
methods end in a chaotic dance around the minimum, where any last-bit difference (torch's
kernels fuse multiply-adds, Python cannot) grows until the two runs are unrelated.
Lion is not in torch.optim; its reference is the paper's algorithm written with torch ops.

Usage (torch lives in its own environment, never in the project's; the parity check imports
``app.numerics``, which needs numba there too):

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy numba
    /tmp/torchenv/bin/python bench/compare_torch.py

``--loop`` times a plain torch.optim training loop instead, for ``bench.encoding``'s ratio: it
reads the runs (optimizer id and resolved hyperparameters), the start and the steps as JSON on
stdin and writes its time and each run's end point as JSON; that mode needs torch and numpy
only (no ``app``), so any interpreter with torch runs it:

    echo '{"runs": [["adam", {"lr": 0.05, ...}]], "start": [-1.5, 2.0], "steps": 10000}' |
        /tmp/torchenv/bin/python bench/compare_torch.py --loop

``--network`` trains a network in torch for ``bench.networks``, the same way: a network's
layers (``initial_parameters``), its activation, the data and the runs as JSON on stdin; each
run's training and test losses at every step and the time as JSON out.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

STEPS = 200
PROBLEMS = [(seed, size) for seed in range(3) for size in (3, 64)]  # small and vectorised kernels

# (label, optimizer id, hyperparameter overrides)
CASES = [
    ("sgd weight_decay", "sgd", {"lr": 0.05, "weight_decay": 0.1}),
    ("sgd momentum+dampening", "sgd", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3}),
    ("momentum weight_decay", "momentum", {"lr": 0.03, "momentum": 0.7, "weight_decay": 0.05}),
    ("nesterov weight_decay", "nesterov", {"lr": 0.03, "momentum": 0.8, "weight_decay": 0.05}),
    (
        "adagrad lr_decay",
        "adagrad",
        {
            "lr": 0.3,
            "lr_decay": 0.05,
            "weight_decay": 0.05,
            "initial_accumulator_value": 0.2,
            "eps": 1e-6,
        },
    ),
    ("rmsprop", "rmsprop", {"lr": 0.003, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.05}),
    (
        "rmsprop centered+momentum",
        "rmsprop",
        {"lr": 0.002, "alpha": 0.95, "eps": 1e-6, "momentum": 0.5, "centered": True},
    ),
    ("adadelta", "adadelta", {"lr": 0.5, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.05}),
    ("adam weight_decay", "adam", {"lr": 0.004, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.05}),
    ("adam amsgrad", "adam", {"lr": 0.004, "beta2": 0.95, "eps": 1e-6, "amsgrad": True}),
    ("adam beta1 < 0.5", "adam", {"lr": 0.004, "beta1": 0.3, "beta2": 0.9}),
    ("adamw amsgrad", "adamw", {"lr": 0.004, "beta1": 0.85, "weight_decay": 0.1, "amsgrad": True}),
    (
        "nadam",
        "nadam",
        {"lr": 0.004, "beta1": 0.85, "momentum_decay": 0.01, "weight_decay": 0.05},
    ),
    (
        "nadam decoupled",
        "nadam",
        {"lr": 0.004, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    ("radam", "radam", {"lr": 0.004, "beta2": 0.95, "weight_decay": 0.05}),
    (
        "radam decoupled",
        "radam",
        {"lr": 0.004, "beta1": 0.8, "weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    (
        "adamax",
        "adamax",
        {"lr": 0.004, "beta1": 0.85, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.05},
    ),
    ("lion", "lion", {"lr": 0.003, "beta1": 0.8, "beta2": 0.95, "weight_decay": 0.1}),
]

TORCH_CLASSES = {
    "sgd": "SGD",
    "momentum": "SGD",
    "nesterov": "SGD",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "adamw": "AdamW",
    "nadam": "NAdam",
    "radam": "RAdam",
    "adamax": "Adamax",
}


class TorchLion:
    """Chen et al. 2023, algorithm 2, with torch ops (decoupled weight decay first)."""

    def __init__(self, params, lr, beta1, beta2, weight_decay):
        import torch

        self.params, self.lr, self.beta1, self.beta2, self.wd = (
            params,
            lr,
            beta1,
            beta2,
            weight_decay,
        )
        self.exp_avg = [torch.zeros_like(p) for p in params]

    def step(self):
        for p, exp_avg in zip(self.params, self.exp_avg, strict=True):
            with_decay = p.detach().mul(1 - self.lr * self.wd)
            direction = (exp_avg * self.beta1 + p.grad * (1 - self.beta1)).sign()
            p.data = with_decay.add(direction, alpha=-self.lr)
            exp_avg.mul_(self.beta2).add_(p.grad, alpha=1 - self.beta2)


def torch_optimizer(torch, optimizer_id: str, hp: dict, params):
    if optimizer_id == "lion":
        return TorchLion(params, hp["lr"], hp["beta1"], hp["beta2"], hp["weight_decay"])
    kwargs = dict(hp)
    if "beta1" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1"), kwargs.pop("beta2"))
    return getattr(torch.optim, TORCH_CLASSES[optimizer_id])(params, foreach=False, **kwargs)


def max_relative_difference(torch, optimizer_id: str, overrides: dict) -> float:
    from app.numerics.optimizers import get_optimizer

    optimizer = get_optimizer(optimizer_id)
    hp = optimizer.resolve(overrides)
    worst = 0.0
    for seed, size in PROBLEMS:
        rng = np.random.default_rng(seed)
        a, c = rng.uniform(0.5, 5.0, size), rng.normal(size=size)
        start = c + rng.choice([-1.0, 1.0], size) * rng.uniform(1.0, 2.0, size)
        transform = optimizer.make(hp)
        ours, state = start.copy(), transform.init(start)
        theirs = torch.tensor(start, requires_grad=True)
        reference = torch_optimizer(torch, optimizer_id, hp, [theirs])
        a_t, c_t = torch.tensor(a), torch.tensor(c)
        for t in range(1, STEPS + 1):
            step, state = transform.update(a * (ours - c), state, ours, t)
            ours = ours + step
            theirs.grad = a_t * (theirs.detach() - c_t)
            reference.step()
            expected = theirs.detach().numpy()
            worst = max(worst, np.max(np.abs(ours - expected)) / np.max(np.abs(expected)))
    return worst


def rosenbrock(p):
    """Rosenbrock, a = 1, b = 100, on a 2-vector tensor (torch records it for autograd)."""
    x, y = p[0], p[1]
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def train(torch, optimizer_id: str, hp: dict, start, steps: int):
    """A textbook torch.optim loop: the loss, backward, the step; every point, loss and gradient
    recorded as the API returns them (points[0] the start, ``steps`` updates)."""
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(torch, optimizer_id, hp, [p])
    points = torch.empty((steps + 1, len(start)), dtype=torch.float64)
    losses = torch.empty(steps + 1, dtype=torch.float64)
    gradients = torch.empty((steps + 1, len(start)), dtype=torch.float64)
    for t in range(steps + 1):
        p.grad = None
        loss = rosenbrock(p)
        loss.backward()
        with torch.no_grad():
            points[t], losses[t], gradients[t] = p, loss, p.grad
        if t < steps:
            optimizer.step()
    return points.numpy(), losses.numpy(), gradients.numpy()


def time_loop(request: dict) -> dict:
    """Milliseconds for every run of ``request`` in turn, after a short warm-up of each
    optimizer (torch imports parts of itself on the first step: a one-off cost, left out)."""
    import torch

    runs, start, steps = request["runs"], request["start"], request["steps"]
    for optimizer_id, hp in runs:
        train(torch, optimizer_id, hp, start, 10)
    started = time.perf_counter()
    paths = [train(torch, optimizer_id, hp, start, steps) for optimizer_id, hp in runs]
    elapsed = time.perf_counter() - started
    return {
        "ms": elapsed * 1e3,
        "final": [points[-1].tolist() for points, _, _ in paths],
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def train_networks(request: dict) -> dict:
    """``--network``: the network of ``request["layers"]`` (each ``{"weight", "bias"}``, as
    ``/networks/train`` returns ``initial_parameters``) as a torch ``nn.Sequential`` of
    ``nn.Linear`` and the activation, trained once per run with torch.optim on the full batch:
    the loss on ``x`` and on ``x_test`` at every point (k = 0 .. steps), timed after a warm-up."""
    import torch

    torch.set_default_dtype(torch.float64)
    activation = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}
    regression = request["regression"]
    x, x_test = torch.tensor(request["x"]), torch.tensor(request["x_test"])
    y, y_test = torch.tensor(request["y"]), torch.tensor(request["y_test"])
    if regression:
        loss_of = lambda out, target: torch.nn.functional.mse_loss(out[:, 0], target)  # noqa: E731
    else:
        y, y_test = y.long(), y_test.long()
        loss_of = torch.nn.functional.cross_entropy

    def network():
        layers = []
        for i, layer in enumerate(request["layers"]):
            weight = torch.tensor(layer["weight"])
            linear = torch.nn.Linear(weight.shape[1], weight.shape[0])
            with torch.no_grad():
                linear.weight.copy_(weight)
                linear.bias.copy_(torch.tensor(layer["bias"]))
            layers.append(linear)
            if i < len(request["layers"]) - 1:
                layers.append(activation[request["activation"]]())
        return torch.nn.Sequential(*layers)

    def train(optimizer_id: str, hp: dict, steps: int):
        net = network()
        optimizer = torch_optimizer(torch, optimizer_id, hp, net.parameters())
        losses, test_losses = [], []
        for t in range(steps + 1):
            optimizer.zero_grad()
            loss = loss_of(net(x), y)
            with torch.no_grad():
                test_losses.append(float(loss_of(net(x_test), y_test)))
            losses.append(float(loss))
            if t < steps:
                loss.backward()
                optimizer.step()
        return losses, test_losses

    for optimizer_id, hp in request["runs"]:
        train(optimizer_id, hp, 5)
    started = time.perf_counter()
    results = [train(optimizer_id, hp, request["steps"]) for optimizer_id, hp in request["runs"]]
    elapsed = time.perf_counter() - started
    return {
        "ms": elapsed * 1e3,
        "losses": [losses for losses, _ in results],
        "test_losses": [test for _, test in results],
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


SCRATCH_TORCH = Path("/tmp/torchvenv/bin/python")
"""Where the bench looks for an interpreter with torch when ``GRADSCAPE_TORCH_PYTHON`` is unset."""


def torch_interpreter(chosen: str | None) -> str | None:
    """An interpreter with torch: ``chosen`` (``GRADSCAPE_TORCH_PYTHON``), else the scratch
    venv's, else this one's if torch imports here; None if there is none (or ``chosen`` is not
    an executable)."""
    import importlib.util
    import shutil

    if chosen:
        return shutil.which(chosen)
    if SCRATCH_TORCH.exists():
        return str(SCRATCH_TORCH)
    return sys.executable if importlib.util.find_spec("torch") else None


def loop_in(python: str, request: dict, mode: str = "--loop") -> dict:
    """``time_loop(request)`` (``--loop``) or ``train_networks(request)`` (``--network``) run
    by ``python`` in a subprocess."""
    import subprocess

    completed = subprocess.run(
        [python, str(Path(__file__).resolve()), mode],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    return json.loads(completed.stdout)


def main() -> int:
    if sys.argv[1:] == ["--loop"]:
        print(json.dumps(time_loop(json.load(sys.stdin))))
        return 0
    if sys.argv[1:] == ["--network"]:
        print(json.dumps(train_networks(json.load(sys.stdin))))
        return 0
    try:
        import torch
    except ImportError:
        print(
            "torch is not installed here; install it in a separate environment:\n"
            "  python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy numba\n"
            f"  /tmp/torchenv/bin/python {Path(__file__).as_posix()}"
        )
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    torch.set_default_dtype(torch.float64)  # torch keeps step counts and mu_product in this
    print(f"torch {torch.__version__}, {STEPS} steps, {len(PROBLEMS)} problems per case")
    print(f"{'case':28s} max relative difference")
    for label, optimizer_id, overrides in CASES:
        print(f"{label:28s} {max_relative_difference(torch, optimizer_id, overrides):.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
