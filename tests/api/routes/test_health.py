"""GET /healthz."""

from __future__ import annotations

from tests.api.helpers import strict_json


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert strict_json(response) == {"status": "ok"}
