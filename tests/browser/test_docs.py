"""/docs offline: with every request to another host refused, Swagger UI lists every operation
of /openapi.json and runs one, under the page's Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.test_security import RECORD_CSP_VIOLATIONS, csp_violations


@pytest.fixture
def offline_docs(page: Page, server_url: str) -> Iterator[Page]:
    """/docs, opened with no network beyond the test server: anything else is aborted."""
    server = urlsplit(server_url).netloc
    refused: list[str] = []

    def refuse_other_hosts(route: Route) -> None:
        if urlsplit(route.request.url).netloc == server:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", refuse_other_hosts)
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    page.goto("/docs")
    yield page
    assert refused == [], "the docs asked another host"
    assert csp_violations(page) == []


def operations(page: Page) -> list[tuple[str, str, str]]:
    """(method, path, summary) of every operation in /openapi.json."""
    paths = page.request.get("/openapi.json").json()["paths"]
    return [
        (method, path, operation["summary"])
        for path, by_method in paths.items()
        for method, operation in by_method.items()
    ]


def test_docs_list_every_operation_offline(offline_docs: Page):
    page = offline_docs
    expected = operations(page)
    assert len(expected) >= 10  # health, the catalogue and every computation
    expect(page.locator(".opblock")).to_have_count(len(expected))
    for method, path, summary in expected:
        block = page.locator(f".opblock-{method}").filter(
            has=page.locator(f'.opblock-summary-path[data-path="{path}"]')
        )
        expect(block).to_have_count(1)
        expect(block).to_be_visible()
        expect(block.locator(".opblock-summary-method")).to_have_text(method.upper())
        expect(block.locator(".opblock-summary-path")).to_have_text(path)
        expect(block.locator(".opblock-summary-description")).to_have_text(summary)


def test_docs_try_an_operation_against_this_server(offline_docs: Page):
    page = offline_docs
    block = page.locator(".opblock-get").filter(
        has=page.locator('.opblock-summary-path[data-path="/api/v1/surfaces"]')
    )
    block.locator(".opblock-summary-control").click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").click()
    live = block.locator(".live-responses-table .response")
    expect(live.locator(".response-col_status")).to_have_text("200")
    expect(live.locator(".response-col_description")).to_contain_text('"surfaces"')
