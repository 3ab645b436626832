"""Planes through a network's parameter space: PCA against numpy's SVD, filter normalisation
row by row, the interpolation plane holding its paths' ends, and the paths' losses against the
runs' own and against direct forward passes."""

from __future__ import annotations

import numpy as np
import pytest

from app.numerics import engine, landscape, networks
from app.numerics.optimizers import OPTIMIZERS

STOP = engine.StopRules(grad_tol=0.0)


@pytest.fixture(scope="module")
def trained():
    dataset = networks.DATASETS["moons"]
    split = networks.make_data(dataset, {"n": 120}, 0.25)
    network = networks.network_for(dataset, [5, 4], "tanh")
    theta0 = networks.initial_parameters(network, 3)
    specs = [
        networks.NetworkRunSpec(OPTIMIZERS[o], OPTIMIZERS[o].resolve({"lr": lr}))
        for o, lr in (("sgd", 0.2), ("adam", 0.02), ("momentum", 0.05))
    ]
    runs = networks.train(network, split, theta0, specs, 60, STOP, snapshots=13)
    return network, split, theta0, runs


def _landscape(trained, plane, runs=None, **options):
    network, split, theta0, all_runs = trained
    chosen = all_runs if runs is None else all_runs[:runs]
    return landscape.landscape(network, split.x, split.y, theta0, chosen, plane, 9, **options)


def test_pca_directions_are_orthonormal_and_explain_what_numpys_svd_says(trained):
    result = _landscape(trained, "pca")
    d = result.directions
    assert d.shape == (2, trained[2].size)
    assert np.allclose(d @ d.T, np.eye(2), atol=1e-12)
    points = np.vstack([landscape.path_points(run)[1] for run in trained[3]])
    centred = points - points.mean(axis=0)
    _, s, vt = np.linalg.svd(centred)
    assert np.allclose(result.explained_variance, s[:2] ** 2 / np.sum(s**2), rtol=1e-12)
    for k in range(2):  # the same directions, up to sign
        assert abs(abs(vt[k] @ d[k]) - 1.0) < 1e-9
    assert np.allclose(result.origin, points.mean(axis=0))


def test_random_directions_are_filter_normalised_row_by_row_with_biases_zeroed(trained):
    network, _, _, runs = trained
    result = _landscape(trained, "random", seed=7)
    centre = runs[0].final_parameters
    assert result.centre == "final" and np.array_equal(result.origin, centre)
    for direction in result.directions:
        for (w, b), (cw, _) in zip(
            network.unflatten(direction), network.unflatten(centre), strict=True
        ):
            assert np.array_equal(b, np.zeros_like(b))
            for row, centre_row in zip(w, cw, strict=True):
                assert np.linalg.norm(row) == pytest.approx(np.linalg.norm(centre_row), rel=1e-12)
    again = _landscape(trained, "random", seed=7).directions
    other = _landscape(trained, "random", seed=8).directions
    assert np.array_equal(again, result.directions) and not np.allclose(other, again)


def test_the_interpolation_plane_holds_each_paths_ends_and_its_loss_there_is_the_true_one(trained):
    result = _landscape(trained, "interpolation", runs=2)
    d = result.directions
    assert np.allclose(d @ d.T, np.eye(2), atol=1e-12)
    for path in result.paths:
        for end in (0, -1):
            assert path.distance_from_plane[end] < 1e-12
            assert path.plane_loss[end] == pytest.approx(path.true_loss[end], rel=1e-10)
    # u runs along initial -> run 0's final: that final is at (|final - initial|, 0)
    first = result.paths[0]
    length = np.linalg.norm(trained[3][0].final_parameters - trained[2])
    assert (first.u[-1], first.v[-1]) == (pytest.approx(length), pytest.approx(0.0, abs=1e-12))
    assert (first.u[0], first.v[0]) == (0.0, 0.0)


def test_with_one_run_interpolation_is_the_line_from_initial_to_final(trained):
    result = _landscape(trained, "interpolation", runs=1)
    assert result.directions.shape[0] == 1 and result.v is None and result.loss.shape == (9,)
    path = result.paths[0]
    assert path.v is None and np.all(path.distance_from_plane[[0, -1]] < 1e-12)


def test_true_loss_is_the_runs_own_loss_at_the_same_steps(trained):
    runs = trained[3]
    for plane in landscape.PLANES:
        result = _landscape(trained, plane)
        for path, run in zip(result.paths, runs, strict=True):
            assert path.steps.tolist() == run.snapshot_steps
            assert np.array_equal(path.true_loss, run.losses[path.steps])


def test_plane_loss_is_the_loss_at_the_projected_point(trained):
    network, split, _, runs = trained
    result = _landscape(trained, "pca")
    path, points = result.paths[1], landscape.path_points(runs[1])[1]
    projected = result.origin + np.stack([path.u, path.v], 1) @ result.directions
    direct = np.array(
        [networks.loss_and_gradient(network, p, split.x, split.y)[0] for p in projected]
    )
    assert np.allclose(path.plane_loss, direct, rtol=1e-12)
    assert np.allclose(np.linalg.norm(points - projected, axis=1), path.distance_from_plane)
    # the residual is orthogonal to the plane: the projection is the plane's nearest point
    assert np.allclose((points - projected) @ result.directions.T, 0.0, atol=1e-10)


def test_the_grid_is_the_loss_at_each_cell_and_covers_the_paths(trained):
    network, split, *_ = trained
    result = _landscape(trained, "pca")
    assert result.loss.shape == (9, 9)
    j, i = 6, 2
    theta = result.origin + result.u[i] * result.directions[0] + result.v[j] * result.directions[1]
    assert result.loss[j, i] == pytest.approx(
        networks.loss_and_gradient(network, theta, split.x, split.y)[0], rel=1e-12
    )
    for path in result.paths:
        assert result.u[0] < path.u.min() and path.u.max() < result.u[-1]
        assert result.v[0] < path.v.min() and path.v.max() < result.v[-1]
    assert result.loss_min == pytest.approx(np.nanmin(result.loss))


def test_span_sets_the_grid_and_random_covers_at_least_the_unit_window(trained):
    assert _landscape(trained, "pca", span=0.5).u.tolist() == np.linspace(-0.5, 0.5, 9).tolist()
    random = _landscape(trained, "random")
    assert random.u[0] <= -1.0 and random.u[-1] >= 1.0


def test_lines_run_from_the_initial_loss_to_the_final_loss(trained):
    runs = trained[3]
    result = _landscape(trained, "pca")
    start, end = list(result.line_alpha).index(0.0), int(np.argmin(abs(result.line_alpha - 1)))
    assert result.line_alpha[end] == pytest.approx(1.0)
    for line, run in zip(result.lines, runs, strict=True):
        assert line[start] == pytest.approx(run.losses[0], rel=1e-12)
        assert line[end] == pytest.approx(run.losses[-1], rel=1e-10)


def test_a_run_that_did_not_move_still_gets_a_full_rank_plane(trained):
    network, split, theta0, _ = trained
    sgd = networks.NetworkRunSpec(OPTIMIZERS["sgd"], OPTIMIZERS["sgd"].resolve({}))
    converged_at_once = engine.StopRules(grad_tol=1e9)
    runs = networks.train(network, split, theta0, [sgd, sgd], 5, converged_at_once)
    assert [len(run.losses) for run in runs] == [1, 1]
    for plane in ("pca", "interpolation"):
        result = landscape.landscape(network, split.x, split.y, theta0, runs, plane, 5)
        d = result.directions
        assert np.allclose(d @ d.T, np.eye(2), atol=1e-12)
        assert np.isfinite(result.loss).all() and np.isfinite(result.u).all()


def test_chunked_and_parallel_losses_equal_one_call(trained, monkeypatch):
    theta0 = trained[2]
    result = _landscape(trained, "pca")
    monkeypatch.setattr(landscape, "CHUNK_BYTES", 8 * theta0.size * 7)
    monkeypatch.setattr(landscape, "PARALLEL_EXAMPLE_PASSES", 1)
    again = _landscape(trained, "pca")
    assert np.array_equal(result.loss, again.loss)


def test_a_bad_plane_or_centre_is_refused(trained):
    with pytest.raises(ValueError, match="plane"):
        _landscape(trained, "hessian")
    with pytest.raises(ValueError, match="centre"):
        _landscape(trained, "interpolation", centre="mean")


def test_on_a_random_plane_the_projection_is_still_the_nearest_point(trained):
    runs = trained[3]
    result = _landscape(trained, "random", seed=2)
    points = landscape.path_points(runs[2])[1]
    path = result.paths[2]
    projected = result.origin + np.stack([path.u, path.v], 1) @ result.directions
    assert np.allclose((points - projected) @ result.directions.T, 0.0, atol=1e-9)
    assert np.allclose(np.linalg.norm(points - projected, axis=1), path.distance_from_plane)
