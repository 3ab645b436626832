"""The cost model against the clock: the largest request each endpoint accepts, timed.

For every endpoint and every kind of surface (a built-in, the costliest formula the parser
accepts, both data sets at their largest n), and for the shapes that stress each term of the
model (a few lanes for many steps, many lanes for fewer), a bisection on the request's size
finds the largest one the API accepts; that request is then sent through the real app
(in-process, validation and encoding included) and its CPU time measured. The aim (issue 19):
no accepted request costs more than about 2 s of CPU. The slowest is printed last, and the
request whose memory (traced by tracemalloc, numpy included) most passes its estimate.

    python -m bench.cost
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api import cost
from app.api.requests import BasinRequest, GridRequest, LrSweepRequest, TrajectoryRequest
from app.main import create_app
from bench.common import row

AIM_S = 2.0
SIZEABLE_BYTES = 32 << 20
"""Requests whose traced peak is at least this are held to their memory estimate."""
LONG_FORMULA = " + ".join(["*".join(["x"] * 36), "*".join(["y"] * 36)])
"""147 characters, a graph of 72 products: a costly formula within the parser's limits."""
DEEP_FORMULA = "tanh(" * 32 + "x*y" + ")" * 32
"""195 characters, 32 nested tanh: transcendental nodes, dearer than products."""
SOFTPLUS_FORMULA = "softplus(" * 19 + "x*y" + ")" * 19
"""The dearest function the parser offers, nested as deep as 200 characters allow."""
SURFACES = {
    "rosenbrock": {"id": "rosenbrock"},
    "formula": {"expression": LONG_FORMULA, "window": {"x": [-0.9, 0.9], "y": [-0.9, 0.9]}},
    "tanh formula": {"expression": DEEP_FORMULA, "window": {"x": [-0.9, 0.9], "y": [-0.9, 0.9]}},
    "softplus formula": {"expression": SOFTPLUS_FORMULA},
    "1-D formula": {"expression": "sin(" * 39 + "x" + ")" * 39},
    "linear n=5000": {"dataset": {"id": "linear_regression", "params": {"n": 5000}}},
    "logistic n=5000": {"dataset": {"id": "logistic_regression", "params": {"n": 5000}}},
}
MIXED = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam", "lion"]
"""Eight different optimizers in one request (the compiled walk takes any mix in one call)."""
START = [0.5, 0.5]


def start_of(surface: dict) -> list[float]:
    return START[:1] if "expression" in surface and "y" not in surface["expression"] else START


def trajectories(surface: dict, steps: int) -> dict:
    runs = [{"optimizer": name, "hyperparameters": {"lr": 1e-6}} for name in MIXED]
    body = {"surface": surface, "start": start_of(surface), "steps": steps, "runs": runs}
    return {**body, "grad_tol": 0.0}


def sweep(surface: dict, steps: int, count: int) -> dict:
    return {
        "surface": surface,
        "start": start_of(surface),
        "optimizer": "adam",
        "lr_range": [1e-6, 1e-5],
        "count": count,
        "steps": steps,
        "grad_tol": 0.0,
    }


def basins(surface: dict, steps: int, resolution: int) -> dict:
    return {
        "surface": surface,
        "optimizer": "adam",
        "hyperparameters": {"lr": 1e-6},
        "resolution": resolution,
        "steps": steps,
        "grad_tol": 0.0,
    }


# (endpoint, request model, shape name, body from (surface, size), largest size to try)
SHAPES: list[tuple[str, type, str, Callable[[dict, int], dict], int]] = [
    # (a mini-batch shape is tried on the data sets only: the others have no examples)
    ("trajectories", TrajectoryRequest, "8 runs, steps", trajectories, 100_000),
    (
        "trajectories",
        TrajectoryRequest,
        "8 runs x 4 repeats, batch 32, steps",
        lambda s, n: {**trajectories(s, n), "batch_size": 32, "repeats": 4},
        100_000,
    ),
    (
        "trajectories",
        TrajectoryRequest,
        "32 adam x 16 repeats, batch 2500, steps",
        lambda s, n: {
            **trajectories(s, n),
            "runs": [{"optimizer": "adam", "hyperparameters": {"lr": 1e-6}}] * 32,
            "batch_size": 2500,
            "repeats": 16,
        },
        100_000,
    ),
    (
        "trajectories",
        TrajectoryRequest,
        "8 runs, state, steps",
        lambda s, n: {**trajectories(s, n), "include_state": True},
        100_000,
    ),
    (
        "trajectories",
        TrajectoryRequest,
        "8 runs, state, binary, steps",
        lambda s, n: {**trajectories(s, n), "include_state": True, "encoding": "binary"},
        100_000,
    ),
    ("grid", GridRequest, "json, resolution", lambda s, n: {"surface": s, "resolution": n}, 1000),
    (
        "grid",
        GridRequest,
        "binary, resolution",
        lambda s, n: {"surface": s, "resolution": n, "encoding": "binary"},
        1000,
    ),
    ("sweeps/lr", LrSweepRequest, "2 lrs, steps", lambda s, n: sweep(s, n, 2), 100_000),
    ("sweeps/lr", LrSweepRequest, "1024 lrs, steps", lambda s, n: sweep(s, n, 1024), 100_000),
    ("basins", BasinRequest, "2 x 2 starts, steps", lambda s, n: basins(s, n, 2), 100_000),
    ("basins", BasinRequest, "256 x 256 starts, steps", lambda s, n: basins(s, n, 256), 100_000),
]


def accepted(model: type, body: dict) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


def largest(model: type, make: Callable[[int], dict], high: int) -> int | None:
    """The largest size in [1, high] (2 for a resolution) the API accepts; None if none is."""
    low = 2 if model is GridRequest else 1
    if not accepted(model, make(low)):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if accepted(model, make(middle)) else (low, middle - 1)
    return low


def cpu_seconds(client: TestClient, path: str, body: dict) -> tuple[float, int, int]:
    """CPU time of one request through the app, its status and its body size."""
    started = time.process_time()
    response = client.post(f"/api/v1/{path}", json=body)
    return time.process_time() - started, response.status_code, len(response.content)


def peak_bytes(client: TestClient, path: str, body: dict) -> int:
    """The request again, with the peak of what Python and numpy allocated meanwhile."""
    gc.collect()
    tracemalloc.start()
    try:
        client.post(f"/api/v1/{path}", json=body)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def estimated_memory(model: type, body: dict) -> int:
    """What the cost model expects of the request's memory."""
    request = model.model_validate(body)
    surface = request.surface.surface
    if model is GridRequest:
        return cost.grid(surface, request.resolution, request.encoding == "binary").memory
    if model is TrajectoryRequest:
        runs, repeats = len(request.runs), request.repeats
        return cost.trajectories(
            surface, request.steps, runs, repeats, request.batch_size, request.include_state, False
        ).memory
    lanes = request.count if model is LrSweepRequest else request.resolution**2
    return cost.batched(surface, lanes, request.steps, 0).memory


def fixed_requests() -> list[tuple[str, str, dict]]:
    formula = SURFACES["formula"]
    logistic = SURFACES["logistic n=5000"]
    return [
        ("gradcheck", "logistic n=5000", {"surface": logistic, "point": START}),
        ("backprop", "formula", {"surface": formula, "point": START}),
        ("surfaces/resolve", "logistic n=5000, seed 7", {"dataset": {"id": "logistic_regression",
         "params": {"n": 5000, "seed": 7}}}),
    ]  # fmt: skip


def main() -> list[str]:
    lines = []
    slowest, fatter = (0.0, ""), (0.0, "")
    with TestClient(create_app()) as client:
        client.get("/api/v1/surfaces")  # warm the catalogue and the data set caches
        for path, model, shape, make, high in SHAPES:
            for name, surface in SURFACES.items():
                if "batch" in shape and "dataset" not in surface:
                    continue
                size = largest(model, lambda n, s=surface, m=make: m(s, n), high)
                label = f"cost: {path} {name}, {shape} {size}"
                if size is None:
                    lines.append(f"{label:<58} refused at the smallest size")
                    continue
                body = make(surface, size)
                seconds, status, size_bytes = cpu_seconds(client, path, body)
                peak, expected = peak_bytes(client, path, body), estimated_memory(model, body)
                slowest = max(slowest, (seconds, label))
                if peak >= SIZEABLE_BYTES:  # small peaks are the interpreter's, not the request's
                    fatter = max(fatter, (peak / expected, label))
                extra = (
                    f"status {status}, {size_bytes / 1e6:.1f} MB out; memory {peak / 1e6:.0f} MB"
                    f" (estimate {expected / 1e6:.0f} MB)"
                )
                lines.append(row(label, seconds * 1e3, "ms", AIM_S * 1e3, extra))
        for path, name, body in fixed_requests():
            seconds, status, size_bytes = cpu_seconds(client, path, body)
            label = f"cost: {path} {name}"
            slowest = max(slowest, (seconds, label))
            lines.append(row(label, seconds * 1e3, "ms", AIM_S * 1e3, f"status {status}"))
    seconds, label = slowest
    lines.append(row("cost: slowest accepted request", seconds * 1e3, "ms", AIM_S * 1e3, label))
    ratio, label = fatter
    name = "cost: memory over its estimate, the worst of those above 32 MB"
    lines.append(row(name, ratio, "x", 1.0, label))
    return lines


if __name__ == "__main__":
    for line in main():
        print(line, flush=True)
