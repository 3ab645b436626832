"""The cost model: every request's work, memory and response size, estimated from its fields
before anything runs, and refused above the budgets in ``app.config`` with a 422 that names the
budget and the request's cost.

Work is counted in units of about one nanosecond of CPU on a 2-core x86_64 machine. The
constants below were measured on one (``python -m bench.cost`` times the largest request each
endpoint accepts, for every kind of surface, and prints the slowest against the 2 s aim); they
err on the high side. A surface says what one evaluation of its loss and gradient computes
(``EvaluationCost``: a formula's graph nodes, a data set's examples); the request's sizes say
how many evaluations it makes and on which path:

- a trajectory's ``steps x runs x repeats`` run-steps are each the compiled update and stop
  rules, one evaluation (a data set's over all its examples, for the loss at every point, and a
  mini-batch's for the update), and the step's share of the response's encoding;
- a sweep or a basin map walks its lanes (learning rates, starts) in the same compiled kernel:
  ``lanes x steps`` lane-steps, with only the outcome of each lane kept;
- a grid evaluates the loss once per cell and encodes every cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

from app.config import SETTINGS
from app.numerics.networks import BACKPROP_TIMINGS, Network
from app.numerics.surfaces import Surface

RUN_STEP = 3_000
"""One update of one run: the compiled step (about 25-60 ns), recording it and encoding it
(about 2.3 us of JSON or 1.5 us of binary per run-step for a built-in, bench/cost.py)."""
OPERATION = 25
"""One unit of a surface's evaluation, loss and gradient, in the compiled kernels: a typed
formula's graph node weighs its ``Op.cost`` units (an add 1, a sine 4), a built-in 1. About
15 ns on a quiet machine; bench.cost's largest formula sweeps took 1.7x that on a busy one."""
VALUE_OPERATION = 12
"""The same for the loss alone (a grid's cells: no backward pass)."""
ELEMENT = 3
"""One unit of a data set's loss and gradient per example (``Sample.per_example`` units: the
squared error 1, about 3 ns; the cross-entropy 24, its exp, log1p and tanh about 63 ns)."""
VALUE_ELEMENT = 2
"""The same for the loss alone."""
MINIBATCH_STEP = 1_000
"""Drawing one mini-batch: its slice of the shuffled order."""
LANE_TURN = 200
"""One step of a sweep or a basin map besides its lanes: the optimizer's per-step coefficients
(bias corrections), computed once for all lanes that share them."""
LANE_STEP = 100
"""One lane of a sweep or a basin map for one step: the compiled update and the stop rules
(Adam on a built-in: about 65 ns)."""
GRID_CELL = 600
"""One grid cell besides its evaluation: coordinates, the finite mask, encoding (about 500 ns
as JSON, 200 ns in binary)."""

HESSIAN_PASSES = 4
"""One Hessian at a point, in loss-and-gradient evaluations per coordinate: a formula's
forward-over-reverse pass per coordinate carries tangents beside values and adjoints (about
twice a gradient's work), counted twice over to err high; a built-in's closed form and a data
set's one loop over its examples cost less."""
CURVATURE_POINT = 2_000
"""One point's curvature besides its Hessian: the closed-form eigen-decomposition, the
condition number and the stable lr (numpy, vectorised), and encoding them."""
CURVATURE_REQUEST = 50_000
"""A ``POST /curvature`` besides its Hessian: building the small response."""

LANE_BYTES = 200
"""A lane's start, hyperparameters, outcome and result arrays."""
RUN_STEP_BYTES = 450
"""A run-step's arrays and its share of the encoded response before compression."""
STATE_BYTES = 250
"""With ``include_state``: the state buffers at every step and their share of the response."""
CELL_BYTES = 96
"""A grid cell's coordinates, value, mask and encoded text."""
PLAN_BYTES = 8
"""One entry of a run's shuffled order of examples (int64), drawn for every epoch it walks."""

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
FLOAT_JSON_BYTES = 24
"""A number of a JSON response written on its own (curvature: up to 17 digits, sign, exponent
and a comma)."""
STATE_VECTORS = 3
"""The most vectors of the point's size an optimizer's state holds (Adam with amsgrad, NAdam,
RMSprop centred with momentum): what ``include_state`` adds per step."""
RUN_BINARY_BYTES = 1024
"""A run's fixed part in a binary response: label, hyperparameters, status, message, summary
and each typed array's key, dtype and shape (without repeats: about 600)."""
CURVATURE_BYTES = 200
"""One point's curvature in working memory: the Hessian, eigenvalues and vectors, condition
number and stable lr, and their temporaries."""
REPEAT_BINARY_BYTES = 256
"""Each repeat's fixed part when there are several: status, stop step and its arrays' specs."""


@dataclass(frozen=True)
class Cost:
    """A request's estimated CPU work (units of ~1 ns), peak working memory and response size."""

    work: int
    memory: int
    response: int


def evaluation_work(surface: Surface) -> int:
    """The loss and gradient at one point, compiled: a built-in's fixed pass, a formula's
    weighted nodes, a data set's examples."""
    cost = surface.cost
    return cost.operations * OPERATION + cost.elements * ELEMENT


def run_step_work(surface: Surface, batch: int | None = None) -> int:
    """One step of one run: the compiled update, the loss and gradient at the new point
    (over every example of a data set) and, with mini-batches, the batch's gradient."""
    cost = surface.cost
    work = RUN_STEP + evaluation_work(surface)
    if batch is not None:
        work += MINIBATCH_STEP + 2 * batch * cost.per_example * ELEMENT
    return work


def turn_work(surface: Surface) -> int:
    """One step of a sweep or a basin map besides its lanes: the same for 2 lanes as for 65,536."""
    return LANE_TURN


def hessian_work(surface: Surface) -> int:
    """The Hessian at one point (``HESSIAN_PASSES`` evaluations per coordinate)."""
    return surface.dim * HESSIAN_PASSES * evaluation_work(surface)


def curvature_floats(surface: Surface) -> int:
    """The numbers one point's curvature reports: eigenvalues, eigenvectors, condition number
    and stable lr."""
    return surface.dim + surface.dim * surface.dim + 2


def curvature(surface: Surface) -> Cost:
    """``POST /curvature``: the Hessian at one point and its eigen-decomposition."""
    return Cost(
        work=CURVATURE_REQUEST + hessian_work(surface) + CURVATURE_POINT,
        memory=CURVATURE_BYTES + 32 * surface.cost.operations,
        response=1_024,
    )


def lane_step_work(surface: Surface) -> int:
    """One lane for one step of a sweep or a basin map (an lr, a start)."""
    return LANE_STEP + evaluation_work(surface)


def lane_bytes(surface: Surface) -> int:
    """A lane's share of a sweep's or a basin map's working memory (the compiled walk keeps
    nothing per graph node or per example)."""
    return LANE_BYTES


def cell_work(surface: Surface) -> int:
    cost = surface.cost
    return GRID_CELL + cost.operations * VALUE_OPERATION + cost.elements * VALUE_ELEMENT


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
    include_curvature: bool = False,
) -> Cost:
    """``runs x repeats`` runs of ``steps`` updates, each recorded step by step; ``scheduled``
    of the runs have a learning-rate schedule (their lr at every step is reported too). The
    response is JSON numbers, or with ``binary`` float64 typed arrays (``trajectory_floats``).
    ``include_curvature``: the Hessian and its eigen-decomposition at every point of each
    run's first repeat (``steps + 1`` points per run)."""
    data = surface.data
    batch = batch_size if data is not None and batch_size is not None else None
    if batch is not None and batch >= data.size:
        batch = None  # a batch of every example is full-batch descent
    walks = runs * repeats
    run_steps = steps * walks
    per_step = STEP_JSON_BYTES + (STATE_JSON_BYTES if include_state else 0)
    per_step += EXTRA_JSON_BYTES * (int(noisy or batch is not None) + int(batch is not None))
    memory = run_steps * (RUN_STEP_BYTES + (STATE_BYTES if include_state else 0))
    if batch is not None:
        # Every walk's order of examples for all its epochs.
        memory += walks * (steps * batch + data.size) * PLAN_BYTES
    response = run_steps * per_step + steps * scheduled * repeats * EXTRA_JSON_BYTES
    if binary:
        floats = trajectory_floats(surface, steps, runs, repeats, batch, include_state, noisy)
        fixed = RUN_BINARY_BYTES + (repeats * REPEAT_BINARY_BYTES if repeats > 1 else 0)
        response = math.ceil((floats + steps * scheduled) * FLOAT_BINARY_BYTES) + runs * fixed
    work = run_steps * run_step_work(surface, batch)
    if include_curvature:
        points = runs * (steps + 1)
        work += points * (hessian_work(surface) + CURVATURE_POINT)
        memory += points * CURVATURE_BYTES
        numbers = points * curvature_floats(surface)
        response += math.ceil(numbers * (FLOAT_BINARY_BYTES if binary else FLOAT_JSON_BYTES))
    return Cost(work=work, memory=memory, response=response)


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


MULTIPLY_ADD = 0.25
"""One multiply-add of a network's forward pass, or of its backward pass (which makes two per
forward one: the weights' gradient and the deltas below), compiled and vectorised: about 0.14 ns
forward and 0.12 ns backward on a 2-16-16-2 network over 300 examples (bench.networks)."""
UNIT = 4
"""A hidden unit's activation for one example (tanh in arithmetic, vectorised: about 3 ns) and
its slope."""
EXAMPLE = 40
"""One example's loss at the output (a log-sum-exp over the classes, and the softmax's
exponentials again for the deltas: about 33 ns for two classes) and its copy in."""
PARAMETER_STEP = 10
"""One parameter's update by the compiled rule, its norm and its schedule factor."""
NETWORK_REQUEST = 1_000_000
"""Drawing the data, the snapshots' grid and building the response's fixed part."""


def network_pass(network: Network, backward: bool) -> float:
    """One example through the network: the forward pass, and with ``backward`` backprop."""
    macs = sum(o * i for o, i in network.layers)
    units = sum(network.sizes[1:-1])
    work = macs * MULTIPLY_ADD + units * UNIT + EXAMPLE
    return work + (2 * macs * MULTIPLY_ADD + units * UNIT if backward else 0)


def network_training(
    network: Network,
    train: int,
    test: int,
    steps: int,
    runs: int,
    batch: int | None,
    snapshots: int,
    cells: int,
    binary: bool,
    include_parameters: bool = False,
) -> Cost:
    """``runs`` trainings of ``steps`` updates: each point's loss and gradient over the
    ``train`` examples (and a mini-batch's with ``batch``), the ``test`` examples' loss, the
    update; then each run's ``snapshots`` boundaries over ``cells`` grid points (float32) and,
    with ``include_parameters``, the parameters at each snapshot."""
    size = network.parameter_count
    layers = len(network.layers)
    step = train * network_pass(network, True) + test * network_pass(network, False)
    step += size * PARAMETER_STEP
    if batch is not None:
        step += batch * network_pass(network, True) + MINIBATCH_STEP
    outputs = network.sizes[-1]
    work = NETWORK_REQUEST + runs * (steps + 1) * step
    work += runs * snapshots * cells * (network_pass(network, False) + outputs * EXAMPLE)
    work = math.ceil(work)
    rows = steps + 1
    per_run = rows * (4 + layers)  # losses, accuracies (train, test) and layer norms
    memory = runs * (rows * (4 + layers) * 8 + snapshots * size * 8)
    memory += runs * snapshots * outputs * cells * 8 + (train + test) * sum(network.sizes) * 24
    if batch is not None:
        memory += runs * (steps * batch + train) * PLAN_BYTES
    numbers = FLOAT_BINARY_BYTES if binary else FLOAT_JSON_BYTES
    response = math.ceil(runs * per_run * numbers) + runs * RUN_BINARY_BYTES
    response += math.ceil(runs * snapshots * outputs * cells * 4 * 4 / 3)  # float32 in base64
    response += (3 * size * runs + (train + test) * (network.sizes[0] + 1)) * FLOAT_JSON_BYTES
    if include_parameters:
        response += math.ceil(runs * snapshots * size * numbers)
        work += runs * snapshots * size * PARAMETER_JSON
    return Cost(work=work, memory=memory, response=response)


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


PARAMETER_JSON = 100
"""One parameter of a response written out (``include_parameters``, ``parameters`` read in):
about 80 ns as a JSON number, less in binary."""
CHECK_PASS = 1.5
"""A gradient check's forward pass over the examples, against ``network_pass``: the passes
run one after another on one core, with the parameters' copy each, and measured slower per
multiply-add than training's (100 passes of 3,750 examples through 2-64-64-64-64-2 took
1.78 s at load average 2.7: about 0.38 ns a multiply-add, against the 0.25 counted)."""
LAYER_NUMPY = 30_000
"""One layer of ``networks.example_passes`` for one example, forward and back: a handful of
numpy calls on tiny vectors, each a microsecond or two of overhead."""


def network_inspection(network: Network, train: int, test: int, checked: int) -> Cost:
    """``POST /networks/inspect``: drawing the data, the gradient on the ``train`` examples
    (backprop, timed ``BACKPROP_TIMINGS`` times), ``checked`` parameters' central differences
    (2 forward passes each over them, each on a copy of the parameters), one example's passes
    in numpy, and the answer."""
    size, layers = network.parameter_count, len(network.layers)
    passes = 2 * checked
    work = NETWORK_REQUEST + BACKPROP_TIMINGS * train * network_pass(network, True)
    work += passes * (train * network_pass(network, False) * CHECK_PASS + size)
    work += layers * LAYER_NUMPY + size * PARAMETER_JSON
    memory = (passes + 2) * size * 8 + (train + test) * sum(network.sizes) * 24
    numbers = 4 * sum(network.sizes) + layers + 6 * checked + 32
    return Cost(
        work=math.ceil(work),
        memory=memory,
        response=numbers * FLOAT_JSON_BYTES + checked * 64 + 1_024,
    )
