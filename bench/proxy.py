"""nginx (deploy/nginx.conf) in front of two `python -m app.serve` replicas, on loopback.

The README says replicas share nothing and can sit behind any load balancer; this shows it
with the shipped configuration (its ports rewritten by ``render_config``) and Debian's nginx:

1. Overhead: GET /healthz one at a time on a keep-alive connection, straight to a replica and
   through nginx (p50 of each), and the catalogue from nginx's cache.
2. Load: ``CLIENTS`` clients send bench.load's mix of valid requests through nginx for half
   the time: requests per second, p50, p99, errors, how the replicas shared the work (their own
   access logs) and the CPU nginx used.
3. Failover: the load again, and a third of the way in one replica's process group (its
   supervisor and workers) is SIGKILLed: nginx must retry the requests it had in flight there
   (POSTs too) on the other, so no client sees an error; the longest stretch without an answer
   around the kill is the failover time, and the slowest answer in the second after it what
   the clients felt (the survivor then carries all the load). A response whose headers nginx
   had already passed on when its replica died cannot be retried, by nginx or any proxy: those
   are counted apart, as bench.load counts the connections a killed worker cuts.

Needs nginx (`make test` installs Debian's package; see INSTALL_HINT). Each phase stops at its
time or at ``--max-requests``, whichever comes first.

    python -m bench.proxy                  # about 30 s
    python -m bench.proxy --duration 6     # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import grp
import itertools
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import free_port, percentile, row, serve, stop
from bench.load import Tally, cpu_seconds, drive, machine_busy_seconds, own_cpu_seconds

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "deploy" / "nginx.conf"
CLIENTS = 32
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/opt/homebrew/bin/nginx")
INSTALL_HINT = (
    "nginx is not installed (looked on PATH and in " + ", ".join(NGINX_PATHS) + "). "
    "`make test` installs Debian's package when run as root where apt-get exists; "
    "otherwise install it yourself: `sudo apt-get install nginx` (Debian, Ubuntu), "
    "`brew install nginx` (macOS), `sudo dnf install nginx` (Fedora)."
)

LISTEN = re.compile(r"^(\s*listen )127\.0\.0\.1:\d+;$", re.MULTILINE)
SERVERS = re.compile(
    r"^(\s*)server 127\.0\.0\.1:\d+( [^;\n]*|);\n(?:\1server 127\.0\.0\.1:\d+\2;\n)*", re.MULTILINE
)
"""The upstream's block of `server 127.0.0.1:PORT params;` lines, all with the same params."""


class NginxMissing(RuntimeError):
    pass


def nginx_binary() -> str:
    """The nginx executable, or NginxMissing saying how to install it."""
    found = shutil.which("nginx") or next((p for p in NGINX_PATHS if os.access(p, os.X_OK)), None)
    if found is None:
        raise NginxMissing(INSTALL_HINT)
    return found


def render_config(listen_port: int, upstream_ports: Sequence[int], text: str | None = None) -> str:
    """deploy/nginx.conf listening on 127.0.0.1:``listen_port`` in front of one upstream server
    per port (each with the shipped max_fails and fail_timeout); every other line as shipped."""
    text = CONFIG.read_text() if text is None else text
    text, listens = LISTEN.subn(rf"\g<1>127.0.0.1:{listen_port};", text)
    blocks = list(SERVERS.finditer(text))
    if listens != 1 or len(blocks) != 1 or not upstream_ports:
        raise ValueError(
            "deploy/nginx.conf should have one `listen 127.0.0.1:PORT;` line and one block of"
            " `server 127.0.0.1:PORT ...;` lines: render_config rewrites those"
        )
    indent, params = blocks[0].group(1), blocks[0].group(2)
    servers = "".join(f"{indent}server 127.0.0.1:{port}{params};\n" for port in upstream_ports)
    return text[: blocks[0].start()] + servers + text[blocks[0].end() :]


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Nginx:
    url: str
    prefix: Path
    """Its prefix directory: nginx.conf, access.log, stderr.log, temp files, the cache."""
    process: subprocess.Popen

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def access_log(self) -> list[str]:
        return (self.prefix / "access.log").read_text().splitlines()

    def pids(self) -> set[int]:
        """The master process and its workers (and cache manager)."""
        return {self.process.pid, *children(self.process.pid)}


@contextlib.contextmanager
def nginx(upstream_ports: Sequence[int]) -> Iterator[Nginx]:
    """deploy/nginx.conf in front of ``upstream_ports``, on a free loopback port, in the
    foreground (``daemon off``) with a prefix directory of its own; yielded once it answers
    /healthz, stopped afterwards (SIGTERM: nginx's fast shutdown)."""
    binary = nginx_binary()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="gradscape-nginx-") as directory:
        prefix = Path(directory)
        config = prefix / "nginx.conf"
        config.write_text(render_config(port, upstream_ports))
        directives = "daemon off;"
        if os.geteuid() == 0:
            # Started by root, nginx's workers run as an unprivileged user, which must reach
            # the prefix (nginx creates its temp and cache directories there and chowns them).
            nobody = pwd.getpwnam("nobody")
            directives += f" user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"
            prefix.chmod(0o755)
        command = [binary, "-p", f"{prefix}/", "-c", str(config), "-g", directives]
        with (prefix / "stderr.log").open("wb") as stderr:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr
            )
        server = Nginx(f"http://127.0.0.1:{port}", prefix, process)
        try:
            deadline = time.monotonic() + 15
            while not healthy(server.url):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = (prefix / "stderr.log").read_text(errors="replace")
                    raise RuntimeError(f"nginx did not start ({' '.join(command)}):\n{output}")
                time.sleep(0.05)
            yield server
        finally:
            stop(process)


def nginx_version() -> str:
    done = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True, timeout=10)
    return done.stderr.strip().removeprefix("nginx version: ")


def children(parent: int) -> set[int]:
    """The processes whose parent is ``parent``."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == parent:
                    pids.add(int(entry.name))
    return pids


@dataclass
class Replica:
    """One `python -m app.serve` (bench.common.serve) in a process group of its own."""

    url: str
    process: subprocess.Popen
    log: Path
    """Its stderr: the app's access lines (``... access POST /api/v1/grid 200 3.1ms``)."""

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def answered(self, request: str = "") -> int:
        """Requests it answered with a 200 so far, those starting with ``request`` if given
        ("POST /api/v1/gradcheck"); /healthz (nginx's start-up probe, serve's) left out."""
        lines = self.log.read_text(errors="replace").splitlines()
        wanted = f" access {request}"
        return sum(
            wanted in line and " 200 " in line and " /healthz " not in line for line in lines
        )

    def pids(self) -> set[int]:
        return {self.process.pid, *children(self.process.pid)}

    def kill(self) -> None:
        """SIGKILL its whole process group: the supervisor and its workers, all at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@contextlib.contextmanager
def replicas(count: int = 2, workers: int = 1) -> Iterator[list[Replica]]:
    """``count`` servers started side by side, each logging to its own file."""
    with contextlib.ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="gradscape-")))
        logs = [
            stack.enter_context((directory / f"replica-{index}.log").open("wb"))
            for index in range(count)
        ]
        servers = [serve(workers, log=log, new_session=True) for log in logs]
        with ThreadPoolExecutor(count) as pool:
            starting = [pool.submit(server.__enter__) for server in servers]
        started = []
        for server, future, log in zip(servers, starting, logs, strict=True):
            if future.exception() is None:
                stack.push(server.__exit__)
                url, process = future.result()
                started.append(Replica(url, process, Path(log.name)))
        for future in starting:
            if future.exception() is not None:
                raise future.exception()
        yield started


def run_load(
    server: Nginx, clients: int, seconds: float, max_requests: int, fault=None
) -> tuple[Tally, float]:
    """bench.load's clients against nginx for ``seconds`` (``fault()`` a third of the way);
    their tally and the seconds it took."""
    started = time.monotonic()
    budget = iter(range(max_requests))
    tally = asyncio.run(
        drive("127.0.0.1", server.port, clients, seconds, budget, fault, observe=lambda: None)
    )
    return tally, time.monotonic() - started


def sequential_ms(urls: Sequence[str], path: str, count: int) -> list[list[float]]:
    """Latencies of ``count`` GETs of ``path`` from each URL, one keep-alive connection per URL,
    one request at a time, taking the URLs in turn (so a busy moment hits each alike)."""
    latencies: list[list[float]] = [[] for _ in urls]
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(httpx.Client(base_url=url)) for url in urls]
        for _ in range(count):
            for client, timings in zip(clients, latencies, strict=True):
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1e3)
                response.raise_for_status()
    return latencies


def longest_gap_ms(times: list[float], start: float, end: float) -> float:
    """The longest stretch between ``start`` and ``end`` in which no answer arrived."""
    marks = [start, *sorted(t for t in times if start < t < end), end]
    return max(b - a for a, b in itertools.pairwise(marks)) * 1e3


def retried(lines: list[str]) -> tuple[int, int]:
    """Requests nginx sent to a second replica (its log's upstream= lists two), and the POSTs
    among them."""
    again = [line for line in lines if re.search(r" upstream=\S+, ", line)]
    return len(again), sum('"POST ' in line for line in again)


def main(argv: list[str] | None = None) -> list[str]:
    parser = argparse.ArgumentParser(prog="python -m bench.proxy", description=__doc__)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load, in all")
    parser.add_argument("--workers", type=int, default=1, help="worker processes per replica")
    parser.add_argument("--max-requests", type=int, default=100_000, help="cap per phase")
    args = parser.parse_args(argv or [])
    half = args.duration / 2
    lines = [
        f"# proxy: nginx {nginx_version()} (deploy/nginx.conf) in front of 2 x python -m app.serve"
        f" --workers {args.workers}; {CLIENTS} clients for {half:g} s, then {half:g} s with one"
        " replica SIGKILLed a third of the way"
    ]
    with replicas(2, args.workers) as (first, second), nginx([first.port, second.port]) as proxy:
        direct, proxied = (
            percentile(timings, 50)
            for timings in sequential_ms([first.url, proxy.url], "/healthz", 300)
        )
        uncached, cached = (
            percentile(timings, 50)
            for timings in sequential_ms([first.url, proxy.url], "/api/v1/surfaces", 300)
        )
        lines += [
            row(
                "proxy: latency nginx adds, GET /healthz (p50, interleaved)",
                proxied - direct,
                "ms",
                1.0,
                f"{direct:.2f} ms direct, {proxied:.2f} ms through nginx",
            ),
            row(
                "proxy: the catalogue from nginx's cache (p50, interleaved)",
                cached,
                "ms",
                5.0,
                f"{uncached:.2f} ms from a replica",
            ),
        ]

        answered = [first.answered(), second.answered()]
        log_before, nginx_cpu = len(proxy.access_log()), cpu_seconds(proxy.pids())
        replica_cpu = cpu_seconds(first.pids() | second.pids())
        client_cpu, busy = own_cpu_seconds(), machine_busy_seconds()
        tally, seconds = run_load(proxy, CLIENTS, half, args.max_requests)
        nginx_cores = (cpu_seconds(proxy.pids()) - nginx_cpu) / seconds
        replica_cores = (cpu_seconds(first.pids() | second.pids()) - replica_cpu) / seconds
        client_cores = (own_cpu_seconds() - client_cpu) / seconds
        other_cores = (machine_busy_seconds() - busy) / seconds
        other_cores -= nginx_cores + replica_cores + client_cores
        shares = [first.answered() - answered[0], second.answered() - answered[1]]
        hits = sum(" cache=HIT" in line for line in proxy.access_log()[log_before:])
        count, latencies = len(tally.latencies_ms), tally.latencies_ms
        rate = count / seconds
        lines += [
            row(
                f"proxy: {CLIENTS} clients through nginx, requests per second",
                rate,
                "/s",
                300,
                f"{hits} of {count} from nginx's cache (the catalogue)",
                at_least=True,
            ),
            row("proxy: latency p50", percentile(latencies, 50), "ms", None),
            row("proxy: latency p99", percentile(latencies, 99), "ms", 250),
            row("proxy: errors (non-200, malformed, cut)", tally.errors, "", 0, f"of {count}"),
            row(
                "proxy: the lesser replica's share of the answers",
                100 * min(shares) / max(1, sum(shares)),
                "%",
                40,
                "answers per replica " + "/".join(map(str, shares)),
                at_least=True,
            ),
            row(
                "proxy: nginx's CPU per request",
                nginx_cores * 1e6 / rate,
                "us",
                None,
                f"the replicas' {replica_cores * 1e3 / rate:.1f} ms; cores: nginx"
                f" {nginx_cores:.2f}, replicas {replica_cores:.2f}, clients {client_cores:.2f},"
                f" anything else on the machine {other_cores:.2f}",
            ),
        ]

        killed: dict[str, float] = {}

        def kill_first() -> None:
            killed["at"] = time.monotonic()
            first.kill()

        log_before, survivor_before = len(proxy.access_log()), second.answered()
        tally, seconds = run_load(proxy, CLIENTS, half, args.max_requests, fault=kill_first)
        at = killed["at"]
        pairs = list(zip(tally.answered_after, tally.latencies_ms, strict=True))
        around = [ms for t, ms in pairs if at <= t <= at + 1.0]
        before = [ms for t, ms in pairs if t < at]
        later = sum(t > at + 1.0 for t in tally.answered_after)
        again, posts = retried(proxy.access_log()[log_before:])
        survivor = second.answered() - survivor_before
    lines += [
        row(
            "failover: failed requests, a replica SIGKILLed mid-load",
            tally.malformed + tally.bad_status,
            "",
            0,
            f"of {len(tally.latencies_ms)}: {tally.bad_status} non-200, {tally.malformed}"
            " malformed",
        ),
        row(
            "failover: responses cut mid-transfer by the kill",
            tally.cut,
            "",
            None,
            "begun before it: nginx had passed their headers on, so no proxy can retry them",
        ),
        row(
            "failover: slowest answer in the second after the kill",
            max(around, default=0.0),
            "ms",
            None,
            f"p50 {percentile(around, 50) if around else 0:.0f} ms over {len(around)} answers;"
            f" before the kill p50 {percentile(before, 50):.0f} ms, p99"
            f" {percentile(before, 99):.0f} ms (one replica left answers twice the load)",
        ),
        row(
            "failover: longest stretch with no answer around the kill",
            longest_gap_ms(tally.answered_after, at - 1.0, at + 2.0),
            "ms",
            500,
            "from 1 s before the kill to 2 s after",
        ),
        row(
            "failover: requests nginx retried on the surviving replica",
            again,
            "",
            None,
            f"{posts} of them POSTs (non_idempotent); {later} answered from 1 s after the kill,"
            f" {survivor} by the survivor in all",
        ),
    ]
    return lines


if __name__ == "__main__":
    try:
        print("\n".join(main(sys.argv[1:])))
    except NginxMissing as error:
        sys.exit(str(error))
