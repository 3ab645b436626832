"""Engine speed: one long run on floats, many runs in one numpy batch.

Prints, for each case, the engine's time beside a plain per-step numpy loop over the
same runs (the optimizer's own update rule on numpy arrays, one run at a time).
"""

from __future__ import annotations

import numpy as np

from app.numerics import engine
from app.numerics.engine import RunSpec, StopRules
from app.numerics.optimizers import get_optimizer
from app.numerics.surfaces import get_surface
from bench.common import best_of, row

MIXED = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "nadam", "lion"]


def spec(optimizer_id: str, lr: float) -> RunSpec:
    optimizer = get_optimizer(optimizer_id)
    return RunSpec(optimizer, optimizer.resolve({"lr": lr}), (-1.5, 2.0))


def plain_numpy_loop(surface, params, run: RunSpec, steps: int) -> np.ndarray:
    """The baseline: a textbook per-step loop on a numpy vector, no batching, no tricks."""
    transform = run.optimizer.make(run.hyperparameters)
    point = np.array(run.start)
    state = transform.init(point)
    history = np.empty((steps + 1, 2))
    history[0] = point
    for t in range(1, steps + 1):
        g = np.array(surface.grad(params, *point))
        step, state = transform.update(g, state, point, t)
        point = point + step
        history[t] = point
    return history


def main() -> list[str]:
    surface = get_surface("rosenbrock")
    params = surface.resolve_params(None)
    stop = StopRules(grad_tol=0.0)  # never stop early: time the full length
    lines = []

    mixed = [spec(o, surface.suggested_lr[o]) for o in MIXED]
    engine_ms = best_of(lambda: engine.simulate(surface, params, mixed, 10_000, stop=stop))
    plain_ms = best_of(
        lambda: [plain_numpy_loop(surface, params, r, 10_000) for r in mixed], repeat=1
    )
    lines.append(
        row(
            "engine: 8 runs (mixed optimizers) x 10,000 steps, rosenbrock",
            engine_ms,
            "ms",
            50,
            f"issue 2's 100 ms: {'PASS' if engine_ms <= 100 else 'FAIL'}; plain numpy loop "
            f"{plain_ms:.0f} ms, {plain_ms / engine_ms:.1f}x; compiled: bench/numba_prototype.py",
        )
    )

    lrs = np.logspace(-4, -1, 512)
    sweep = [spec("adam", float(lr)) for lr in lrs]
    batch_ms = best_of(lambda: engine.run_batch(surface, params, sweep, 2000, None, stop))
    single_ms = best_of(
        lambda: [engine.run_single(surface, params, r, 2000, None, stop) for r in sweep],
        repeat=1,
    )
    plain_sample = sweep[:: len(sweep) // 16]
    plain_ms = best_of(
        lambda: [plain_numpy_loop(surface, params, r, 2000) for r in plain_sample], repeat=1
    ) * (len(sweep) / len(plain_sample))
    lines.append(
        row(
            "engine: 512 learning rates x 2,000 steps, adam, one batch",
            batch_ms,
            "ms",
            150,
            f"one at a time on floats {single_ms:.0f} ms ({single_ms / batch_ms:.1f}x); "
            f"plain numpy loop ~{plain_ms:.0f} ms ({plain_ms / batch_ms:.0f}x, from 32 runs)",
        )
    )
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
