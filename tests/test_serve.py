"""``python -m app.serve`` (what `make run` starts): one listening socket per worker, a dead
worker replaced, SIGTERM stops them all. Real processes on a loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bench.common import listeners
from bench.load import socket_count, worker_pids

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def two_workers() -> Iterator[tuple[subprocess.Popen, int, str, list[int]]]:
    """`python -m app.serve --workers 2` on a free port, once both workers listen: the
    supervisor, the port, its URL and the workers' pids. Killed afterwards if still running."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "app.serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: healthy(url) and listeners(port) == 2)
        yield server, port, url, worker_pids(server.pid)
    finally:
        if server.poll() is None:
            server.kill()


def test_two_workers_listen_apart_and_a_dead_one_is_replaced():
    with two_workers() as (server, port, url, workers):
        assert len(workers) == 2

        # 16 keep-alive connections opened together: the kernel spreads them over both
        # workers (all 16 on one would happen 1 time in 2**15 by chance).
        idle = {pid: socket_count(pid) for pid in workers}
        clients = [httpx.Client(base_url=url) for _ in range(16)]
        try:
            for client in clients:
                assert client.get("/healthz").status_code == 200
            held = {pid: socket_count(pid) - idle[pid] for pid in workers}
            assert sum(held.values()) == 16 and min(held.values()) > 0, held
        finally:
            for client in clients:
                client.close()

        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: (now := worker_pids(server.pid)) and victim not in now and len(now) == 2)
        # The supervisor notices within 0.1 s and waits RESTART_PAUSE_S (0.5 s) before starting
        # the replacement: its process exists well within 2 s (importing the app comes after).
        replaced_after = time.monotonic() - killed
        assert replaced_after < 2.0, f"the replacement started {replaced_after:.1f} s after"
        wait_for(lambda: listeners(port) == 2)
        assert healthy(url), "the server answers after a worker died"

        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert listeners(port) == 0, "every worker stopped with the supervisor"


def test_a_taken_port_fails_at_once():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "app.serve", "--port", str(port), "--workers", "2"]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=30)
    assert done.returncode != 0
    assert b"Address already in use" in done.stderr


def test_workers_that_cannot_start_stop_the_server_with_an_error():
    port = free_port()
    command = [sys.executable, "-m", "app.serve", "--port", str(port), "--workers", "2"]
    env = {**os.environ, "GRADSCAPE_MAX_STEPS": "many"}  # every worker fails at import
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode == 1
    assert b"keep dying" in done.stderr
    assert listeners(port) == 0


def test_workers_stop_when_the_supervisor_is_killed_outright():
    with two_workers() as (server, port, _, workers):
        assert len(workers) == 2
        server.kill()  # SIGKILL: the supervisor cannot stop its workers itself
        server.wait(timeout=10)

        def gone(pid: int) -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            # Not yet reaped (its parent is gone, so init reaps it): a zombie has exited.
            return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")

        wait_for(lambda: all(gone(pid) for pid in workers), timeout=30)
        assert listeners(port) == 0, "no orphaned worker keeps the port"
