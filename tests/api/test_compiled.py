"""The compiled core: nothing compiles during a request, the catalogue needs no docstrings, and
the server refuses to start without numba."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba

from app.numerics.kernels import data as kernel_data
from app.numerics.kernels import network, walk
from app.numerics.warm import NETWORK_KERNELS
from tests.api.helpers import strict_json, trajectory_body

ROOT = Path(__file__).resolve().parents[2]
FORMULA = {"expression": "(1 - x)**2 + 100*(y - x**2)**2 + sin(x)*tanh(y)"}
NETWORK = {"data": {"id": "spiral3", "params": {"n": 30}}, "steps": 10, "runs": [
    {"optimizer": "adam", "schedule": {"type": "cosine"}}, {"optimizer": "sgd"}]}  # fmt: skip
DATA = {"dataset": {"id": "logistic_regression", "params": {"n": 50}}}


def _entry_points() -> dict[str, numba.core.registry.CPUDispatcher]:
    found = {f"walk.{n}": getattr(walk, n) for n in dir(walk) if not n.startswith("_")}
    found["data.value"] = kernel_data.value
    found |= {f"network.{n}": getattr(network, n) for n in NETWORK_KERNELS}
    # A helper inlined into its callers (``walk.trend``) is no entry point: it never runs alone.
    return {
        n: f
        for n, f in found.items()
        if isinstance(f, numba.core.dispatcher.Dispatcher)
        and f.targetoptions.get("inline") != "always"
    }


def _requests() -> list[tuple[str, dict]]:
    runs = [
        {"optimizer": o, "schedule": {"type": "cosine"}} if o == "adam" else {"optimizer": o}
        for o in ("sgd", "momentum", "adam", "nadam", "radam", "adagrad", "rmsprop", "lion")
    ]
    out = []
    for surface, start in (({"id": "rosenbrock"}, [-1.5, 2.0]), (FORMULA, [0.5, 0.5])):
        body = trajectory_body(surface=surface, start=start, runs=runs, steps=30)
        out += [
            ("trajectories", body),
            ("trajectories", {**body, "include_state": True, "encoding": "binary"}),
            ("trajectories", {**body, "noise": {"std": 0.1, "seed": 1}, "repeats": 3}),
            ("grid", {"surface": surface, "resolution": 20}),
            ("grid", {"surface": surface, "resolution": 20, "encoding": "binary"}),
            (
                "sweeps/lr",
                {
                    "surface": surface,
                    "start": start,
                    "optimizer": "adam",
                    "count": 8,
                    "lr_range": [1e-3, 0.1],
                },
            ),
            ("basins", {"surface": surface, "optimizer": "sgd", "resolution": 8, "steps": 20}),
            ("gradcheck", {"surface": surface, "point": start}),
            ("curvature", {"surface": surface, "point": start}),
            ("trajectories", {**body, "include_curvature": True}),
            ("trajectories", {**body, "include_curvature": True, "encoding": "binary"}),
        ]
    data = {"surface": DATA, "steps": 30, "runs": runs}
    out += [
        ("trajectories", {**data, "batch_size": 8, "include_state": True}),
        ("trajectories", {**data, "batch_size": 8, "noise": {"std": 0.1, "seed": 1}}),
        ("grid", {"surface": DATA, "resolution": 20}),
        ("curvature", {"surface": DATA, "point": [0.5, 0.5]}),
        ("curvature", {"surface": {"id": "parabola"}, "point": [0.0]}),
        ("trajectories", {**data, "include_curvature": True}),
        ("surfaces/resolve", DATA),
        ("networks/train", NETWORK),
        ("networks/train", {**NETWORK, "batch_size": 5, "encoding": "binary"}),
        ("networks/train", {**NETWORK, "data": {"id": "sine"}, "runs": runs}),
        ("networks/train", {**NETWORK, "include_parameters": True, "encoding": "binary"}),
        ("networks/inspect", {"data": NETWORK["data"], "example": 3, "check": 5}),
        ("networks/inspect", {"data": {"id": "sine"}, "model": {"hidden": [4]}}),
        ("backprop", {"surface": FORMULA, "point": [0.5, 0.5]}),
        ("surfaces/resolve", {"expression": "2*pi*x + max(x, y)"}),
        ("trajectories", {**trajectory_body(), "surface": {"id": "parabola"}, "start": [0.0]}),
    ]
    return out


def test_no_request_compiles_anything(client):
    """The app's start-up (``warm``, run by the client fixture's lifespan) compiled or loaded one
    specialization of every entry point; requests of every kind add none: each kernel is always
    called with the same argument types, so no request waits for the compiler."""
    before = {name: len(f.signatures) for name, f in _entry_points().items()}
    assert before and all(count == 1 for count in before.values()), before
    for path, body in _requests():
        response = client.post(f"/api/v1/{path}", json=body)
        assert response.status_code == 200, (path, strict_json(response))
    after = {name: len(f.signatures) for name, f in _entry_points().items()}
    assert after == before


def test_the_catalogue_imports_and_describes_itself_without_docstrings():
    code = (
        "from app.numerics.optimizers import OPTIMIZERS\n"
        "from app.numerics.surfaces import SURFACES\n"
        "assert len(OPTIMIZERS) == 12 and len(SURFACES) == 16\n"
        "assert all(o.update_rule.startswith(r'\\begin{aligned}') for o in OPTIMIZERS.values())\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-OO", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_server_says_numba_is_missing_and_exits():
    # ``sys.modules["numba"] = None`` makes ``import numba`` fail as it does where it is absent.
    code = (
        "import sys\nsys.modules['numba'] = None\n"
        "from app.serve import main\nmain(['--port', '0'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 1
    assert "numba is not installed" in done.stderr
    assert "Traceback" not in done.stderr
