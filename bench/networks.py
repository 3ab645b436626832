"""Networks (issue 17's targets): 3 runs x 2,000 full-batch steps of a 2-16-16-2 tanh network
on 300 training examples (moons, 100 more held out for the test loss), and the boundary
snapshots (60 x 60 grid, 50 snapshots, 3 runs); compute only, no HTTP. Beside it, when an
interpreter has torch (``GRADSCAPE_TORCH_PYTHON``, or the scratch venv /tmp/torchvenv), the same
training with torch.optim (float64, ``compare_torch.py --network``): its time, the ratio, and
how far its losses are from ours (the API's claim: rebuild the network from
``initial_parameters`` in torch and get the same losses).

    python -m bench.networks
"""

from __future__ import annotations

import time

import numpy as np

from app.numerics import engine, networks
from app.numerics.optimizers import OPTIMIZERS
from bench import OPTIONS, compare_torch
from bench.common import row

TRAIN_MS, BOUNDARY_MS = 400.0, 100.0
STEPS = 2000


def _setup():
    dataset = networks.DATASETS["moons"]
    split = networks.make_data(dataset, {"n": 400}, 0.25)
    network = networks.network_for(dataset, [16, 16], "tanh")
    theta = networks.initial_parameters(network, 0)
    runs = [
        networks.NetworkRunSpec(o, o.resolve({"lr": lr}))
        for o, lr in ((OPTIMIZERS["sgd"], 0.1), (OPTIMIZERS["momentum"], 0.05),
                      (OPTIMIZERS["adam"], 0.01))
    ]  # fmt: skip
    return network, split, theta, runs


def _best_ms(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, (time.perf_counter() - started) * 1e3)
    return best


def _torch(network, split, theta, runs, results) -> str:
    """The same training in torch.optim (``compare_torch.py --network``, in the interpreter
    with torch), its time, and how far its losses are from ours."""
    python = compare_torch.torch_interpreter(OPTIONS.get("GRADSCAPE_TORCH_PYTHON"))
    if python is None:
        return "torch: skipped (no torch; set GRADSCAPE_TORCH_PYTHON)"
    request = {
        "layers": [{"weight": w.tolist(), "bias": b.tolist()} for w, b in network.unflatten(theta)],
        "activation": network.activation,
        "regression": network.regression,
        "x": split.x.tolist(), "y": split.y.tolist(),
        "x_test": split.x_test.tolist(), "y_test": split.y_test.tolist(),
        "runs": [[spec.optimizer.id, dict(spec.hyperparameters)] for spec in runs],
        "steps": STEPS,
    }  # fmt: skip
    theirs = compare_torch.loop_in(python, request, "--network")
    pairs = list(zip(results, theirs["losses"], theirs["test_losses"], strict=True))

    def apart(steps: slice) -> float:
        return max(
            float(np.max(np.abs(np.subtract(ours[steps], their[steps]))))
            for result, losses, tests in pairs
            for ours, their in ((result.losses, losses), (result.test_losses, tests))
        )

    # The same arithmetic up to rounding: the losses agree to the last bits at first, and the
    # rounding differences grow along the training as they do between any two float programs.
    return (
        f"torch.optim {theirs['ms']:.0f} ms (torch {theirs['torch']}, {theirs['threads']}"
        f" threads), its training and test losses within {apart(slice(0, 101)):.1e} of ours"
        f" over the first 100 steps, {apart(slice(None)):.1e} over all"
    )


def main() -> list[str]:
    network, split, theta, runs = _setup()
    stop = engine.StopRules(grad_tol=0.0)

    def train():
        return networks.train(network, split, theta, runs, STEPS, stop)

    results = train()
    train_ms = _best_ms(train)
    _, _, points = networks.plane_grid(split, 60)

    def boundaries():
        return [networks.predict(network, r.snapshots, points) for r in results]

    boundaries()
    boundary_ms = _best_ms(boundaries)
    torch_text = _torch(network, split, theta, runs, results)
    if torch_text.startswith("torch.optim"):
        torch_ms = float(torch_text.split()[1])
        torch_text += f"; {torch_ms / train_ms:.1f}x this one's time"
    final = ", ".join(f"{r.losses[-1]:.3g}" for r in results)
    return [
        row(
            "networks: 3 runs x 2,000 steps, 2-16-16-2 on 300 examples",
            train_ms,
            "ms",
            TRAIN_MS,
            f"final losses {final}; {torch_text}",
        ),
        row(
            "networks: boundaries, 60 x 60 grid, 50 snapshots, 3 runs",
            boundary_ms,
            "ms",
            BOUNDARY_MS,
            f"{sum(len(r.snapshots) for r in results)} snapshots",
        ),
    ]


if __name__ == "__main__":
    print("\n".join(main()))
