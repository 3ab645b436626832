"""Throughput, load and faults against `python -m app.serve` with 2 workers on loopback.

Three phases share one server:

1. Throughput: 32 clients send mixed valid requests (the page's own: catalogue, grid,
   trajectories, gradient check) for half the time; requests per second. With
   ``GRADSCAPE_BASELINE_TREE`` (a checkout of the previous engine, f2df659), the same phase
   first against that tree's server, started the same way from its directory, for the ratio
   issue 15 asks (at least 2x), measured minutes apart on the same machine.
2. Load: 64 clients for the full time, while a separate process opens a fresh connection to
   ``/healthz`` every 50 ms, the way a load balancer does; p50, p99, errors, worst probe.
3. Faults: the load again for a third of the time, one worker SIGKILLed part-way: the
   supervisor (app/serve.py) must start a new one, the server must keep answering, and no
   response may be malformed (connections cut by the kill are counted apart: a client
   retries those).

The clients share the server's two cores, so they are lean: one asyncio loop, one keep-alive
connection each, requests encoded once, every body checked as strict JSON (see ``Checker``).
The table reports the cores the clients, the server and anything else on the machine used,
and how many connections each worker holds: each worker listens on its own SO_REUSEPORT
socket and the kernel spreads connections by hash, so splits are near even but not exact,
and the fuller worker sets the p99 (with uvicorn's one shared socket, 32/0 happened). Each
phase stops at its time or at ``--max-requests``, whichever comes first.

    python -m bench.load                    # 60 s, as `make bench` runs it
    python -m bench.load --duration 10      # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bench.api import default_experiment
from bench.common import baseline_tree, percentile, row, serve

CLIENTS = 64
THROUGHPUT_CLIENTS = 32
WORKERS = 2
P99_MS = 150
THROUGHPUT_RATIO = 2.0
"""Requests per second against the previous engine's, at least (issue 15)."""
PROBE_INTERVAL_S = 0.05
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def request_mix(binary: bool = True) -> list[tuple[str, str, bytes | None]]:
    """Valid requests like the page's, trajectories weighted up (method, path, body); the page's
    own trajectories in the binary encoding it asks for (``binary=False``: in JSON, as the page
    asked the previous engine)."""
    trajectories, grid = default_experiment(binary)
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


def http_request(method: str, path: str, body: bytes | None, host: str) -> bytes:
    """One HTTP/1.1 keep-alive request, encoded once and sent as is."""
    head = f"{method} {path} HTTP/1.1\r\nhost: {host}\r\n"
    if body is not None:
        head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + (body or b"")


class Malformed(Exception):
    """A response that is not HTTP/1.1 with a Content-Length, or whose body is not strict JSON."""


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes):
    """Send one request; its response's status and body."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    try:
        headers = dict(line.lower().split(": ", 1) for line in lines if line)
        status, length = int(status_line.split()[1]), int(headers["content-length"])
    except (ValueError, IndexError, KeyError) as error:
        raise Malformed(status_line) from error
    if not status_line.startswith("HTTP/1.1 "):
        raise Malformed(status_line)
    return status, await reader.readexactly(length)


class Checker:
    """Every body must be strict JSON (no NaN, no Infinity): orjson parses it. Responses are
    deterministic, so a body byte-equal to one already parsed for the same request is taken
    as checked; only new bodies are parsed again. That keeps the clients' CPU small."""

    def __init__(self) -> None:
        self.known: dict[bytes, bytes] = {}

    def check(self, request: bytes, content: bytes) -> None:
        if self.known.get(request) == content:
            return
        try:
            orjson.loads(content)
        except orjson.JSONDecodeError as error:
            raise Malformed("not strict JSON") from error
        self.known[request] = content


@dataclass
class Tally:
    """What the clients saw (one event loop appends, so no lock)."""

    latencies_ms: list[float] = field(default_factory=list)
    bad_status: int = 0
    malformed: int = 0
    cut: int = 0
    answered_after: list[float] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.bad_status + self.malformed + self.cut


async def client(host: str, port: int, requests: list[bytes], tally: Tally, checker, budget):
    """One keep-alive connection; reconnects after a cut connection; stops when cancelled."""
    rng = random.Random()
    connection = None
    while next(budget, None) is not None:
        if connection is None:
            try:
                connection = await asyncio.open_connection(host, port, limit=1 << 20)
            except OSError:
                tally.cut += 1
                await asyncio.sleep(0.05)
                continue
        request = rng.choice(requests)
        started = time.perf_counter()
        try:
            status, content = await exchange(*connection, request)
            checker.check(request, content)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            connection[1].close()
            connection = None
            tally.cut += 1
            continue
        except Malformed:  # the stream's framing is lost: start afresh
            connection[1].close()
            connection, status = None, None
            tally.malformed += 1
        tally.latencies_ms.append((time.perf_counter() - started) * 1e3)
        tally.bad_status += status is not None and status != 200
        tally.answered_after.append(time.monotonic())
    if connection is not None:
        connection[1].close()


def probe_health(host: str, port: int, stop, results) -> None:
    """A fresh connection per probe, as a load balancer's health check makes (own process).

    Sends back each probe's latency in ms (inf for a failure) and this process's CPU seconds."""
    request = f"GET /healthz HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\n\r\n".encode()
    latencies = []
    while not stop.wait(PROBE_INTERVAL_S):
        started = time.perf_counter()
        try:
            with socket.create_connection((host, port), timeout=10) as sock:
                sock.sendall(request)
                response = b""
                while chunk := sock.recv(4096):
                    response += chunk
            ok = response.startswith(b"HTTP/1.1 200 ") and response.endswith(b'{"status":"ok"}')
        except OSError:
            ok = False
        latencies.append((time.perf_counter() - started) * 1e3 if ok else float("inf"))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    results.send((latencies, usage.ru_utime + usage.ru_stime))


def cpu_seconds(pids) -> float:
    """User + system CPU of these processes so far (those still alive)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def socket_count(pid: int) -> int:
    """Open sockets of a process (its connections, its listening socket, its pipes)."""
    count = 0
    with contextlib.suppress(OSError):  # a process killed meanwhile has none
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                count += os.readlink(fd).startswith("socket:")
    return count


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy so far (with time stolen by the hypervisor)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_pids(master: int) -> set[int]:
    """The worker processes: children of the supervisor started by multiprocessing spawn."""
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
    """Seconds from the kill until ``WORKERS`` workers run again, or None."""
    while time.monotonic() < killed_at + 30:
        pids = worker_pids(master)
        if len(pids) == WORKERS and victim not in pids:
            return time.monotonic() - killed_at
        time.sleep(0.05)
    return None


@dataclass
class Phase:
    """One phase's tally, its probes, and the CPU the clients and the server used."""

    tally: Tally
    seconds: float
    health_ms: list[float]
    client_cores: float
    server_cores: float
    other_cores: float
    """What else ran on the machine meanwhile (other processes, the hypervisor's steal)."""
    connections: list[int]
    """Connections each worker held a second in (the kernel picks a worker per connection)."""

    @property
    def rate(self) -> float:
        return len(self.tally.latencies_ms) / self.seconds


async def drive(
    host: str, port: int, clients: int, seconds: float, budget, fault, observe, requests=None
):
    """``clients`` connections for ``seconds``; ``observe()`` runs a second in, ``fault()`` in a
    thread a third of the way. ``requests``: (method, path, body) to pick from, by default
    ``request_mix()``."""
    asyncio.get_running_loop().call_later(1.0, observe)
    chosen = request_mix() if requests is None else requests
    mix = [http_request(method, path, body, host) for method, path, body in chosen]
    tally, checker = Tally(), Checker()
    tasks = [
        asyncio.create_task(client(host, port, mix, tally, checker, budget)) for _ in range(clients)
    ]
    done = asyncio.gather(*tasks)
    if fault is not None:
        await asyncio.wait([done], timeout=seconds / 3)
        fault_done = asyncio.create_task(asyncio.to_thread(fault))
    await asyncio.wait([done], timeout=seconds - (seconds / 3 if fault is not None else 0))
    for task in tasks:
        task.cancel()
    await asyncio.gather(done, return_exceptions=True)
    if fault is not None:
        await fault_done
    return tally


def run_phase(
    url: str,
    server: int,
    clients: int,
    seconds: float,
    max_requests: int,
    fault=None,
    requests=None,
):
    """``clients`` clients and a /healthz prober for ``seconds``; ``fault()`` runs part-way;
    ``requests`` as ``drive`` takes them."""
    host, port = url.removeprefix("http://").split(":")
    fork = multiprocessing.get_context("fork")  # no threads run between phases
    stop, (receive, send) = fork.Event(), fork.Pipe(duplex=False)
    prober = fork.Process(target=probe_health, args=(host, int(port), stop, send))
    prober.start()
    workers = sorted(worker_pids(server))
    idle_sockets = [socket_count(pid) for pid in workers]
    connections = []

    def count_connections() -> None:
        for pid, idle in zip(workers, idle_sockets, strict=True):
            connections.append(socket_count(pid) - idle)

    server_pids = {server, *workers}
    budget = iter(range(max_requests))
    cpu_before, server_before = own_cpu_seconds(), cpu_seconds(server_pids)
    busy_before, started = machine_busy_seconds(), time.monotonic()
    tally = asyncio.run(
        drive(
            host,
            int(port),
            clients,
            seconds,
            budget,
            fault,
            observe=count_connections,
            requests=requests,
        )
    )
    elapsed = time.monotonic() - started
    client_cpu = own_cpu_seconds() - cpu_before
    server_cpu = cpu_seconds(server_pids) - server_before
    busy = machine_busy_seconds() - busy_before
    stop.set()
    health_ms, prober_cpu = receive.recv()
    prober.join()
    client_cores, server_cores = (client_cpu + prober_cpu) / elapsed, server_cpu / elapsed
    other_cores = busy / elapsed - client_cores - server_cores
    return Phase(tally, elapsed, health_ms, client_cores, server_cores, other_cores, connections)


def load_rows(name: str, phase: Phase) -> list[str]:
    latencies, health_ms = phase.tally.latencies_ms, phase.health_ms
    count = len(latencies)
    return [
        row(f"{name}: requests per second (mixed valid requests)", phase.rate, "/s", None),
        row(f"{name}: latency p50", percentile(latencies, 50), "ms", None),
        row(
            f"{name}: latency p99",
            percentile(latencies, 99),
            "ms",
            P99_MS,
            "connections per worker " + "/".join(map(str, phase.connections)),
        ),
        row(f"{name}: errors (non-200, malformed, cut)", phase.tally.errors, "", 0, f"of {count}"),
        row(
            f"{name}: /healthz max latency throughout",
            max(health_ms),
            "ms",
            100,
            f"p50 {percentile(health_ms, 50):.0f} ms, p99 {percentile(health_ms, 99):.0f} ms"
            f" over {len(health_ms)} probes",
        ),
        cpu_row(name, phase),
    ]


def baseline_rows(tree: Path | None, before: Phase | None, now: Phase) -> list[str]:
    """The previous engine's throughput, and this one's over it."""
    name = "throughput: the previous engine, same clients and mix"
    if tree is None or before is None:
        return [f"{name:<58} skipped (set GRADSCAPE_BASELINE_TREE)"]
    commit = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    p99 = percentile(before.tally.latencies_ms, 99)
    return [
        row(
            name,
            before.rate,
            "/s",
            None,
            f"{tree} at {commit or '?'}; {before.tally.errors} errors of"
            f" {len(before.tally.latencies_ms)}; p99 {p99:.0f} ms",
        ),
        cpu_row("throughput, previous engine", before),
        row(
            "throughput: of the previous engine's",
            now.rate / before.rate,
            "x",
            THROUGHPUT_RATIO,
            at_least=True,
        ),
    ]


def cpu_row(name: str, phase: Phase) -> str:
    per_request = phase.server_cores * 1e3 / phase.rate
    return row(
        f"{name}: CPU of the clients and the prober (cores)",
        phase.client_cores,
        "",
        None,
        f"server {phase.server_cores:.2f} cores, {per_request:.1f} ms CPU per request;"
        f" anything else {phase.other_cores:.2f} cores",
    )


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the load phase")
    parser.add_argument("--max-requests", type=int, default=200_000, help="cap per phase")
    args = parser.parse_args(argv or [])
    lines = [
        f"# load: python -m app.serve --workers {WORKERS}; {THROUGHPUT_CLIENTS} clients for"
        f" {args.duration / 2:g} s, {CLIENTS} clients for {args.duration:g} s, then a fault"
    ]

    tree = baseline_tree()
    before = None
    if tree is not None:
        with (
            tempfile.TemporaryFile() as old_log,
            serve(workers=WORKERS, log=old_log, tree=tree) as (url, server),
        ):
            # The previous engine as the page then asked it: every answer in JSON.
            before = run_phase(
                url,
                server.pid,
                THROUGHPUT_CLIENTS,
                args.duration / 2,
                args.max_requests,
                requests=request_mix(binary=False),
            )

    with (
        tempfile.TemporaryFile() as server_log,
        serve(workers=WORKERS, log=server_log) as (url, server),
    ):
        phase = run_phase(url, server.pid, THROUGHPUT_CLIENTS, args.duration / 2, args.max_requests)
        lines += [
            row(
                f"throughput: {THROUGHPUT_CLIENTS} clients, requests per second",
                phase.rate,
                "/s",
                None,
                f"{phase.tally.errors} errors of {len(phase.tally.latencies_ms)};"
                " connections per worker " + "/".join(map(str, phase.connections)),
            ),
            cpu_row("throughput", phase),
            *baseline_rows(tree, before, phase),
        ]
        phase = run_phase(url, server.pid, CLIENTS, args.duration, args.max_requests)
        lines += load_rows(f"load: {CLIENTS} clients", phase)

        killed: dict[str, float | None] = {}

        def kill_one_worker() -> None:
            """SIGKILL a worker mid-load, then watch (while the clients go on) for its successor."""
            victim = min(worker_pids(server.pid))
            os.kill(victim, signal.SIGKILL)
            killed["at"] = time.monotonic()
            killed["replaced_in"] = wait_for_replacement(server.pid, victim, killed["at"])

        phase = run_phase(
            url, server.pid, CLIENTS, args.duration / 3, args.max_requests, kill_one_worker
        )
        tally, replaced_in = phase.tally, killed["replaced_in"]
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
            sum(ms == float("inf") for ms in phase.health_ms),
            "",
            None,
        ),
        row("server: tracebacks in the server log", tracebacks, "", 0),
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(main(sys.argv[1:])))
