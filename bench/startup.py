"""Start-up and install: the compiled kernels' cache, import time, size, the first request.

    python -m bench.startup
    GRADSCAPE_BENCH_COLD=1 python -m bench.startup     # also a full compile, about 1-2 min

Issue 15: no request pays for compilation. ``make install`` fills numba's on-disk cache
(``python -m app.numerics.warm``); a server started after that only loads the kernels. So:

1. ``python -m app.numerics.warm`` in a fresh interpreter, twice (the first makes sure the cache
   is warm, as after ``make install``; the second is the figure: loading every kernel). With
   ``GRADSCAPE_BENCH_COLD=1`` also once with ``NUMBA_CACHE_DIR`` in an empty temporary
   directory: the full compile ``make install`` pays. It is off by default because it costs
   ``make bench`` a minute or two of both cores for a figure that changes only with the kernels'
   sources, and it would slow every benchmark that ran beside it on this 2-core machine.
2. ``import app.numerics.engine`` in a fresh interpreter (numba and the kernels' modules; the
   kernels themselves load on first call).
3. What numba costs on disk: numba and llvmlite in site-packages, the whole venv (dev extras
   included), the compiled kernels' cache (numba keeps one folder per checkout's path).
4. The first request after start: a fresh ``python -m app.serve`` for each case, timed from
   sending its very first ``/trajectories`` (8 mixed runs x 10,000 steps, JSON, the default) to
   the whole body received, on the built-in Rosenbrock and on Rosenbrock typed in; the second
   request beside it, for what a warm server answers in.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench import OPTIONS
from bench.cases import ROSENBROCK_TYPED
from bench.common import row, serve
from bench.encoding import request_body

FIRST_REQUEST_MS = 1000.0


def warm_in_subprocess(env: dict[str, str] | None = None) -> tuple[float, float]:
    """Seconds for ``python -m app.numerics.warm`` in a fresh interpreter (start to exit), and
    what ``warm()`` itself reported."""
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "app.numerics.warm"],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    elapsed = time.perf_counter() - started
    found = re.search(r"ready in ([\d.]+) s", completed.stdout)
    return elapsed, float(found.group(1)) if found else float("nan")


def import_ms(module: str, repeat: int = 3) -> float:
    """The best of ``repeat`` fresh interpreters' time to import ``module``, in ms."""
    code = (
        "import time; started = time.perf_counter(); import " + module + "; "
        "print((time.perf_counter() - started) * 1e3)"
    )
    return min(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout)
        for _ in range(repeat)
    )  # fmt: skip


def disk_mb(*paths: Path) -> float:
    """Disk usage as ``du`` counts it, in MB."""
    found = [str(p) for p in paths if p.exists()]
    if not found:
        return float("nan")
    out = subprocess.run(["du", "-sck", *found], capture_output=True, text=True, check=True)
    return int(out.stdout.splitlines()[-1].split()[0]) / 1024


def refusal(body: dict) -> str | None:
    """Why the API's cost model refuses ``body`` with its default limits, or None."""
    from pydantic import ValidationError

    from app.api.requests import TrajectoryRequest

    try:
        TrajectoryRequest.model_validate(body)
    except ValidationError as error:
        return error.errors()[0]["msg"]
    return None


def first_requests(body: dict, env: dict[str, str]) -> tuple[float, float, float]:
    """A fresh server: seconds until it answers /healthz, then ms for its first /trajectories
    (whole body received) and for the same request again."""
    started = time.perf_counter()
    with serve(workers=1, env=env) as (url, _), httpx.Client(base_url=url, timeout=60) as client:
        ready = time.perf_counter() - started
        timings = []
        for _ in range(2):
            sent = time.perf_counter()
            response = client.post("/api/v1/trajectories", json=body)
            response.raise_for_status()
            _ = response.content
            timings.append((time.perf_counter() - sent) * 1e3)
    return ready, timings[0], timings[1]


def main() -> list[str]:
    import llvmlite
    import numba

    from app.numerics.kernels import cache_dir

    first_s, _ = warm_in_subprocess()
    warm_s, inside_s = warm_in_subprocess()
    lines = [
        row(
            "startup: python -m app.numerics.warm, cache warm (loads)",
            warm_s * 1e3,
            "ms",
            None,
            f"warm() itself {inside_s * 1e3:.0f} ms; the run before it (filling the cache if"
            f" needed) {first_s:.1f} s",
        )
    ]
    name = "startup: python -m app.numerics.warm, empty cache (compiles)"
    if OPTIONS.get("GRADSCAPE_BENCH_COLD") == "1":
        with tempfile.TemporaryDirectory(prefix="numba-cold-") as empty:
            cold_s, inside_s = warm_in_subprocess({"NUMBA_CACHE_DIR": empty})
        lines.append(row(name, cold_s, "s", None, f"warm() itself {inside_s:.1f} s"))
    else:
        lines.append(f"{name:<58} skipped (set GRADSCAPE_BENCH_COLD=1: a minute or two)")
    lines.append(
        row(
            "startup: import app.numerics.engine, fresh interpreter",
            import_ms("app.numerics.engine"),
            "ms",
            None,
            f"import numba alone {import_ms('numba'):.0f} ms",
        )
    )
    site = Path(numba.__file__).parent, Path(llvmlite.__file__).parent
    lines += [
        row(
            "install: numba + llvmlite in site-packages",
            disk_mb(*site),
            "MB",
            None,
            f"numba {disk_mb(site[0]):.0f} MB, llvmlite {disk_mb(site[1]):.0f} MB",
        ),
        row(
            "install: the whole venv (dev extras included)",
            disk_mb(Path(sys.prefix)),
            "MB",
            None,
            sys.prefix,
        ),
        row(
            "install: numba's cache of these kernels' sources",
            disk_mb(cache_dir()),
            "MB",
            None,
            f"{cache_dir()}, one folder per checkout: {len(list(cache_dir().glob('kernels_*')))}",
        ),
    ]
    body = {**request_body(), "encoding": "json"}
    typed = {**body, "surface": {"expression": ROSENBROCK_TYPED}}
    for label, request in (("built-in", body), ("typed formula", typed)):
        # The cost model may price this request above the default work budget: then the server
        # runs with a budget raised for it, and the row says so (a client would get a 422).
        refused, env = refusal(request), {}
        note = ""
        if refused:
            env = {"GRADSCAPE_MAX_WORK": str(10 * 2_000_000_000)}
            work = re.search(r"work is ([\d,]+)", refused)
            note = (
                f"; REFUSED by default (estimated work {work.group(1) if work else '?'} over the"
                " budget): timed with GRADSCAPE_MAX_WORK raised"
            )
        ready, first, second = first_requests(request, env)
        lines.append(
            row(
                f"startup: first request, 8 x 10,000, {label}",
                first,
                "ms",
                FIRST_REQUEST_MS,
                f"fresh server, warm cache (/healthz after {ready:.1f} s); the second {second:.0f}"
                f" ms{note}",
            )
        )
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
