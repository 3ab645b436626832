"""The cost model: every request's work, memory and response size, estimated from its fields
before anything runs, and refused above the budgets in ``app.config`` with a 422 that names the
budget and the request's cost.

Work is counted in units of about one nanosecond of CPU on a 2-core x86_64 machine. The
constants below were measured on one (``python -m bench.cost`` times the largest request each
endpoint accepts, for every kind of surface, and prints the slowest against the 2 s aim); they
err on the high side. A surface says what one evaluation of its loss and gradient computes
(``EvaluationCost``: a formula's graph nodes, a data set's examples); the request's sizes say
how many evaluations it makes and on which path:

- a trajectory walks its runs one step at a time: ``steps x runs x repeats`` run-steps, each
  the optimizer's update and the stop rules on floats plus one evaluation (a data set's over
  all its examples, for the loss at every point, and a mini-batch's for the update);
- a sweep or a basin map walks all its lanes (learning rates, starts) together on numpy
  arrays: ``steps`` turns of a fixed overhead, plus ``lanes x steps`` evaluations;
- a grid evaluates the loss once per cell and encodes every cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

from app.config import SETTINGS
from app.numerics.surfaces import Surface

RUN_STEP = 10_000
"""One update of one run on floats: the optimizer, the stop rules, recording and encoding."""
RUN_STEP_OPERATION = 700
"""One graph node of a typed formula, forward and backward, on Python floats."""
MINIBATCH_STEP = 30_000
"""Drawing one mini-batch: the shuffled indices and the gathered examples."""
LANE_TURN = 100_000
"""One step of a batched pass, whatever its width: numpy's overhead per call."""
LANE_TURN_OPERATION = 8_000
"""One graph node of a typed formula in one step of a batched pass, whatever its width: a
numpy call forward and one back, with the interpreter's bookkeeping around them."""
LANE_STEP = 50
"""One lane of a batched pass for one step: the optimizer's update on its coordinates."""
ELEMENT = 6
"""One array element of a vectorised loss-and-gradient evaluation."""
VALUE_ELEMENT = 3
"""One array element of a loss alone, without its gradient (a grid's cells)."""
GRID_CELL = 500
"""One grid cell besides its evaluation: coordinates, the finite mask, encoding."""

ELEMENT_BYTES = 24
"""A vectorised evaluation keeps a value, a gradient and a temporary per element (float64)."""
LANE_BYTES = 400
"""A lane's optimizer state, coordinates and outcome arrays."""
RUN_STEP_BYTES = 450
"""A run-step's arrays and the Python floats of its JSON."""
CELL_BYTES = 96
"""A grid cell's coordinates, value, mask and encoded text."""
DATA_ELEMENT_BYTES = 8 * 7
"""A data set's loss at many points is evaluated over chunks of points x examples (at most
``datasets.CHUNK`` elements at once, 59 MB), about 7 float64 temporaries per element."""
PLAN_BYTES = 8
"""One entry of a run's shuffled order of examples (int64), drawn for every epoch it walks."""
MINIBATCH_BYTES = 96
"""One example of one run's mini-batch on the vectorised path: the gathered example, its
output, loss and slope, in float64."""

STEP_JSON_BYTES = 110
"""One step of one run in a response: point, loss and gradient as JSON numbers."""
STATE_JSON_BYTES = 120
"""The optimizer's state at one step (``include_state``): up to two vectors of the point's size."""
EXTRA_JSON_BYTES = 50
"""Each further per-step record: the noisy gradient, a mini-batch's loss, the lr."""
SWEEP_LANE_BYTES = 80
"""A sweep's response per learning rate: lr, final and best loss, status, stop step."""
BASIN_LANE_BYTES = 12
"""A basin map's response per start: its outcome and its step count."""
CELL_JSON_BYTES = 20
CELL_BINARY_BYTES = 6
"""A grid cell as a JSON number, or as a float32 in base64."""
FLOAT_BINARY_BYTES = 32 / 3
"""A number of a binary trajectory response: a float64's 8 bytes, in base64 4 characters for
every 3 bytes (against about 20 for the JSON number, whose figures above are per step)."""
STATE_VECTORS = 3
"""The most vectors of the point's size an optimizer's state holds (Adam with amsgrad, NAdam,
RMSprop centred with momentum): what ``include_state`` adds per step."""
RUN_BINARY_BYTES = 1024
"""A run's fixed part in a binary response: label, hyperparameters, status, message, summary
and each typed array's key, dtype and shape (without repeats: about 600)."""
REPEAT_BINARY_BYTES = 256
"""Each repeat's fixed part when there are several: status, stop step and its arrays' specs."""


@dataclass(frozen=True)
class Cost:
    """A request's estimated CPU work (units of ~1 ns), peak working memory and response size."""

    work: int
    memory: int
    response: int


def run_step_work(surface: Surface, batch: int | None = None) -> int:
    """One step of one run: the update on floats, the loss and gradient at the new point
    (over every example of a data set) and, with mini-batches, the batch's gradient."""
    cost = surface.cost
    work = RUN_STEP + cost.operations * RUN_STEP_OPERATION + cost.elements * ELEMENT
    if batch is not None:
        work += MINIBATCH_STEP + 2 * batch * cost.per_example * ELEMENT
    return work


def turn_work(surface: Surface) -> int:
    """One step of a batched pass besides its lanes: the same for 2 lanes as for 65,536."""
    return LANE_TURN + surface.cost.operations * LANE_TURN_OPERATION


def lane_step_work(surface: Surface) -> int:
    """One lane for one step of a batched pass (a sweep's lr, a basin map's start)."""
    return LANE_STEP + surface.cost.elements * ELEMENT


def lane_bytes(surface: Surface) -> int:
    """A lane's share of a batched pass's working memory: its state, and a formula's graph
    over it (a data set is evaluated over chunks of lanes x examples, ``datasets.CHUNK``)."""
    nodes = surface.cost.nodes if surface.data is None else 0
    return LANE_BYTES + nodes * ELEMENT_BYTES


def cell_work(surface: Surface) -> int:
    return GRID_CELL + surface.cost.elements * VALUE_ELEMENT


def trajectories(
    surface: Surface,
    steps: int,
    runs: int,
    repeats: int,
    batch_size: int | None,
    include_state: bool,
    noisy: bool,
    scheduled: int = 0,
    binary: bool = False,
) -> Cost:
    """``runs x repeats`` runs of ``steps`` updates, each recorded step by step; ``scheduled``
    of the runs have a learning-rate schedule (their lr at every step is reported too). The
    response is JSON numbers, or with ``binary`` float64 typed arrays (``trajectory_floats``)."""
    data = surface.data
    batch = batch_size if data is not None and batch_size is not None else None
    if batch is not None and batch >= data.size:
        batch = None  # a batch of every example is full-batch descent
    walks = runs * repeats
    run_steps = steps * walks
    per_step = STEP_JSON_BYTES + (STATE_JSON_BYTES if include_state else 0)
    per_step += EXTRA_JSON_BYTES * (int(noisy or batch is not None) + int(batch is not None))
    memory = run_steps * RUN_STEP_BYTES + surface.cost.nodes * ELEMENT_BYTES
    if batch is not None:
        # Every walk's order of examples for all its epochs, and its batch (walks with one
        # optimizer go through numpy together, so all their batches exist at once).
        memory += walks * ((steps * batch + data.size) * PLAN_BYTES + batch * MINIBATCH_BYTES)
    response = run_steps * per_step + steps * scheduled * repeats * EXTRA_JSON_BYTES
    if binary:
        floats = trajectory_floats(surface, steps, runs, repeats, batch, include_state, noisy)
        fixed = RUN_BINARY_BYTES + (repeats * REPEAT_BINARY_BYTES if repeats > 1 else 0)
        response = math.ceil((floats + steps * scheduled) * FLOAT_BINARY_BYTES) + runs * fixed
    return Cost(
        work=run_steps * run_step_work(surface, batch),
        memory=memory,
        response=response,
    )


def trajectory_floats(
    surface: Surface,
    steps: int,
    runs: int,
    repeats: int,
    batch: int | None,
    include_state: bool,
    noisy: bool,
) -> int:
    """The most numbers ``runs`` runs of ``steps`` updates report (besides a schedule's lrs):
    each run's first repeat in full, and with more repeats each one's path again and the loss
    spread. ``batch`` is a mini-batch's size, None for full batch."""
    dim, rows = surface.dim, steps + 1  # points[0] is the start
    path = rows * (dim + 1)  # points and losses
    if batch is not None:
        path += steps  # the loss of each update's mini-batch
    full = path + rows * dim  # the gradients
    if noisy or batch is not None:
        full += steps * dim  # the gradient each update used
    if batch is not None:
        full += -(-steps // -(-surface.data.size // batch))  # where each epoch starts
    if include_state:
        full += steps * STATE_VECTORS * dim
    spread = repeats * path + 3 * rows if repeats > 1 else 0  # median, p10 and p90
    return runs * (full + spread)


def batched(surface: Surface, lanes: int, steps: int, response_per_lane: int) -> Cost:
    """``lanes`` runs walked together for ``steps`` steps: a sweep, a basin map."""
    return Cost(
        work=steps * (turn_work(surface) + lanes * lane_step_work(surface)),
        memory=lanes * lane_bytes(surface),
        response=lanes * response_per_lane,
    )


def grid(surface: Surface, resolution: int, binary: bool) -> Cost:
    """The loss at every cell of a ``resolution``-per-axis grid."""
    cells = resolution**surface.dim
    return Cost(
        work=cells * cell_work(surface),
        memory=cells * CELL_BYTES,
        response=cells * (CELL_BINARY_BYTES if binary else CELL_JSON_BYTES),
    )


BUDGETS = (
    ("work", "max_work", "work"),
    ("memory", "max_memory_bytes", "working memory"),
    ("response", "max_response_bytes", "response size"),
)


def refuse_above_budget(cost: Cost, sizes: str) -> None:
    """Raise a 422's error when ``cost`` passes a budget; ``sizes`` says what to make smaller.

    The error's ``ctx`` carries the request's ``cost`` and the ``limit`` (scripts can scale a
    request down by their ratio); the message names the setting that holds the budget.
    """
    for field, setting, what in BUDGETS:
        value, limit = getattr(cost, field), getattr(SETTINGS, setting)
        if value > limit:
            raise PydanticCustomError(
                "too_costly",
                "this request's estimated {what} is {shown}, above the limit of {limit_shown}"
                " ({setting}); make {sizes} smaller",
                {
                    "what": what,
                    "shown": f"{value:,}",
                    "limit_shown": f"{limit:,}",
                    "setting": f"GRADSCAPE_{setting.upper()}",
                    "sizes": sizes,
                    "cost": value,
                    "limit": limit,
                },
            )


def surface_costs(surface: Surface) -> dict[str, int]:
    """What the page needs to size its own requests within the budgets (CONFIG.limits)."""
    return {
        "run_step": run_step_work(surface),
        "turn": turn_work(surface),
        "lane_step": lane_step_work(surface),
        "lane_bytes": lane_bytes(surface),
        "cell": cell_work(surface),
    }
