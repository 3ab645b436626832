"""Shared fixtures: the real ASGI app, driven in-process."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings

from app.main import create_app

# Property tests (hypothesis, schemathesis) draw the same examples on every run, so CI is
# reproducible; HYPOTHESIS_PROFILE=explore searches afresh with many more examples.
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", derandomize=False, deadline=None, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def app():
    return create_app()


@pytest.fixture(scope="session")
def client(app):
    with TestClient(app) as test_client:
        yield test_client
