"""Backprop, shown: the computation graph of a surface's formula at a point, and the record
of any surface reference (a built-in with parameters, or a formula checked as it is typed)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import records
from app.api.encoding import FiniteJSONResponse
from app.api.requests import BackpropRequest, SurfaceRef
from app.api.responses import BackpropResponse, SurfaceOut
from app.config import SETTINGS
from app.numerics.autodiff import FLOAT
from app.numerics.expression import builtin_formula, parse

router = APIRouter(prefix="/api/v1", tags=["backprop"])


@router.post("/backprop", response_model=BackpropResponse)
def backprop(request: BackpropRequest) -> FiniteJSONResponse:
    """The formula's graph at a point: each node's forward value and gradient (reverse mode)."""
    ref = request.surface
    if ref.expression is not None:
        expression = parse(ref.expression, SETTINGS.formula_limits)
    else:  # a built-in's own formula, within the core's limits whatever the settings
        expression = parse(builtin_formula(ref.id, ref.resolved_params))
    trace = expression.graph.trace(FLOAT, [float(c) for c in request.point])
    return FiniteJSONResponse(records.backprop_record(expression, trace))


@router.post("/surfaces/resolve", response_model=SurfaceOut)
def resolve_surface(ref: SurfaceRef) -> FiniteJSONResponse:
    """The record of one surface reference, as ``GET /surfaces`` lists them: dimension,
    LaTeX, window, start, suggested learning rates. Cheap enough to call on every keystroke:
    a formula that is refused gets a 422 saying what and where."""
    return FiniteJSONResponse(records.surface_record(ref.surface, ref.resolved_params))
