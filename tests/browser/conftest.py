"""Browser tests: the real app under uvicorn, driven by Playwright on real Chromium.

Every page a test opens is watched: console errors, uncaught exceptions, failed requests,
HTTP errors and any request to a host other than the test server fail the test.
"""

from __future__ import annotations

import base64
import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from app.main import create_app
from bench.common import chromium_options

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("GRADSCAPE_SHOTS", "/tmp/shots"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "phone: open the page in a 390x844 viewport")
    config.addinivalue_line("markers", "allow_http_error(status): this test provokes that status")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """The real app on 127.0.0.1 and a free port, for the whole session."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_options())
        yield browser
        browser.close()


def _context(browser: Browser, server_url: str, viewport: dict, **options) -> BrowserContext:
    context = browser.new_context(
        viewport=viewport, base_url=server_url, accept_downloads=True, **options
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server_url)
    return context


# One context per viewport keeps plotly.js in the HTTP cache across tests; each test still gets
# its own page, so nothing but that cache is shared.
@pytest.fixture(scope="session")
def desktop_context(browser: Browser, server_url: str) -> Iterator[BrowserContext]:
    context = _context(browser, server_url, DESKTOP)
    yield context
    context.close()


@pytest.fixture(scope="session")
def phone_context(browser: Browser, server_url: str) -> Iterator[BrowserContext]:
    context = _context(browser, server_url, PHONE)
    yield context
    context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, server_url: str) -> Iterator[Page]:
    """A fresh page; at teardown, fails on any console error or bad or foreign request."""
    phone = request.node.get_closest_marker("phone") is not None
    context = request.getfixturevalue("phone_context" if phone else "desktop_context")
    allowed = request.node.get_closest_marker("allow_http_error")
    allowed_status = set(allowed.args) if allowed else set()
    server = urlsplit(server_url).netloc
    problems: list[str] = []

    def on_request(req) -> None:
        parts = urlsplit(req.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != server:
            problems.append(f"request to another host: {req.url}")

    def on_response(resp) -> None:
        if resp.status >= 400 and resp.status not in allowed_status:
            problems.append(f"HTTP {resp.status}: {resp.url}")

    def on_console(msg) -> None:
        # Chromium logs every 4xx/5xx fetch as a console error; allowed statuses are expected.
        expected = any(f"status of {status}" in msg.text for status in allowed_status)
        if msg.type == "error" and not expected:
            problems.append(f"console: {msg.text}")

    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda err: problems.append(f"page error: {err}"))

    def on_failed(req) -> None:
        # The page aborts a request it no longer needs (a newer one superseded it): that is
        # the page working as designed, not a failure.
        if req.failure != "net::ERR_ABORTED":
            problems.append(f"failed: {req.url} {req.failure}")

    page.on("requestfailed", on_failed)
    page.on("request", on_request)
    page.on("response", on_response)
    yield page
    found = list(problems)
    page.close()
    assert not found, "\n".join(found)


def untyped(value):
    """A response body with every typed array (``{dtype, bdata, shape}``, the binary encoding the
    page asks /trajectories for) as the JSON encoding has it: nested lists, None for NaN."""
    if isinstance(value, list):
        return [untyped(v) for v in value]
    if isinstance(value, dict) and isinstance(value.get("bdata"), str) and "shape" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype="<" + value["dtype"])
        numbers = array.astype(float).reshape(value["shape"]).tolist()
        return untyped_nan(numbers)
    if isinstance(value, dict):
        return {k: untyped(v) for k, v in value.items()}
    return value


def untyped_nan(numbers):
    if isinstance(numbers, list):
        return [untyped_nan(v) for v in numbers]
    return None if math.isnan(numbers) else numbers


class Lab:
    """The page, driven the way a person would, with waits on what the app reports."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def renders(self) -> int:
        script = "Number(document.getElementById('plot').dataset.renders || 0)"
        return int(self.page.evaluate(script))

    def wait_render(self, after: int) -> None:
        """Waits until a render newer than `after` is on screen and no request is running."""
        self.page.wait_for_function(
            "n => Number(document.getElementById('plot').dataset.renders || 0) > n"
            " && document.body.dataset.busy === 'false'",
            arg=after,
        )

    def open(self, query: str = "") -> Page:
        self.page.goto(f"/{query}")
        self.wait_render(0)
        return self.page

    def act(self, action) -> None:
        """Does `action` (something that re-renders) and waits for the new render."""
        before = self.renders()
        action()
        self.wait_render(before)

    def run(self) -> None:
        self.act(lambda: self.page.get_by_role("button", name="Run", exact=True).click())

    def step(self) -> int:
        return int(self.page.get_by_label("Animation step").input_value())

    def traces(self, prefix: str) -> list[dict]:
        """Plot traces whose uid starts with `prefix` ("head-", "trail-", "ghost-")."""
        return self.page.evaluate(
            """prefix => document.getElementById('plot').data
                .filter(t => (t.uid || '').startsWith(prefix))
                .map(t => ({uid: t.uid, type: t.type, name: t.name, xaxis: t.xaxis,
                            x: Array.from(t.x), y: Array.from(t.y),
                            z: t.z ? Array.from(t.z) : null,
                            text: t.text ? Array.from(t.text) : null}))""",
            prefix,
        )

    def run_group(self, n: int):
        return self.page.get_by_role("group", name=f"Run {n}", exact=True)

    def open_lesson(self, title: str) -> None:
        def pick() -> None:
            self.page.get_by_role("button", name="Lessons").click()
            self.page.get_by_role("menuitem", name=title, exact=True).click()

        self.act(pick)


@pytest.fixture
def lab(page: Page) -> Lab:
    return Lab(page)


@pytest.fixture(scope="session")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS
