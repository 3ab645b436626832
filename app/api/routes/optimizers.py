"""Optimizers: the catalogue of them, with update rules and hyperparameters."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter

from app.api import records
from app.api.encoding import FiniteJSONResponse
from app.api.responses import OptimizerList
from app.numerics.optimizers import OPTIMIZERS

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@cache
def _catalogue() -> dict:
    return {"optimizers": [records.optimizer_record(o) for o in OPTIMIZERS.values()]}


@router.get("/optimizers", response_model=OptimizerList)
def list_optimizers() -> FiniteJSONResponse:
    """Every optimizer: update rule and hyperparameters with defaults and ranges."""
    return FiniteJSONResponse(_catalogue())
