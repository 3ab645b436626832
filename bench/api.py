"""The API over HTTP on loopback, and the grid encoding the page uses."""

from __future__ import annotations

import json
import time

import httpx

from app.api.encoding import binary_array, dumps
from app.numerics.grid import evaluate_grid
from app.numerics.surfaces import get_surface
from bench.common import best_of, percentile, row, serve

DEFAULT_RUNS = ["sgd", "momentum", "adam"]


def default_experiment() -> tuple[dict, dict]:
    """What the page asks for on open: rosenbrock, three runs of 1,000 steps, a 200^2 grid."""
    surface = get_surface("rosenbrock")
    trajectories = {
        "surface": {"id": "rosenbrock"},
        "start": list(surface.default_start),
        "steps": 1000,
        "runs": [
            {"optimizer": o, "hyperparameters": {"lr": surface.suggested_lr[o]}}
            for o in DEFAULT_RUNS
        ],
    }
    grid = {"surface": {"id": "rosenbrock"}, "resolution": 200, "encoding": "binary"}
    return trajectories, grid


def main() -> list[str]:
    lines = []
    surface = get_surface("rosenbrock")
    params = surface.resolve_params(None)

    def grid_400() -> str:
        result = evaluate_grid(surface, params, surface.window.x, surface.window.y, 400)
        return dumps({"x": result.x.tolist(), "y": result.y.tolist(), "z": binary_array(result.z)})

    grid_ms = best_of(grid_400, repeat=20)
    size = len(grid_400())
    lines.append(row("grid: 400 x 400 evaluated and encoded (binary)", grid_ms, "ms", 10))
    lines.append(row("grid: 400 x 400 binary response size", size / 1e6, "MB", 1.0))

    trajectories, grid = default_experiment()
    with serve(workers=1) as (url, _), httpx.Client(base_url=url) as client:
        for _ in range(5):  # warm up
            client.post("/api/v1/trajectories", json=trajectories)
        timings, transfer = [], 0
        for _ in range(100):
            start = time.perf_counter()
            responses = [
                client.post("/api/v1/trajectories", json=trajectories),
                client.post("/api/v1/grid", json=grid),
            ]
            for response in responses:
                response.raise_for_status()
                json.loads(response.content)
            timings.append((time.perf_counter() - start) * 1e3)
            transfer = sum(int(r.headers.get("content-length", len(r.content))) for r in responses)
    lines.append(
        row(
            "api: default experiment (3 x 1,000 steps + 200^2 grid), p50",
            percentile(timings, 50),
            "ms",
            30,
        )
    )
    lines.append(row("api: default experiment, p99", percentile(timings, 99), "ms", 80))
    lines.append(row("api: default experiment, bytes on the wire", transfer / 1e3, "kB", None))
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
