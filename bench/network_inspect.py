"""POST /networks/inspect through the app (the Backprop card's request): the page's default (a
2-16-16-2 tanh network on 150 training examples, 12 parameters checked), and the largest
accepted inspection (5,000 examples, 2-64-64-64-64-2, as many checked parameters as the work
budget allows) against the 2 s aim; with the check's own figures (backprop's time, the 2P
passes extrapolated).

    python -m bench.network_inspect
"""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api.network_requests import NetworkInspectRequest
from app.main import create_app
from bench.common import row

DEFAULT_MS, AIM_MS = 50.0, 2000.0
DEFAULT = {"data": {"id": "moons", "params": {"n": 200}}, "model": {"hidden": [16, 16]}}
LARGE = {"data": {"id": "moons", "params": {"n": 5000}}, "model": {"hidden": [64] * 4}}


def _largest_check() -> int:
    """The most parameters the API checks for LARGE within its budgets."""
    for check in range(64, 0, -1):
        try:
            NetworkInspectRequest.model_validate({**LARGE, "check": check})
        except ValidationError:
            continue
        return check
    return 0


def _timed(client: TestClient, body: dict, repeat: int) -> tuple[float, float, dict]:
    """The best wall and CPU times in ms of `repeat` requests, and the last answer."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = client.post("/api/v1/networks/inspect", json=body).json()
        wall = min(wall, (time.perf_counter() - started) * 1e3)
        cpu = min(cpu, (time.process_time() - started_cpu) * 1e3)
    return wall, cpu, answer


def _check_text(answer: dict) -> str:
    check = answer["check"]
    ratio = check["check_seconds_all"] / check["backprop_seconds"]
    return (
        f"backprop {check['backprop_seconds'] * 1e3:.3f} ms, {check['forward_passes']} check"
        f" passes {check['check_seconds'] * 1e3:.2f} ms, all {check['forward_passes_all']}:"
        f" {check['check_seconds_all'] * 1e3:.1f} ms ({ratio:.0f}x backprop)"
    )


def main() -> list[str]:
    with TestClient(create_app()) as client:
        wall, _, answer = _timed(client, DEFAULT, 5)
        lines = [
            row("inspect: the page's default, 2-16-16-2, 12 checked", wall, "ms", DEFAULT_MS,
                _check_text(answer)),
        ]  # fmt: skip
        check = _largest_check()
        _, cpu, answer = _timed(client, {**LARGE, "check": check}, 2)
        lines.append(
            row(f"inspect: largest, n 5000, 2-64x4-2, {check} checked (CPU)", cpu, "ms", AIM_MS,
                _check_text(answer))
        )  # fmt: skip
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
