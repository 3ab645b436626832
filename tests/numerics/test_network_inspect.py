"""Backprop for one example (networks.example_passes) against central differences of that
example's own loss, the gradient check's sample and names, and the layer norms."""

from __future__ import annotations

import numpy as np
import pytest

from app.numerics import engine, networks
from app.numerics.optimizers import OPTIMIZERS

EPS = 1e-6


def _setup(activation: str, regression: bool, hidden=(5, 4)):
    dataset = networks.DATASETS["sine" if regression else "spiral3"]
    split = networks.make_data(dataset, {"n": 20, "seed": 1}, 0.0)
    network = networks.network_for(dataset, list(hidden), activation)
    theta = networks.initial_parameters(network, 2) * 2.0
    return network, theta, split


def _example_loss(network, theta, x, y) -> float:
    """The compiled forward pass over a training set of this one example: an independent
    reference for the numpy passes."""
    return float(networks.losses_at(network, theta, np.atleast_2d(x), [y])[0])


def _bias_slice(network, layer: int) -> slice:
    start = sum(o * i + o for o, i in network.layers[:layer])
    o, i = network.layers[layer]
    return slice(start + o * i, start + o * i + o)


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
@pytest.mark.parametrize("regression", [False, True])
def test_each_layers_backward_gradients_are_central_differences_of_the_examples_loss(
    activation, regression
):
    network, theta, split = _setup(activation, regression)
    largest = 0.0
    for example in (0, 7):
        x, y = split.x[example], split.y[example]
        passes = networks.example_passes(network, theta, x, y)
        assert passes.loss == pytest.approx(_example_loss(network, theta, x, y), rel=1e-12)
        for layer in range(len(network.layers)):
            # z_l = W_l a + b_l: nudging b_l[j] nudges z_l[j] alone, by the same amount.
            bias = _bias_slice(network, layer)
            numeric = []
            for j in range(bias.stop - bias.start):
                up, down = theta.copy(), theta.copy()
                up[bias.start + j] += EPS
                down[bias.start + j] -= EPS
                diff = _example_loss(network, up, x, y) - _example_loss(network, down, x, y)
                numeric.append(diff / (2 * EPS))
            got = passes.pre_activation_gradients[layer]
            assert np.allclose(got, numeric, rtol=1e-6, atol=1e-8), (layer, got, numeric)
            if layer == len(network.layers) - 1:
                # The output is linear: a = z.
                assert np.array_equal(passes.activation_gradients[layer], got)
                continue
            # a_l enters layer l+1 as W a_l + b: nudging a_l[k] is nudging b_{l+1} by W[:, k].
            weight = network.unflatten(theta)[layer + 1][0]
            above = _bias_slice(network, layer + 1)
            numeric = []
            for k in range(weight.shape[1]):
                up, down = theta.copy(), theta.copy()
                up[above] += EPS * weight[:, k]
                down[above] -= EPS * weight[:, k]
                diff = _example_loss(network, up, x, y) - _example_loss(network, down, x, y)
                numeric.append(diff / (2 * EPS))
            got = passes.activation_gradients[layer]
            assert np.allclose(got, numeric, rtol=1e-6, atol=1e-8), (layer, got, numeric)
        numeric = []
        for k in range(len(x)):
            step = EPS * np.eye(len(x))[k]
            diff = _example_loss(network, theta, x + step, y)
            diff -= _example_loss(network, theta, x - step, y)
            numeric.append(diff / (2 * EPS))
        assert np.allclose(passes.input_gradient, numeric, rtol=1e-6, atol=1e-8)
        largest = max(largest, np.abs(passes.pre_activation_gradients[0]).max())
    assert largest > 1e-4  # the first layer had gradients worth checking


def test_the_forward_values_are_the_kernels():
    network, theta, split = _setup("tanh", False, hidden=(6, 3))
    x, y = split.x[4], split.y[4]
    passes = networks.example_passes(network, theta, x, y)
    _, _, values = networks.loss_and_gradient(network, theta, x[None, :], [y])
    columns = np.cumsum(network.sizes)
    for layer, activation in enumerate(passes.activations):
        kept = values[0, columns[layer] : columns[layer + 1]]
        assert np.allclose(activation, kept, rtol=1e-13, atol=1e-15)
    weight, bias = network.unflatten(theta)[0]
    assert np.allclose(passes.pre_activations[0], weight @ x + bias)
    assert np.allclose(passes.activations[0], np.tanh(passes.pre_activations[0]))


def test_the_examples_gradients_average_to_backprops():
    """The weights' gradient on the set is the mean over the examples of dL/dz_l a_{l-1}^T:
    the numpy passes, example by example, against the compiled backprop on all of them."""
    network, theta, split = _setup("sigmoid", False)
    _, grad, _ = networks.loss_and_gradient(network, theta, split.x, split.y)
    total = np.zeros_like(theta)
    for x, y in zip(split.x, split.y, strict=True):
        passes = networks.example_passes(network, theta, x, y)
        below = [x, *passes.activations[:-1]]
        parts = []
        for d_z, a in zip(passes.pre_activation_gradients, below, strict=True):
            parts += [np.outer(d_z, a).ravel(), d_z]
        total += np.concatenate(parts)
    assert np.allclose(total / len(split.x), grad, rtol=1e-10, atol=1e-13)


def test_the_check_table_compares_a_seeded_sample():
    network, theta, split = _setup("tanh", False)
    sample = networks.check_sample(network, 12, seed=5)
    assert sample.size == 12 and len(set(sample.tolist())) == 12
    assert np.all(np.diff(sample) > 0) and sample.max() < network.parameter_count
    assert np.array_equal(sample, networks.check_sample(network, 12, seed=5))
    assert not np.array_equal(sample, networks.check_sample(network, 12, seed=6))
    small = networks.Network((1, 2, 1), "tanh", regression=True)
    assert networks.check_sample(small, 50, seed=0).tolist() == list(range(7))
    # Every layer takes its turn: 12 over 3 layers (15, 24 and 15 parameters) is 4 each.
    assert [o * i + o for o, i in network.layers] == [15, 24, 15]
    layers = [network.layer_of(int(i)) for i in sample]
    assert [layers.count(k) for k in range(3)] == [4, 4, 4]
    # Layers 1 and 3 run out after 15 turns; layer 2 goes on alone.
    layers = [network.layer_of(int(i)) for i in networks.check_sample(network, 50, seed=1)]
    assert [layers.count(k) for k in range(3)] == [15, 20, 15]

    check = networks.gradient_check(network, theta, split.x, split.y, indices=sample)
    loss, grad, _ = networks.loss_and_gradient(network, theta, split.x, split.y)
    assert check.loss == loss and np.array_equal(check.gradient, grad)
    assert np.array_equal(check.analytic, grad[sample])
    assert np.allclose(check.numeric, check.analytic, rtol=1e-6, atol=1e-9)
    assert check.forward_passes == 24
    assert check.backprop_seconds > 0 and check.check_seconds > 0


def test_parameters_are_named_as_torch_indexes_them():
    network = networks.Network((2, 3, 2), "tanh")
    # Layer 1: W1 (3 x 2) is 0..5 row by row, b1 is 6..8; layer 2: W2 (2 x 3) 9..14, b2 15..16.
    names = [networks.parameter_name(network, i) for i in range(network.parameter_count)]
    assert names[:9] == ["W1[0][0]", "W1[0][1]", "W1[1][0]", "W1[1][1]", "W1[2][0]",
                         "W1[2][1]", "b1[0]", "b1[1]", "b1[2]"]  # fmt: skip
    assert names[9:] == ["W2[0][0]", "W2[0][1]", "W2[0][2]", "W2[1][0]", "W2[1][1]",
                         "W2[1][2]", "b2[0]", "b2[1]"]  # fmt: skip
    flat = np.arange(network.parameter_count, dtype=float)
    (_, b1), (w2, _) = network.unflatten(flat)
    assert w2[1][2] == names.index("W2[1][2]") and b1[2] == names.index("b1[2]")


def test_layer_norms_are_the_trainers():
    network, theta, split = _setup("tanh", False)
    optimizer = OPTIMIZERS["sgd"]
    spec = networks.NetworkRunSpec(optimizer, optimizer.resolve({"lr": 0.1}))
    (run,) = networks.train(network, split, theta, [spec], 3, engine.StopRules())
    _, grad, _ = networks.loss_and_gradient(network, theta, split.x, split.y)
    norms = networks.layer_norms(network, grad)
    assert np.allclose(norms, run.gradient_norms[0], rtol=1e-12)
    by_hand = [np.linalg.norm(np.r_[w.ravel(), b]) for w, b in network.unflatten(grad)]
    assert np.allclose(norms, by_hand, rtol=1e-12)
