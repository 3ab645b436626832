"""Load and faults: 64 clients against uvicorn with 2 workers on loopback, then a worker killed.

Phase 1 runs mixed valid requests (the page's own: catalogue, grid, trajectories, gradient
check) for a fixed time or a fixed number of requests, whichever comes first, while a
separate prober opens a fresh connection to ``/healthz`` every 50 ms, the way a load
balancer does. Phase 2 repeats the load for a third of the time and SIGKILLs one worker
part-way: uvicorn must start a new one, the server must keep answering, and no response
may be malformed (connections cut by the kill are counted apart: a client retries those).

    python -m bench.load                    # 60 s, as `make bench` runs it
    python -m bench.load --duration 10      # a quick check
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.api import default_experiment
from bench.common import percentile, row, serve

CLIENTS = 64
WORKERS = 2
PROBE_INTERVAL_S = 0.05


def request_mix() -> list[tuple[str, str, bytes | None]]:
    """Valid requests like the page's, trajectories weighted up (method, path, body)."""
    trajectories, grid = default_experiment()
    small = {
        "surface": {"id": "himmelblau"},
        "steps": 300,
        "runs": [{"optimizer": o} for o in ("adam", "rmsprop", "lion", "nesterov")],
    }
    gradcheck = {"surface": {"id": "beale"}, "point": [1.0, 1.5]}
    contour = {"surface": {"id": "rastrigin"}, "resolution": 120}
    posts = [
        ("trajectories", trajectories),
        ("trajectories", trajectories),
        ("trajectories", small),
        ("grid", grid),
        ("grid", contour),
        ("gradcheck", gradcheck),
    ]
    mix = [("POST", f"/api/v1/{path}", json.dumps(body).encode()) for path, body in posts]
    return [*mix, ("GET", "/api/v1/surfaces", None), ("GET", "/api/v1/optimizers", None)]


@dataclass
class Tally:
    """What the clients saw; one lock, appended by every client thread."""

    latencies_ms: list[float] = field(default_factory=list)
    bad_status: int = 0
    malformed: int = 0
    cut: int = 0
    answered_after: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(host: str, port: int, mix, tally: Tally, stop: threading.Event, budget) -> None:
    """One keep-alive connection; reconnects after a cut connection."""
    rng = random.Random(threading.get_ident())
    connection = http.client.HTTPConnection(host, port, timeout=30)
    while not stop.is_set() and next(budget, None) is not None:
        method, path, body = rng.choice(mix)
        headers = {"content-type": "application/json"} if body else {}
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
            with tally.lock:
                tally.cut += 1
            continue
        elapsed = (time.perf_counter() - started) * 1e3
        # orjson parses strict JSON (no NaN, no Infinity) and fast: the CPU stays the server's.
        try:
            orjson.loads(content)
            malformed = False
        except orjson.JSONDecodeError:
            malformed = True
        with tally.lock:
            tally.latencies_ms.append(elapsed)
            tally.bad_status += response.status != 200
            tally.malformed += malformed
            tally.answered_after.append(time.monotonic())
    connection.close()


def probe_health(host: str, port: int, latencies_ms: list[float], stop: threading.Event) -> None:
    """A fresh connection per probe, as a load balancer's health check makes."""
    while not stop.wait(PROBE_INTERVAL_S):
        started = time.perf_counter()
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            connection.request("GET", "/healthz")
            ok = connection.getresponse().status == 200
        except (OSError, http.client.HTTPException):
            ok = False
        finally:
            connection.close()
        latencies_ms.append((time.perf_counter() - started) * 1e3 if ok else float("inf"))


def worker_pids(master: int) -> set[int]:
    """uvicorn's worker processes: children of the master started by multiprocessing spawn."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == master and b"spawn_main" in cmdline:
            pids.add(int(entry.name))
    return pids


def wait_for_replacement(master: int, victim: int, killed_at: float) -> float | None:
    """Seconds from the kill until uvicorn runs ``WORKERS`` workers again, or None."""
    while time.monotonic() < killed_at + 30:
        pids = worker_pids(master)
        if len(pids) == WORKERS and victim not in pids:
            return time.monotonic() - killed_at
        time.sleep(0.05)
    return None


def run_load(url: str, seconds: float, max_requests: int, fault=None) -> tuple[Tally, list[float]]:
    """``CLIENTS`` clients and a /healthz prober for ``seconds``; ``fault()`` runs part-way."""
    host, port = url.removeprefix("http://").split(":")
    tally, health_ms, stop = Tally(), [], threading.Event()
    budget = itertools.islice(itertools.count(), max_requests)  # next() is atomic under the GIL
    mix = request_mix()
    threads = [
        threading.Thread(target=client, args=(host, int(port), mix, tally, stop, budget))
        for _ in range(CLIENTS)
    ]
    threads.append(threading.Thread(target=probe_health, args=(host, int(port), health_ms, stop)))
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    if fault is not None:
        stop.wait(seconds / 3)
        fault()
    stop.wait(max(0.0, deadline - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join()
    return tally, health_ms


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of phase 1")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per phase")
    args = parser.parse_args(argv or [])
    lines = [f"# load: {CLIENTS} clients, uvicorn --workers {WORKERS}, {args.duration:g} s"]

    with (
        tempfile.TemporaryFile() as server_log,
        serve(workers=WORKERS, log=server_log) as (url, server),
    ):
        started = time.monotonic()
        tally, health_ms = run_load(url, args.duration, args.max_requests)
        elapsed = time.monotonic() - started
        count = len(tally.latencies_ms)
        errors = tally.bad_status + tally.malformed + tally.cut
        lines += [
            row("load: requests per second (mixed valid requests)", count / elapsed, "/s", None),
            row("load: latency p50", percentile(tally.latencies_ms, 50), "ms", None),
            row("load: latency p99", percentile(tally.latencies_ms, 99), "ms", 250),
            row("load: errors (non-200, malformed, cut)", errors, "", 0, f"of {count}"),
            row(
                "load: /healthz max latency throughout",
                max(health_ms),
                "ms",
                100,
                f"p50 {percentile(health_ms, 50):.0f} ms, p99 {percentile(health_ms, 99):.0f} ms"
                f" over {len(health_ms)} probes",
            ),
        ]

        killed: dict[str, float | None] = {}

        def kill_one_worker() -> None:
            """SIGKILL a worker mid-load, then watch (while the clients go on) for its successor."""
            victim = min(worker_pids(server.pid))
            os.kill(victim, signal.SIGKILL)
            killed["at"] = time.monotonic()
            killed["replaced_in"] = wait_for_replacement(server.pid, victim, killed["at"])

        tally, health_ms = run_load(url, args.duration / 3, args.max_requests, kill_one_worker)
        replaced_in = killed["replaced_in"]
        answered_later = sum(t > killed["at"] + 1.0 for t in tally.answered_after)
        server_log.seek(0)
        tracebacks = server_log.read().count(b"Traceback")
    lines += [
        row(
            "fault: malformed or non-200 responses with a worker killed",
            tally.malformed + tally.bad_status,
            "",
            0,
            f"of {len(tally.latencies_ms)}; {tally.cut} connections cut by the kill",
        ),
        row(
            "fault: requests answered from 1 s after the kill",
            answered_later,
            "",
            None,
            "new worker process "
            + (f"after {replaced_in:.1f} s" if replaced_in is not None else "NONE within 30 s"),
        ),
        row(
            "fault: /healthz probes failed (one in flight at the kill may)",
            sum(ms == float("inf") for ms in health_ms),
            "",
            None,
        ),
        row("server: tracebacks in the server log", tracebacks, "", 0),
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(main(sys.argv[1:])))
