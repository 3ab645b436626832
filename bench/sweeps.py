"""Sweeps and basin maps: one batched pass against the same runs one at a time."""

from __future__ import annotations

import time

import numpy as np

from app.numerics import engine
from app.numerics.engine import RunSpec, StopRules
from app.numerics.optimizers import get_optimizer
from app.numerics.surfaces import get_surface
from app.numerics.sweeps import basin_map, lr_sweep
from bench.common import best_of, row


def one_at_a_time_ms(surface, params, specs, steps, stop, sample: int) -> float:
    """Time ``sample`` of the runs alone on floats and scale to all of them."""
    chosen = specs[:: max(1, len(specs) // sample)]
    start = time.perf_counter()
    for spec in chosen:
        engine.run_single(surface, params, spec, steps, None, stop)
    return (time.perf_counter() - start) * 1e3 * len(specs) / len(chosen)


def main() -> list[str]:
    lines = []
    surface, adam = get_surface("rosenbrock"), get_optimizer("adam")
    params = surface.resolve_params(None)
    stop = StopRules(grad_tol=0.0)
    hp = adam.resolve(None)
    sweep_ms = best_of(
        lambda: lr_sweep(surface, params, adam, hp, (-1.5, 2.0), 2000, (1e-4, 1.0), 512, stop),
        repeat=3,
    )
    lrs = np.geomspace(1e-4, 1.0, 512)
    specs = [RunSpec(adam, {**hp, "lr": float(lr)}, (-1.5, 2.0)) for lr in lrs]
    alone = one_at_a_time_ms(surface, params, specs, 2000, stop, sample=32)
    lines.append(
        row(
            "sweep: 512 learning rates x 2,000 steps, adam, rosenbrock",
            sweep_ms,
            "ms",
            300,
            f"one at a time ~{alone:.0f} ms ({alone / sweep_ms:.0f}x, from 32 runs)",
        )
    )

    himmelblau, sgd = get_surface("himmelblau"), get_optimizer("sgd")
    params = himmelblau.resolve_params(None)
    hp = sgd.resolve({"lr": himmelblau.suggested_lr["sgd"]})
    window = himmelblau.window
    basin_ms = best_of(
        lambda: basin_map(himmelblau, params, sgd, hp, window.x, window.y, 256, 500, 1e-2, stop),
        repeat=2,
    )
    xs = np.linspace(*window.x, 16)
    specs = [RunSpec(sgd, hp, (float(x), float(y))) for x in xs for y in xs]
    alone = one_at_a_time_ms(himmelblau, params, specs, 500, stop, sample=256) * 65536 / 256
    lines.append(
        row(
            "basin map: 256 x 256 starts x 500 steps, sgd, himmelblau",
            basin_ms,
            "ms",
            3000,
            f"one at a time ~{alone / 1e3:.0f} s ({alone / basin_ms:.0f}x, from 256 runs)",
        )
    )
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
