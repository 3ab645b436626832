"""Security headers, cache headers and ETags, HEAD, redirects, the access log, JSON 500s."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.api.middleware import PAGE_CSP, SECURITY_HEADERS, relative_location
from app.api.routes.pages import PLOTLY_URL
from app.main import create_app
from tests.api.helpers import strict_json, trajectory_body


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in map(str.strip, policy.split(";"))}


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/"), client.get("/healthz"), client.get("/nope")):
        csp = csp_directives(response)
        assert csp["script-src"] == "'self'"
        assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
        assert csp["base-uri"] == "'none'"
        assert "unsafe-eval" not in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_api_docs_are_under_the_pages_policy(client):
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == PAGE_CSP


def test_get_json_has_an_etag_and_revalidates_to_304(client):
    first = client.get("/api/v1/surfaces")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=300"
    again = client.get("/api/v1/surfaces", headers={"if-none-match": f'"other", {etag}'})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    stale = client.get("/api/v1/surfaces", headers={"if-none-match": '"other"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_post_responses_are_deterministic_so_their_etag_is_too(client):
    body = trajectory_body(steps=50, noise={"std": 0.1, "seed": 3})
    first, second = (client.post("/api/v1/trajectories", json=body) for _ in range(2))
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    other = client.post("/api/v1/trajectories", json={**body, "steps": 51})
    assert other.headers["etag"] != first.headers["etag"]
    # A POST is never answered 304, even when the tag matches.
    repeat = client.post(
        "/api/v1/trajectories", json=body, headers={"if-none-match": first.headers["etag"]}
    )
    assert repeat.status_code == 200


def test_cache_control_per_kind_of_response(client):
    assert client.get("/healthz").headers["cache-control"] == "no-store"
    assert "etag" not in client.get("/healthz").headers
    assert client.get("/").headers["cache-control"] == "no-cache"
    versioned = client.get("/static/js/main.js?v=1")
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/static/js/main.js").headers["cache-control"] == "no-cache"
    error = client.post("/api/v1/trajectories", json={})
    assert error.status_code == 422 and error.headers["cache-control"] == "no-store"


def test_access_log_has_method_path_status_duration_and_no_body(client, caplog):
    secret = "do-not-log-me"
    with caplog.at_level(logging.INFO, logger="gradscape.access"):
        client.post(
            "/api/v1/trajectories?token=qs-secret",
            json=trajectory_body(steps=3, runs=[{"optimizer": "sgd", "label": secret}]),
        )
        client.get("/a%0Afake%20line")
    lines = [r.getMessage() for r in caplog.records if r.name == "gradscape.access"]
    method, path, status, duration = lines[0].split()
    assert (method, path, status) == ("POST", "/api/v1/trajectories", "200")
    assert duration.endswith("ms") and float(duration[:-2]) >= 0
    assert secret not in caplog.text and "qs-secret" not in caplog.text
    assert lines[1] == lines[1].strip() and "\n" not in lines[1] and "%0A" in lines[1]


def assert_security_headers(response) -> None:
    assert response.headers["content-security-policy"] == PAGE_CSP
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name


def boom_app():
    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    @app.post("/api/v1/boom")
    def boom_in_a_computation(body: dict) -> None:
        raise RuntimeError("bug")

    return app


def test_an_unexpected_error_is_a_json_500_with_the_security_headers(caplog):
    with (
        TestClient(boom_app(), raise_server_exceptions=False) as client,
        caplog.at_level(logging.INFO, logger="gradscape.access"),
    ):
        responses = [client.get("/boom"), client.post("/api/v1/boom", json={"a": 1})]
    for response in responses:
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/json"
        assert strict_json(response) == {"detail": "internal server error"}
        assert_security_headers(response)
        assert response.headers["cache-control"] == "no-store"
    lines = [
        r.getMessage().rsplit(" ", 1)[0] for r in caplog.records if r.name == "gradscape.access"
    ]
    assert lines == ["GET /boom 500", "POST /api/v1/boom 500"]


def test_a_500_still_reaches_the_server_to_log_its_traceback():
    with TestClient(boom_app()) as client, pytest.raises(RuntimeError, match="bug"):
        client.get("/boom")


HEAD_PATHS = [
    "/",
    "/healthz",
    "/api/v1/surfaces",
    "/api/v1/optimizers",
    PLOTLY_URL,
    "/openapi.json",
    "/static/js/main.js",
    "/static/js/main.js?v=1",
    "/static/css/gradscape.css",
    "/static/favicon.svg",
]


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
@pytest.mark.parametrize("path", HEAD_PATHS)
def test_head_answers_as_get_does_without_the_body(client, path, encoding):
    headers = {"accept-encoding": encoding}
    get, head = client.get(path, headers=headers), client.head(path, headers=headers)
    assert (head.status_code, get.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers == get.headers
    if encoding == "identity":
        assert head.headers["content-length"] == str(len(get.content))


def test_head_revalidates_and_refuses_like_get(client):
    etag = client.get("/api/v1/surfaces").headers["etag"]
    head = client.head("/api/v1/surfaces", headers={"if-none-match": etag})
    assert (head.status_code, head.content, head.headers["etag"]) == (304, b"", etag)
    for path, status in (("/api/v1/trajectories", 405), ("/nope", 404)):
        get, head = client.get(path), client.head(path)
        assert (head.status_code, get.status_code) == (status, status)
        assert head.headers == get.headers and head.content == b""


def test_head_of_a_500_is_a_500_with_the_security_headers_and_no_body():
    with TestClient(boom_app(), raise_server_exceptions=False) as client:
        response = client.head("/boom")
    assert (response.status_code, response.content) == (500, b"")
    assert response.headers["content-length"] == str(len(b'{"detail":"internal server error"}'))
    assert_security_headers(response)


def test_head_stays_out_of_the_openapi_schema(app):
    paths = app.openapi()["paths"]
    assert "get" in paths["/healthz"]
    assert all(set(operations) <= {"get", "post"} for operations in paths.values())


def test_access_log_names_head_as_head(client, caplog):
    with caplog.at_level(logging.INFO, logger="gradscape.access"):
        client.head("/healthz")
    [line] = [r.getMessage() for r in caplog.records if r.name == "gradscape.access"]
    assert line.startswith("HEAD /healthz 200 ")


EVIL_HOST = "evil.example"


@pytest.mark.parametrize(
    ("method", "path", "location"),
    [
        ("GET", "/api/v1/surfaces/", "/api/v1/surfaces"),
        ("GET", "/healthz/", "/healthz"),
        ("HEAD", "/healthz/", "/healthz"),
        ("GET", "/api/v1/optimizers//?x=1", "/api/v1/optimizers?x=1"),
        ("POST", "/api/v1/trajectories/", "/api/v1/trajectories"),
    ],
)
def test_a_redirect_is_a_path_never_a_url_from_the_host_header(client, method, path, location):
    response = client.request(method, path, headers={"host": EVIL_HOST}, follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == location


def test_no_response_names_the_clients_host(client):
    paths = ["/", "/healthz", "/healthz/", "//healthz/", "/static/js/", "/static", "/docs/",
             "/api/v1/surfaces/?a=b", "/api/v1/", "/nope/", PLOTLY_URL + "/"]  # fmt: skip
    for path in paths:
        for method in ("GET", "HEAD", "POST"):
            response = client.request(
                method, path, headers={"host": EVIL_HOST}, follow_redirects=False
            )
            assert response.status_code < 500
            assert EVIL_HOST not in response.headers.get("location", ""), (method, path)
            assert EVIL_HOST.encode() not in response.content, (method, path)


@pytest.mark.parametrize(
    ("location", "relative"),
    [
        ("http://evil.example/api/v1/surfaces", "/api/v1/surfaces"),
        ("https://evil.example:8443/healthz?a=1&b=2", "/healthz?a=1&b=2"),
        ("http://evil.example//evil.example/x", "/evil.example/x"),
        ("//evil.example/x", "/x"),
        ("/healthz", "/healthz"),
        ("http://evil.example", "/"),
    ],
)
def test_relative_location_keeps_path_and_query_only(location, relative):
    assert relative_location(location) == relative
