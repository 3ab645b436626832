"""Surfaces: the catalogue of them, one surface's record, and what is computed over one (the
loss on a grid, the gradient check, the backprop graph of its formula).

Each operation keeps the OpenAPI tag it has always had (catalogue, landscape, backprop).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from fastapi import APIRouter, Request

from app.api import records
from app.api.encoding import FiniteJSONResponse, compress_base64
from app.api.requests import (
    BackpropRequest,
    GradcheckRequest,
    GridRequest,
    SurfaceRef,
    window_bounds,
)
from app.api.responses import (
    BackpropResponse,
    GradcheckResponse,
    GridResponse,
    SurfaceList,
    SurfaceOut,
)
from app.config import SETTINGS
from app.numerics.datasets import DATASETS
from app.numerics.expression import builtin_formula, parse
from app.numerics.gradcheck import gradient_check
from app.numerics.grid import evaluate_grid
from app.numerics.surfaces import SURFACES

router = APIRouter(prefix="/api/v1")


@cache
def _catalogue() -> dict:
    return {
        "surfaces": [records.surface_record(s, s.resolve_params(None)) for s in SURFACES.values()],
        "datasets": [records.dataset_record(d) for d in DATASETS.values()],
    }


@router.get("/surfaces", response_model=SurfaceList, tags=["catalogue"])
def list_surfaces() -> FiniteJSONResponse:
    """Every built-in surface (formula, parameters, window, minima, suggested learning rates)
    and every data set a loss can be built from (``{"dataset": {"id", "params"}}``)."""
    return FiniteJSONResponse(_catalogue())


@router.post("/grid", response_model=GridResponse, tags=["landscape"])
def grid(request: GridRequest, http: Request) -> FiniteJSONResponse:
    """The loss over a window at ``resolution`` points per axis; non-finite cells are null."""
    surface, params = request.surface.surface, request.surface.resolved_params
    x_bounds, y_bounds = window_bounds(request.window, surface)
    result = evaluate_grid(surface, params, x_bounds, y_bounds, request.resolution)
    binary = request.encoding == "binary"
    response = FiniteJSONResponse(records.grid_record(result, binary))
    return compress_base64(http, response) if binary else response


@router.post("/gradcheck", response_model=GradcheckResponse, tags=["landscape"])
def gradcheck(request: GradcheckRequest) -> FiniteJSONResponse:
    """Analytic gradient against central differences (f(x+eps) - f(x-eps)) / (2 eps)."""
    surface, params = request.surface.surface, request.surface.resolved_params
    check = gradient_check(surface, params, np.array(request.point, dtype=float), request.eps)
    return FiniteJSONResponse(records.gradcheck_record(check))


@router.post("/backprop", response_model=BackpropResponse, tags=["backprop"])
def backprop(request: BackpropRequest) -> FiniteJSONResponse:
    """The formula's graph at a point: each node's forward value and gradient (reverse mode)."""
    ref = request.surface
    if ref.expression is not None:
        expression = parse(ref.expression, SETTINGS.formula_limits)
    else:  # a built-in's own formula, within the core's limits whatever the settings
        expression = parse(builtin_formula(ref.id, ref.resolved_params))
    trace = expression.graph.trace([float(c) for c in request.point])
    return FiniteJSONResponse(records.backprop_record(expression, trace))


@router.post("/surfaces/resolve", response_model=SurfaceOut, tags=["backprop"])
def resolve_surface(ref: SurfaceRef) -> FiniteJSONResponse:
    """The record of one surface reference, as ``GET /surfaces`` lists them: dimension,
    LaTeX, window, start, suggested learning rates. Cheap enough to call on every keystroke:
    a formula that is refused gets a 422 saying what and where."""
    return FiniteJSONResponse(records.surface_record(ref.surface, ref.resolved_params))
