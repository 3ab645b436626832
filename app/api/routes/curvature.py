"""Curvature: the Hessian at a point, its eigen-decomposition and the stable learning rates."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import records
from app.api.encoding import FiniteJSONResponse
from app.api.requests import CurvatureRequest
from app.api.responses import CurvatureResponse

router = APIRouter(prefix="/api/v1", tags=["curvature"])


@router.post("/curvature", response_model=CurvatureResponse)
def curvature(request: CurvatureRequest) -> FiniteJSONResponse:
    """The exact Hessian of any surface at ``point`` (a built-in's hand-derived one, a typed
    formula's by second-order autodiff, a data set's loss over (w, b); 1 x 1 for a 1-D
    surface), its eigenvalues (ascending) and unit eigenvectors (columns), the condition number
    |lambda| max / |lambda| min, and the learning rates below which gradient descent is stable
    near the point: ``2 / lambda max`` for SGD and ``2 (1 + mu) / lambda max`` for heavy-ball
    momentum (null when lambda max <= 0: no edge). A point where the loss or its curvature is
    not defined (outside a formula's domain, the tip of Ackley's cone) is a 422 on ``point``."""
    ref = request.surface
    surface, params = ref.surface, ref.resolved_params
    value = surface.value(params, *request.point)
    return FiniteJSONResponse(
        records.curvature_record(request.point, value, request.result, request.momentum)
    )
