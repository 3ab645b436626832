"""uvicorn's HTTP protocols (httptools, and h11, its fallback) with limits on what one
connection may make the server read, and the server's own refusals in the API's error shape.

``app/serve.py`` passes one of these classes as uvicorn's ``http``. Each:

- refuses a URL above ``max_url_bytes`` with 414 and headers above ``max_header_bytes`` with
  431, finished or not, before it has read much more than that (one read, up to 256 KiB; h11,
  which keeps an unfinished head whole, refuses it once it passes the two limits together).
  Unbounded, an unfinished 128 MB header cost 38 s of CPU on the event loop, /healthz waited
  25 s meanwhile, and a finished 32 MB one was answered;
- gives a request ``header_timeout_s`` to send its headers (from its first byte; from the
  connection's start for the first request of a connection) and ``body_timeout_s`` to send
  its body after them: else 408, and the connection closes; a connection that never sent a
  byte is closed without an answer. Idle keep-alive connections keep uvicorn's
  ``timeout_keep_alive``; computing a response does not count, and neither does time in which
  the server itself has stopped reading (a pipelined request waiting for the one before it);
- answers these and uvicorn's own 400 (a malformed request) in the shape of every 4xx of the
  API, ``{"detail": [{loc, msg, type, ctx?}]}``, with the security headers of every response,
  then closes the connection;
- closes a connection whose client has stopped reading its response for ``send_timeout_s``
  (the transport's write buffer full all along): unread, a 26 MB response stayed in memory for
  as long as the client kept the connection open.

The hooks overridden are uvicorn's (0.30 to 0.54, pinned in pyproject.toml): the parser
callbacks, ``data_received``, ``send_400_response``, ``on_response_complete``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from http import HTTPStatus
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.api.middleware import NEVER_STORE, PAGE_CSP, SECURITY_HEADERS, error_detail
from app.config import SETTINGS

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # no httptools (a dependency): uvicorn would run h11, which gets limits too
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

MAX_URL = SETTINGS.max_url_bytes
MAX_HEADERS = SETTINGS.max_header_bytes
LINE_ROOM = 1024
"""Bytes of a request head besides its URL and headers: the method, the version, line ends."""
HEAD, BODY = "head", "body"
TIMEOUTS = {HEAD: SETTINGS.header_timeout_s, BODY: SETTINGS.body_timeout_s}
SEND_TIMEOUT_S = SETTINGS.send_timeout_s
Refusal = tuple[int, bytes]


def refusal(status: int, loc: list[str], msg: str, kind: str, **ctx: object) -> Refusal:
    """The status and the rest of a response after its status line and uvicorn's default
    headers (the date)."""
    body = json.dumps({"detail": error_detail(loc, msg, kind, **ctx)}).encode()
    headers = {
        "content-type": "application/json",
        "content-length": str(len(body)),
        "connection": "close",
        "cache-control": NEVER_STORE,
        "content-security-policy": PAGE_CSP,
        **SECURITY_HEADERS,
    }
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return status, lines.encode() + b"\r\n" + body


BAD_REQUEST = refusal(400, ["request"], "malformed HTTP request", "invalid_request")
URL_TOO_LONG = refusal(
    414,
    ["url"],
    f"the URL must be at most {MAX_URL:,} bytes (GRADSCAPE_MAX_URL_BYTES)",
    "too_long",
    max_bytes=MAX_URL,
)
HEADERS_TOO_LARGE = refusal(
    431,
    ["header"],
    f"request headers must total at most {MAX_HEADERS:,} bytes (GRADSCAPE_MAX_HEADER_BYTES)",
    "too_large",
    max_bytes=MAX_HEADERS,
)
TIMED_OUT = {
    HEAD: refusal(
        408,
        ["header"],
        f"request headers must arrive within {TIMEOUTS[HEAD]:g} s (GRADSCAPE_HEADER_TIMEOUT_S)",
        "timeout",
        timeout_s=TIMEOUTS[HEAD],
    ),
    BODY: refusal(
        408,
        ["body"],
        f"the request body must arrive within {TIMEOUTS[BODY]:g} s of its headers"
        " (GRADSCAPE_BODY_TIMEOUT_S)",
        "timeout",
        timeout_s=TIMEOUTS[BODY],
    ),
}


class Limits:
    """What both protocols add to uvicorn's: the phase of the request being received (its head,
    its body, or none: between requests, or computing), that phase's deadline, and refusals.
    ``transport``, ``loop``, ``flow``, ``cycle`` and ``server_state`` are uvicorn's."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    flow: Any
    logger: logging.Logger
    cycle: Any
    server_state: Any
    phase: str | None = None
    deadline: asyncio.TimerHandle | None = None
    entered = 0
    """Phases entered so far on this connection (a deadline that passed checks it did not move)."""
    silent = True
    """Nothing received yet on this connection: a time-out closes it without an answer."""
    refused: Refusal | None = None
    """What the parser's next error should answer (it stops the parser, so the refusal is
    raised from a parser callback and answered in ``send_400_response``)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[misc]
        self.enter(HEAD)

    def connection_lost(self, exc: Exception | None) -> None:
        self.enter(None)
        self.resume_writing()
        super().connection_lost(exc)  # type: ignore[misc]

    send_deadline: asyncio.TimerHandle | None = None

    def pause_writing(self) -> None:
        """The client reads slower than the response is written: it has ``SEND_TIMEOUT_S``
        to take some of it before the connection is closed (the response's memory freed)."""
        super().pause_writing()  # type: ignore[misc]
        if self.send_deadline is None:
            self.send_deadline = self.loop.call_later(SEND_TIMEOUT_S, self.stalled_reader)

    def resume_writing(self) -> None:
        if self.send_deadline is not None:
            self.send_deadline.cancel()
            self.send_deadline = None
        if self.flow.write_paused:
            super().resume_writing()  # type: ignore[misc]

    def stalled_reader(self) -> None:
        self.send_deadline = None
        self.logger.info("A client stopped reading its response: closing the connection")
        self.refuse(None)
        self.transport.abort()  # close() would wait for the unread buffer to drain

    def enter(self, phase: str | None) -> None:
        """Start receiving a request's head or its body (with its deadline), or stop."""
        if phase == self.phase:
            return
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        self.phase = phase
        self.entered += 1
        if phase is not None:
            self.deadline = self.loop.call_later(TIMEOUTS[phase], self.time_out)

    def time_out(self) -> None:
        """The phase's deadline is due; but what the client sent in time may still wait unread:
        an event loop held up past the deadline (a busy machine pausing the process) runs due
        timers before it reads the sockets, under uvloop. So the decision waits for the loop's
        next read of them (two turns: the first may run before it)."""
        self.deadline = None
        entered = self.entered
        self.loop.call_soon(self.loop.call_soon, self.deadline_passed, entered)

    def deadline_passed(self, entered: int) -> None:
        if self.entered != entered or self.transport.is_closing() or self.phase is None:
            return  # the request moved on meanwhile
        previous = self.phase is HEAD and self.cycle is not None
        if self.flow.read_paused or (previous and not self.cycle.response_complete):
            # The server is holding this request up, not the client: it waits its turn.
            self.deadline = self.loop.call_later(TIMEOUTS[self.phase], self.time_out)
            return
        self.refuse(None if self.silent else TIMED_OUT[self.phase])

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request its parser refused, and to the limits above."""
        self.refuse(self.refused or BAD_REQUEST)

    def may_answer(self) -> bool:
        """No response to the request being received has started, and none to the one before
        is under way."""
        if self.phase is BODY:
            return not self.cycle.response_started
        return self.cycle is None or self.cycle.response_complete  # the one before, if any

    def refuse(self, answer: Refusal | None) -> None:
        """Answer (unless a response to this request, or to the one before, is under way), stop
        the request being answered and close the connection."""
        cycle = self.cycle
        if answer is not None and self.may_answer():
            status, rest = answer
            phrase = HTTPStatus(status).phrase
            # The app never saw the request (or, timed out, sees the client leave): its access
            # log has no line for this answer, so here is one.
            self.logger.info("Refused a request: %d %s; closing the connection", status, phrase)
            line = b"HTTP/1.1 %d %s\r\n" % (status, phrase.encode())
            default = b"".join(b"%s: %s\r\n" % kv for kv in self.server_state.default_headers)
            self.transport.write(line + default + rest)
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True  # the app's receive() sees http.disconnect, send() nothing
            cycle.message_event.set()
        self.transport.close()


class Refused(Exception):
    """Raised in a parser callback to stop the parser; ``Limits.refused`` says why."""


class LimitedH11Connection(h11.Connection):
    """h11's connection that also refuses a finished request whose URL or headers are too
    large, and tells a URL too long from headers too large when the head is unfinished."""

    refused: Refusal | None = None

    def next_event(self) -> Any:
        head = self.their_state is h11.IDLE
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as error:
            if head and error.error_status_hint == 431:  # max_incomplete_event_size
                line_end = self.trailing_data[0].find(b"\n", 0, MAX_URL + LINE_ROOM)
                self.refused = URL_TOO_LONG if line_end < 0 else HEADERS_TOO_LARGE
            raise
        if isinstance(event, h11.Request):
            if len(event.target) > MAX_URL:
                self.refused = URL_TOO_LONG
            elif sum(len(k) + len(v) + 4 for k, v in event.headers.raw_items()) > MAX_HEADERS:
                self.refused = HEADERS_TOO_LARGE
            if self.refused is not None:
                raise h11.RemoteProtocolError("request too large", self.refused[0])
        return event


class H11Limits(Limits, H11Protocol):
    """h11 buffers an unfinished head up to ``max_incomplete_event_size``: set here to the
    limits. The phase follows h11's state of the client."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = LimitedH11Connection(
            h11.SERVER, max_incomplete_event_size=MAX_URL + MAX_HEADERS + LINE_ROOM
        )

    def data_received(self, data: bytes) -> None:
        self.silent = False
        if self.conn.their_state is h11.IDLE:
            self.enter(HEAD)
        super().data_received(data)
        self.follow()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # handles a pipelined request, if one is there
        self.follow()

    def follow(self) -> None:
        if self.transport.is_closing():
            return
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self.enter(BODY)
        elif state is not h11.IDLE:
            self.enter(None)

    def send_400_response(self, msg: str) -> None:
        self.refuse(self.conn.refused or BAD_REQUEST)

    def may_answer(self) -> bool:
        # From h11's state, not the phase: uvicorn may call send_400_response while it handles
        # the events of data just received, before follow() has caught up with them.
        return self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE)


if HttpToolsProtocol is not None:

    class HttpToolsLimits(Limits, HttpToolsProtocol):
        """httptools hands over the URL in pieces as they arrive, but keeps a header's pieces
        (joining them, quadratically) until it is whole: an unfinished head is measured here
        as the bytes received since it started."""

        url = b""
        head_bytes = 0
        header_bytes = 0

        def data_received(self, data: bytes) -> None:
            self.silent = False
            if self.phase is None and (self.cycle is None or self.cycle.response_complete):
                self.enter(HEAD)  # a new request (no on_message_begin for a stray line end)
            if self.phase is HEAD:
                self.head_bytes += len(data)
            super().data_received(data)
            if (
                self.phase is HEAD
                and self.head_bytes - len(self.url) > MAX_HEADERS + LINE_ROOM
                and not self.transport.is_closing()
            ):
                self.refuse(HEADERS_TOO_LARGE)

        def enter(self, phase: str | None) -> None:
            if phase is HEAD and self.phase is not HEAD:
                self.head_bytes = 0
            super().enter(phase)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.header_bytes = 0
            self.enter(HEAD)

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            if len(self.url) > MAX_URL:
                self.refused = URL_TOO_LONG
                raise Refused

        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(name, value)
            self.header_bytes += len(name) + len(value) + 4
            if self.header_bytes > MAX_HEADERS:
                self.refused = HEADERS_TOO_LARGE
                raise Refused

        def on_headers_complete(self) -> None:
            self.enter(BODY)
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self.enter(None)
            super().on_message_complete()

    # What uvicorn's http="auto" picks: httptools when it is installed.
    AutoLimits: type[asyncio.Protocol] = HttpToolsLimits
else:
    AutoLimits = H11Limits
