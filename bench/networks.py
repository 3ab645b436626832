"""Networks (issue 17's targets): 3 runs x 2,000 full-batch steps of a 2-16-16-2 tanh network
on 300 training examples (moons, 100 more held out for the test loss), and the boundary
snapshots (60 x 60 grid, 50 snapshots, 3 runs), and issue 18's landscape planes (PCA of the
3 runs' snapshots, 41 x 41 and 101 x 101, with the paths and lines); compute only, no HTTP.
When ``import torch``
works, the same training with torch.optim (float64) beside it, with the ratio.

    python -m bench.networks
"""

from __future__ import annotations

import time

from app.numerics import engine, landscape, networks
from app.numerics.optimizers import OPTIMIZERS
from bench.common import row

TRAIN_MS, BOUNDARY_MS = 400.0, 100.0
PLANE_MS = {41: 300.0, 101: 1500.0}
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


def _torch_ms(network, split, theta, runs) -> str:
    try:
        import torch
    except ImportError:
        return "torch: skipped (import torch failed)"
    torch.set_default_dtype(torch.float64)
    x, y = torch.tensor(split.x), torch.tensor(split.y).long()
    xt, yt = torch.tensor(split.x_test), torch.tensor(split.y_test).long()
    makers = [lambda p: torch.optim.SGD(p, lr=0.1),
              lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
              lambda p: torch.optim.Adam(p, lr=0.01)]  # fmt: skip
    started = time.perf_counter()
    for make in makers:
        layers = []
        for i, (w, b) in enumerate(network.unflatten(theta)):
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(w))
                linear.bias.copy_(torch.tensor(b))
            layers += [linear] + ([torch.nn.Tanh()] if i < len(network.layers) - 1 else [])
        net = torch.nn.Sequential(*layers)
        optimizer = make(net.parameters())
        for _ in range(STEPS):
            loss = torch.nn.functional.cross_entropy(net(x), y)
            with torch.no_grad():
                torch.nn.functional.cross_entropy(net(xt), yt)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return f"torch.optim {(time.perf_counter() - started) * 1e3:.0f} ms"


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
    torch_text = _torch_ms(network, split, theta, runs)
    if torch_text.startswith("torch.optim"):
        torch_ms = float(torch_text.split()[1])
        torch_text += f" ({torch_ms / train_ms:.1f}x this one's time)"
    final = ", ".join(f"{r.losses[-1]:.3g}" for r in results)
    planes = []
    for resolution, target in PLANE_MS.items():

        def plane(resolution=resolution):
            return landscape.landscape(network, split.x, split.y, theta, results, "pca", resolution)

        plane()
        planes.append(
            row(
                f"networks: landscape, PCA plane {resolution} x {resolution}, 3 paths, 300"
                " examples",
                _best_ms(plane),
                "ms",
                target,
                f"{resolution**2:,} networks + {sum(len(r.snapshots) for r in results)} path"
                " points + 3 lines",
            )
        )
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
        *planes,
    ]


if __name__ == "__main__":
    print("\n".join(main()))
