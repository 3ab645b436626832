"""HTTP hardening as plain ASGI middleware, one small class per concern.

From the outside in, every request passes through:

- ``AccessLog``: one line per request (method, path, status, duration); never bodies or
  query strings.
- ``HeadAsGet``: a HEAD is answered as its GET, without the body.
- ``SecurityHeaders``: Content-Security-Policy, nosniff, Referrer-Policy on every response.
- ``RelativeRedirects``: a ``Location`` is a path on this server, never a URL built from the
  client's Host header.
- ``ServerErrors``: an exception no handler took is a JSON 500 that passes through the
  middleware above (Starlette's own answer would not).
- ``CacheHeaders``: responses are deterministic, so a 200 JSON response carries a strong ETag
  (a hash of its bytes) and a short public max-age, and a GET whose ``If-None-Match`` matches
  gets a 304. Static files asked for with ``?v=`` are cached for a year.
- ``RequestGuard``: refuses bodies above ``max_body_bytes`` (413), any body on a GET or HEAD
  (413) and bodies that are not JSON (415) before FastAPI reads or parses them.
- Starlette's ``GZipMiddleware`` at level 1.
- ``ComputeGate``: computations take turns of at most 0.1 s, one at a time per process (two
  would share one GIL anyway), so the event loop and /healthz never queue behind a crowd.

Errors raised here have the shape of a 422 (``errors.ErrorBody``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys
import time
from email.message import Message as MimeHeader
from functools import lru_cache
from urllib.parse import parse_qs, quote, urlsplit

import anyio
from fastapi import FastAPI, HTTPException
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api import errors
from app.api.encoding import GZIP_MIN_BYTES, FiniteJSONResponse
from app.api.errors import error_detail
from app.config import SETTINGS

access_log = logging.getLogger("gradscape.access")

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
"""plotly.js injects <style> elements and style attributes, hence 'unsafe-inline' for styles
only; scripts come from this origin alone: no inline scripts and no 'unsafe-eval'."""

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}

JSON_CACHE = "public, max-age=300"
"""Deterministic JSON: reusable for five minutes, then revalidated by ETag."""
VERSIONED_CACHE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NEVER_STORE = "no-store"
NEVER_CACHED_PATHS = ("/healthz",)
HASH_SLICE_BYTES = 1 << 20
"""Bodies are hashed in slices of this size (about 1 ms each) with a yield to the event loop in
between, so a 40 MB body never stalls /healthz and never queues for a worker thread."""


@lru_cache(maxsize=64)
def is_json_media_type(content_type: str) -> bool:
    header = MimeHeader()
    header["content-type"] = content_type
    subtype = header.get_content_subtype()
    return header.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


BODYLESS_METHODS = ("GET", "HEAD")
NO_BODY = error_detail(["body"], "a GET or HEAD request takes no body", "too_large", max_bytes=0)


class RequestGuard:
    """413 above ``max_body_bytes`` (declared or streamed) and for any body on a GET or HEAD;
    415 for a body that is not JSON.

    A streamed body is counted as the app reads it, and cut with a 413 while no response has
    started. A GET's handler answers without reading the body, and Starlette's file responses
    read on while they send (listening for a disconnect): a 413 raised then was a 500 with a
    traceback, so a GET or HEAD with a body is refused before the app runs, and once a
    response has started the rest of a body passes uncounted (nothing handles it any more).
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.too_large = error_detail(
            ["body"],
            f"request body must be at most {max_body_bytes:,} bytes (GRADSCAPE_MAX_BODY_BYTES)",
            "too_large",
            max_bytes=max_body_bytes,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        length = int(declared) if declared.isdigit() else None
        has_body = bool(length) or "transfer-encoding" in headers
        refusal = None
        if has_body and scope["method"] in BODYLESS_METHODS:
            refusal = FiniteJSONResponse({"detail": NO_BODY}, status_code=413)
        elif length is not None and length > self.max_body_bytes:
            refusal = FiniteJSONResponse({"detail": self.too_large}, status_code=413)
        elif has_body and not is_json_media_type(headers.get("content-type", "")):
            detail = error_detail(
                ["header", "content-type"],
                "request body must be JSON: send Content-Type: application/json",
                "unsupported_media_type",
                expected="application/json",
            )
            refusal = FiniteJSONResponse({"detail": detail}, status_code=415)
        if refusal is not None:
            await refusal(scope, receive, send)
            return

        received = 0
        started = False

        async def receive_with_limit() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            # A streamed body with no Content-Length; raised once a response has started, the
            # 413 could not be sent and would end as a 500.
            if received > self.max_body_bytes and not started:
                raise HTTPException(413, detail=self.too_large)
            return message

        async def send_and_note_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, receive_with_limit, send_and_note_start)


def static_or_page_policy(scope: Scope, status: int) -> str:
    """Cache-Control for a response that is not deterministic JSON."""
    if status not in (200, 304) or scope["path"] in NEVER_CACHED_PATHS:
        return NEVER_STORE
    versioned = "v" in parse_qs(scope.get("query_string", b"").decode("latin-1"))
    return VERSIONED_CACHE if scope["path"].startswith("/static/") and versioned else REVALIDATE


def is_deterministic_json(scope: Scope, status: int, headers: MutableHeaders) -> bool:
    return (
        status == 200
        and scope["method"] in ("GET", "POST")
        and scope["path"] not in NEVER_CACHED_PATHS
        and is_json_media_type(headers.get("content-type", ""))
    )


def etag_matches(if_none_match: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


async def strong_etag(body: bytes) -> str:
    digest = hashlib.blake2b(digest_size=16)
    view = memoryview(body)
    for start in range(0, len(body), HASH_SLICE_BYTES):
        if start:
            await anyio.sleep(0)
        digest.update(view[start : start + HASH_SLICE_BYTES])
    return f'"{digest.hexdigest()}"'


class CacheHeaders:
    """ETag and Cache-Control on every response that does not set its own Cache-Control."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def send_with_cache_headers(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    if is_deterministic_json(scope, message["status"], headers):
                        held = message  # wait for the body: the ETag is its hash
                        return
                    headers["cache-control"] = static_or_page_policy(scope, message["status"])
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await self.send_json(scope, held, b"".join(chunks), send)
                return
            await send(message)

        await self.app(scope, receive, send_with_cache_headers)

    @staticmethod
    async def send_json(scope: Scope, start: Message, body: bytes, send: Send) -> None:
        etag = await strong_etag(body)
        headers = MutableHeaders(scope=start)
        headers["etag"] = etag
        headers["cache-control"] = JSON_CACHE
        if_none_match = Headers(scope=scope).get("if-none-match")
        if scope["method"] == "GET" and if_none_match and etag_matches(if_none_match, etag):
            del headers["content-length"]
            del headers["content-type"]
            start = {**start, "status": 304}
            body = b""
        await send(start)
        await send({"type": "http.response.body", "body": body})


class ComputeGate:
    """API computations (POSTs under /api/) take turns per process, first come first served;
    the waiting ones wait on the event loop, where waiting costs nothing.

    A computation runs in a worker thread, and the threads of one process share one GIL:
    thirty at once go no faster than one, they hand the GIL round every few ms (trashing
    caches) and the event loop queues for it behind them, so /healthz took 100-500 ms under
    load. Taking turns costs about 20% less CPU per request and /healthz answers in a few ms.

    A turn starts when the request's whole body has arrived (a slow upload holds no one up) and
    ends when the response starts: compressing, hashing (both let go of the GIL) and
    sending it overlap the next computation. It lasts at most ``TURN_S``: a computation still
    running then goes on beside the next one, so a heavy request
    never holds up a cheap one for longer. GETs (the catalogue, the page) and /healthz never
    wait.
    """

    TURN_S = 0.1

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.turns = anyio.Semaphore(1, fast_acquire=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        # The turn starts once the whole body has arrived: a slow upload holds no one up.
        holding = False
        timer: asyncio.TimerHandle | None = None

        def end_turn() -> None:
            nonlocal holding
            if holding:
                holding = False
                self.turns.release()

        async def receive_then_turn() -> Message:
            nonlocal holding, timer
            message = await receive()
            whole = message["type"] == "http.request" and not message.get("more_body", False)
            if whole and timer is None:
                await self.turns.acquire()
                holding = True
                timer = asyncio.get_running_loop().call_later(self.TURN_S, end_turn)
            return message

        async def send_after_turn(message: Message) -> None:
            end_turn()
            await send(message)

        try:
            await self.app(scope, receive_then_turn, send_after_turn)
        finally:
            if timer is not None:
                timer.cancel()
            end_turn()


class SecurityHeaders:
    """The page's CSP (the API docs at /docs too) and the usual hardening headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", PAGE_CSP)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RelativeRedirects:
    """A ``Location`` header made a path on this server: Starlette's redirect_slashes builds an
    absolute URL from the request's Host header (``GET /api/v1/surfaces/`` with
    ``Host: evil.example`` went to ``http://evil.example/api/v1/surfaces``). Nothing here sends
    anyone to another site, so every Location keeps only its path and query, and a path never
    starts with ``//`` (which a browser reads as another host)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "location" in headers:
                    headers["location"] = relative_location(headers["location"])
            await send(message)

        await self.app(scope, receive, send_relative)


def relative_location(location: str) -> str:
    parts = urlsplit(location)
    path = "/" + parts.path.lstrip("/")
    return f"{path}?{parts.query}" if parts.query else path


class ServerErrors:
    """An exception that no handler took: the JSON 500 of ``errors.server_error``, sent from
    inside SecurityHeaders and AccessLog so it carries the headers of every other response.
    Starlette's ServerErrorMiddleware sends its 500 from outside every middleware, bare (no CSP,
    no nosniff); it still gets the exception, sees the response started, and raises it on for
    the server to log the traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_and_note_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_start)
        except Exception as exc:
            if not started:
                response = await errors.server_error(Request(scope), exc)
                response.headers["cache-control"] = NEVER_STORE
                await response(scope, receive, send)
            raise


class HeadAsGet:
    """HEAD answered as GET, without the body: the same status and headers (the GET body's
    Content-Length, its ETag), for monitors and link checkers. FastAPI routes take only the
    methods they declare, so HEAD on / or /healthz was a 405, and declaring HEAD on each would
    add an operation per route to the OpenAPI schema."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


class AccessLog:
    """``METHOD /path STATUS 12.3ms``: no query strings, no bodies, control characters quoted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server sends if the app raises

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            path = quote(scope["path"][:256], safe="/:@!$&'()*+,;=-._~")
            elapsed_ms = (time.perf_counter() - started) * 1e3
            access_log.info("%s %s %d %.1fms", scope["method"], path, status, elapsed_ms)


def _log_to_stderr() -> None:
    if not access_log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s access %(message)s"))
        access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)


def install(app: FastAPI) -> None:
    """Add the middleware, outermost last: the access log sees every response, even a 413 or
    a 500, and every response carries the security headers; a refused body never queues for a
    turn; the ETag hashes the bytes as sent (gzipped or not), a HEAD's as its GET's."""
    # Responses above 1 KB go gzipped to clients that accept it. Level 1: the page's default
    # trajectories (309 KB of JSON) shrink to 143 KB in about 5 ms, where level 5 gives 136 KB
    # for about 27 ms. plotly.js and binary grids arrive compressed (encoding.compress_base64).
    app.add_middleware(ComputeGate)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=1)
    app.add_middleware(RequestGuard, max_body_bytes=SETTINGS.max_body_bytes)
    app.add_middleware(CacheHeaders)
    app.add_middleware(ServerErrors)
    app.add_middleware(RelativeRedirects)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(HeadAsGet)
    app.add_middleware(AccessLog)
    _log_to_stderr()
