"""The landscape itself: the loss on a grid (for contours) and the numerical gradient check."""

from __future__ import annotations

import numpy as np
from fastapi import APIRouter, Request

from app.api.encoding import FiniteJSONResponse, binary_array, gzip_base64
from app.api.schemas import (
    GradcheckRequest,
    GradcheckResponse,
    GridRequest,
    GridResponse,
    window_bounds,
)
from app.numerics.gradcheck import gradient_check
from app.numerics.grid import evaluate_grid

router = APIRouter(prefix="/api/v1", tags=["landscape"])


@router.post("/grid", response_model=GridResponse)
def grid(request: GridRequest, http: Request) -> FiniteJSONResponse:
    """The loss over a window at ``resolution`` points per axis; non-finite cells are null."""
    surface, params = request.surface.surface, request.surface.resolved_params
    x_bounds, y_bounds = window_bounds(request.window, surface)
    result = evaluate_grid(surface, params, x_bounds, y_bounds, request.resolution)
    z = binary_array(result.z) if request.encoding == "binary" else result.z
    body = {
        "x": result.x.tolist(),
        "z": z,
        "z_min": result.z_min,
        "z_max": result.z_max,
    }
    if result.y is not None:
        body["y"] = result.y.tolist()
    if request.encoding == "binary":
        return gzip_base64(http, FiniteJSONResponse(body))
    return FiniteJSONResponse(body)


@router.post("/gradcheck", response_model=GradcheckResponse)
def gradcheck(request: GradcheckRequest) -> FiniteJSONResponse:
    """Analytic gradient against central differences (f(x+eps) - f(x-eps)) / (2 eps)."""
    surface, params = request.surface.surface, request.surface.resolved_params
    check = gradient_check(surface, params, np.array(request.point, dtype=float), request.eps)
    return FiniteJSONResponse(
        {
            "analytic": check.analytic,
            "numeric": check.numeric,
            "max_abs_error": check.max_abs_error,
            "relative_error": check.relative_error,
            "ok": check.ok,
        }
    )
