"""Compile (or load from numba's cache) every kernel before any request needs it.

``warm()`` runs each entry point of ``app.numerics.kernels`` once, through the same Python
wrappers the API calls, on tiny inputs: every family of surface (built-in, typed formula, data
set), with and without history, noise, mini-batches, schedules and state, the grid, the
gradient check's evaluations, a formula's trace and its constant folding, an optimizer's
``make``. numba compiles one specialization per combination of argument types, and the
wrappers always pass the same types, so after ``warm()`` no request compiles anything
(``tests/numerics/test_warm.py`` checks that a whole run of requests adds no specialization).

``python -m app.numerics.warm`` (``make install`` runs it) fills the on-disk cache and prints
how long it took; the server calls ``warm()`` at start-up, which then loads from the cache.
"""

from __future__ import annotations

import time

from app.numerics.kernels import cache_dir

KERNELS = (
    "walk_builtin", "walk_formula", "walk_data", "grid", "value_grads", "values_at",
    "batch_losses_at", "trace", "operation", "rule_step", "hessians",
)  # fmt: skip
"""The entry points of ``kernels.walk`` called from Python."""
NETWORK_KERNELS = ("loss_grad", "losses_at", "predict", "train")
"""The entry points of ``kernels.network`` called from Python."""


def warm() -> float:
    """Run every entry point once; returns the seconds it took."""
    started = time.perf_counter()
    from app.numerics.curvature import curvature
    from app.numerics.datasets import surface_from_dataset
    from app.numerics.engine import Batching, Noise, RunSpec, StopRules, simulate
    from app.numerics.expression import surface_from_expression
    from app.numerics.gradcheck import gradient_check
    from app.numerics.grid import evaluate_grid
    from app.numerics.optimizers import OPTIMIZERS
    from app.numerics.schedules import Schedule, lr_sequence
    from app.numerics.surfaces import get_surface
    from app.numerics.sweeps import lr_sweep

    formula = surface_from_expression("(1 - x)**2 + 100*(y - x**2)**2 + sin(x)")
    data = surface_from_dataset("logistic_regression", {"n": 8})
    for surface in (get_surface("rosenbrock"), get_surface("parabola"), formula, data):
        params = surface.resolve_params(None)
        start = surface.default_start
        specs = [
            RunSpec(o, o.resolve(None), start, (i,), lr_sequence(1.0, Schedule("cosine"), 3))
            for i, o in enumerate(OPTIMIZERS.values())
        ]
        batching = Batching(2) if surface.data is not None else None
        simulate(surface, params, specs, 3, include_state=True, batching=batching)
        simulate(surface, params, specs[:1], 3, noise=Noise(0.1), batching=batching)
        simulate(surface, params, specs[:1], 3)
        sgd = OPTIMIZERS["sgd"]
        lr_sweep(surface, params, sgd, sgd.resolve(None), start, 3, (1e-3, 1e-2), 2, StopRules())
        window = surface.window
        evaluate_grid(surface, params, window.x, window.y, 3)
        gradient_check(surface, params, start)
        surface.value(params, *start)
        curvature(surface, params, [start, start])
        surface.grad(params, *start)
    data.data.minibatch([0, 1], 0.5, 0.5)
    from app.numerics.expression import parse

    parse("2*pi + x").graph.trace([1.0])
    for optimizer in OPTIMIZERS.values():
        transform = optimizer.make(optimizer.resolve(None))
        transform.update(1.0, transform.init(1.0), 1.0, 1)
    _warm_networks()
    return time.perf_counter() - started


def _warm_networks() -> None:
    """A network's training (full batch, mini-batches, a schedule), its gradient check and its
    boundaries, for a classifier and a regression."""
    from app.numerics import networks
    from app.numerics.engine import Batching, StopRules
    from app.numerics.optimizers import OPTIMIZERS

    specs = [
        networks.NetworkRunSpec(o, o.resolve(None), [1.0, 0.5, 0.25] if i == 0 else None)
        for i, o in enumerate(OPTIMIZERS.values())
    ]
    for dataset_id in ("moons", "sine"):
        dataset = networks.get_dataset(dataset_id)
        split = networks.make_data(dataset, {"n": 8}, 0.25)
        network = networks.network_for(dataset, [3], "tanh")
        theta = networks.initial_parameters(network, 0)
        for batching in (None, Batching(2)):
            runs = networks.train(network, split, theta, specs, 3, StopRules(), batching=batching)
        networks.gradient_check(network, theta, split.x, split.y, indices=[0, 1])
        networks.predict(network, runs[0].snapshots, networks.plane_grid(split, 3)[2])


def main() -> None:
    seconds = warm()
    print(f"numba kernels ready in {seconds:.1f} s (cache: {cache_dir()})")


if __name__ == "__main__":
    main()
