"""Losses over real (generated, seeded) data: the surfaces where mini-batches mean something.

A data set surface is a ``Surface`` over two model parameters (w, b) whose loss is an
average over examples. Its ``data`` field is a ``Sample``: the examples, and the loss and
gradient of any subset of them (a mini-batch), so the engine can run batch, stochastic and
mini-batch descent on it.

- ``linear_regression``: y = w* x + b* + noise; loss = mean squared error. Its minimum is
  the least-squares solution, computed in closed form.
- ``logistic_regression``: two overlapping classes on a line; p(y=1 | x) = sigmoid(w x + b);
  loss = mean cross-entropy. Convex; its minimum is found with Newton's method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from app.numerics.surfaces import (
    OPTIMIZER_IDS,
    EvaluationCost,
    Minimum,
    Param,
    Surface,
    Window,
    resolve_params,
)

CHUNK = 1 << 20
"""Grid points x examples evaluated at once, bounding memory for a fine contour grid."""


@dataclass(frozen=True)
class Sample:
    """The examples and the per-example loss and its gradient in (w, b)."""

    x: np.ndarray
    y: np.ndarray
    loss_terms: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    """``(z, y) -> (loss_i, dloss_i/dz)`` for the model output z = w x + b."""
    per_example: int
    """Array elements one example costs in a loss-and-gradient evaluation, in units of one
    multiply-add (a transcendental counts several): what the cost model charges per example."""

    @property
    def size(self) -> int:
        return len(self.x)

    def minibatch(self, indices: np.ndarray, w, b) -> tuple[Any, tuple[Any, Any]]:
        """Mean loss and gradient over the examples ``indices``.

        ``w`` and ``b`` are floats with ``indices`` of shape (k,), or arrays of shape (runs,)
        with ``indices`` of shape (runs, k): one mini-batch per run.
        """
        x, y = self.x[indices], self.y[indices]
        w, b = np.asarray(w, dtype=float), np.asarray(b, dtype=float)
        with np.errstate(all="ignore"):
            z = w[..., None] * x + b[..., None]
            loss, slope = self.loss_terms(z, y)
            result = loss.mean(axis=-1), ((slope * x).mean(axis=-1), slope.mean(axis=-1))
        if result[0].ndim == 0:
            return float(result[0]), (float(result[1][0]), float(result[1][1]))
        return result

    def full_loss(self, w, b):
        """Mean loss over every example; broadcasts over any shape of (w, b), in chunks."""
        w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
        flat_w, flat_b = w.ravel(), b.ravel()
        out = np.empty(flat_w.shape)
        step = max(1, CHUNK // self.size)
        with np.errstate(all="ignore"):
            for start in range(0, len(flat_w), step):
                part = slice(start, start + step)
                z = flat_w[part, None] * self.x + flat_b[part, None]
                out[part] = self.loss_terms(z, self.y)[0].mean(axis=-1)
        return float(out[0]) if w.ndim == 0 else out.reshape(w.shape)

    def full_grad(self, w, b):
        w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
        flat_w, flat_b = w.ravel(), b.ravel()
        gw, gb = np.empty(flat_w.shape), np.empty(flat_w.shape)
        step = max(1, CHUNK // self.size)
        with np.errstate(all="ignore"):
            for start in range(0, len(flat_w), step):
                part = slice(start, start + step)
                z = flat_w[part, None] * self.x + flat_b[part, None]
                slope = self.loss_terms(z, self.y)[1]
                gw[part], gb[part] = (slope * self.x).mean(axis=-1), slope.mean(axis=-1)
        if w.ndim == 0:
            return float(gw[0]), float(gb[0])
        return gw.reshape(w.shape), gb.reshape(w.shape)


def _squared_error(z: np.ndarray, y: np.ndarray):
    r = z - y
    return r * r, 2.0 * r


SQUARED_ERROR_COST = 6
"""z, the residual, its square, its slope and the two means: about 30 ns per example for a loss
and gradient (bench/cost.py), six plain array elements."""


def _cross_entropy(z: np.ndarray, y: np.ndarray):
    # softplus(z) - y z, written so that large |z| neither overflows nor loses precision.
    loss = np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z
    return loss, 0.5 * (1.0 + np.tanh(0.5 * z)) - y


CROSS_ENTROPY_COST = 24
"""exp, log1p and tanh per example: about 4x the squared error's time (bench/cost.py)."""


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    name: str
    description: str
    params: tuple[Param, ...]
    build: Callable[[Mapping[str, float]], Surface]

    def resolve_params(self, overrides: Mapping[str, float] | None) -> dict[str, float]:
        resolved = resolve_params(self.params, overrides, f"data set '{self.id}'")
        resolved["n"] = float(int(resolved["n"]))
        resolved["seed"] = float(int(resolved["seed"]))
        return resolved


SUGGESTED_LR = {
    "sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5, "rmsprop": 0.02,
    "adadelta": 10.0, "adam": 0.1, "adamw": 0.1, "nadam": 0.1, "radam": 0.1, "adamax": 0.1,
    "lion": 0.02,
}  # fmt: skip


def _surface(
    spec_id: str, name: str, formula: str, description: str, sample: Sample, minimum
) -> Surface:
    w_star, b_star = minimum
    best = float(sample.full_loss(w_star, b_star))

    def value(xp, p, w, b):
        return sample.full_loss(w, b)

    def grad(xp, p, w, b):
        return sample.full_grad(w, b)

    return Surface(
        id=spec_id,
        name=name,
        dim=2,
        formula=formula,
        description=description,
        params=(),
        value=value,
        grad=grad,
        window=Window((w_star - 4.0, w_star + 4.0), (b_star - 4.0, b_star + 4.0)),
        default_start=(round(w_star - 3.0, 6), round(b_star + 3.0, 6)),
        minima=lambda p: (Minimum((w_star, b_star), best),),
        saddle_points=lambda p: (),
        suggested_lr={key: SUGGESTED_LR[key] for key in OPTIMIZER_IDS},
        cost=EvaluationCost(1, sample.size * sample.per_example, sample.per_example),
        data=sample,
    )


def least_squares(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The (w, b) minimising mean (w x + b - y)^2: the normal equations, solved exactly."""
    design = np.stack([x, np.ones_like(x)], axis=1)
    solution, *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(solution[0]), float(solution[1])


def _linear_regression(p: Mapping[str, float]) -> Surface:
    rng = np.random.default_rng(int(p["seed"]))
    n = int(p["n"])
    x = rng.uniform(-1.0, 3.0, n)
    y = p["w_true"] * x + p["b_true"] + p["noise"] * rng.standard_normal(n)
    sample = Sample(x, y, _squared_error, SQUARED_ERROR_COST)
    return _surface(
        "linear_regression",
        "Linear regression",
        r"\frac{1}{n}\sum_i (w x_i + b - y_i)^2",
        f"Fit a line to {n} noisy points: the mean squared error over (w, b) is a tilted bowl "
        "whose bottom is the least-squares line.",
        sample,
        least_squares(x, y),
    )


def logistic_minimum(sample: Sample, iterations: int = 50) -> tuple[float, float]:
    """Newton's method on the convex cross-entropy from (0, 0)."""
    w = np.zeros(2)
    design = np.stack([sample.x, np.ones_like(sample.x)], axis=1)
    for _ in range(iterations):
        z = design @ w
        s = 0.5 * (1.0 + np.tanh(0.5 * z))
        gradient = design.T @ (s - sample.y) / sample.size
        hessian = (design * (s * (1 - s))[:, None]).T @ design / sample.size
        w = w - np.linalg.solve(hessian, gradient)
        if np.abs(gradient).max() < 1e-14:
            break
    return float(w[0]), float(w[1])


def _logistic_regression(p: Mapping[str, float]) -> Surface:
    rng = np.random.default_rng(int(p["seed"]))
    n = int(p["n"])
    y = (np.arange(n) % 2).astype(float)
    x = (y - 0.5) * p["separation"] + rng.standard_normal(n)
    sample = Sample(x, y, _cross_entropy, CROSS_ENTROPY_COST)
    return _surface(
        "logistic_regression",
        "Logistic regression",
        r"\frac{1}{n}\sum_i \log(1 + e^{z_i}) - y_i z_i,\quad z_i = w x_i + b",
        f"Separate two overlapping classes of {n} points with a sigmoid: the cross-entropy "
        "over (w, b) is convex, with its minimum at the best decision boundary.",
        sample,
        logistic_minimum(sample),
    )


_COMMON = (
    Param("n", 200, 2, 5000, "Number of examples."),
    Param("seed", 0, 0, 2**31 - 1, "Seed of the generated data."),
)

DATASETS: dict[str, DatasetSpec] = {
    spec.id: spec
    for spec in (
        DatasetSpec(
            "linear_regression",
            "Linear regression",
            "Noisy points around a line y = w* x + b*; loss: mean squared error.",
            (
                *_COMMON,
                Param("w_true", 2.0, -5.0, 5.0, "Slope of the true line."),
                Param("b_true", -1.0, -5.0, 5.0, "Intercept of the true line."),
                Param("noise", 0.5, 0.0, 5.0, "Standard deviation of the noise on y."),
            ),
            _linear_regression,
        ),
        DatasetSpec(
            "logistic_regression",
            "Logistic regression",
            "Two classes on a line, overlapping; loss: mean cross-entropy of a sigmoid.",
            (*_COMMON, Param("separation", 2.0, 0.0, 6.0, "Distance between the class means.")),
            _logistic_regression,
        ),
    )
}


def get_dataset(dataset_id: str) -> DatasetSpec:
    try:
        return DATASETS[dataset_id]
    except KeyError:
        raise ValueError(f"unknown data set id; valid: {', '.join(DATASETS)}") from None


def surface_from_dataset(dataset_id: str, overrides: Mapping[str, float] | None) -> Surface:
    """The loss surface of a data set; the same settings give the same (shared) surface."""
    spec = get_dataset(dataset_id)
    return _build(spec.id, tuple(sorted(spec.resolve_params(overrides).items())))


@lru_cache(maxsize=32)
def _build(dataset_id: str, params: tuple[tuple[str, float], ...]) -> Surface:
    # Generating the data and solving for the minimum is done once per setting, not once per
    # request (the page resolves the surface, then grids and runs on it). Read-only arrays,
    # since every request shares them.
    surface = DATASETS[dataset_id].build(dict(params))
    surface.data.x.flags.writeable = False
    surface.data.y.flags.writeable = False
    return surface
