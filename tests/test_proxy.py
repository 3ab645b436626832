"""deploy/nginx.conf in front of two `python -m app.serve` replicas: real nginx, real servers,
loopback only. The replicas share nothing, so any replica, and nginx, answer a request with the
same bytes; a replica killed outright under load costs no client a request.

Needs nginx: `make test` installs Debian's package (the `nginx` target); where it cannot, these
tests fail and say how to install it."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest

from app.api.routes.pages import PLOTLY_URL, STATIC_VERSION
from app.config import Settings
from bench import proxy
from bench.api import default_experiment
from bench.load import drive

IDENTITY = {"Accept-Encoding": "identity"}
GRADCHECK = {"surface": {"id": "beale"}, "point": [1.0, 1.5]}
SWEEP = {
    "surface": {"id": "rosenbrock"},
    "optimizer": "adam",
    "lr_range": [1e-3, 1.0],
    "count": 64,
    "steps": 1000,
}
SMALL_RUNS = {
    "surface": {"id": "himmelblau"},
    "steps": 100,
    "runs": [{"optimizer": "adam"}, {"optimizer": "nesterov"}],
}


@pytest.fixture(scope="module")
def nginx_found() -> str:
    try:
        return proxy.nginx_binary()
    except proxy.NginxMissing as missing:
        message = str(missing)
    pytest.fail(message, pytrace=False)  # not a skip: CI must not pass without these tests


@pytest.fixture(scope="module")
def pair(nginx_found) -> Iterator[tuple[proxy.Replica, proxy.Replica]]:
    """Two replicas, one worker each, for the whole module."""
    with proxy.replicas(2, workers=1) as started:
        yield started[0], started[1]


@pytest.fixture
def front(pair) -> Iterator[proxy.Nginx]:
    """nginx in front of ``pair``, with an empty cache for each test."""
    with proxy.nginx([replica.port for replica in pair]) as server:
        yield server


def settled(count: Callable[[], int], expected: int, timeout: float = 5.0) -> int:
    """``count()`` once it has reached ``expected`` (a replica writes its access line as the
    response goes, so a moment after the client has it) and 0.1 s more have passed."""
    deadline = time.monotonic() + timeout
    while count() < expected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    return count()


def test_the_config_run_here_is_the_shipped_one_with_other_ports():
    shipped = proxy.CONFIG.read_text()
    assert proxy.render_config(8080, [8001, 8002]) == shipped
    rendered = proxy.render_config(18080, [18001, 18002, 18003]).splitlines()
    removed = [line.strip() for line in shipped.splitlines() if line not in rendered]
    added = [line.strip() for line in rendered if line not in shipped.splitlines()]
    server = "server 127.0.0.1:{} max_fails=2 fail_timeout=5s;"
    assert removed == [server.format(8001), server.format(8002), "listen 127.0.0.1:8080;"]
    assert added == [*map(server.format, (18001, 18002, 18003)), "listen 127.0.0.1:18080;"]
    with pytest.raises(ValueError):
        proxy.render_config(18080, [18001], text=shipped.replace("listen 127.0.0.1:8080;", ""))


def test_nginx_refuses_bodies_above_the_apps_limit_with_the_apps_413(pair, front):
    limit = Settings().max_body_bytes
    assert re.search(r"client_max_body_size (\d+)m;", proxy.CONFIG.read_text())[1] == str(
        limit >> 20
    ), "deploy/nginx.conf's client_max_body_size is not app/config.py's max_body_bytes"
    body = json.dumps(GRADCHECK).encode()
    headers = {"Content-Type": "application/json", **IDENTITY}
    at_limit = body + b" " * (limit - len(body))  # still valid JSON
    answer = httpx.post(f"{front.url}/api/v1/gradcheck", content=at_limit, headers=headers)
    assert answer.status_code == 200, answer.text

    over = at_limit + b" "
    refused = httpx.post(f"{front.url}/api/v1/gradcheck", content=over, headers=headers)
    direct = httpx.post(f"{pair[0].url}/api/v1/gradcheck", content=over, headers=headers)
    assert refused.status_code == direct.status_code == 413
    assert refused.headers["content-type"] == "application/json"
    assert refused.json() == direct.json(), "nginx's 413 is not the app's"


@pytest.mark.parametrize(
    ("where", "status", "loc"),
    [
        ("url 20 KB", 414, ["url"]),  # past the app's 16 KiB: the app's own 414
        ("url 40 KB", 414, ["url"]),  # past nginx's 32 KB line: nginx's, in the same shape
        ("header 40 KB", 431, ["header"]),
        ("headers 100 KB", 431, ["header"]),  # within nginx's 128 KB, past the app's 64 KiB
    ],
)
def test_oversized_requests_get_the_apps_error_shape_and_headers(pair, front, where, status, loc):
    kind, kilobytes, _ = where.split()
    size = int(kilobytes) * 1000
    path, headers = "/healthz", dict(IDENTITY)
    if kind == "url":
        path += "?q=" + "a" * size
    elif kind == "header":
        headers["X-Big"] = "a" * size
    else:
        headers.update({f"X-Part-{i}": "a" * 5000 for i in range(size // 5000)})
    answer = httpx.get(front.url + path, headers=headers)
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    (error,) = answer.json()["detail"]
    assert error["loc"] == loc and {"msg", "type"} <= set(error)
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options"):
        assert name in answer.headers, name


def test_both_replicas_and_nginx_answer_with_the_same_bytes(pair, front):
    trajectories, _ = default_experiment()
    bodies: dict[str, set[bytes]] = {"POST": set(), "GET": set()}
    for url in (pair[0].url, pair[1].url, front.url, front.url):
        with httpx.Client(base_url=url, headers=IDENTITY) as client:
            posted = client.post("/api/v1/trajectories", json=trajectories)
            listed = client.get("/api/v1/surfaces")
        assert posted.status_code == listed.status_code == 200
        assert "content-encoding" not in posted.headers
        bodies["POST"].add(posted.content)
        bodies["GET"].add(listed.content)
    assert len(bodies["POST"]) == len(bodies["GET"]) == 1
    assert len(next(iter(bodies["POST"]))) > 100_000  # the page's default experiment


def test_requests_through_nginx_reach_both_replicas(pair, front):
    before = [replica.answered("POST /api/v1/gradcheck") for replica in pair]
    with httpx.Client(base_url=front.url) as client:
        for _ in range(20):
            assert client.post("/api/v1/gradcheck", json=GRADCHECK).status_code == 200

    def counts() -> list[int]:
        return [
            replica.answered("POST /api/v1/gradcheck") - old
            for replica, old in zip(pair, before, strict=True)
        ]

    settled(lambda: sum(counts()), 20)
    shares = counts()
    assert sum(shares) == 20 and min(shares) >= 5, shares  # round robin: 10 and 10
    upstreams = {m[1] for m in map(re.compile(r"upstream=(\S+) ").search, front.access_log()) if m}
    assert upstreams >= {f"127.0.0.1:{replica.port}" for replica in pair}


# JSON, gzipped by the middleware at level 1; the page's binary answer, gzipped with Huffman
# coding only in the handler (base64's 64 symbols in about 6 bits each: three quarters).
@pytest.mark.parametrize(
    ("binary", "at_most"), [(False, 1 / 2), (True, 0.8)], ids=["json", "binary"]
)
def test_the_apps_gzip_passes_through_nginx_untouched(pair, front, binary, at_most):
    trajectories, _ = default_experiment(binary)
    plain = httpx.post(f"{pair[0].url}/api/v1/trajectories", json=trajectories, headers=IDENTITY)
    request = {"json": trajectories, "headers": {"Accept-Encoding": "gzip"}}
    with (
        httpx.Client() as client,
        client.stream("POST", f"{front.url}/api/v1/trajectories", **request) as zipped,
    ):
        raw = b"".join(zipped.iter_raw())
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) == len(raw) < len(plain.content) * at_most
    assert gzip.decompress(raw) == plain.content  # one layer of gzip: the app's
    # nginx asks the replica for gzip whenever the client's Accept-Encoding names it.
    many = httpx.post(
        f"{front.url}/api/v1/trajectories",
        json=trajectories,
        headers={"Accept-Encoding": "br, gzip;q=0.9, deflate"},
    )
    assert many.headers["content-encoding"] == "gzip" and many.content == plain.content
    # and for zstd too, which the app prefers for a binary body (JSON stays gzip).
    chrome = httpx.post(
        f"{front.url}/api/v1/trajectories",
        json=trajectories,
        headers={"Accept-Encoding": "gzip, deflate, br, zstd"},
    )
    assert chrome.headers["content-encoding"] == ("zstd" if binary else "gzip")
    assert chrome.content == plain.content


def cache_status(response: httpx.Response) -> str | None:
    return response.headers.get("x-cache-status")


def test_the_catalogue_and_versioned_assets_come_from_nginxs_cache(pair, front):
    def answered(path: str) -> int:
        return sum(replica.answered(f"GET {path} ") for replica in pair)

    assets = [
        "/api/v1/surfaces",
        "/api/v1/optimizers",
        PLOTLY_URL,
        f"/static/js/main.js?v={STATIC_VERSION}",
    ]
    with httpx.Client(base_url=front.url, headers=IDENTITY) as client:
        for path in assets:
            before = answered(path.split("?")[0])
            first, second = client.get(path), client.get(path)
            assert first.status_code == second.status_code == 200, path
            assert (cache_status(first), cache_status(second)) == ("MISS", "HIT"), path
            assert first.content == second.content
            bare = path.split("?")[0]
            reached = settled(lambda bare=bare, before=before: answered(bare) - before, 1)
            assert reached == 1, f"{path}: the HIT reached a replica"

        # Each encoding is its own entry: a gzip client never gets the plain body, nor the
        # reverse.
        zipped = [client.get("/api/v1/surfaces", headers={"Accept-Encoding": "gzip"}) for _ in "ab"]
        assert [cache_status(r) for r in zipped] == ["MISS", "HIT"]
        assert all(r.headers["content-encoding"] == "gzip" for r in zipped)
        plain = client.get("/api/v1/surfaces")
        assert cache_status(plain) == "HIT" and "content-encoding" not in plain.headers
        assert zipped[1].content == plain.content  # httpx decoded the gzip one

        # A browser revalidating its copy gets a 304 from the cache, by the app's ETag.
        etag = plain.headers["etag"]
        again = client.get("/api/v1/surfaces", headers={"If-None-Match": etag})
        assert again.status_code == 304 and cache_status(again) == "HIT"

        # Never cached: unversioned static files (no-cache), the page, POSTs, /healthz.
        unversioned = [client.get("/static/js/main.js") for _ in "ab"]
        assert [cache_status(r) for r in unversioned] == ["BYPASS", "BYPASS"]
        for response in (
            client.get("/"),
            client.get("/healthz"),
            client.post("/api/v1/gradcheck", json=GRADCHECK),
        ):
            assert response.status_code == 200 and cache_status(response) is None


class RecordingUpstream:
    """A stand-in replica that records the requests nginx sends it and answers ``{}``."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.requests: list[bytes] = []
        self.connections = 0
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection: socket.socket) -> None:
        response = (
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: no-store\r\n"
            b"content-length: 2\r\n\r\n{}"
        )
        with connection:
            buffer = b""
            while chunk := connection.recv(65536):
                buffer += chunk
                while b"\r\n\r\n" in buffer:  # these requests have no body
                    head, buffer = buffer.split(b"\r\n\r\n", 1)
                    self.requests.append(head)
                    connection.sendall(response)


def test_replicas_get_forwarded_headers_kept_alive_connections_and_one_accept_encoding(
    nginx_found,
):
    upstream = RecordingUpstream()
    try:
        with proxy.nginx([upstream.port]) as server, httpx.Client(base_url=server.url) as client:
            spoofed = {"X-Forwarded-For": "203.0.113.9", "Accept-Encoding": "br, gzip, deflate"}
            for _ in range(5):
                assert client.get("/api/v1/datasets?x=1", headers=spoofed).status_code == 200
            assert client.get("/healthz", headers=IDENTITY).status_code == 200
    finally:
        upstream.listener.close()
    *proxied, plain = upstream.requests[-6:]
    line, *fields = proxied[-1].decode().split("\r\n")
    headers = dict(field.lower().split(": ", 1) for field in fields)
    assert line == "GET /api/v1/datasets?x=1 HTTP/1.1"
    assert headers["host"] == headers["x-forwarded-host"] == "127.0.0.1"
    assert headers["x-forwarded-port"] == str(server.port)
    assert headers["x-forwarded-for"] == "127.0.0.1", "a client's own X-Forwarded-For passed on"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-real-ip"] == "127.0.0.1"
    assert headers["accept-encoding"] == "gzip"
    assert "connection" not in headers  # HTTP/1.1 keep-alive, not nginx's default close
    assert "accept-encoding" not in plain.decode().lower()
    # nginx's start-up probe and these 6 requests, over kept-alive connections (one per nginx
    # worker process at most).
    assert upstream.connections < len(upstream.requests)


def test_a_replica_killed_under_load_costs_no_request(nginx_found):
    """4 clients for 3 s through nginx; a third of the way in, one replica's process group is
    SIGKILLed. The POSTs it was computing and those queued on it are retried on the other
    (proxy_next_upstream ... non_idempotent), which answers everything from then on.

    What no proxy can retry is a response it has begun to pass on when its replica dies:
    uvicorn writes a response's head and its body in two writes, and a kill between them (or
    during a large body's write) leaves the client a cut connection. So these requests compute
    for tens of milliseconds and answer a few KB, as a replica under load spends its time;
    bench/proxy.py, with the page's 300 KB answers, counts such cuts apart."""
    requests = [
        ("POST", "/api/v1/sweeps/lr", json.dumps(SWEEP).encode()),
        ("POST", "/api/v1/sweeps/lr", json.dumps(SWEEP).encode()),
        ("POST", "/api/v1/trajectories", json.dumps(SMALL_RUNS).encode()),
        ("POST", "/api/v1/gradcheck", json.dumps(GRADCHECK).encode()),
        ("GET", "/api/v1/surfaces", None),
    ]
    with (
        proxy.replicas(2, workers=1) as (doomed, survivor),
        proxy.nginx([doomed.port, survivor.port]) as server,
    ):
        killed: dict[str, float] = {}

        def kill() -> None:
            killed["before"] = doomed.answered("POST ")
            killed["at"] = time.monotonic()
            doomed.kill()

        clients, seconds, ids = 4, 3.0, iter(range(5000))
        load = drive("127.0.0.1", server.port, clients, seconds, ids, kill, lambda: None, requests)
        # In a thread of its own: in a whole run, the browser tests' Playwright keeps an event
        # loop running in this one, and asyncio.run refuses to start another beside it.
        with ThreadPoolExecutor(1) as pool:
            tally = pool.submit(asyncio.run, load).result()
        assert doomed.process.poll() is not None and not proxy.healthy(doomed.url)
        assert killed["before"] > 0, "the killed replica had answered no POST: no load on it"
        later = sum(t > killed["at"] for t in tally.answered_after)
        assert later > 10, f"only {later} answers after the kill"
        failed = tally.errors
        assert failed == 0, (
            f"{tally.bad_status} non-200, {tally.malformed} malformed, {tally.cut} cut"
            f" of {len(tally.latencies_ms)}:\n" + (server.prefix / "stderr.log").read_text()
        )
        _, posts = proxy.retried(server.access_log())
        assert posts >= 1, "nginx retried no POST: none was in flight on the killed replica"
        for method, path, body in requests:  # and the survivor answers each still
            headers = {**IDENTITY, "Content-Type": "application/json"}
            answer = httpx.request(method, f"{server.url}{path}", content=body, headers=headers)
            assert answer.status_code == 200
            orjson.loads(answer.content)
