"""Networks: train a small neural network on toy data with any of the optimizers."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api import records
from app.api.encoding import FiniteJSONResponse, compress_base64
from app.api.network_requests import NetworkInspectRequest, NetworkRequest
from app.api.requests import stop_rules
from app.api.responses import NetworkInspectResponse, NetworkResponse
from app.api.routes.trajectories import lr_scale
from app.numerics import engine, landscape, networks

router = APIRouter(prefix="/api/v1", tags=["networks"])


@router.post("/networks/train", response_model=NetworkResponse)
def train(request: NetworkRequest, http: Request) -> FiniteJSONResponse:
    """Train the network once per run, every run from the same initial parameters (torch's
    nn.Linear initialisation, seeded), with the surfaces' stop rules; each run's decision
    boundary at ``snapshots`` steps as a float32 typed array; with ``landscape``, the loss on a
    plane through the parameters and the runs' paths on it. Rebuilding the network in torch
    from ``initial_parameters`` and training it with torch.optim on ``data.train`` gives the
    same losses (in float64). Binary bodies go compressed (``compress_base64``: zstd, else
    Huffman gzip)."""
    response = FiniteJSONResponse(train_body(request))
    return compress_base64(http, response) if request.encoding == "binary" else response


def train_body(request: NetworkRequest) -> dict:
    """``NetworkResponse``'s body."""
    split, network = request.data.split, request.network
    theta0 = networks.initial_parameters(network, request.model.seed)
    specs = [
        networks.NetworkRunSpec(
            run.resolved_optimizer, run.resolved_hyperparameters, lr_scale(run, request.steps)
        )
        for run in request.runs
    ]
    batching = None
    if request.batch_size is not None:
        batching = engine.Batching(request.batch_size, request.shuffle_seed)
    results = networks.train(
        network,
        split,
        theta0,
        specs,
        request.steps,
        stop_rules(request.grad_tol),
        batching=batching,
        snapshots=request.snapshots,
    )
    xs, ys, points = networks.plane_grid(split, request.resolution)
    shape = (network.sizes[-1], len(ys), len(xs)) if len(ys) else (1, len(xs))
    binary, tested = request.encoding == "binary", len(split.x_test) > 0
    runs = []
    for run, spec, result in zip(request.runs, specs, results, strict=True):
        boundary = networks.predict(network, result.snapshots, points)
        boundary = boundary.reshape(len(result.snapshots), *shape)
        label = run.label or run.resolved_optimizer.name
        runs.append(
            records.network_run_record(
                label, spec, network, result, boundary, binary, tested, request.include_parameters
            )
        )
    body = {
        "sizes": list(network.sizes),
        "parameter_count": network.parameter_count,
        "data": {
            "train": {"x": split.x.tolist(), "y": split.y.tolist()},
            "test": {"x": split.x_test.tolist(), "y": split.y_test.tolist()},
        },
        "grid": {"x": xs.tolist(), "y": ys.tolist() if len(ys) else None},
        "initial_parameters": records.layers_record(network, theta0),
        "runs": runs,
    }
    if request.landscape is not None:
        body["landscape"] = landscape_body(request, theta0, results)
    return body


def landscape_body(request: NetworkRequest, theta0, results: list[networks.NetworkRun]) -> dict:
    """``LandscapeOut``: the plane the request asks for, through the runs' parameters."""
    plane, split, network = request.landscape, request.data.split, request.network
    result = landscape.landscape(
        network, split.x, split.y, theta0, results, plane.plane, plane.resolution,
        span=plane.span, centre=plane.centre, seed=plane.seed,
    )  # fmt: skip
    return records.landscape_record(result, request.encoding == "binary")


@router.post("/networks/inspect", response_model=NetworkInspectResponse)
def inspect(request: NetworkInspectRequest) -> FiniteJSONResponse:
    """Backprop at some parameters (the seeded initial ones by default, or any snapshot's):
    each layer's gradient norm on the training set, one training example's forward values and
    backward gradients layer by layer, and backprop against central differences for a seeded
    sample of the parameters, with both timed (one backprop against 2 forward passes each)."""
    split, network, theta = request.data.split, request.network, request.theta
    indices = networks.check_sample(network, request.check, request.check_seed)
    check = networks.gradient_check(network, theta, split.x, split.y, request.eps, indices)
    x, y = split.x[request.example], split.y[request.example]
    passes = networks.example_passes(network, theta, x, y)
    body = records.network_inspection_record(
        network, check, passes, request.example, x, y, request.eps
    )
    return FiniteJSONResponse(body)
