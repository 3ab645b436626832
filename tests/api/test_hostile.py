"""Hostile requests: each gets its expected 4xx as strict JSON naming the field and the limit."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from app.api import errors
from app.api.middleware import NO_BODY, RequestGuard
from app.api.requests import RunIn, SurfaceRef, TrajectoryRequest
from app.api.routes.pages import PLOTLY_URL
from app.config import SETTINGS
from tests.api.helpers import strict_json, trajectory_body

XSS_LABEL = "</script><img src=x onerror=alert(1)>"
JSON = {"content-type": "application/json"}
FORM = "application/x-www-form-urlencoded"


def with_lr(lr) -> dict:
    return trajectory_body(runs=[{"optimizer": "adam", "hyperparameters": {"lr": lr}}])


def raw(body: dict, **tokens: str) -> str:
    """``body`` as JSON text with placeholder strings swapped for raw tokens like NaN."""
    text = json.dumps(body)
    for placeholder, token in tokens.items():
        text = text.replace(json.dumps(placeholder), token)
    return text


def grid(**fields) -> dict:
    return {"surface": {"id": "rosenbrock"}, **fields}


# (id, path, body: dict or raw text, headers, status, a loc part, a needle in msg or ctx)
HOSTILE = [
    ("steps 10**9", "trajectories", trajectory_body(steps=10**9), JSON, 422, "steps", "100000"),
    ("steps 0", "trajectories", trajectory_body(steps=0), JSON, 422, "steps", "1"),
    ("steps -1", "trajectories", trajectory_body(steps=-1), JSON, 422, "steps", "1"),
    ("steps 1.5", "trajectories", trajectory_body(steps=1.5), JSON, 422, "steps", "integer"),
    ("steps 1e400", "trajectories", raw(trajectory_body(steps="S"), S="1e400"), JSON, 422,
     "steps", "finite"),
    ("lr NaN", "trajectories", raw(with_lr("L"), L="NaN"), JSON, 422, "lr", "finite"),
    ("lr Infinity", "trajectories", raw(with_lr("L"), L="Infinity"), JSON, 422, "lr", "finite"),
    ("lr -Infinity", "trajectories", raw(with_lr("L"), L="-Infinity"), JSON, 422, "lr", "finite"),
    ("lr 1e999", "trajectories", raw(with_lr("L"), L="1e999"), JSON, 422, "lr", "finite"),
    ("lr 'nan'", "trajectories", with_lr("nan"), JSON, 422, "lr", "finite"),
    ("lr 1e7", "trajectories", with_lr(1e7), JSON, 422, "lr", "between 1e-06 and 1e+06"),
    ("start 1e308", "trajectories", trajectory_body(start=[1e308, 1e308]), JSON, 422,
     "start", "1000000"),
    ("resolution 10**6", "grid", grid(resolution=10**6), JSON, 422, "resolution", "1000"),
    ("resolution 0", "grid", grid(resolution=0), JSON, 422, "resolution", "2"),
    ("50 runs", "trajectories", trajectory_body(runs=[{"optimizer": "sgd"}] * 50), JSON, 422,
     "runs", "32"),
    ("steps x runs", "trajectories",
     trajectory_body(steps=100_000, runs=[{"optimizer": "sgd"}] * 5), JSON, 422, "body", "400,000"),
    ("unknown surface", "trajectories", trajectory_body(surface={"id": "nope"}), JSON, 422,
     "surface", "rosenbrock"),
    ("unknown optimizer", "trajectories", trajectory_body(runs=[{"optimizer": "sgdx"}]), JSON, 422,
     "runs", "adam"),
    ("unknown hyperparameter", "trajectories",
     trajectory_body(runs=[{"optimizer": "sgd", "hyperparameters": {"learning_rate": 1}}]), JSON,
     422, "learning_rate", "lr"),
    ("unknown field", "trajectories", trajectory_body(exec="rm -rf /"), JSON, 422, "exec",
     "not permitted"),
    ("label too long", "trajectories",
     trajectory_body(runs=[{"optimizer": "sgd", "label": "x" * 65}]), JSON, 422, "label", "64"),
    ("code as expression", "grid", {"surface": {"expression": "__import__('os').system('id')"}},
     JSON, 422, "expression", "not allowed"),
    ("tower of powers", "grid", {"surface": {"expression": "9**9**9**9"}}, JSON, 422,
     "expression", "too large"),
    ("20 MB body", "trajectories", b" " * (20 << 20), JSON, 413, "body", "1048576"),
    ("100,000-deep JSON", "trajectories", "[" * 100_000 + "]" * 100_000, JSON, 422, "body",
     "nested too deeply"),
    ("malformed JSON", "trajectories", '{"surface": {"id": "rosenbrock"', JSON, 422, "body",
     "Expecting"),
    ("not UTF-8", "trajectories", b'{"surface": "\xff\xfe"}', JSON, 422, "body", "UTF-8"),
    ("wrong content type", "trajectories", json.dumps(trajectory_body()),
     {"content-type": "text/plain"}, 415, "content-type", "application/json"),
    ("form body", "trajectories", "surface=rosenbrock", {"content-type": FORM}, 415,
     "content-type", "application/json"),
    ("no content type", "trajectories", json.dumps(trajectory_body()), {}, 415, "content-type",
     "application/json"),
    ("4,301-digit integer", "trajectories", raw(trajectory_body(steps="S"), S="1" * 4301), JSON,
     422, "body", "4,300 digits"),
    ("4,301-digit negative integer", "trajectories", raw(with_lr("L"), L="-" + "9" * 4301), JSON,
     422, "body", "4,300 digits"),
    ("exponent 1e999999999", "trajectories", raw(trajectory_body(steps="S"), S="1e999999999"),
     JSON, 422, "steps", "finite"),
    ("exponent -1e999999999", "trajectories", raw(with_lr("L"), L="-1e999999999"), JSON, 422,
     "lr", "finite"),
    ("lone surrogate", "trajectories",
     raw(trajectory_body(runs=[{"optimizer": "sgd", "label": "L"}]), L=r'"\ud800"'), JSON, 422,
     "label", "unicode"),
]  # fmt: skip


def send(client, path: str, body, headers: dict):
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"/api/v1/{path}", content=content, headers=headers)


def mentions(detail, text: str) -> bool:
    return any(text in e.get("msg", "") or text in json.dumps(e.get("ctx", {})) for e in detail)


@pytest.mark.parametrize(
    ("path", "body", "headers", "status", "field", "needle"),
    [case[1:] for case in HOSTILE],
    ids=[case[0] for case in HOSTILE],
)
def test_hostile_request_gets_its_status_as_json_naming_field_and_limit(
    client, path, body, headers, status, field, needle
):
    response = send(client, path, body, headers)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    detail = strict_json(response)["detail"]
    assert any(field in map(str, e["loc"]) for e in detail), detail
    assert mentions(detail, needle), detail


def test_a_streamed_body_without_length_is_cut_at_the_limit(client):
    chunks = (b" " * 65536 for _ in range(32))  # 2 MiB, chunked: no Content-Length
    response = client.post("/api/v1/trajectories", content=chunks, headers=JSON)
    assert response.status_code == 413
    assert strict_json(response)["detail"][0]["ctx"] == {"max_bytes": 1 << 20}


def test_non_finite_numbers_are_never_echoed(client):
    response = send(client, "grid", raw(grid(window={"x": ["A", 1.0]}), A="-Infinity"), JSON)
    assert response.status_code == 422
    assert b"Infinity" not in response.content and b"NaN" not in response.content


def test_an_xss_label_comes_back_as_inert_json_data(client):
    body = trajectory_body(runs=[{"optimizer": "adam", "label": XSS_LABEL}], steps=5)
    response = client.post("/api/v1/trajectories", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert strict_json(response)["runs"][0]["label"] == XSS_LABEL


def test_the_server_keeps_answering_after_the_hostile_table(client):
    for _, path, body, headers, *_ in HOSTILE:
        send(client, path, body, headers)
    assert client.get("/healthz").status_code == 200
    assert client.post("/api/v1/trajectories", json=trajectory_body(steps=5)).status_code == 200


def test_an_integer_too_long_to_parse_is_a_422_naming_the_body(client):
    response = send(client, "trajectories", raw(trajectory_body(steps="S"), S="7" * 4301), JSON)
    assert response.status_code == 422
    assert strict_json(response)["detail"] == [
        {
            "loc": ["body"],
            "msg": "request body holds an integer of more than 4,300 digits",
            "type": "json_invalid",
        }
    ]
    assert b"7777" not in response.content


def test_any_other_body_parse_failure_is_a_422_too():
    failure = HTTPException(400, "There was an error parsing the body")
    failure.__cause__ = MemoryError()
    response = asyncio.run(errors.http_error(None, failure))
    assert response.status_code == 422
    assert json.loads(response.body) == {
        "detail": [
            {
                "loc": ["body"],
                "msg": "request body is JSON that cannot be parsed",
                "type": "json_invalid",
            }
        ]
    }


BAD_MAP = {f"k{i}": "x" for i in range(70_000)}
"""70,000 entries that are each invalid, in about 900 KB: under the 1 MiB body limit."""

# (id, path, body, where the one error is, the limit it names)
AMPLIFIERS = [
    ("surface params", "trajectories",
     trajectory_body(surface={"id": "rosenbrock", "params": BAD_MAP}),
     ["body", "surface", "params"], SETTINGS.max_map_items),
    ("data set params", "trajectories",
     trajectory_body(surface={"dataset": {"id": "linear_regression", "params": BAD_MAP}}),
     ["body", "surface", "dataset", "params"], SETTINGS.max_map_items),
    ("hyperparameters", "trajectories",
     trajectory_body(runs=[{"optimizer": "adam", "hyperparameters": BAD_MAP}]),
     ["body", "runs", 0, "hyperparameters"], SETTINGS.max_map_items),
    ("sweep hyperparameters", "sweeps/lr",
     {"surface": {"id": "rosenbrock"}, "optimizer": "sgd", "lr_range": [1e-3, 1e-1],
      "hyperparameters": BAD_MAP}, ["body", "hyperparameters"], SETTINGS.max_map_items),
    ("grid surface params", "grid", grid(surface={"id": "rosenbrock", "params": BAD_MAP}),
     ["body", "surface", "params"], SETTINGS.max_map_items),
    ("unknown fields", "trajectories", {**trajectory_body(), **BAD_MAP}, ["body"],
     len(TrajectoryRequest.model_fields)),
    ("unknown surface fields", "grid", {"surface": {"id": "rosenbrock", **BAD_MAP}},
     ["body", "surface"], len(SurfaceRef.model_fields)),
    ("unknown run fields", "trajectories", trajectory_body(runs=[{"optimizer": "sgd", **BAD_MAP}]),
     ["body", "runs", 0], len(RunIn.model_fields)),
    ("70,000 runs", "trajectories", trajectory_body(runs=[1] * 70_000), ["body", "runs"],
     SETTINGS.max_runs),
    ("70,000 coordinates", "trajectories", trajectory_body(start=["x"] * 70_000),
     ["body", "start"], 2),
    ("70,000 window bounds", "grid", grid(window={"x": ["x"] * 70_000}),
     ["body", "window", "x"], 2),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "body", "loc", "limit"),
    [case[1:] for case in AMPLIFIERS],
    ids=[case[0] for case in AMPLIFIERS],
)
def test_a_map_or_list_of_70000_bad_entries_is_one_error_not_70000(client, path, body, loc, limit):
    content = json.dumps(body)
    assert len(content) < SETTINGS.max_body_bytes
    response = send(client, path, content, JSON)
    assert response.status_code == 422
    assert len(response.content) < 300
    [error] = strict_json(response)["detail"]
    assert (error["loc"], error["type"], error["ctx"]) == (loc, "too_long", {"max_length": limit})


def test_a_422_lists_the_first_errors_and_counts_the_rest(client):
    runs = [{"optimizer": 1, "label": 1}] * SETTINGS.max_runs  # two errors per run
    response = send(client, "trajectories", trajectory_body(runs=runs), JSON)
    assert response.status_code == 422
    detail = strict_json(response)["detail"]
    assert len(detail) == errors.MAX_REPORTED_ERRORS + 1
    assert detail[:2] == [
        {"loc": ["body", "runs", 0, "optimizer"], "msg": "Input should be a valid string",
         "type": "string_type"},
        {"loc": ["body", "runs", 0, "label"], "msg": "Input should be a valid string",
         "type": "string_type"},
    ]  # fmt: skip
    omitted = 2 * SETTINGS.max_runs - errors.MAX_REPORTED_ERRORS
    assert detail[-1] == {
        "loc": ["body"],
        "msg": f"{omitted} more error(s) not shown: the first 20 are above",
        "type": "too_many_errors",
        "ctx": {"omitted": omitted, "max_errors": errors.MAX_REPORTED_ERRORS},
    }


def test_the_error_handler_never_looks_past_the_errors_it_reports():
    shown = {"loc": ("body", "steps"), "msg": "too big", "type": "less_than_equal"}
    # Any work on the errors past the cap would fail on these: they have no "loc".
    flood = [shown] * (errors.MAX_REPORTED_ERRORS + 1) + [{}] * 1_000_000
    response = asyncio.run(errors.validation_error(None, RequestValidationError(flood)))
    detail = json.loads(response.body)["detail"]
    assert len(detail) == errors.MAX_REPORTED_ERRORS + 1
    assert detail[-1]["ctx"] == {"omitted": 1_000_001, "max_errors": errors.MAX_REPORTED_ERRORS}


@pytest.mark.parametrize(
    "body",
    [
        trajectory_body(surface={"id": "rosenbrock", "params": {"k" * 900_000: 1.0}}),
        {**trajectory_body(), "k" * 900_000: 1},
    ],
    ids=["900 KB parameter name", "900 KB unknown field"],
)
def test_a_huge_key_is_never_sent_back_whole(client, body):
    response = send(client, "trajectories", body, JSON)
    assert response.status_code == 422
    assert len(response.content) < 400
    assert any("k" * 64 + "..." in e["loc"] for e in strict_json(response)["detail"])


def two_mib_chunked():
    return (b" " * 65536 for _ in range(32))  # no Content-Length: Transfer-Encoding: chunked


BODYLESS_PATHS = [
    "/",
    "/healthz",
    "/api/v1/surfaces",
    PLOTLY_URL,
    "/static/js/main.js",
    "/static/favicon.svg",
    "/nope",
]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("path", BODYLESS_PATHS)
def test_a_get_or_head_with_a_body_is_refused_before_the_app_runs(
    client, path, method, content_type
):
    headers = {"content-type": content_type}
    for content in (two_mib_chunked(), b"{}"):
        response = client.request(method, path, content=content, headers=headers)
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"
        if method == "GET":
            assert strict_json(response)["detail"] == NO_BODY
        else:
            assert response.content == b""


def test_a_get_with_an_empty_body_is_a_get(client):
    response = client.get("/healthz", headers={"content-length": "0"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/", "/healthz", PLOTLY_URL, "/static/js/main.js", "/nope"])
def test_a_streamed_body_where_no_body_is_read_is_never_a_500(client, path):
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
        response = client.request(method, path, content=two_mib_chunked(), headers=JSON)
        assert response.status_code in (404, 405), (method, response.text[:200])
        assert "detail" in strict_json(response)


def test_the_guard_never_raises_once_a_response_has_started():
    """As Starlette's file responses do: start answering, then read on (for a disconnect)."""
    chunks = [{"type": "http.request", "body": b" " * 65536, "more_body": True}] * 32
    sent = []

    async def answer_then_read(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while (await receive())["type"] != "http.disconnect":
            pass
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():
        return chunks.pop() if chunks else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")]
    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    asyncio.run(RequestGuard(answer_then_read, max_body_bytes=1 << 20)(scope, receive, send))
    assert [m.get("status", m.get("body")) for m in sent] == [200, b"ok"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("trajectories", trajectory_body(surface={"id": "zq<b>echo</b>"})),
        ("trajectories", trajectory_body(runs=[{"optimizer": "zq<b>echo</b>"}])),
        ("grid", {"surface": {"dataset": {"id": "zq<b>echo</b>"}}}),
        ("grid", {"surface": {"id": "rosenbrock", "params": {"zq<b>echo</b>": 1.0}}}),
    ],
    ids=["surface id", "optimizer id", "data set id", "parameter name"],
)
def test_unknown_ids_and_names_are_not_echoed_in_messages(client, path, body):
    """The message says what is wrong and lists the valid choices; the value is not repeated
    (a map's key is part of the location only, where it names the field)."""
    response = client.post(f"/api/v1/{path}", json=body)
    assert response.status_code == 422
    for error in strict_json(response)["detail"]:
        assert "echo" not in error["msg"] and "<b>" not in error["msg"]
        assert "valid: " in error["msg"]


def test_routing_errors_have_the_shape_of_every_4xx(client):
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert strict_json(missing)["detail"] == [
        {"loc": ["path"], "msg": "not found", "type": "not_found"}
    ]
    wrong = client.delete("/healthz")
    assert wrong.status_code == 405 and "GET" in wrong.headers["allow"]
    assert strict_json(wrong)["detail"] == [
        {"loc": ["method"], "msg": "method not allowed", "type": "method_not_allowed"}
    ]
