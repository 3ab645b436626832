"""Settings from the environment are honoured: an app built with GRADSCAPE_* variables refuses
each request just past each new limit, with a 422 (413 for the body) naming it, and accepts the
request just within it. The app is built in a fresh interpreter, as a server process would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ENV = {
    "GRADSCAPE_MAX_BODY_BYTES": "4000",
    "GRADSCAPE_MAX_STEPS": "50",
    "GRADSCAPE_MAX_RUNS": "3",
    "GRADSCAPE_MAX_POINTS": "119",
    "GRADSCAPE_MAX_RESOLUTION": "25",
    "GRADSCAPE_MAX_LABEL_CHARS": "5",
    "GRADSCAPE_MAX_BATCH_SIZE": "7",
    "GRADSCAPE_MAX_REPEATS": "2",
    "GRADSCAPE_MAX_SWEEP_COUNT": "9",
    "GRADSCAPE_MAX_BASIN_RESOLUTION": "8",
    "GRADSCAPE_MAX_WORK": "560000",
    "GRADSCAPE_MAX_MEMORY_BYTES": "70000",
    "GRADSCAPE_MAX_RESPONSE_BYTES": "15000",
    "GRADSCAPE_MAX_COORD": "20",
    "GRADSCAPE_MAX_LOSS": "100",
}

SGD = [{"optimizer": "sgd", "hyperparameters": {"lr": 0.01}}]
LINEAR = {"dataset": {"id": "linear_regression", "params": {"n": 20}}}
TRAJ = {"surface": {"id": "quadratic"}, "start": [1.0, 1.0], "steps": 10, "runs": SGD}
SWEEP = {"surface": {"id": "quadratic"}, "optimizer": "sgd", "lr_range": [0.01, 0.1], "steps": 5}
BASIN = {"surface": {"id": "himmelblau"}, "optimizer": "sgd", "steps": 5}
WIDE = {"expression": "+".join(f"sin({i}*x)*y" for i in range(1, 18))}
"""194 characters, about 85 graph nodes (no two terms alike, so none is shared)."""

# (limit, path, body within the new limit, body just past it, a needle in the refusal)
CASES = [
    ("max_steps", "trajectories", {**TRAJ, "steps": 40}, {**TRAJ, "steps": 51}, "50"),
    ("max_runs", "trajectories", {**TRAJ, "runs": SGD * 3}, {**TRAJ, "runs": SGD * 4}, "3"),
    # 39 x 3 points within 119, and 40 x 3 = 120, one past it
    ("max_points", "trajectories", {**TRAJ, "steps": 39, "runs": SGD * 3},
     {**TRAJ, "steps": 40, "runs": SGD * 3}, "119"),
    # 625 cells of a built-in: 382,500 units of work, 60 kB of memory
    ("max_resolution", "grid", {"surface": {"id": "quadratic"}, "resolution": 25},
     {"surface": {"id": "quadratic"}, "resolution": 26}, "25"),
    ("max_label_chars", "trajectories", {**TRAJ, "runs": [{**SGD[0], "label": "abcde"}]},
     {**TRAJ, "runs": [{**SGD[0], "label": "abcdef"}]}, "5"),
    ("max_batch_size", "trajectories", {**TRAJ, "surface": LINEAR, "start": None,
     "batch_size": 7}, {**TRAJ, "surface": LINEAR, "start": None, "batch_size": 8}, "7"),
    ("max_repeats", "trajectories", {**TRAJ, "surface": LINEAR, "start": None, "repeats": 2},
     {**TRAJ, "surface": LINEAR, "start": None, "repeats": 3}, "2"),
    ("max_sweep_count", "sweeps/lr", {**SWEEP, "count": 9}, {**SWEEP, "count": 10}, "9"),
    ("max_basin_resolution", "basins", {**BASIN, "resolution": 8}, {**BASIN, "resolution": 9},
     "8"),
    # 3 x 38 run-steps of a built-in (3,025 units each): 345,000; 3 x 39 of the wide formula
    # (its 137 weighted nodes at 25 units: 6,425 each): 752,000, past 560,000
    ("max_work", "trajectories", {**TRAJ, "steps": 38, "runs": SGD * 3},
     {**TRAJ, "steps": 39, "runs": SGD * 3, "surface": WIDE}, "GRADSCAPE_MAX_WORK"),
    # 117 run-steps of 450 bytes: 53 kB; with the optimizer's state (250 more each): 82 kB
    ("max_memory_bytes", "trajectories", {**TRAJ, "steps": 39, "runs": SGD * 3},
     {**TRAJ, "steps": 39, "runs": SGD * 3, "include_state": True},
     "GRADSCAPE_MAX_MEMORY_BYTES"),
    # 117 steps of 110 bytes: 13 kB; with the noisy gradient (50 more each): 19 kB
    ("max_response_bytes", "trajectories", {**TRAJ, "steps": 39, "runs": SGD * 3},
     {**TRAJ, "steps": 39, "runs": SGD * 3, "noise": {"std": 0.1}},
     "GRADSCAPE_MAX_RESPONSE_BYTES"),
    ("max_coord", "trajectories", {**TRAJ, "start": [20.0, 0.0]}, {**TRAJ, "start": [20.5, 0.0]},
     "20"),
]  # fmt: skip

# A second app for the limits on the shape of a request: its formula limits are small, which
# the first app's costly formula could not pass.
ENV_SHAPE = {
    "GRADSCAPE_MAX_ID_CHARS": "10",
    "GRADSCAPE_MAX_NAME_CHARS": "6",
    "GRADSCAPE_MAX_MAP_ITEMS": "3",
    "GRADSCAPE_MAX_SEED": "1000",
    "GRADSCAPE_MAX_NOISE_STD": "2.5",
    "GRADSCAPE_MAX_GRAD_TOL": "0.5",
    "GRADSCAPE_MAX_ETA_MIN": "0.25",
    "GRADSCAPE_MAX_SWEEP_LR": "0.75",
    "GRADSCAPE_MAX_BASIN_TOLERANCE": "0.125",
    "GRADSCAPE_MAX_GRADCHECK_EPS": "0.0625",
    "GRADSCAPE_MAX_FORMULA_CHARS": "30",
    "GRADSCAPE_MAX_FORMULA_NODES": "12",
    "GRADSCAPE_MAX_FORMULA_DEPTH": "5",
    "GRADSCAPE_MAX_FORMULA_EXPONENT": "7",
    "GRADSCAPE_MAX_NETWORK_EXAMPLES": "40",
    "GRADSCAPE_MAX_HIDDEN_LAYERS": "2",
    "GRADSCAPE_MAX_HIDDEN_WIDTH": "5",
    "GRADSCAPE_MAX_NETWORK_RUNS": "2",
    "GRADSCAPE_MAX_EXAMPLE_STEPS": "1000",
    "GRADSCAPE_MAX_SNAPSHOTS": "4",
    "GRADSCAPE_MAX_BOUNDARY_RESOLUTION": "6",
    "GRADSCAPE_MAX_CHECKED_PARAMETERS": "5",
}
NET = {"data": {"id": "moons", "params": {"n": 20}}, "model": {"hidden": [3]}, "steps": 10,
       "runs": [{"optimizer": "sgd"}], "snapshots": 2, "resolution": 4}  # fmt: skip
INSPECT = {"data": NET["data"], "model": NET["model"]}
Q = {"id": "quadratic"}
GRADCHECK = {"surface": Q, "point": [1.0, 1.0]}
ADAM = {"lr": 0.01, "beta1": 0.9, "beta2": 0.999}
COSINE = {"type": "cosine", "t_max": 10}
SHAPE_CASES = [
    ("max_id_chars", "grid", {"surface": {"id": "quadratic"}, "resolution": 5},
     {"surface": {"id": "quadraticxy"}, "resolution": 5}, '"max_length": 10'),
    ("max_name_chars", "trajectories", {**TRAJ, "runs": [{"optimizer": "sgd"}]},
     {**TRAJ, "runs": [{"optimizer": "sgdsgdx"}]}, '"max_length": 6'),
    # One entry past the limit, with a bad value too: refused for its size alone, before any
    # value is looked at (one error, not one per entry).
    ("max_map_items", "trajectories",
     {**TRAJ, "runs": [{"optimizer": "adam", "hyperparameters": ADAM}]},
     {**TRAJ, "runs": [{"optimizer": "adam", "hyperparameters": {**ADAM, "eps": "bad"}}]},
     '"max_length": 3'),
    ("max_seed", "trajectories", {**TRAJ, "noise": {"std": 0.1, "seed": 1000}},
     {**TRAJ, "noise": {"std": 0.1, "seed": 1001}}, '"le": 1000'),
    ("max_noise_std", "trajectories", {**TRAJ, "noise": {"std": 2.5}},
     {**TRAJ, "noise": {"std": 2.6}}, '"le": 2.5'),
    ("max_grad_tol", "trajectories", {**TRAJ, "grad_tol": 0.5}, {**TRAJ, "grad_tol": 0.6},
     '"le": 0.5'),
    ("max_eta_min", "trajectories",
     {**TRAJ, "runs": [{"optimizer": "sgd", "schedule": {**COSINE, "eta_min": 0.25}}]},
     {**TRAJ, "runs": [{"optimizer": "sgd", "schedule": {**COSINE, "eta_min": 0.3}}]},
     '"le": 0.25'),
    ("max_sweep_lr", "sweeps/lr", {**SWEEP, "lr_range": [0.01, 0.75], "count": 3},
     {**SWEEP, "lr_range": [0.01, 0.8], "count": 3}, '"le": 0.75'),
    ("max_basin_tolerance", "basins", {**BASIN, "resolution": 3, "tolerance": 0.125},
     {**BASIN, "resolution": 3, "tolerance": 0.13}, '"le": 0.125'),
    ("max_gradcheck_eps", "gradcheck", {**GRADCHECK, "eps": 0.0625},
     {**GRADCHECK, "eps": 0.07}, '"le": 0.0625'),
    ("max_formula_chars", "surfaces/resolve", {"expression": "x" + " " * 29},
     {"expression": "x" + " " * 30}, "30"),
    ("max_formula_nodes", "surfaces/resolve", {"expression": "+".join("x" * 6)},
     {"expression": "+".join("x" * 7)}, "at most 12"),
    ("max_formula_depth", "surfaces/resolve", {"expression": "-(" * 5 + "x" + ")" * 5},
     {"expression": "-(" * 6 + "x" + ")" * 6}, "5 levels"),
    ("max_formula_exponent", "surfaces/resolve", {"expression": "x**7"},
     {"expression": "x**8"}, "at most 7"),
    ("max_network_examples", "networks/train", {**NET, "data": {"id": "moons", "params":
     {"n": 40}}}, {**NET, "data": {"id": "moons", "params": {"n": 41}}},
     "GRADSCAPE_MAX_NETWORK_EXAMPLES"),
    ("max_hidden_layers", "networks/train", {**NET, "model": {"hidden": [3, 3]}},
     {**NET, "model": {"hidden": [3, 3, 3]}}, '"max_length": 2'),
    ("max_hidden_width", "networks/train", {**NET, "model": {"hidden": [5]}},
     {**NET, "model": {"hidden": [6]}}, '"le": 5'),
    ("max_network_runs", "networks/train", {**NET, "runs": [{"optimizer": "sgd"}] * 2},
     {**NET, "runs": [{"optimizer": "sgd"}] * 3}, '"max_length": 2'),
    # 50 steps x 20 examples: 1,000; 51 x 20 one step past
    ("max_example_steps", "networks/train", {**NET, "steps": 50}, {**NET, "steps": 51},
     "GRADSCAPE_MAX_EXAMPLE_STEPS"),
    ("max_snapshots", "networks/train", {**NET, "snapshots": 4}, {**NET, "snapshots": 5},
     '"le": 4'),
    ("max_boundary_resolution", "networks/train", {**NET, "resolution": 6},
     {**NET, "resolution": 7}, '"le": 6'),
    ("max_checked_parameters", "networks/inspect", {**INSPECT, "check": 5},
     {**INSPECT, "check": 6}, '"le": 5'),
]  # fmt: skip

SCRIPT = """
import json, sys
from fastapi.testclient import TestClient
from app.main import create_app
cases = json.loads(sys.stdin.read())
out = []
with TestClient(create_app()) as client:
    for name, path, within, past, needle in cases:
        a = client.post(f"/api/v1/{path}", json=within)
        b = client.post(f"/api/v1/{path}", json=past)
        out.append([name, a.status_code, a.json(), b.status_code, b.json()])
    big = client.post("/api/v1/trajectories", content=b" " * 4001,
                      headers={"content-type": "application/json"})
    out.append(["max_body_bytes", 0, None, big.status_code, big.json()])
    loss = client.post("/api/v1/trajectories", json={"surface": {"id": "parabola"},
                       "start": [0.0], "steps": 10, "runs": [{"optimizer": "sgd",
                       "hyperparameters": {"lr": 1.1}}], "grad_tol": 0})
    out.append(["max_loss", loss.status_code, loss.json(), 0, None])
print(json.dumps(out))
"""


def run_app(env: dict[str, str], cases: list) -> dict[str, list]:
    """Each case's two answers from an app built in a fresh interpreter with ``env``."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=True,
    )
    return {row[0]: row[1:] for row in json.loads(done.stdout.splitlines()[-1])}


@pytest.fixture(scope="module")
def answers() -> dict[str, list]:
    # (the script's body-size and loss-cap checks are the first app's)
    return {**run_app(ENV_SHAPE, SHAPE_CASES), **run_app(ENV, CASES)}


@pytest.mark.parametrize(
    ("name", "needle"),
    [(c[0], c[4]) for c in CASES + SHAPE_CASES],
    ids=[c[0] for c in CASES + SHAPE_CASES],
)
def test_each_limit_is_honoured_at_its_new_value(answers, name, needle):
    within_status, within, past_status, past = answers[name]
    assert within_status == 200, within
    assert past_status == 422, past
    assert needle in json.dumps(past["detail"])


def test_an_oversized_map_is_refused_before_its_values(answers):
    _, _, _, past = answers["max_map_items"]
    (error,) = past["detail"]
    assert error["type"] == "too_long" and error["ctx"]["max_length"] == 3


def test_body_size_limit_from_the_environment(answers):
    _, _, status, body = answers["max_body_bytes"]
    assert status == 413 and "4,000" in body["detail"][0]["msg"]


def test_loss_cap_from_the_environment(answers):
    """The chapter's lr 1.1 run: its loss passes 100 at step 7 (115.55; step 6 is 80.24)."""
    status, body, _, _ = answers["max_loss"]
    (run,) = body["runs"]
    assert status == 200
    assert (run["status"], run["stopped_at"], run["reason"]) == (
        "diverged",
        7,
        "|loss| exceeded 100",
    )
