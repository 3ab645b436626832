"""Backprop, shown: the computation graph of a surface's formula at a point, and the record
of any surface reference (a built-in with parameters, or a formula checked as it is typed)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field, model_validator

from app.api.catalog import surface_record
from app.api.encoding import FiniteJSONResponse
from app.api.schemas import Point, Strict, SurfaceOut, SurfaceRef, check_dimension
from app.config import SETTINGS
from app.numerics.autodiff import FLOAT
from app.numerics.expression import builtin_formula, parse

router = APIRouter(prefix="/api/v1", tags=["backprop"])


class BackpropRequest(Strict):
    surface: SurfaceRef
    point: Point

    @model_validator(mode="after")
    def _dimension(self) -> BackpropRequest:
        check_dimension(self.surface, self.point, "point")
        if self.surface.surface.data is not None:
            raise ValueError("backprop draws a formula's graph; a data set loss has no formula")
        return self


class GraphNode(BaseModel):
    id: int
    op: str = Field(description='"var", "const", or an operation: "add", "mul", "sin", ...')
    label: str = Field(description='What to draw: "x", "2", "pi", "*", "sin"')
    inputs: list[int]
    value: float | None = Field(description="Forward value at the point (null if not finite)")
    grad: float | None = Field(description="d output / d node, by the chain rule")


class BackpropResponse(BaseModel):
    expression: str = Field(description="The formula the graph was built from")
    formula: str = Field(description="The formula in LaTeX")
    nodes: list[GraphNode] = Field(description="Topological order: inputs first, output last")
    output: int
    value: float | None
    gradient: list[float | None] = Field(description="d output / d x (and d y)")


@router.post("/backprop", response_model=BackpropResponse)
def backprop(request: BackpropRequest) -> FiniteJSONResponse:
    """The formula's graph at a point: each node's forward value and gradient (reverse mode)."""
    ref = request.surface
    if ref.expression is not None:
        expression = parse(ref.expression, SETTINGS.formula_limits)
    else:  # a built-in's own formula, within the core's limits whatever the settings
        expression = parse(builtin_formula(ref.id, ref.resolved_params))
    graph = expression.graph
    trace = graph.trace(FLOAT, [float(c) for c in request.point])
    nodes = [
        {
            "id": i,
            "op": node.op,
            "label": node.label,
            "inputs": list(graph.inputs[i]),
            "value": trace.values[i],
            "grad": trace.grads[i],
        }
        for i, node in enumerate(graph.nodes)
    ]
    by_variable = {node.label: i for i, node in enumerate(graph.nodes) if node.op == "var"}
    gradient = [
        trace.grads[by_variable[name]] if name in by_variable else 0.0 for name in graph.variables
    ]
    return FiniteJSONResponse(
        {
            "expression": expression.text,
            "formula": expression.latex,
            "nodes": nodes,
            "output": len(nodes) - 1,
            "value": trace.values[-1],
            "gradient": gradient,
        }
    )


@router.post("/surfaces/resolve", response_model=SurfaceOut)
def resolve_surface(ref: SurfaceRef) -> FiniteJSONResponse:
    """The record of one surface reference, as ``GET /surfaces`` lists them: dimension,
    LaTeX, window, start, suggested learning rates. Cheap enough to call on every keystroke:
    a formula that is refused gets a 422 saying what and where."""
    surface, params = ref.surface, ref.resolved_params
    record = surface_record(surface)
    record["minima"] = [{"point": list(m.point), "value": m.value} for m in surface.minima(params)]
    record["saddle_points"] = [list(s) for s in surface.saddle_points(params)]
    if surface.data is not None:
        record["data"] = {"x": surface.data.x.tolist(), "y": surface.data.y.tolist()}
    return FiniteJSONResponse(record)
