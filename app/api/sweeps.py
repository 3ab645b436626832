"""Many runs in one pass: the learning-rate sweep and the basin map."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.encoding import FiniteJSONResponse
from app.api.schemas import (
    BasinRequest,
    BasinResponse,
    LrSweepRequest,
    LrSweepResponse,
    window_bounds,
)
from app.config import SETTINGS
from app.numerics.engine import STATUS_NAMES, StopRules
from app.numerics.sweeps import DIVERGED, NO_MINIMUM, basin_map, lr_sweep

router = APIRouter(prefix="/api/v1", tags=["sweeps"])


def _stop(grad_tol: float) -> StopRules:
    return StopRules(grad_tol, SETTINGS.max_loss, SETTINGS.max_coord)


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
        _stop(request.grad_tol),
    )
    outcomes = sweep.outcomes
    return FiniteJSONResponse(
        {
            "lrs": sweep.lrs.tolist(),
            "final_loss": outcomes.final_losses,
            "best_loss": outcomes.best_losses,
            "status": [STATUS_NAMES[code] for code in outcomes.status],
            "stopped_at": outcomes.stopped_at.tolist(),
            "best_lr": sweep.best_lr,
            "smallest_diverged_lr": sweep.smallest_diverged_lr,
        }
    )


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
        _stop(request.grad_tol),
    )
    minima = surface.minima(params)
    outcome = result.outcome
    return FiniteJSONResponse(
        {
            "x": result.x.tolist(),
            "y": result.y.tolist(),
            "minima": [{"point": list(m.point), "value": m.value} for m in minima],
            "outcome": outcome.tolist(),
            "steps": result.steps.tolist(),
            "reached": [int((outcome == i).sum()) for i in range(len(minima))],
            "none": int((outcome == NO_MINIMUM).sum()),
            "diverged": int((outcome == DIVERGED).sum()),
        }
    )
