"""Assemble the application: routers, static files, error handlers."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api import errors, middleware
from app.api.routes import (
    curvature,
    docs,
    health,
    networks,
    optimizers,
    pages,
    surfaces,
    sweeps,
    trajectories,
)
from app.numerics.warm import warm

ROOT = Path(__file__).resolve().parent.parent


GIL_SWITCH_INTERVAL_S = 0.001
"""When the event loop wakes up while a request computes in a worker thread, it waits for the
GIL until the computing thread is made to let go: after 5 ms by default, 1 ms here. A request
takes several such turns of the loop, /healthz too: its p99 under load went from about 100 ms
to about 15 ms, at no measurable cost in CPU per request."""


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    # Every compiled kernel loaded (from numba's cache, filled by `make install` or by
    # app.serve before the workers start) before the first request: none pays for it.
    warm()
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        title="Gradscape",
        version=__version__,
        description="Gradient-descent trajectories of many optimizers over loss surfaces.",
        responses=errors.ERROR_RESPONSES,
        lifespan=lifespan,
        # /docs is app/api/routes/docs.py: Swagger UI from an installed package, no inline script.
        # FastAPI's /docs and /redoc load from another host: off. No OAuth, so no redirect page.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    errors.install(app)
    middleware.install(app)
    for resource in (
        health,
        surfaces,
        optimizers,
        trajectories,
        sweeps,
        curvature,
        networks,
        pages,
        docs,
    ):
        app.include_router(resource.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    return app
