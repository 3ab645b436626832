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

from app.numerics.kernels import data as kernel_data
from app.numerics.kernels import evaluate, walk
from app.numerics.parameters import Param, validate
from app.numerics.surfaces import EvaluationCost, Minimum, Surface, Window


@dataclass(frozen=True)
class Sample:
    """The examples, and which per-example loss of z = w x + b is averaged over them."""

    x: np.ndarray
    y: np.ndarray
    loss: int
    """``kernels.data``'s loss kind: LINEAR (squared error) or LOGISTIC (cross-entropy)."""
    per_example: int
    """Array elements one example costs in a loss-and-gradient evaluation, in units of one
    multiply-add (a transcendental counts several): what the cost model charges per example."""
    examples: np.ndarray
    """(2, n): x and y, as the kernels read them."""

    @property
    def size(self) -> int:
        return len(self.x)

    def minibatch(self, indices: np.ndarray, w, b) -> tuple[Any, tuple[Any, Any]]:
        """Mean loss and gradient over the examples ``indices``.

        ``w`` and ``b`` are floats with ``indices`` of shape (k,), or arrays of shape (runs,)
        with ``indices`` of shape (runs, k): one mini-batch per run.
        """
        single = np.ndim(w) == 0
        points = np.ascontiguousarray(np.stack([np.ravel(w), np.ravel(b)], axis=1), dtype=float)
        rows = np.ascontiguousarray(np.atleast_2d(indices), dtype=np.int64)
        values, grads = np.empty(len(points)), np.empty((len(points), 2))
        walk.batch_losses_at(evaluate.DATA + self.loss, self.examples, rows, points, values, grads)
        if single:
            return float(values[0]), (float(grads[0, 0]), float(grads[0, 1]))
        return values, (grads[:, 0], grads[:, 1])


def _sample(x: np.ndarray, y: np.ndarray, loss: int, per_example: int) -> Sample:
    examples = np.ascontiguousarray(np.stack([x, y]))
    for array in (x, y, examples):
        array.flags.writeable = False  # every request shares them (``_build``'s cache)
    return Sample(x, y, loss, per_example, examples)


SQUARED_ERROR_COST = 1
"""z, the residual, its square and slope, the sums: about 3 ns per example compiled."""


CROSS_ENTROPY_COST = 24
"""exp, log1p and tanh per example: about 63 ns, 24 times the squared error's time."""


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    name: str
    description: str
    params: tuple[Param, ...]
    build: Callable[[Mapping[str, float]], Surface]

    def resolve_params(self, overrides: Mapping[str, float] | None) -> dict[str, float]:
        return validate(self.params, overrides, f"data set '{self.id}'")


SUGGESTED_LR = {
    "sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5, "rmsprop": 0.02,
    "adadelta": 10.0, "adam": 0.1, "adamw": 0.1, "nadam": 0.1, "radam": 0.1, "adamax": 0.1,
    "lion": 0.02,
}  # fmt: skip


def _surface(
    spec_id: str, name: str, formula: str, description: str, sample: Sample, minimum
) -> Surface:
    w_star, b_star = minimum
    kind = evaluate.DATA + sample.loss
    best = float(kernel_data.value(sample.loss, sample.examples, w_star, b_star))
    return Surface(
        id=spec_id,
        name=name,
        dim=2,
        formula=formula,
        description=description,
        params=(),
        kernel=kind,
        window=Window((w_star - 4.0, w_star + 4.0), (b_star - 4.0, b_star + 4.0)),
        # Round numbers, as a person would type them: within half a unit of (w* - 3, b* + 3).
        default_start=(float(round(w_star - 3.0)), float(round(b_star + 3.0))),
        minima=lambda p: (Minimum((w_star, b_star), best),),
        saddle_points=lambda p: (),
        suggested_lr=SUGGESTED_LR,
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
    sample = _sample(x, y, kernel_data.LINEAR, SQUARED_ERROR_COST)
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
    sample = _sample(x, y, kernel_data.LOGISTIC, CROSS_ENTROPY_COST)
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
    Param("n", 200, 2, 5000, "Number of examples.", integer=True),
    Param("seed", 0, 0, 2**31 - 1, "Seed of the generated data.", integer=True),
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
    return DATASETS[dataset_id].build(dict(params))
