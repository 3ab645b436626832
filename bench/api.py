"""The API over HTTP on loopback, and the grid encoding the page uses."""

from __future__ import annotations

import asyncio
import time

import httpx
import orjson

from app.api.encoding import binary_array, dumps
from app.numerics.grid import evaluate_grid
from app.numerics.surfaces import get_surface
from bench.common import best_of, percentile, row, serve

DEFAULT_RUNS = ["sgd", "momentum", "adam"]


def default_experiment(binary: bool = True) -> tuple[dict, dict]:
    """What the page asks for on open: rosenbrock, three runs of 1,000 steps, a 200^2 grid;
    the runs in the binary encoding, as the page asks (``binary=False``: JSON, as the page
    asked before it did, and as the previous engine's server answers)."""
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
    if binary:
        trajectories["encoding"] = "binary"
    grid = {"surface": {"id": "rosenbrock"}, "resolution": 200, "encoding": "binary"}
    return trajectories, grid


async def time_experiment(url: str, trajectories: dict, grid: dict, repeat: int = 100):
    """Milliseconds from sending the experiment's two requests to both bodies parsed, sent at
    once on two connections (the page fetches the grid while the runs compute) and one after
    the other, interleaved; and the bytes on the wire (gzip, as a browser asks)."""
    async with httpx.AsyncClient(base_url=url) as client:

        async def post(path: str, body: dict) -> int:
            response = await client.post(path, json=body)
            response.raise_for_status()
            orjson.loads(response.content)  # strict JSON, parsed as fast as a browser does
            return int(response.headers["content-length"])

        async def at_once() -> int:
            sizes = await asyncio.gather(
                post("/api/v1/trajectories", trajectories), post("/api/v1/grid", grid)
            )
            return sum(sizes)

        async def one_by_one() -> int:
            return await post("/api/v1/trajectories", trajectories) + await post(
                "/api/v1/grid", grid
            )

        timings: dict = {at_once: [], one_by_one: []}
        for _ in range(5):  # warm up: two connections, caches
            await at_once()
        for _ in range(repeat):
            for send in timings:
                start = time.perf_counter()
                transfer = await send()
                timings[send].append((time.perf_counter() - start) * 1e3)
    return timings[at_once], timings[one_by_one], transfer


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
    with serve(workers=1) as (url, _):
        at_once, one_by_one, transfer = asyncio.run(time_experiment(url, trajectories, grid))
    lines += [
        row(
            "api: default experiment (3 x 1,000 steps + 200^2 grid), p50",
            percentile(at_once, 50),
            "ms",
            10,
            "both requests at once, as the page sends them",
        ),
        row("api: default experiment, p99", percentile(at_once, 99), "ms", 80),
        row(
            "api: default experiment one request after the other, p50",
            percentile(one_by_one, 50),
            "ms",
            None,
            f"p99 {percentile(one_by_one, 99):.1f} ms",
        ),
        row("api: default experiment, bytes on the wire", transfer / 1e3, "kB", None),
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
