"""What a compiled kernel would give the engine: a numba prototype, timed beside the engine.

Issue 8 asks for 8 runs of mixed optimizers x 10,000 steps on Rosenbrock in 50 ms (issue 2:
100 ms). With numpy and CPython the per-step interpreter cost alone is about that (see
``bench/engine.py``). This prototype walks the same 8 runs in one numba-compiled loop, so the
proposal to add numba comes with figures: its speed, its import and compile times, its size.

numba is not a dependency: this script is run by hand in a scratch venv, never by ``make``:

    python -m venv /tmp/nb && /tmp/nb/bin/pip install numba numpy
    /tmp/nb/bin/python -m bench.numba_prototype      # from the repository root

The kernel covers Rosenbrock and the update rules' arithmetic for timing; it is not a
replacement for ``app/numerics`` (which matches torch.optim float for float).
"""

import math
import time

t_import = time.perf_counter()
import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

t_import = time.perf_counter() - t_import


@njit(cache=True)
def walk(kind, lr, b1, b2, eps, wd, x0, y0, steps, a, b, out):
    # out: (steps+1, 5) -> x, y, loss, gx, gy
    x, y = x0, y0
    m0 = m1 = v0 = v1 = 0.0
    for t in range(steps + 1):
        dx = x - a
        q = y - x * x
        loss = dx * dx + b * q * q
        gx = 2.0 * dx - 4.0 * b * x * q
        gy = 2.0 * b * q
        out[t, 0] = x
        out[t, 1] = y
        out[t, 2] = loss
        out[t, 3] = gx
        out[t, 4] = gy
        if t == steps:
            break
        k = t + 1
        if kind == 0:  # sgd
            x -= lr * gx
            y -= lr * gy
        elif kind == 1 or kind == 2:  # momentum / nesterov
            if k == 1:
                m0 = gx
                m1 = gy
            else:
                m0 = b1 * m0 + gx
                m1 = b1 * m1 + gy
            if kind == 2:
                x -= lr * (gx + b1 * m0)
                y -= lr * (gy + b1 * m1)
            else:
                x -= lr * m0
                y -= lr * m1
        elif kind == 3:  # rmsprop
            v0 = b2 * v0 + (1 - b2) * gx * gx
            v1 = b2 * v1 + (1 - b2) * gy * gy
            x -= lr * gx / (math.sqrt(v0) + eps)
            y -= lr * gy / (math.sqrt(v1) + eps)
        elif kind == 4 or kind == 5 or kind == 6:  # adam / adamw / nadam-ish
            if kind == 5:
                x -= lr * wd * x
                y -= lr * wd * y
            m0 = b1 * m0 + (1 - b1) * gx
            m1 = b1 * m1 + (1 - b1) * gy
            v0 = b2 * v0 + (1 - b2) * gx * gx
            v1 = b2 * v1 + (1 - b2) * gy * gy
            c1 = 1 - b1**k
            c2 = 1 - b2**k
            if kind == 6:
                mh0 = (b1 * m0 + (1 - b1) * gx) / c1
                mh1 = (b1 * m1 + (1 - b1) * gy) / c1
            else:
                mh0 = m0 / c1
                mh1 = m1 / c1
            x -= lr * mh0 / (math.sqrt(v0 / c2) + eps)
            y -= lr * mh1 / (math.sqrt(v1 / c2) + eps)
        else:  # lion
            c0 = b1 * m0 + (1 - b1) * gx
            c1_ = b1 * m1 + (1 - b1) * gy
            x -= lr * (math.copysign(1.0, c0) if c0 != 0 else 0.0)
            y -= lr * (math.copysign(1.0, c1_) if c1_ != 0 else 0.0)
            m0 = b2 * m0 + (1 - b2) * gx
            m1 = b2 * m1 + (1 - b2) * gy
    return out


KINDS = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "nadam", "lion"]


def all_eight(lrs: dict[str, float]) -> list[np.ndarray]:
    paths = []
    for kind, name in enumerate(KINDS):
        out = np.empty((10_001, 5))
        walk(kind, lrs[name], 0.9, 0.999, 1e-8, 0.01, -1.5, 2.0, 10_000, 1.0, 100.0, out)
        paths.append(out)
    return paths


def main() -> None:
    from app.numerics import engine
    from app.numerics.engine import StopRules
    from app.numerics.surfaces import get_surface
    from bench.common import best_of
    from bench.engine import spec

    surface = get_surface("rosenbrock")
    lrs = {name: surface.suggested_lr[name] for name in KINDS}
    started = time.perf_counter()
    all_eight(lrs)
    first = (time.perf_counter() - started) * 1e3
    kernel = best_of(lambda: all_eight(lrs), repeat=20)
    mixed = [spec(name, lrs[name]) for name in KINDS]
    params = surface.resolve_params(None)
    stop = StopRules(grad_tol=0.0)
    ours = best_of(lambda: engine.simulate(surface, params, mixed, 10_000, stop=stop))
    print(f"numba {numba.__version__}: import {t_import * 1e3:.0f} ms; first call (compile, or")
    print(f"  load from its cache) {first:.0f} ms; 8 runs x 10,000 steps {kernel:.2f} ms")
    print(f"engine (numpy + CPython floats), same run: {ours:.1f} ms, {ours / kernel:.0f}x slower")


if __name__ == "__main__":
    main()
