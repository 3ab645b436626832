"""The engine's benchmark cases, written once against the public API of ``app.numerics``.

``bench.engine`` and ``bench.sweeps`` time them here; ``in_tree`` times the same cases with the
engine of another checkout (issue 15's "previous engine", the tree before the compiled core) in
a subprocess of its own, so the two figures come from one bench run on one machine. Both
engines share this API (``simulate``, ``RunSpec``, ``StopRules``, ``lr_sweep``, ``basin_map``,
``surface_from_expression``), so this file imports nothing else, bench included: run as a script
it prints its figures as JSON for whichever ``app`` is first on the path.

    python bench/cases.py mixed formula      # from a checkout's root, with PYTHONPATH=.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

MIXED = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "nadam", "lion"]
"""Eight optimizers, each at Rosenbrock's suggested learning rate."""
ROSENBROCK_TYPED = "(1 - x)**2 + 100*(y - x**2)**2"
"""Rosenbrock (a = 1, b = 100) as a user types it: the same surface through the formula path."""
START = (-1.5, 2.0)
STEPS = 10_000
LRS = 512
"""Learning rates of the sweep cases, each over ``SWEEP_STEPS``."""
SWEEP_STEPS = 2000
BASIN_RESOLUTION, BASIN_STEPS = 256, 500
BUDGET_S = 2.0
"""Time each case is repeated for, at most (at least twice; see ``best_ms``)."""


def _api():
    from app.numerics import engine, expression, optimizers, surfaces, sweeps

    return engine, expression, optimizers, surfaces, sweeps


def mixed_specs():
    """The 8 mixed runs from Rosenbrock's start, at its suggested learning rates."""
    engine, _, optimizers, surfaces, _ = _api()
    rosenbrock = surfaces.get_surface("rosenbrock")
    specs = []
    for name in MIXED:
        optimizer = optimizers.get_optimizer(name)
        lr = rosenbrock.suggested_lr[name]
        specs.append(engine.RunSpec(optimizer, optimizer.resolve({"lr": lr}), START))
    return specs


def case(name: str) -> Callable[[], object]:
    """The work of one case as a call (grad_tol 0: every run walks all its steps)."""
    engine, expression, optimizers, surfaces, sweeps = _api()
    stop = engine.StopRules(grad_tol=0.0)
    rosenbrock = surfaces.get_surface("rosenbrock")
    adam = optimizers.get_optimizer("adam")
    if name in ("mixed", "formula"):
        surface = (
            rosenbrock if name == "mixed" else expression.surface_from_expression(ROSENBROCK_TYPED)
        )
        params, specs = surface.resolve_params(None), mixed_specs()
        return lambda: engine.simulate(surface, params, specs, STEPS, stop=stop)
    if name == "lrs":
        params = rosenbrock.resolve_params(None)
        specs = [
            engine.RunSpec(adam, adam.resolve({"lr": float(lr)}), START)
            for lr in np.logspace(-4, -1, LRS)
        ]
        return lambda: engine.simulate(rosenbrock, params, specs, SWEEP_STEPS, stop=stop)
    if name == "sweep":
        params, hp = rosenbrock.resolve_params(None), adam.resolve(None)
        return lambda: sweeps.lr_sweep(
            rosenbrock, params, adam, hp, START, SWEEP_STEPS, (1e-4, 1.0), LRS, stop
        )
    if name == "basin":
        himmelblau, sgd = surfaces.get_surface("himmelblau"), optimizers.get_optimizer("sgd")
        params = himmelblau.resolve_params(None)
        hp = sgd.resolve({"lr": himmelblau.suggested_lr["sgd"]})
        x, y = himmelblau.window.x, himmelblau.window.y
        return lambda: sweeps.basin_map(
            himmelblau, params, sgd, hp, x, y, BASIN_RESOLUTION, BASIN_STEPS, 1e-2, stop
        )
    raise KeyError(name)


def best_ms(fn: Callable[[], object], repeat: int = 20, budget_s: float = BUDGET_S) -> float:
    """The fastest of up to ``repeat`` calls, in milliseconds, stopping once ``budget_s`` is
    spent (but never before the second call: the first may load compiled code from disk)."""
    timings: list[float] = []
    spent = 0.0
    while len(timings) < repeat and (len(timings) < 2 or spent < budget_s):
        started = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - started)
        spent += timings[-1]
    return min(timings) * 1e3


def final_points(name: str) -> list[list[float]]:
    """Where each of the 8 mixed runs ended (to check two engines did the same work)."""
    return [t.points[-1].tolist() for t in case(name)()]


def measure(names: list[str]) -> dict:
    """Each case's best time, and the mixed cases' final points, as JSON-ready values."""
    import app

    out: dict = {"app": str(Path(app.__file__).resolve().parent), "ms": {}, "final": {}}
    for name in names:
        out["ms"][name] = best_ms(case(name))
        if name in ("mixed", "formula"):
            out["final"][name] = final_points(name)
    return out


def in_tree(tree: Path, names: list[str]) -> dict:
    """``measure(names)`` with the ``app`` of another checkout, in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *names],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result = json.loads(completed.stdout)
    if Path(result["app"]) != (Path(tree) / "app").resolve():
        raise RuntimeError(f"{tree}: the subprocess imported {result['app']}")
    return result


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1:])))
