"""The catalogue: which surfaces and optimizers exist, with their metadata."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter

from app.api import records
from app.api.encoding import FiniteJSONResponse
from app.api.responses import OptimizerList, SurfaceList
from app.numerics.datasets import DATASETS
from app.numerics.optimizers import OPTIMIZERS
from app.numerics.surfaces import SURFACES

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@cache
def _surfaces() -> dict:
    return {
        "surfaces": [records.surface_record(s, s.resolve_params(None)) for s in SURFACES.values()],
        "datasets": [records.dataset_record(d) for d in DATASETS.values()],
    }


@cache
def _optimizers() -> dict:
    return {"optimizers": [records.optimizer_record(o) for o in OPTIMIZERS.values()]}


@router.get("/surfaces", response_model=SurfaceList)
def list_surfaces() -> FiniteJSONResponse:
    """Every built-in surface (formula, parameters, window, minima, suggested learning rates)
    and every data set a loss can be built from (``{"dataset": {"id", "params"}}``)."""
    return FiniteJSONResponse(_surfaces())


@router.get("/optimizers", response_model=OptimizerList)
def list_optimizers() -> FiniteJSONResponse:
    """Every optimizer: update rule and hyperparameters with defaults and ranges."""
    return FiniteJSONResponse(_optimizers())
