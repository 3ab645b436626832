"""Trajectories: run optimizers over a surface and return every step."""

from __future__ import annotations

from fastapi import APIRouter, Request

from app.api import records
from app.api.encoding import FiniteJSONResponse, compress_base64
from app.api.requests import RunIn, TrajectoryRequest, stop_rules
from app.api.responses import TrajectoryResponse
from app.numerics import engine
from app.numerics.curvature import curvature
from app.numerics.schedules import lr_sequence

router = APIRouter(prefix="/api/v1", tags=["trajectories"])


def lr_scale(run: RunIn, steps: int) -> list[float] | None:
    """The schedule as factors on the run's lr, or None for a constant lr."""
    if run.schedule is None:
        return None
    schedule = run.schedule.to_schedule()
    if schedule.is_constant:
        return None
    lr = run.resolved_hyperparameters["lr"]
    return [value / lr for value in lr_sequence(lr, schedule, steps)]


@router.post("/trajectories", response_model=TrajectoryResponse)
def trajectories(request: TrajectoryRequest, http: Request) -> FiniteJSONResponse:
    """Run every requested optimizer from the start point; stop rules per run. With
    ``"encoding": "binary"`` every list of numbers that grows with the steps is a float64
    typed array (``{"dtype": "f8", "bdata", "shape"}``), half the JSON's size, and is sent
    compressed (``compress_base64``: zstd when the client accepts it, else Huffman gzip)."""
    # The runs' arrays and their base64 are freed once the body is encoded, before a binary
    # body is compressed (the gzip middleware compresses a JSON body after this returns).
    response = FiniteJSONResponse(trajectories_body(request))
    return compress_base64(http, response) if request.encoding == "binary" else response


def trajectories_body(request: TrajectoryRequest) -> dict:
    """``TrajectoryResponse``'s body: every run simulated, in the request's encoding."""
    surface, params = request.surface.surface, request.surface.resolved_params
    start = tuple(request.start) if request.start is not None else surface.default_start
    noise = request.noise
    repeats = request.repeats
    specs = []
    for index, run in enumerate(request.runs):
        scale = lr_scale(run, request.steps)  # once per run, shared by its repeats
        specs += [
            engine.RunSpec(
                optimizer=run.resolved_optimizer,
                hyperparameters=run.resolved_hyperparameters,
                start=start,
                key=(index, repeat),
                lr_scale=scale,
            )
            for repeat in range(repeats)
        ]
    batching = None
    if request.batch_size is not None:
        batching = engine.Batching(request.batch_size, request.seed)
    results = engine.simulate(
        surface,
        params,
        specs,
        request.steps,
        noise=engine.Noise(noise.std, noise.seed) if noise else None,
        stop=stop_rules(request.grad_tol),
        include_state=request.include_state,
        batching=batching,
    )
    minima = surface.minima(params)
    binary = request.encoding == "binary"
    runs = [
        records.run_record(
            run.label or run.resolved_optimizer.name,
            specs[index * repeats],
            results[index * repeats : (index + 1) * repeats],
            minima,
            binary,
            curvature(surface, params, results[index * repeats].points)
            if request.include_curvature
            else None,
        )
        for index, run in enumerate(request.runs)
    ]
    return records.trajectories_record(surface, params, start, request.steps, runs)
