"""The landscape itself: the loss on a grid (for contours) and the numerical gradient check."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request

from app.api import records
from app.api.encoding import FiniteJSONResponse, gzip_base64
from app.api.requests import GradcheckRequest, GridRequest, window_bounds
from app.api.responses import GradcheckResponse, GridResponse
from app.numerics.gradcheck import gradient_check
from app.numerics.grid import evaluate_grid

router = APIRouter(prefix="/api/v1", tags=["landscape"])


@router.post("/grid", response_model=GridResponse)
def grid(request: GridRequest, http: Request) -> FiniteJSONResponse:
    """The loss over a window at ``resolution`` points per axis; non-finite cells are null."""
    surface, params = request.surface.surface, request.surface.resolved_params
    x_bounds, y_bounds = window_bounds(request.window, surface)
    result = evaluate_grid(surface, params, x_bounds, y_bounds, request.resolution)
    binary = request.encoding == "binary"
    response = FiniteJSONResponse(records.grid_record(result, binary))
    return gzip_base64(http, response) if binary else response


@router.post("/gradcheck", response_model=GradcheckResponse)
def gradcheck(request: GradcheckRequest) -> FiniteJSONResponse:
    """Analytic gradient against central differences (f(x+eps) - f(x-eps)) / (2 eps)."""
    surface, params = request.surface.surface, request.surface.resolved_params
    check = gradient_check(surface, params, np.array(request.point, dtype=float), request.eps)
    return FiniteJSONResponse(records.gradcheck_record(check))
