"""Timing helpers and the printed table shared by every benchmark."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

from bench import OPTIONS

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Headless Chromium as root on a machine with no network (the browser tests and bench.page)."""


def chromium_options(*extra_args: str) -> dict:
    """Launch options: Debian's chromium where installed (CI, this project's machines), else
    Playwright's own browser, as on a developer laptop."""
    options: dict = {"args": [*CHROMIUM_ARGS, *extra_args]}
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
    )
    if found:
        options["executable_path"] = found
    return options


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of ``repeat`` wall-clock timings, in milliseconds (robust to a busy machine)."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1e3)
    return min(timings)


def row(
    name: str,
    value: float,
    unit: str,
    target: float | None,
    extra: str = "",
    *,
    at_least: bool = False,
) -> str:
    """One line of the table: figure, target (a ceiling, or a floor ``at_least``), pass/fail."""
    verdict = ""
    if target is not None:
        verdict = "PASS" if (value >= target if at_least else value <= target) else "FAIL"
    goal = "" if target is None else f"{'>=' if at_least else '<='} {target:g} {unit}"
    return f"{name:<58} {value:>10.1f} {unit:<3} {goal:<14} {verdict:<4} {extra}".rstrip()


def baseline_tree() -> Path | None:
    """The previous engine's checkout (``GRADSCAPE_BASELINE_TREE``), or None when unset."""
    found = OPTIONS.get("GRADSCAPE_BASELINE_TREE")
    if not found:
        return None
    tree = Path(found)
    if not (tree / "app" / "numerics" / "engine.py").is_file():
        raise RuntimeError(f"GRADSCAPE_BASELINE_TREE={found} is not a Gradscape checkout")
    return tree


@contextlib.contextmanager
def serve(
    workers: int = 1,
    env: dict[str, str] | None = None,
    log: IO[bytes] | None = None,
    *,
    new_session: bool = False,
    tree: Path | None = None,
):
    """Start the app as `make run` does (``python -m app.serve``) on a free loopback port, and
    yield its URL once every worker listens.

    ``tree``: another checkout's app (the previous engine's, for a baseline), run from that
    directory with it first on the path, so its own ``app`` is imported, not this one's.

    ``log`` receives the server's output (default: this process's). ``new_session``: the
    server leads its own process group, which ``os.killpg`` can kill whole (the supervisor and
    its workers at once) without touching this process."""
    port = free_port()
    command = [
        sys.executable, "-m", "app.serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    if tree is not None:
        env = {**(env or {}), "PYTHONPATH": str(tree)}
    process = subprocess.Popen(
        command,
        cwd=tree,
        env={**os.environ, **(env or {})},
        stdout=log,
        stderr=log,
        start_new_session=new_session,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                healthy = httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                healthy = False
            # The first worker answers while the others still start: a load begun then would
            # put every connection on the first one.
            if healthy and listeners(port) >= workers:
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield url, process
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 10 s; reaped either way."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A loopback TCP port nothing listens on (free when asked; a server binds it next)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listeners(port: int) -> int:
    """Listening TCP sockets on ``port`` (one per worker with app.serve); 1 where /proc lacks."""
    try:
        table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return 1
    wanted = f":{port:04X}"
    return sum(1 for line in table if line.split()[1].endswith(wanted) and line.split()[3] == "0A")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]
