"""POST /api/v1/trajectories with ``"encoding": "binary"``: every list of numbers that grows with
the steps as a float64 typed array, the same numbers to the bit as the JSON body's."""

from __future__ import annotations

import base64
import gzip
import zlib

import numpy as np
import orjson
import pytest

from app.api import encoding
from app.api.encoding import binary_array, dumps
from app.numerics import engine
from app.numerics.surfaces import get_surface
from tests.api.helpers import strict_json, trajectory_body

LINEAR = {"dataset": {"id": "linear_regression", "params": {"n": 200, "seed": 3}}}
MIXED = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam", "lion"]

CASES = {
    "plain runs": trajectory_body(
        steps=300,
        runs=[{"optimizer": o, "hyperparameters": {"lr": 1e-3}} for o in ("sgd", "adam", "lion")],
    ),
    "noise": trajectory_body(steps=200, noise={"std": 0.5, "seed": 7}),
    "mini-batches on a data set, repeats and a schedule": {
        "surface": LINEAR,
        "start": [0.0, 0.0],
        "steps": 150,
        "batch_size": 16,
        "repeats": 3,
        "seed": 5,
        "runs": [
            {"optimizer": "sgd", "hyperparameters": {"lr": 0.05}},
            {"optimizer": "adam", "schedule": {"type": "cosine", "t_max": 100, "warmup_steps": 5}},
        ],
    },
    "include_state": trajectory_body(
        steps=120,
        include_state=True,
        runs=[
            {"optimizer": "nadam"},
            {"optimizer": "adam", "hyperparameters": {"amsgrad": True}},
            {"optimizer": "rmsprop", "hyperparameters": {"centered": True, "momentum": 0.5}},
        ],
    ),
    "diverged runs, one at its start": trajectory_body(
        steps=100,
        runs=[{"optimizer": "sgd", "hyperparameters": {"lr": 0.01}}, {"optimizer": "adam"}],
    ),
    "diverged at the start": trajectory_body(start=[999999.0, 999999.0], steps=5, repeats=2),
    "a 1-D surface": {
        "surface": {"id": "parabola"},
        "start": [0.0],
        "steps": 60,
        "include_state": True,
        "runs": [{"optimizer": "momentum", "hyperparameters": {"lr": 0.1}}],
    },
    "20 runs of one optimizer (the vectorised path)": trajectory_body(
        steps=80,
        noise={"std": 1.0},
        include_state=True,
        runs=[{"optimizer": "adam", "hyperparameters": {"lr": 0.01 * (i + 1)}} for i in range(20)],
    ),
}


def typed_array(spec: dict) -> np.ndarray:
    """What a Python client does with a typed array: base64 -> float64 bytes -> its shape."""
    assert set(spec) == {"dtype", "bdata", "shape"} and spec["dtype"] == "f8"
    raw = base64.b64decode(spec["bdata"], validate=True)
    return np.frombuffer(raw, dtype="<f8").reshape(spec["shape"])


def typed_pairs(plain, binary, path: str = ""):
    """Walk the JSON body and the binary one together: yield (path, JSON list, typed array)
    where the binary body has a typed array, and check everything else is equal."""
    if isinstance(binary, dict) and "bdata" in binary:
        yield path, plain, typed_array(binary)
    elif isinstance(binary, dict):
        assert isinstance(plain, dict) and plain.keys() == binary.keys(), path
        for key in binary:
            yield from typed_pairs(plain[key], binary[key], f"{path}.{key}")
    elif isinstance(binary, list) and binary and isinstance(binary[0], dict):
        assert isinstance(plain, list) and len(plain) == len(binary), path
        for index, (a, b) in enumerate(zip(plain, binary, strict=True)):
            yield from typed_pairs(a, b, f"{path}[{index}]")
    else:
        assert plain == binary, path


def both(client, body: dict) -> tuple[dict, dict]:
    plain = client.post("/api/v1/trajectories", json=body)
    binary = client.post("/api/v1/trajectories", json={**body, "encoding": "binary"})
    assert plain.status_code == binary.status_code == 200, binary.text[:300]
    return strict_json(plain), strict_json(binary)


@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_binary_arrays_are_the_json_numbers_to_the_bit(client, body):
    plain, binary = both(client, body)
    pairs = list(typed_pairs(plain, binary))
    assert pairs
    for path, numbers, array in pairs:
        assert array.dtype == np.dtype("<f8")
        expected = np.array(numbers, dtype=float)
        if expected.size == 0:  # an empty list of points keeps its width: shape (0, dim)
            assert array.size == 0 and array.shape[0] == 0, path
            continue
        assert array.shape == expected.shape, path
        assert np.array_equal(array.view("<u8"), expected.view("<u8")), path
    # Every list of numbers that grows with the steps went binary: none is left as JSON.
    for run in binary["runs"]:
        for value in run.values():
            assert not (isinstance(value, list) and value and not isinstance(value[0], dict))


def test_every_kind_of_array_is_covered_by_the_cases(client):
    keys = set()
    for body in CASES.values():
        _, binary = both(client, body)
        for run in binary["runs"]:
            keys |= {k for k, v in run.items() if isinstance(v, dict) and "bdata" in v}
            keys |= {f"state.{k}" for k in run.get("state") or {}}
            keys |= {f"spread.{k}" for k in run.get("spread") or {}}
            for repeat in run.get("repeats") or []:
                keys |= {f"repeats.{k}" for k, v in repeat.items() if isinstance(v, dict)}
    assert keys >= {
        "points", "losses", "gradients", "noisy_gradients", "batch_losses", "lrs",
        "epoch_starts", "state.exp_avg", "state.exp_avg_sq", "state.mu_product",
        "state.max_exp_avg_sq", "state.grad_avg", "state.momentum_buffer", "spread.median",
        "spread.p10", "spread.p90", "repeats.points", "repeats.losses", "repeats.batch_losses",
    }  # fmt: skip


def test_shapes_are_steps_by_dimension(client):
    _, binary = both(client, CASES["include_state"])
    run = binary["runs"][0]
    assert run["points"]["shape"] == [121, 2] and run["gradients"]["shape"] == [121, 2]
    assert run["losses"]["shape"] == [121]
    assert {name: spec["shape"] for name, spec in run["state"].items()} == {
        "exp_avg": [120, 2], "exp_avg_sq": [120, 2], "mu_product": [120, 2],
    }  # fmt: skip
    _, one_d = both(client, CASES["a 1-D surface"])
    run = one_d["runs"][0]
    assert run["points"]["shape"] == [61, 1] and run["losses"]["shape"] == [61]
    assert run["state"]["momentum_buffer"]["shape"] == [60, 1]
    _, batches = both(client, CASES["mini-batches on a data set, repeats and a schedule"])
    run = batches["runs"][1]
    assert run["batch_losses"]["shape"] == [150] and run["lrs"]["shape"] == [150]
    # 200 examples in batches of 16: 13 updates an epoch, so epochs start every 13 updates.
    assert typed_array(run["epoch_starts"]).tolist() == list(range(0, 150, 13))
    assert [r["points"]["shape"] for r in run["repeats"]] == [[151, 2]] * 3
    assert run["spread"]["median"]["shape"] == [151]
    _, diverged = both(client, CASES["diverged at the start"])
    run = diverged["runs"][0]
    assert run["points"]["shape"] == [0, 2] and run["losses"]["shape"] == [0]
    assert run["status"] == "diverged" and run["stopped_at"] == 0


def test_json_is_the_default_and_unchanged(client):
    body = CASES["include_state"]
    default = client.post("/api/v1/trajectories", json=body)
    explicit = client.post("/api/v1/trajectories", json={**body, "encoding": "json"})
    assert default.content == explicit.content
    run = strict_json(default)["runs"][0]
    assert isinstance(run["points"], list) and isinstance(run["points"][0], list)
    assert isinstance(run["losses"][0], float)


@pytest.mark.parametrize("encoding", ["msgpack", "BINARY", "", 1, None])
def test_an_unknown_encoding_is_a_422_that_names_the_choices(client, encoding):
    response = client.post("/api/v1/trajectories", json=trajectory_body(encoding=encoding))
    assert response.status_code == 422
    (error,) = strict_json(response)["detail"]
    assert error["loc"] == ["body", "encoding"]
    assert error["msg"] == "Input should be 'json' or 'binary'"


def test_binary_is_smaller_than_json_for_8_runs_of_10000_steps(client):
    rosenbrock = get_surface("rosenbrock")
    runs = [{"optimizer": o, "hyperparameters": {"lr": rosenbrock.suggested_lr[o]}} for o in MIXED]
    body = trajectory_body(steps=10_000, runs=runs)  # half of them converge on the way
    identity, gzip_ok = {"accept-encoding": "identity"}, {"accept-encoding": "gzip"}
    plain = client.post("/api/v1/trajectories", json=body, headers=identity)
    binary_body = {**body, "encoding": "binary"}
    binary = client.post("/api/v1/trajectories", json=binary_body, headers=identity)
    # A float64 is 10.7 characters of base64 against about 20 for its JSON number.
    assert len(binary.content) < 0.6 * len(plain.content)
    # Gzipped, the JSON's digits shrink more than base64 does (the low bits are random), but
    # binary is still smaller on the wire (0.87 when measured): Huffman coding only, gzipped
    # once, as a binary grid is, within 5% of gzip's level 1 (3% bigger) in half its time.
    plain_wire = client.post("/api/v1/trajectories", json=body, headers=gzip_ok)
    binary_wire = client.post("/api/v1/trajectories", json=binary_body, headers=gzip_ok)
    assert binary_wire.headers["content-encoding"] == "gzip"
    assert binary_wire.headers["vary"] == "Accept-Encoding"
    sent = int(binary_wire.headers["content-length"])
    assert sent < 0.95 * int(plain_wire.headers["content-length"])
    assert sent < 1.05 * len(gzip.compress(binary.content, compresslevel=1))
    stream = client.build_request("POST", "/api/v1/trajectories", json=binary_body, headers=gzip_ok)
    response = client.send(stream, stream=True)
    on_wire = b"".join(response.iter_raw())
    response.close()
    assert len(on_wire) == sent
    assert zlib.decompress(on_wire, 16 + zlib.MAX_WBITS) == binary.content


def test_a_small_binary_response_is_not_gzipped(client):
    body = {**trajectory_body(steps=2), "encoding": "binary"}
    response = client.post("/api/v1/trajectories", json=body, headers={"accept-encoding": "gzip"})
    assert len(response.content) < 1024 and "content-encoding" not in response.headers


def test_non_finite_numbers_go_as_nan_where_json_has_null(client, monkeypatch):
    """The engine returns finite numbers only; were one not finite, JSON would carry null and
    the typed array NaN (never Infinity), and both decode to the same NaN."""
    simulate = engine.simulate

    def with_non_finite_state(*args, **kwargs):
        results = simulate(*args, **kwargs)
        state = results[0].state["exp_avg_sq"]
        state[0, 0], state[1, 1], state[2, 0] = np.inf, -np.inf, -np.nan
        return results

    monkeypatch.setattr(engine, "simulate", with_non_finite_state)
    plain, binary = both(client, trajectory_body(steps=5, include_state=True))
    numbers = plain["runs"][0]["state"]["exp_avg_sq"]
    assert numbers[0][0] is None and numbers[1][1] is None and numbers[2][0] is None
    array = typed_array(binary["runs"][0]["state"]["exp_avg_sq"])
    expected = np.array(numbers, dtype=float)
    assert np.isnan(array[[0, 1, 2], [0, 1, 0]]).all() and np.isfinite(array[3:]).all()
    assert np.array_equal(array.view("<u8"), expected.view("<u8"))  # the one quiet NaN


def test_a_large_binary_body_is_encoded_in_slices():
    """Encoding holds the GIL: a body of many typed arrays goes in pieces of bounded work
    (each array's base64 whole), as a JSON body of many numbers does."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((50_000, 2)) for _ in range(4)]
    body = {"runs": [{"label": "x", "points": binary_array(a, "f8")} for a in arrays]}
    pieces = list(encoding._pieces(body))
    assert len(pieces) > len(arrays) and max(map(len, pieces)) < 1.1 * 50_000 * 2 * 32 / 3
    assert b"".join(pieces) == orjson.dumps(body)
    decoded = orjson.loads(dumps(body))["runs"][2]["points"]
    assert np.array_equal(typed_array(decoded), arrays[2])


def test_the_schema_documents_the_encoding(client):
    schema = strict_json(client.get("/openapi.json"))["components"]["schemas"]
    field = schema["TrajectoryRequest"]["properties"]["encoding"]
    assert field["enum"] == ["json", "binary"] and field["default"] == "json"
    assert '"dtype": "f8"' in field["description"] and "base64" in field["description"]
    assert {"$ref": "#/components/schemas/TypedArrayOut"} in schema["RunOut"]["properties"][
        "points"
    ]["anyOf"]
