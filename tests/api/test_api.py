"""API v1 over HTTP (in-process): the contract in DESIGN.md and the chapter's outputs."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from tests.api.helpers import strict_json, trajectory_body

SURFACE_IDS = {
    "parabola", "quadratic", "rosenbrock", "saddle", "monkey_saddle", "himmelblau", "beale",
    "booth", "matyas", "three_hump_camel", "six_hump_camel", "rastrigin", "ackley",
    "styblinski_tang", "goldstein_price", "levi_n13",
}  # fmt: skip
OPTIMIZER_IDS = {
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam",
    "radam", "adamax", "lion",
}  # fmt: skip


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert strict_json(response) == {"status": "ok"}


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


def test_optimizers_list_hyperparameters_with_defaults_and_ranges(client):
    body = strict_json(client.get("/api/v1/optimizers"))
    by_id = {o["id"]: o for o in body["optimizers"]}
    assert set(by_id) == OPTIMIZER_IDS
    adam = {h["name"]: h for h in by_id["adam"]["hyperparameters"]}
    assert adam["lr"]["default"] == 1e-3 and adam["lr"]["log_scale"] is True
    assert adam["beta1"]["default"] == 0.9 and adam["beta2"]["default"] == 0.999
    assert adam["amsgrad"]["default"] is False and adam["amsgrad"]["min"] is None
    assert {h["name"]: h["default"] for h in by_id["momentum"]["hyperparameters"]}[
        "momentum"
    ] == 0.9
    for optimizer in body["optimizers"]:
        assert optimizer["update_rule"]


def test_chapter_descent_through_the_api(client):
    body = trajectory_body(
        surface={"id": "parabola"},
        start=[0.0],
        steps=40,
        runs=[{"optimizer": "sgd", "hyperparameters": {"lr": 0.1}}],
    )
    run = strict_json(client.post("/api/v1/trajectories", json=body))["runs"][0]
    xs = [f"{run['points'][k][0]:.4f}" for k in (1, 6, 21, 40)]
    fs = [f"{run['losses'][k]:.4f}" for k in (1, 6, 21, 40)]
    assert xs == ["0.6000", "2.2136", "2.9723", "2.9996"]
    assert fs == ["5.7600", "0.6185", "0.0008", "0.0000"]
    assert run["status"] == "max_steps" and run["stopped_at"] == 40


def test_chapter_learning_rate_too_large_through_the_api(client):
    body = trajectory_body(
        surface={"id": "parabola"},
        start=[0.0],
        steps=6,
        runs=[{"optimizer": "sgd", "hyperparameters": {"lr": 1.1}}],
    )
    run = strict_json(client.post("/api/v1/trajectories", json=body))["runs"][0]
    assert [f"{p[0]:.3f}" for p in run["points"][1:]] == [
        "6.600", "-1.320", "8.184", "-3.221", "10.465", "-5.958",
    ]  # fmt: skip
    assert [f"{f:.3f}" for f in run["losses"][1:]] == [
        "12.960", "18.662", "26.874", "38.698", "55.726", "80.245",
    ]  # fmt: skip
    assert run["status"] == "max_steps"
    assert all(b > a for a, b in zip(run["losses"], run["losses"][1:], strict=False))


def test_trajectory_defaults_resolve_and_summary(client):
    body = {"surface": {"id": "himmelblau"}, "runs": [{"optimizer": "adam"}]}
    response = client.post("/api/v1/trajectories", json=body)
    assert response.status_code == 200
    data = strict_json(response)
    run = data["runs"][0]
    assert data["steps"] == 500
    assert run["label"] == "Adam"
    assert run["hyperparameters"]["lr"] == 1e-3 and run["hyperparameters"]["amsgrad"] is False
    assert len(run["points"]) == len(run["losses"]) == len(run["gradients"])
    summary = run["summary"]
    assert summary["final_loss"] == run["losses"][-1]
    assert summary["best_loss"] == min(run["losses"])
    assert summary["nearest_minimum"] is not None and summary["distance_to_minimum"] >= 0


def test_rosenbrock_sgd_diverges_with_step_reason_and_hint(client):
    body = trajectory_body(runs=[{"optimizer": "sgd", "hyperparameters": {"lr": 0.01}}])
    response = client.post("/api/v1/trajectories", json=body)
    assert response.status_code == 200
    run = strict_json(response)["runs"][0]
    assert run["status"] == "diverged"
    assert run["stopped_at"] == len(run["points"]) > 0
    assert run["reason"]
    assert "smaller learning rate" in run["message"]
    assert np.isfinite(np.array(run["points"])).all()


def test_noise_and_state_in_the_response(client):
    body = trajectory_body(
        noise={"std": 0.1, "seed": 1},
        include_state=True,
        runs=[{"optimizer": "momentum", "hyperparameters": {"lr": 1e-4}}],
        steps=10,
    )
    run = strict_json(client.post("/api/v1/trajectories", json=body))["runs"][0]
    assert len(run["noisy_gradients"]) == 10
    assert len(run["state"]["momentum_buffer"]) == 10


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


@pytest.mark.parametrize(
    ("patch", "field", "needle"),
    [
        ({"surface": {"id": "nope"}}, "surface", "rosenbrock"),
        ({"runs": [{"optimizer": "sgdx"}]}, "runs", "adam"),
        (
            {"runs": [{"optimizer": "sgd", "hyperparameters": {"learning_rate": 0.1}}]},
            "learning_rate",
            "lr",
        ),
        ({"steps": 0}, "steps", "greater than or equal to 1"),
        ({"steps": 10**9}, "steps", "less than or equal to"),
        ({"start": [1.0]}, "body", "2 coordinate"),
    ],
)
def test_bad_requests_name_the_field_and_the_limit(client, patch, field, needle):
    response = client.post("/api/v1/trajectories", json=trajectory_body(**patch))
    assert response.status_code == 422
    detail = strict_json(response)["detail"]
    assert any(field in map(str, e["loc"]) for e in detail), detail
    assert any(needle in e["msg"] for e in detail), detail


def hyperparameter_errors(client, *runs: dict) -> list[tuple[list, str, str]]:
    response = client.post("/api/v1/trajectories", json=trajectory_body(runs=list(runs)))
    assert response.status_code == 422
    return [(e["loc"], e["msg"], e["type"]) for e in strict_json(response)["detail"]]


def test_a_bad_hyperparameter_is_located_at_its_name(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "sgd"}, {"optimizer": "adam", "hyperparameters": {"lr": -1}}
    )
    assert errors == [
        (
            ["body", "runs", 1, "hyperparameters", "lr"],
            "lr must be between 1e-06 and 1e+06, not -1",
            "value_error",
        )
    ]


def test_an_unknown_hyperparameter_is_located_at_its_name_listing_the_valid_ones(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "sgd", "hyperparameters": {"lr": 0.1, "learning_rate": 0.1}}
    )
    assert errors == [
        (
            ["body", "runs", 0, "hyperparameters", "learning_rate"],
            "unknown hyperparameter 'learning_rate' for sgd;"
            " valid: lr, momentum, dampening, weight_decay, nesterov",
            "value_error",
        )
    ]


def test_every_bad_hyperparameter_gets_its_own_error(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "adam", "hyperparameters": {"lr": -1, "beta1": 2, "eps": 1e-8}}
    )
    at = ["body", "runs", 0, "hyperparameters"]
    assert [(loc, msg) for loc, msg, _ in errors] == [
        ([*at, "lr"], "lr must be between 1e-06 and 1e+06, not -1"),
        ([*at, "beta1"], "beta1 must be between 0 and 0.9999, not 2"),
    ]


def test_a_forbidden_combination_of_hyperparameters_stays_on_the_run(client):
    errors = hyperparameter_errors(
        client, {"optimizer": "nesterov", "hyperparameters": {"momentum": 0.0}}
    )
    assert errors == [
        (["body", "runs", 0], "nesterov requires momentum > 0 and dampening = 0", "value_error")
    ]


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_get_a_valid_json_422(client, bad):
    raw = (
        '{"surface": {"id": "rosenbrock"}, "steps": 10,'
        f' "runs": [{{"optimizer": "adam", "hyperparameters": {{"lr": {bad}}}}}]}}'
    )
    response = client.post(
        "/api/v1/trajectories", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    detail = strict_json(response)["detail"]
    assert any("lr" in e["loc"] for e in detail)


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


def test_large_responses_are_gzipped_and_plotly_is_served_compressed_and_cached(client):
    from app.api.routes.pages import PLOTLY_URL

    body = trajectory_body(steps=1000)
    response = client.post("/api/v1/trajectories", json=body, headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < len(response.content) / 2
    plotly_js = client.get(PLOTLY_URL, headers={"accept-encoding": "gzip"})
    assert plotly_js.headers["content-encoding"] == "gzip"
    assert "immutable" in plotly_js.headers["cache-control"]
    assert plotly_js.content.startswith(b"/**") and b"plotly.js v" in plotly_js.content[:512]
    plain = client.get(PLOTLY_URL, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == plotly_js.content
    small = client.get("/healthz", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers
