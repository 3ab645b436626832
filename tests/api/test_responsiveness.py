"""A heavy request does not block /healthz or cheap requests: its CPU work runs in a worker
thread and its encoding yields between slices. Measured against a real uvicorn server."""

from __future__ import annotations

import statistics
import threading
import time

import httpx
import pytest

from app.api import cost
from app.config import SETTINGS
from app.numerics.surfaces import get_surface
from bench.common import serve

RUNS = 32
HEAVY = {  # the largest trajectory request of 32 runs that the budgets and max_points allow
    "surface": {"id": "rastrigin"},
    "steps": min(
        SETTINGS.max_work // (RUNS * cost.run_step_work(get_surface("rastrigin"))),
        SETTINGS.max_memory_bytes // (RUNS * cost.RUN_STEP_BYTES),
        SETTINGS.max_points // RUNS,
        SETTINGS.max_response_bytes // (RUNS * cost.STEP_JSON_BYTES),
    ),
    "grad_tol": 0.0,
    "runs": [{"optimizer": "adam", "hyperparameters": {"lr": 1e-4}}] * RUNS,
}


def timed_get(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    assert client.get(path).status_code == 200
    return time.perf_counter() - started


@pytest.mark.parametrize("encoding", ["json", "binary"])
def test_healthz_and_cheap_requests_answer_while_a_heavy_request_runs(encoding):
    with serve(workers=1) as (url, _), httpx.Client(base_url=url, timeout=60) as client:
        heavy: dict[str, float] = {}

        def post_heavy() -> None:
            started = time.perf_counter()
            with httpx.Client(base_url=url, timeout=60) as own:
                response = own.post("/api/v1/trajectories", json={**HEAVY, "encoding": encoding})
            heavy.update(status=response.status_code, seconds=time.perf_counter() - started)

        thread = threading.Thread(target=post_heavy)
        thread.start()
        health, cheap = [], []
        while thread.is_alive():
            health.append(timed_get(client, "/healthz"))
            cheap.append(timed_get(client, "/api/v1/optimizers"))
            time.sleep(0.02)
        thread.join()

    assert heavy["status"] == 200
    assert len(health) >= 3, f"only {len(health)} probes in {heavy['seconds']:.2f} s"
    # Blocked would mean waiting out the heavy request; allow a busy machine's noise.
    assert max(health) < heavy["seconds"] / 2, (max(health), heavy["seconds"])
    assert max(cheap) < heavy["seconds"] / 2, (max(cheap), heavy["seconds"])
    assert statistics.median(health) < 0.1, sorted(health)
