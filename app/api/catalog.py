"""The catalogue: which surfaces and optimizers exist, with their metadata."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter

from app.api import cost
from app.api.encoding import FiniteJSONResponse
from app.api.schemas import OptimizerList, SurfaceList
from app.numerics.datasets import DATASETS
from app.numerics.optimizers import OPTIMIZERS, Optimizer
from app.numerics.surfaces import SURFACES, Surface

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


def surface_record(surface: Surface) -> dict:
    params = surface.resolve_params(None)
    return {
        "id": surface.id,
        "name": surface.name,
        "dim": surface.dim,
        "formula": surface.formula,
        "description": surface.description,
        "params": [p._asdict() for p in surface.params],
        "window": {"x": list(surface.window.x), "y": surface.window.y and list(surface.window.y)},
        "default_start": list(surface.default_start),
        "minima": [{"point": list(m.point), "value": m.value} for m in surface.minima(params)],
        "saddle_points": [list(s) for s in surface.saddle_points(params)],
        "suggested_lr": dict(surface.suggested_lr),
        "cost": cost.surface_costs(surface),
    }


def optimizer_record(optimizer: Optimizer) -> dict:
    return {
        "id": optimizer.id,
        "name": optimizer.name,
        "description": optimizer.description,
        "update_rule": optimizer.update_rule,
        "reference": optimizer.reference,
        "hyperparameters": [h._asdict() for h in optimizer.hyperparameters],
    }


@cache
def _surfaces() -> dict:
    return {
        "surfaces": [surface_record(s) for s in SURFACES.values()],
        "datasets": [
            {
                "id": d.id,
                "name": d.name,
                "description": d.description,
                "params": [p._asdict() for p in d.params],
            }
            for d in DATASETS.values()
        ],
    }


@cache
def _optimizers() -> dict:
    return {"optimizers": [optimizer_record(o) for o in OPTIMIZERS.values()]}


@router.get("/surfaces", response_model=SurfaceList)
def list_surfaces() -> FiniteJSONResponse:
    """Every built-in surface (formula, parameters, window, minima, suggested learning rates)
    and every data set a loss can be built from (``{"dataset": {"id", "params"}}``)."""
    return FiniteJSONResponse(_surfaces())


@router.get("/optimizers", response_model=OptimizerList)
def list_optimizers() -> FiniteJSONResponse:
    """Every optimizer: update rule and hyperparameters with defaults and ranges."""
    return FiniteJSONResponse(_optimizers())
