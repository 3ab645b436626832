"""Assemble the application: routers, static files, error handlers."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api import (
    backprop,
    catalog,
    errors,
    health,
    landscape,
    middleware,
    pages,
    sweeps,
    trajectories,
)

ROOT = Path(__file__).resolve().parent.parent


def create_app() -> FastAPI:
    app = FastAPI(
        title="Gradscape",
        version=__version__,
        description="Gradient-descent trajectories of many optimizers over loss surfaces.",
        responses=middleware.ERROR_RESPONSES,
    )
    errors.install(app)
    middleware.install(app)
    for module in (health, catalog, trajectories, landscape, sweeps, backprop):
        app.include_router(module.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=ROOT / "static"), name="static")
    return app
