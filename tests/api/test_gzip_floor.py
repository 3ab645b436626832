"""Responses of 1 KB and more go gzipped to clients that accept it; smaller ones do not (the
README's floor: compressing a few hundred bytes costs more than it saves)."""

from __future__ import annotations

import gzip

import pytest
from fastapi import Response
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def sized():
    """The real app with one more route: ``GET /sized/{n}`` answers n bytes of JSON."""
    app = create_app()

    def body_of(n: int) -> Response:
        return Response(b'"' + b"a" * (n - 2) + b'"', media_type="application/json")

    app.add_api_route("/sized/{n}", body_of, methods=["GET"])
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(("size", "zipped"), [(1023, False), (1024, True), (4096, True)])
def test_gzip_floor_is_one_kilobyte(sized, size, zipped):
    response = sized.get(f"/sized/{size}", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert (response.headers.get("content-encoding") == "gzip") is zipped
    assert len(response.content) == size  # httpx decodes; the body is whole either way
    raw = sized.get(f"/sized/{size}", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.content == response.content


def test_the_wire_holds_one_gzip_member_of_the_body(sized):
    with sized.stream("GET", "/sized/2048", headers={"accept-encoding": "gzip"}) as response:
        wire = b"".join(response.iter_raw())
    assert len(wire) < 2048 and gzip.decompress(wire) == b'"' + b"a" * 2046 + b'"'
