"""Networks: the data sets, the init, the losses, backprop against central differences, and
training's first steps derived by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.numerics import engine, networks
from app.numerics.optimizers import OPTIMIZERS
from app.numerics.parameters import ParameterError

STOP = engine.StopRules()


def _split(x, y, x_test=None, y_test=None) -> networks.Split:
    x = np.asarray(x, dtype=float).reshape(len(y), -1)
    x_test = np.zeros((0, x.shape[1])) if x_test is None else np.asarray(x_test, dtype=float)
    y_test = np.zeros(0) if y_test is None else np.asarray(y_test, dtype=float)
    return networks.Split(networks.DATASETS["moons"], x, np.asarray(y, float), x_test, y_test)


def _spec(optimizer_id: str, **hp) -> networks.NetworkRunSpec:
    optimizer = OPTIMIZERS[optimizer_id]
    return networks.NetworkRunSpec(optimizer, optimizer.resolve(hp))


# --- data sets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", sorted(networks.DATASETS))
def test_every_data_set_draws_n_examples_and_holds_out_its_test_fraction(dataset_id):
    dataset = networks.DATASETS[dataset_id]
    split = networks.make_data(dataset, {"n": 120, "seed": 3}, 0.25)
    assert split.x.shape == (90, dataset.inputs) and split.x_test.shape == (30, dataset.inputs)
    labels = np.concatenate([split.y, split.y_test])
    if dataset.classes:
        assert set(np.unique(labels)) == set(range(dataset.classes))
    assert np.isfinite(split.x).all() and np.isfinite(labels).all()


def test_data_sets_are_seeded():
    moons = networks.DATASETS["moons"]
    a, b = (networks.make_data(moons, {"seed": 5}, 0.2) for _ in range(2))
    c = networks.make_data(moons, {"seed": 6}, 0.2)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x, c.x)


def test_noise_zero_puts_the_moons_on_their_half_circles():
    split = networks.make_data(networks.DATASETS["moons"], {"n": 50, "noise": 0.0}, 0.0)
    upper = split.x[split.y == 0]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)


def test_a_bad_data_set_parameter_is_named():
    with pytest.raises(ParameterError) as error:
        networks.make_data(networks.DATASETS["xor"], {"n": 2.5, "colour": 1}, 0.2)
    assert set(error.value.problems) == {"n", "colour"}


# --- the network -------------------------------------------------------------------------------


def test_the_init_is_torch_linears_uniform_with_its_shapes():
    network = networks.Network((2, 16, 64, 3), "tanh")
    theta = networks.initial_parameters(network, 0)
    assert theta.size == network.parameter_count == 2 * 16 + 16 + 16 * 64 + 64 + 64 * 3 + 3
    layers = network.unflatten(theta)
    assert [(w.shape, b.shape) for w, b in layers] == [
        ((16, 2), (16,)), ((64, 16), (64,)), ((3, 64), (3,))
    ]  # fmt: skip
    for (weight, bias), fan_in in zip(layers, (2, 16, 64), strict=True):
        bound = 1 / math.sqrt(fan_in)
        both = np.concatenate([weight.ravel(), bias])
        assert np.abs(both).max() <= bound
        assert np.abs(both).max() > 0.8 * bound  # the whole range is used
    assert np.array_equal(theta, networks.initial_parameters(network, 0))
    assert not np.array_equal(theta, networks.initial_parameters(network, 1))


def test_cross_entropy_on_hand_made_logits():
    # No hidden layer, one input x = 1: logits = weight + bias. weight (2, 1) = [0, log 3],
    # bias 0 -> softmax [1/4, 3/4]; labels 1 and 0 -> losses -log(3/4) and -log(1/4).
    network = networks.Network((1, 2))
    theta = np.array([0.0, math.log(3.0), 0.0, 0.0])
    loss, grad, _ = networks.loss_and_gradient(network, theta, [[1.0], [1.0]], [1.0, 0.0])
    assert loss == pytest.approx((-math.log(0.75) - math.log(0.25)) / 2, rel=1e-15)
    # d loss / d logits = (softmax - onehot) / 2: [1/4, -1/4] and [-3/4, 3/4], summed over x = 1
    assert grad == pytest.approx([(0.25 - 0.75) / 2, (-0.25 + 0.75) / 2] * 2, rel=1e-15)


def test_squared_error_on_hand_made_data():
    network = networks.Network((1, 1), regression=True)
    theta = np.array([2.0, 0.0])  # prediction 2x; x = 1, 2 against y = 1, 1: residuals 1, 3
    loss, grad, _ = networks.loss_and_gradient(network, theta, [[1.0], [2.0]], [1.0, 1.0])
    assert loss == 5.0
    assert grad.tolist() == [(2 * 1 * 1 + 2 * 3 * 2) / 2, (2 * 1 + 2 * 3) / 2]


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("depth", range(5))
@pytest.mark.parametrize("regression", [False, True])
def test_backprop_matches_central_differences(activation, depth, regression):
    dataset = networks.DATASETS["sine" if regression else "spiral3"]
    split = networks.make_data(dataset, {"n": 24, "seed": depth}, 0.0)
    network = networks.network_for(dataset, [5, 4, 3, 6][:depth], activation)
    theta = networks.initial_parameters(network, depth) * 2.0
    check = networks.gradient_check(network, theta, split.x, split.y, eps=1e-6)
    assert check.indices.size == network.parameter_count
    assert check.forward_passes == 2 * network.parameter_count
    scale = max(1.0, np.abs(check.analytic).max())
    assert check.max_abs_error < 1e-7 * scale, (check.analytic, check.numeric)
    assert np.abs(check.analytic).max() > 1e-3  # a gradient worth checking


def _numpy_loss_and_gradient(network, theta, x, y):
    """The mean cross-entropy and its gradient in numpy matrices (an independent reference)."""
    act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0),
           "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z))}[network.activation]  # fmt: skip
    layers = network.unflatten(theta)
    values = [np.asarray(x, dtype=float)]
    for i, (weight, bias) in enumerate(layers):
        z = values[-1] @ weight.T + bias
        values.append(z if i == len(layers) - 1 else act(z))
    logits = values[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    labels = np.asarray(y, dtype=int)
    m = len(labels)
    delta = (np.exp(log_p) - np.eye(logits.shape[1])[labels]) / m
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        weight, _ = layers[i]
        grads[:0] = [(delta.T @ values[i]).ravel(), delta.sum(axis=0)]
        if i > 0:
            a = values[i]
            slope = {"tanh": 1.0 - a * a, "relu": (a > 0.0) * 1.0, "sigmoid": a * (1.0 - a)}
            delta = (delta @ weight) * slope[network.activation]
    return -log_p[np.arange(m), labels].mean(), np.concatenate(grads)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("hidden", [[16, 16], [7, 5, 9]])
@pytest.mark.parametrize("n", [40, 41, 42, 43])
def test_the_blocked_backprop_matches_numpy_for_every_remainder(activation, hidden, n):
    # backprop takes the examples four at a time and the deltas below four units at a pass,
    # then the rest one by one: n and the widths cover every remainder of four
    dataset = networks.DATASETS["spiral3"]
    split = networks.make_data(dataset, {"n": n, "seed": 3}, 0.0)
    network = networks.network_for(dataset, hidden, activation)
    theta = networks.initial_parameters(network, 1) * 2.0
    loss, grad, _ = networks.loss_and_gradient(network, theta, split.x, split.y)
    want_loss, want = _numpy_loss_and_gradient(network, theta, split.x, split.y)
    assert len(split.y) == n
    assert loss == pytest.approx(want_loss, rel=1e-13)
    assert np.max(np.abs(grad - want)) < 1e-13 * np.abs(want).max()
    assert np.abs(want).max() > 1e-3


def test_the_gradient_check_on_a_sample_of_parameters():
    dataset = networks.DATASETS["moons"]
    split = networks.make_data(dataset, {"n": 30}, 0.0)
    network = networks.network_for(dataset, [8, 8], "tanh")
    theta = networks.initial_parameters(network, 0)
    _, grad, _ = networks.loss_and_gradient(network, theta, split.x, split.y)
    check = networks.gradient_check(network, theta, split.x, split.y, indices=[0, 17, 100])
    assert check.forward_passes == 6
    assert check.analytic.tolist() == grad[[0, 17, 100]].tolist()
    assert check.max_abs_error < 1e-8


def test_the_forward_pass_keeps_each_layers_values():
    network = networks.Network((1, 2, 1), "relu", regression=True)
    # hidden = relu([1, -1] x + [0, 0]); output = [3, 5] . hidden + 1
    theta = np.array([1.0, -1.0, 0.0, 0.0, 3.0, 5.0, 1.0])
    _, _, values = networks.loss_and_gradient(network, theta, [[2.0], [-1.0]], [0.0, 0.0])
    assert values.tolist() == [[2.0, 2.0, 0.0, 7.0], [-1.0, 0.0, 1.0, 6.0]]


# --- training ----------------------------------------------------------------------------------


def _line():
    """A 1-1 linear net on two points: prediction w x + b, x = 1, 2, y = 2, 5."""
    return networks.Network((1, 1), regression=True), _split([1.0, 2.0], [2.0, 5.0])


def _mse_grad(w, b):
    r1, r2 = w + b - 2.0, 2 * w + b - 5.0
    return (r1**2 + r2**2) / 2, np.array([(2 * r1 + 2 * r2 * 2) / 2, (2 * r1 + 2 * r2) / 2])


def test_the_first_sgd_steps_by_hand():
    network, data = _line()
    theta = np.array([0.5, -0.5])
    (run,) = networks.train(network, data, theta, [_spec("sgd", lr=0.1)], 2, STOP)
    p = theta.copy()
    for k in range(3):
        loss, g = _mse_grad(*p)
        assert run.losses[k] == pytest.approx(loss, rel=1e-14)
        assert run.gradient_norms[k, 0] == pytest.approx(np.linalg.norm(g), rel=1e-14)
        if k < 2:
            p = p - 0.1 * g
    assert run.final_parameters == pytest.approx(p, rel=1e-14)


def test_the_first_adam_steps_by_hand():
    network, data = _line()
    theta = np.array([0.5, -0.5])
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    (run,) = networks.train(network, data, theta, [_spec("adam", lr=lr)], 2, STOP)
    p, m, v = theta.copy(), np.zeros(2), np.zeros(2)
    for t in (1, 2):
        _, g = _mse_grad(*p)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        assert run.losses[t] == pytest.approx(_mse_grad(*p)[0], rel=1e-13)
    assert run.final_parameters == pytest.approx(p, rel=1e-13)
    # Adam's first step moves each coordinate by about lr, whatever the gradient's size
    first = networks.train(network, data, theta, [_spec("adam", lr=lr)], 1, STOP)[0]
    assert np.abs(first.final_parameters - theta) == pytest.approx([lr, lr], rel=1e-6)


def _moons_run(**kw):
    dataset = networks.DATASETS["moons"]
    split = networks.make_data(dataset, {"n": 60}, 0.25)
    network = networks.network_for(dataset, [6], "tanh")
    theta = networks.initial_parameters(network, 0)
    runs = [_spec("sgd", lr=0.3), _spec("adam", lr=0.02)]
    return networks.train(network, split, theta, runs, 40, STOP, **kw), split


def test_batch_size_n_is_full_batch_bit_for_bit():
    full, split = _moons_run()
    n = len(split.x)
    same, _ = _moons_run(batching=engine.Batching(n, seed=4))
    minibatch, _ = _moons_run(batching=engine.Batching(n - 1, seed=4))
    for a, b, c in zip(full, same, minibatch, strict=True):
        assert a.losses.tobytes() == b.losses.tobytes()
        assert a.final_parameters.tobytes() == b.final_parameters.tobytes()
        assert not np.array_equal(a.losses, c.losses)


def test_training_is_repeatable_and_minibatches_follow_their_seed():
    a, _ = _moons_run(batching=engine.Batching(8, seed=1))
    b, _ = _moons_run(batching=engine.Batching(8, seed=1))
    c, _ = _moons_run(batching=engine.Batching(8, seed=2))
    assert all(x.losses.tobytes() == y.losses.tobytes() for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].losses, c[0].losses)


def test_training_learns_the_moons_and_reports_test_accuracy():
    runs, _ = _moons_run()
    adam = runs[1]
    assert adam.losses[-1] < 0.6 * adam.losses[0]
    assert (
        adam.accuracies[-1] >= 0.8 > adam.accuracies[0] and 0.0 <= adam.test_accuracies[-1] <= 1.0
    )
    assert len(adam.losses) == len(adam.test_losses) == 41
    assert adam.gradient_norms.shape == (41, 2)
    # the snapshots are the parameters at their steps: the last one is the final parameters
    assert adam.snapshot_steps[0] == 0 and adam.snapshot_steps[-1] == 40
    assert np.array_equal(adam.snapshots[-1], adam.final_parameters)


def test_a_run_diverges_with_the_surfaces_reason():
    network, data = _line()
    (run,) = networks.train(network, data, np.array([0.5, -0.5]), [_spec("sgd", lr=50.0)], 500,
                            STOP)  # fmt: skip
    assert run.status == "diverged"
    assert run.reason in engine.reason_texts(STOP).values()
    assert len(run.losses) == run.stopped_at and np.isfinite(run.losses).all()
    assert run.message.startswith(f"diverged at step {run.stopped_at}")


def test_a_run_converges_on_the_gradient_norm():
    network, data = _line()
    stop = engine.StopRules(grad_tol=1e-6)
    (run,) = networks.train(network, data, np.array([0.5, -0.5]), [_spec("sgd", lr=0.1)], 5000,
                            stop)  # fmt: skip
    assert run.status == "converged"
    assert np.linalg.norm(run.gradient_norms[-1]) <= 1e-6 < np.linalg.norm(run.gradient_norms[-2])
    assert run.final_parameters == pytest.approx([3.0, -1.0], abs=1e-5)  # y = 3x - 1


def test_predict_gives_probabilities_that_sum_to_one():
    runs, split = _moons_run()
    _, _, points = networks.plane_grid(split, 7)
    network = networks.network_for(networks.DATASETS["moons"], [6], "tanh")
    probabilities = networks.predict(network, runs[1].snapshots, points)
    assert probabilities.shape == (len(runs[1].snapshots), 2, 49)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    last = probabilities[-1].argmax(axis=0)
    _, _, values = networks.loss_and_gradient(network, runs[1].final_parameters, points,
                                              np.zeros(49))  # fmt: skip
    assert np.array_equal(last, values[:, -2:].argmax(axis=1))


def test_the_compiled_tanh_is_within_2_ulps_of_numpys_with_its_sign():
    # A 1-1-1 network with weight 1 and bias -0 hands each input to the hidden layer's tanh
    # unchanged (-0 + z is z, -0 included).
    from app.numerics.kernels import network as kernel

    rng = np.random.default_rng(0)
    z = np.concatenate([
        rng.uniform(-1, 1, 400_000), rng.uniform(-25, 25, 400_000),
        3 * rng.standard_normal(200_000),
        [0.0, -0.0, 0.625, -0.625, np.nextafter(0.625, 0), 20.0, 21.0, 1e-300, 5e-324, 700.0,
         -700.0, np.inf, -np.inf],
    ])  # fmt: skip
    values = np.empty((3, 1, z.size))
    theta = np.array([1.0, -0.0, 1.0, 0.0])
    sizes = np.array([1, 1, 1], dtype=np.int64)
    kernel.forward(sizes, kernel.TANH, theta, z[:, None].copy(), np.arange(z.size), values)
    ours, exact = values[1, 0], np.tanh(z)
    ulps = np.abs(ours - exact) / np.spacing(np.maximum(np.abs(exact), np.finfo(float).tiny))
    assert ulps.max() <= 2.0
    assert np.array_equal(np.signbit(ours), np.signbit(exact))
    kernel.forward(sizes, kernel.TANH, theta, np.array([[np.nan]]), np.arange(1), values)
    assert np.isnan(values[1, 0, 0])
