"""``python -m app.serve``: uvicorn workers that each listen on their own socket (SO_REUSEPORT).

With uvicorn's ``--workers``, every worker accepts from one shared listening socket, and the
worker that wakes first takes a whole burst of connections: 32 keep-alive clients arriving at
once often all land on one worker (``bench/load.py`` saw 0/32 and 3/29 splits), which then
serves them on one core while the other idles. Here each worker binds its own socket to the
same address with SO_REUSEPORT, and the kernel spreads new connections over them by a hash
of each connection. A supervisor starts the workers and starts a new one when one dies.

Off Linux (whose kernel is what spreads connections over such sockets) this falls back to
uvicorn's own workers.
One worker runs in this process, as ``uvicorn`` does.

    python -m app.serve --host 127.0.0.1 --port 8000 --workers 2
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from typing import Any

import uvicorn
from uvicorn.importer import import_from_string

log = logging.getLogger("uvicorn.error")
APP = "app.main:create_app"
PR_SET_PDEATHSIG = 1
"""prctl(2): the signal a process gets when its parent dies."""
RESTART_PAUSE_S = 0.5
"""How long a dead worker's slot waits before its replacement starts (no tight crash loop)."""
PROTOCOLS = {
    "auto": "app.http_limits:AutoLimits",
    "httptools": "app.http_limits:HttpToolsLimits",
    "h11": "app.http_limits:H11Limits",
}
"""uvicorn's HTTP protocols, with limits on URL and header sizes and time-outs for receiving a
request (app/http_limits.py); each worker imports the one chosen (``with_protocol``)."""
QUICK_DEATH_S = 10.0
MAX_QUICK_DEATHS = 5
"""A worker that dies within QUICK_DEATH_S of starting, MAX_QUICK_DEATHS times in a row, cannot
start (a bad setting, a broken install): the server exits with an error instead of retrying."""


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port) that other sockets of this user may bind as well."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def config_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "app": APP,
        "factory": True,
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": False,  # the app writes its own access line (no query strings)
        "server_header": False,
        "http": PROTOCOLS[args.http],
        "ws": "none",  # no WebSocket routes: an Upgrade stays an HTTP request, with its limits
    }


def with_protocol(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with its HTTP protocol imported: older uvicorn (0.30) takes a class or one of
    its own names, not an import string. Done in the workers, which load the app anyway: the
    supervisor never imports it."""
    return {**kwargs, "http": import_from_string(kwargs["http"])}


def follow_parent(parent: int) -> None:
    """Ask Linux for SIGTERM when the supervisor dies, however it dies (even SIGKILL, which it
    cannot pass on), so no worker lingers on the port; exits at once if it is already gone."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    if os.getppid() != parent:
        sys.exit(0)


def worker(kwargs: dict[str, Any], parent: int) -> None:
    """One worker process: its own listening socket, one uvicorn server on it."""
    follow_parent(parent)
    sock = reuseport_socket(kwargs["host"], kwargs["port"])
    uvicorn.Server(uvicorn.Config(**with_protocol(kwargs))).run(sockets=[sock])


def supervise(kwargs: dict[str, Any], workers: int) -> int:
    """Runs ``workers`` worker processes until SIGINT or SIGTERM; replaces any that die.
    Returns the exit status: 0, or 1 when workers keep dying as they start."""
    # Held (bound, never listening) for as long as the server runs: a port that is taken
    # fails here, at once, and no other program can take it between worker restarts.
    holder = reuseport_socket(kwargs["host"], kwargs["port"])
    spawn = multiprocessing.get_context("spawn")
    stopping = []  # a signal handler only appends: nothing it could block on

    def start() -> tuple[multiprocessing.Process, float]:
        process = spawn.Process(target=worker, args=(kwargs, os.getpid()), daemon=False)
        process.start()
        log.info("Started worker process [%s]", process.pid)
        return process, time.monotonic()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.append(True))
    log.info("Gradscape on http://%s:%d with %d workers", kwargs["host"], kwargs["port"], workers)
    processes = [start() for _ in range(workers)]
    quick_deaths = 0
    status = 0
    try:
        while not stopping:
            time.sleep(0.1)
            for index, (process, started) in enumerate(processes):
                if stopping or process.is_alive():
                    continue
                code = process.exitcode
                log.warning("Worker [%s] exited (%s); starting another", process.pid, code)
                quick_deaths = quick_deaths + 1 if time.monotonic() - started < QUICK_DEATH_S else 0
                if quick_deaths >= MAX_QUICK_DEATHS:
                    log.error("Workers keep dying as they start: stopping (see the errors above)")
                    stopping.append(True)
                    status = 1
                    break
                time.sleep(RESTART_PAUSE_S)
                processes[index] = start()
    finally:
        for process, _ in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process, _ in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        holder.close()
    return status


def compile_kernels() -> None:
    """Have every compiled kernel in numba's cache before a worker starts (the workers then only
    load them, ``app.main``'s lifespan), or exit saying why it cannot be done."""
    try:
        from app.numerics.warm import warm
    except ImportError as error:
        print(f"gradscape: cannot start: {error}", file=sys.stderr)
        sys.exit(1)
    seconds = warm()
    print(f"gradscape: compiled kernels ready in {seconds:.1f} s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")), help="processes"
    )
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--http", choices=PROTOCOLS, default="auto", help="HTTP parser")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    kwargs = config_kwargs(args)
    compile_kernels()
    if args.workers == 1:
        uvicorn.run(**with_protocol(kwargs))
    elif sys.platform.startswith("linux"):
        # Linux spreads connections over SO_REUSEPORT sockets; macOS and the BSDs do not.
        logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s: %(message)s")
        sys.exit(supervise(kwargs, args.workers))
    else:
        uvicorn.run(**with_protocol(kwargs), workers=args.workers)


if __name__ == "__main__":
    main()
