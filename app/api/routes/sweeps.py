"""Many runs in one pass: the learning-rate sweep and the basin map."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import records
from app.api.encoding import FiniteJSONResponse
from app.api.requests import BasinRequest, LrSweepRequest, stop_rules, window_bounds
from app.api.responses import BasinResponse, LrSweepResponse
from app.numerics.sweeps import basin_map, lr_sweep

router = APIRouter(prefix="/api/v1", tags=["sweeps"])


@router.post("/sweeps/lr", response_model=LrSweepResponse)
def sweep_learning_rate(request: LrSweepRequest) -> FiniteJSONResponse:
    """Final and best loss, status and stop step for every lr; the best and the edge."""
    surface, params = request.surface.surface, request.surface.resolved_params
    start = request.start if request.start is not None else surface.default_start
    sweep = lr_sweep(
        surface,
        params,
        request.resolved_optimizer,
        request.resolved_hyperparameters,
        start,
        request.steps,
        (request.lr_range[0], request.lr_range[1]),
        request.count,
        stop_rules(request.grad_tol),
    )
    return FiniteJSONResponse(records.sweep_record(sweep))


@router.post("/basins", response_model=BasinResponse)
def basins(request: BasinRequest) -> FiniteJSONResponse:
    """For every start of a grid: the known minimum reached (index), -1 none, -2 diverged."""
    surface, params = request.surface.surface, request.surface.resolved_params
    x_bounds, y_bounds = window_bounds(request.window, surface)
    result = basin_map(
        surface,
        params,
        request.resolved_optimizer,
        request.resolved_hyperparameters,
        x_bounds,
        y_bounds,
        request.resolution,
        request.steps,
        request.tolerance,
        stop_rules(request.grad_tol),
    )
    return FiniteJSONResponse(records.basin_record(result, surface.minima(params)))
