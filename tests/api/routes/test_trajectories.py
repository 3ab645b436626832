"""POST /api/v1/trajectories: the chapter's outputs, defaults, divergence, noise and state."""

from __future__ import annotations

import numpy as np

from tests.api.helpers import strict_json, trajectory_body


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
    assert run["status"] == "diverging", "issue 16: the loss grows, so the run is diverging"
    assert run["stopped_at"] == 6 and "smaller learning rate" in run["message"]
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


def test_binary_trajectories_go_as_zstd_no_bigger_than_huffman_gzip(client):
    body = {**trajectory_body(steps=2000), "encoding": "binary"}
    raw = client.post("/api/v1/trajectories", json=body, headers={"accept-encoding": "identity"})
    zstd = client.post("/api/v1/trajectories", json=body, headers={"accept-encoding": "zstd"})
    gzip = client.post("/api/v1/trajectories", json=body, headers={"accept-encoding": "gzip"})
    assert zstd.headers["content-encoding"] == "zstd"
    assert gzip.headers["content-encoding"] == "gzip"
    assert zstd.content == gzip.content == raw.content  # httpx decodes both
    # zstd is the faster of the two by far (bench/encoding.py); here it is also no bigger.
    assert int(zstd.headers["content-length"]) <= 1.01 * int(gzip.headers["content-length"])
