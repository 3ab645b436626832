"""Response bodies of API v1: what goes out. They document the responses in the OpenAPI schema;
``app.api.records`` builds each body from the numerical core's results, and the handlers send
it as ``FiniteJSONResponse`` (no NaN or Infinity, ever; big bodies encoded in slices)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["converged", "diverged", "diverging", "max_steps"]
"""How a run ended: converged (the gradient vanished), diverged (stopped at a non-finite or
capped loss, gradient or coordinate), diverging (ran every step with its loss growing: it ended
well above where it started, or rose at every one of its last steps by more than it ever fell
below its start; the same hint as diverged, a smaller lr), or max_steps (still going)."""


class ParamOut(BaseModel):
    name: str
    default: float
    min: float
    max: float
    description: str = ""


class WindowOut(BaseModel):
    x: list[float]
    y: list[float] | None


class MinimumOut(BaseModel):
    point: list[float]
    value: float


class DataOut(BaseModel):
    """The examples of a data set surface (one feature x, target or label y)."""

    x: list[float]
    y: list[float]


class SurfaceOut(BaseModel):
    id: str
    name: str
    dim: int
    formula: str
    description: str
    params: list[ParamOut]
    window: WindowOut
    default_start: list[float]
    minima: list[MinimumOut]
    saddle_points: list[list[float]]
    suggested_lr: dict[str, float]
    cost: dict[str, int] = Field(
        description="Work (and bytes) per unit of each request kind, in the units of the"
        " max_work and max_memory_bytes budgets: run_step (one update of one trajectory run),"
        " turn (one step of a sweep or basin map besides its lanes),"
        " lane_step (one lr or start of a sweep or basin map, per step), lane_bytes, cell"
        " (one grid cell)"
    )
    data: DataOut | None = None


class DatasetOut(BaseModel):
    id: str
    name: str
    description: str
    params: list[ParamOut]


class SurfaceList(BaseModel):
    surfaces: list[SurfaceOut]
    datasets: list[DatasetOut]


class HyperparameterOut(BaseModel):
    name: str
    default: float | bool
    min: float | None
    max: float | None
    log_scale: bool
    description: str


class OptimizerOut(BaseModel):
    id: str
    name: str
    description: str
    update_rule: str
    reference: str
    hyperparameters: list[HyperparameterOut]


class OptimizerList(BaseModel):
    optimizers: list[OptimizerOut]


class TypedArrayOut(BaseModel):
    """An array of numbers with ``"encoding": "binary"``: plotly.js's typed-array spec."""

    dtype: Literal["f4", "f8"] = Field(description="float32 (a grid's z) or float64")
    bdata: str = Field(description="base64 of the array's little-endian bytes, row-major")
    shape: list[int] = Field(description="(steps,) or (steps, dim); a grid's (ny, nx)")


class SummaryOut(BaseModel):
    final_loss: float | None
    best_loss: float | None
    best_step: int | None
    steps_run: int
    nearest_minimum: list[float] | None
    distance_to_minimum: float | None


class RepeatOut(BaseModel):
    points: list[list[float]] | TypedArrayOut
    losses: list[float] | TypedArrayOut
    batch_losses: list[float | None] | TypedArrayOut | None = None
    status: Status
    stopped_at: int


class SpreadOut(BaseModel):
    """The loss per step across repeats (the repeats still running at that step)."""

    median: list[float | None] | TypedArrayOut
    p10: list[float | None] | TypedArrayOut
    p90: list[float | None] | TypedArrayOut


class RunOut(BaseModel):
    label: str
    optimizer: str
    hyperparameters: dict[str, float | bool]
    points: list[list[float]] | TypedArrayOut
    losses: list[float] | TypedArrayOut
    gradients: list[list[float]] | TypedArrayOut
    noisy_gradients: list[list[float]] | TypedArrayOut | None = None
    lrs: list[float] | TypedArrayOut | None = None
    batch_losses: list[float | None] | TypedArrayOut | None = None
    epoch_starts: list[int] | TypedArrayOut | None = None
    repeats: list[RepeatOut] | None = None
    spread: SpreadOut | None = None
    status: Status
    stopped_at: int
    reason: str | None
    message: str
    summary: SummaryOut
    state: dict[str, list[list[float | None]] | TypedArrayOut] | None = None
    curvature: CurvatureAlong | None = None


class CurvatureAlong(BaseModel):
    """A run's curvature at every point of its path (``include_curvature``), row k at
    points[k]; null (NaN in a typed array) where it is not defined."""

    eigenvalues: list[list[float | None]] | TypedArrayOut = Field(
        description="(points, dim): the Hessian's eigenvalues, ascending"
    )
    eigenvectors: list[list[list[float | None]]] | TypedArrayOut = Field(
        description="(points, dim, dim): [k][i][j] is component i of the unit eigenvector of"
        " eigenvalue j (columns, as numpy.linalg.eigh gives them)"
    )
    condition_number: list[float | None] | TypedArrayOut = Field(
        description="(points,): |lambda| max / |lambda| min; null when an eigenvalue is 0"
    )
    stable_lr: list[float | None] | TypedArrayOut = Field(
        description="(points,): gradient descent's edge 2 / lambda max, null when lambda max"
        " <= 0; heavy-ball momentum mu's edge is (1 + mu) times it"
    )


class SurfaceUsed(BaseModel):
    id: str
    params: dict[str, float]


class TrajectoryResponse(BaseModel):
    surface: SurfaceUsed
    start: list[float]
    steps: int
    runs: list[RunOut]


class GridResponse(BaseModel):
    x: list[float]
    y: list[float] | None = None
    z: list[float | None] | list[list[float | None]] | TypedArrayOut
    z_min: float | None
    z_max: float | None


class GradcheckResponse(BaseModel):
    analytic: list[float | None]
    numeric: list[float | None]
    max_abs_error: float | None
    relative_error: float | None
    ok: bool


class LrSweepResponse(BaseModel):
    lrs: list[float]
    final_loss: list[float | None]
    best_loss: list[float | None]
    status: list[Status]
    stopped_at: list[int]
    best_lr: float | None
    smallest_diverged_lr: float | None = Field(
        description="The edge: the smallest lr whose run diverged or is diverging"
    )
    largest_stable_lr: float | None = Field(
        description="The largest lr below the edge (the largest of all when none grew)"
    )


class StableLrOut(BaseModel):
    sgd: float | None = Field(description="2 / lambda max; null when lambda max <= 0 (no edge)")
    momentum: float | None = Field(
        description="Heavy-ball momentum's edge 2 (1 + mu) / lambda max for the request's mu"
    )


class CurvatureResponse(BaseModel):
    point: list[float]
    value: float = Field(description="The loss at the point")
    hessian: list[list[float]] = Field(description="(dim, dim), symmetric; 1 x 1 for 1-D")
    eigenvalues: list[float] = Field(description="Ascending")
    eigenvectors: list[list[float]] = Field(
        description="Unit eigenvectors as columns: [i][j] is component i of eigenvector j"
    )
    condition_number: float | None = Field(
        description="|lambda| max / |lambda| min; null when an eigenvalue is 0"
    )
    momentum: float = Field(description="The mu of stable_lr.momentum")
    stable_lr: StableLrOut


class BasinResponse(BaseModel):
    x: list[float]
    y: list[float]
    minima: list[MinimumOut]
    outcome: list[list[int]]
    steps: list[list[int]]
    reached: list[int]
    none: int
    diverged: int


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


class Health(BaseModel):
    status: Literal["ok"]


# --- networks ----------------------------------------------------------------------------------


class ExamplesOut(BaseModel):
    x: list[list[float]] = Field(description="(examples, inputs)")
    y: list[float] = Field(description="Class labels 0, 1, ... (as numbers), or targets")


class NetworkDataOut(BaseModel):
    train: ExamplesOut
    test: ExamplesOut


class LayerOut(BaseModel):
    """One torch.nn.Linear layer's parameters."""

    weight: list[list[float]] = Field(description="[out][in]")
    bias: list[float] = Field(description="[out]")


class BoundaryGridOut(BaseModel):
    x: list[float]
    y: list[float] | None = Field(description="null for a 1-D input (regression)")


class SnapshotsOut(BaseModel):
    steps: list[int] = Field(description="The update counts of the snapshots")
    boundary: TypedArrayOut = Field(
        description="float32, shape (snapshots, classes, ny, nx): each class's predicted"
        " probability at each grid point; for regression (snapshots, 1, nx): the prediction"
    )
    parameters: list[list[float]] | TypedArrayOut | None = Field(
        default=None,
        description="With include_parameters: (snapshots, parameters), each snapshot's"
        " parameters flat in torch's order (each layer's weight row by row, then its bias)",
    )


class NetworkRunOut(BaseModel):
    label: str
    optimizer: str
    hyperparameters: dict[str, float | bool]
    losses: list[float] | TypedArrayOut = Field(
        description="Mean loss on the whole training set after k updates, k = 0..stopped"
    )
    test_losses: list[float] | TypedArrayOut | None = Field(description="null without a test set")
    accuracies: list[float] | TypedArrayOut | None = Field(description="null for regression")
    test_accuracies: list[float] | TypedArrayOut | None
    gradient_norms: list[list[float]] | TypedArrayOut = Field(
        description="(points, layers): each layer's gradient norm (weight and bias)"
    )
    status: Status
    stopped_at: int
    reason: str | None
    message: str
    final_parameters: list[LayerOut]
    snapshots: SnapshotsOut


class NetworkResponse(BaseModel):
    sizes: list[int] = Field(description="Layer widths, inputs first")
    parameter_count: int
    data: NetworkDataOut
    grid: BoundaryGridOut
    initial_parameters: list[LayerOut]
    runs: list[NetworkRunOut]


class ExampleLayerOut(BaseModel):
    """One layer for one example: z = W a_below + b, a = act(z) (the output layer: a = z)."""

    pre_activation: list[float] = Field(description="z")
    activation: list[float] = Field(description="a")
    activation_gradient: list[float] = Field(description="dL/da, this example's loss alone")
    pre_activation_gradient: list[float] = Field(description="dL/dz = dL/da * act'(z)")


class ExampleOut(BaseModel):
    index: int = Field(description="Index into the training set")
    x: list[float]
    y: float
    loss: float = Field(description="This example's loss at the parameters")
    input_gradient: list[float] = Field(description="dL/dx")
    layers: list[ExampleLayerOut] = Field(description="Input side first, the output last")


class CheckRowOut(BaseModel):
    layer: int = Field(description="0-based, as gradient_norms and example.layers count")
    name: str = Field(description='As torch indexes it, layers from 1: "W2[3][1]", "b1[4]"')
    index: int = Field(description="Into the flat parameter vector (torch's order)")
    backprop: float
    numeric: float = Field(description="(L(theta + eps e_i) - L(theta - eps e_i)) / (2 eps)")
    abs_error: float


class MultiplyAddsOut(BaseModel):
    forward: int = Field(description="One example's forward pass: sum of out x in")
    backward: int = Field(
        description="One example's backward pass: the weights' gradients and the deltas below"
    )


class NetworkCheckOut(BaseModel):
    rows: list[CheckRowOut]
    eps: float
    max_abs_error: float
    forward_passes: int = Field(description="2 per checked parameter, over the training set")
    forward_passes_all: int = Field(description="2P: what checking every parameter takes")
    backprop_seconds: float = Field(description="1 forward + 1 backward pass, every gradient")
    check_seconds: float = Field(description="The forward passes of the checked parameters")
    check_seconds_all: float = Field(description="check_seconds scaled to all P parameters")
    multiply_adds: MultiplyAddsOut


class NetworkInspectResponse(BaseModel):
    sizes: list[int]
    parameter_count: int
    loss: float = Field(description="Mean loss on the training set at the parameters")
    gradient_norms: list[float] = Field(description="Each layer's gradient norm, weight and bias")
    example: ExampleOut
    check: NetworkCheckOut
