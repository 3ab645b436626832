"""The floor for the engine: a numba kernel written for one case alone, kept as a reference.

Issue 15 accepted numba on this prototype's figures (8 mixed runs x 10,000 steps on Rosenbrock
in 2.1 ms against the numpy engine's 235 ms). The engine is now compiled too
(``app/numerics/kernels``), with every rule and surface, the stop rules and the recording a
request needs; this loop has Rosenbrock and the 8 rules' arithmetic written in and nothing
else, so it shows what that generality costs. ``bench.engine`` prints its figure beside the
engine's, from the same run; by hand:

    python -m bench.numba_prototype      # from the repository root

Its numbers are for timing only: the NAdam here is simplified (no momentum decay), so it is not
a replacement for ``app/numerics`` (which matches torch.optim float for float).
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


def kernel_ms() -> float:
    """The kernel's best time for the 8 runs, in milliseconds (the first call, which compiles
    or loads it from numba's cache, excluded)."""
    from app.numerics.surfaces import get_surface
    from bench.common import best_of

    surface = get_surface("rosenbrock")
    lrs = {name: surface.suggested_lr[name] for name in KINDS}
    all_eight(lrs)
    return best_of(lambda: all_eight(lrs), repeat=20)


def main() -> None:
    from app.numerics.surfaces import get_surface
    from bench import cases

    lrs = {name: get_surface("rosenbrock").suggested_lr[name] for name in KINDS}
    started = time.perf_counter()
    all_eight(lrs)
    first = (time.perf_counter() - started) * 1e3
    kernel = kernel_ms()
    ours = cases.best_ms(cases.case("mixed"))
    print(f"numba {numba.__version__}: import {t_import * 1e3:.0f} ms; first call (compile, or")
    print(f"  load from its cache) {first:.0f} ms; 8 runs x 10,000 steps {kernel:.2f} ms")
    print(f"engine (compiled, app/numerics/kernels), same run: {ours:.1f} ms, {ours / kernel:.1f}x")


if __name__ == "__main__":
    main()
