"""The surfaces resource over HTTP: the catalogue, the grid and the gradient check."""

from __future__ import annotations

import base64

import numpy as np
import orjson
import pytest

from app.api.encoding import binary_array, dumps
from tests.api.helpers import OPTIMIZER_IDS, SURFACE_IDS, strict_json


def test_surfaces_list_every_surface_with_its_record(client):
    body = strict_json(client.get("/api/v1/surfaces"))
    by_id = {s["id"]: s for s in body["surfaces"]}
    assert set(by_id) >= SURFACE_IDS
    rosenbrock = by_id["rosenbrock"]
    assert rosenbrock["dim"] == 2
    assert rosenbrock["window"] == {"x": [-2.0, 2.0], "y": [-1.0, 3.0]}
    assert rosenbrock["default_start"] == [-1.5, 2.0]
    assert rosenbrock["minima"] == [{"point": [1.0, 1.0], "value": 0.0}]
    assert {p["name"]: p["default"] for p in rosenbrock["params"]} == {"a": 1.0, "b": 100.0}
    assert by_id["parabola"]["dim"] == 1 and by_id["parabola"]["window"]["y"] is None
    assert by_id["saddle"]["saddle_points"] == [[0.0, 0.0]]
    for surface in body["surfaces"]:
        assert set(surface["suggested_lr"]) == OPTIMIZER_IDS, surface["id"]
        assert surface["formula"] and surface["description"]


def test_grid_json_and_binary_agree(client):
    request = {"surface": {"id": "rosenbrock"}, "resolution": 50}
    plain = strict_json(client.post("/api/v1/grid", json=request))
    binary = strict_json(client.post("/api/v1/grid", json={**request, "encoding": "binary"}))
    assert len(plain["x"]) == len(plain["y"]) == 50
    assert plain["x"][0] == -2.0 and plain["x"][-1] == 2.0 and plain["y"][-1] == 3.0
    z = np.array(plain["z"], dtype=float)
    assert z.shape == (50, 50)
    # Row j is y[j]: f(x[0], y[0]) = (1 + 2)^2 + 100 (-1 - 4)^2.
    assert z[0, 0] == pytest.approx(9 + 2500)
    assert plain["z_min"] == pytest.approx(z.min()) and plain["z_max"] == pytest.approx(z.max())
    spec = binary["z"]
    assert spec["dtype"] == "f4" and spec["shape"] == [50, 50]
    decoded = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f4").reshape(50, 50)
    np.testing.assert_allclose(decoded, z, rtol=1e-6)


def test_a_typed_array_never_carries_infinity():
    values = np.array([1.5, np.inf, -np.inf, np.nan, -np.nan, 1e300])
    for dtype, nan_bits in (("f8", 0x7FF8000000000000), ("f4", 0x7FC00000)):
        spec = orjson.loads(dumps(binary_array(values, dtype)))
        decoded = np.frombuffer(base64.b64decode(spec["bdata"]), dtype=f"<{dtype}")
        assert spec["dtype"] == dtype and spec["shape"] == [6]
        assert decoded[0] == 1.5 and not np.isinf(decoded).any()
        gaps = [1, 2, 3, 4, 5] if dtype == "f4" else [1, 2, 3, 4]  # 1e300 overflows a float32
        assert (decoded.view(f"<u{dtype[1]}")[gaps] == nan_bits).all()
        assert dtype == "f4" or decoded[5] == 1e300


def test_grid_1d_and_custom_window(client):
    body = strict_json(
        client.post(
            "/api/v1/grid",
            json={"surface": {"id": "parabola"}, "resolution": 11, "window": {"x": [0, 10]}},
        )
    )
    assert "y" not in body
    assert body["x"] == pytest.approx(list(range(11)))
    assert body["z"] == pytest.approx([(x - 3) ** 2 for x in range(11)])


def test_gradcheck_on_a_builtin_surface(client):
    body = strict_json(
        client.post(
            "/api/v1/gradcheck", json={"surface": {"id": "rosenbrock"}, "point": [-1.5, 2.0]}
        )
    )
    # Hand-derived: df/dx = -2(1 - x) - 400 x (y - x^2), df/dy = 200 (y - x^2).
    assert body["analytic"] == pytest.approx([-2 * 2.5 - 400 * -1.5 * -0.25, 200 * -0.25])
    assert body["numeric"] == pytest.approx(body["analytic"], rel=1e-6)
    assert body["ok"] is True


def test_a_binary_grid_is_gzipped_once_and_no_bigger_than_at_level_1(client):
    import gzip
    import zlib

    body = {"surface": {"id": "rosenbrock"}, "resolution": 200, "encoding": "binary"}
    raw = client.post("/api/v1/grid", json=body, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers
    packed = client.post("/api/v1/grid", json=body, headers={"accept-encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert packed.json() == raw.json()
    # The bytes on the wire are one gzip member (not gzipped again by the middleware), and no
    # bigger than the middleware's level 1 would make them.
    wire = gzip.compress(raw.content, compresslevel=1)
    sent = int(packed.headers["content-length"])
    assert sent <= len(wire) and sent < 0.8 * len(raw.content)
    stream = client.build_request(
        "POST", "/api/v1/grid", json=body, headers={"accept-encoding": "gzip"}
    )
    response = client.send(stream, stream=True)
    on_wire = b"".join(response.iter_raw())
    response.close()
    assert len(on_wire) == sent
    assert zlib.decompress(on_wire, 16 + zlib.MAX_WBITS) == raw.content


def test_a_binary_grid_goes_as_zstd_to_a_client_that_accepts_it_and_gzip_to_one_that_does_not(
    client,
):
    import zstandard

    body = {"surface": {"id": "rosenbrock"}, "resolution": 200, "encoding": "binary"}
    raw = client.post("/api/v1/grid", json=body, headers={"accept-encoding": "identity"})
    as_chrome = {"accept-encoding": "gzip, deflate, br, zstd"}
    stream = client.build_request("POST", "/api/v1/grid", json=body, headers=as_chrome)
    response = client.send(stream, stream=True)
    on_wire = b"".join(response.iter_raw())
    response.close()
    assert response.headers["content-encoding"] == "zstd"
    assert response.headers["vary"] == "Accept-Encoding"
    assert len(on_wire) == int(response.headers["content-length"]) < 0.8 * len(raw.content)
    assert zstandard.ZstdDecompressor().decompress(on_wire) == raw.content
    older = client.post("/api/v1/grid", json=body, headers={"accept-encoding": "gzip, br"})
    assert older.headers["content-encoding"] == "gzip" and older.content == raw.content
