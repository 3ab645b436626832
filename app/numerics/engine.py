"""Run optimizers over a surface: trajectories, stop rules, gradient noise, batching.

Points convention (DESIGN.md): ``points[0]`` is the start, ``points[k]`` the position after
k updates, ``losses[k] = f(points[k])`` and ``gradients[k] = grad f(points[k])`` (the full
gradient). When gradient noise or mini-batches are on, ``noisy_gradients[k]`` is the gradient
the optimizer actually used for update k+1 and ``batch_losses[k]`` the mini-batch's loss.

Stop rules, checked at every point in this order:

- ``diverged`` at step k when the loss at ``points[k]`` is not finite or above ``max_loss``
  in magnitude, the gradient is not finite, or a coordinate of ``points[k]`` is beyond
  ``max_coord``. Only the finite prefix ``points[:k]`` is returned (``len(points) == k``).
- ``converged`` at step k when the gradient norm at ``points[k]`` is at most ``grad_tol``.
- ``max_steps`` when k reaches the requested number of steps, or ``diverging`` when it got
  there with its loss growing: it ended well above where it started, or it rose at every one
  of its last updates (``kernels.walk``'s GROWTH_STREAK) by more than it ever fell below the
  start. Such a run has every point, like ``max_steps``, and the same hint as ``diverged``.

Every run of a request, whatever its optimizer, walks in one call of the compiled kernel
(``kernels.walk``, where the stop rules are written), so a run gives the same bits alone or
beside others. This module prepares its inputs (the noise, the mini-batch orders, the
schedules' factors) and turns its outputs into trajectories.
"""

from __future__ import annotations

import functools
import itertools
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.numerics.kernels import evaluate, rules
from app.numerics.kernels import walk as kernel
from app.numerics.optimizers import Optimizer
from app.numerics.surfaces import Surface

HINT = "try a smaller learning rate"


@dataclass(frozen=True)
class StopRules:
    grad_tol: float = 1e-6
    max_loss: float = 1e12
    max_coord: float = 1e6


@dataclass(frozen=True)
class Noise:
    """Gaussian noise added to every gradient: ``g + std * N(0, 1)``, seeded per run."""

    std: float = 0.0
    seed: int = 0


@dataclass(frozen=True)
class Batching:
    """Mini-batches of ``size`` examples of a data set surface, reshuffled every epoch."""

    size: int
    seed: int = 0


@dataclass(frozen=True)
class BatchPlan:
    """Which examples each update sees: ``order[starts[k]:ends[k]]`` for update k+1."""

    order: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    per_epoch: int
    """Updates per epoch: ceil(examples / batch size)."""

    def epoch_starts(self, updates: int) -> list[int]:
        """The update counts at which each epoch began (0, per_epoch, ...)."""
        return list(range(0, max(updates, 1), self.per_epoch))


def batch_plan(batching: Batching | None, examples: int, key, steps: int) -> BatchPlan | None:
    """Shuffle the examples afresh every epoch and walk them in batches; None for full batch."""
    if batching is None or examples == 0 or batching.size >= examples:
        return None
    size = batching.size
    per_epoch = -(-examples // size)
    epochs = -(-steps // per_epoch)
    rng = np.random.default_rng([batching.seed, *key, 1])
    order = np.concatenate([rng.permutation(examples) for _ in range(epochs)])
    epoch, within = np.divmod(np.arange(steps), per_epoch)
    starts = epoch * examples + within * size
    ends = epoch * examples + np.minimum((within + 1) * size, examples)
    return BatchPlan(order, starts, ends, per_epoch)


@dataclass(frozen=True)
class RunSpec:
    """One run: an optimizer with resolved hyperparameters, from ``start``.

    ``key`` seeds this run's noise (with ``Noise.seed``) and its mini-batch shuffling (with
    ``Batching.seed``), so a run draws the same numbers whether it is computed alone or in
    a batch; repeats of a run differ only in their key.
    """

    optimizer: Optimizer
    hyperparameters: Mapping[str, Any]
    start: tuple[float, ...]
    key: tuple[int, ...] = (0,)
    lr_scale: Sequence[float] | None = None
    """Per-update factor on the step (a learning-rate schedule as ``lr_t / lr``), or None."""


@dataclass
class Trajectory:
    points: np.ndarray
    losses: np.ndarray
    gradients: np.ndarray
    status: str
    stopped_at: int
    reason: str | None = None
    noisy_gradients: np.ndarray | None = None
    state: dict[str, np.ndarray] | None = field(default=None)
    batch_losses: np.ndarray | None = None
    """With mini-batches: the loss of the batch each update saw (at the point it left)."""
    epoch_starts: list[int] | None = None

    @property
    def message(self) -> str:
        if self.status == "converged":
            return f"converged at step {self.stopped_at}: the gradient vanished"
        if self.status == "diverged" and self.stopped_at == 0:
            return f"diverged at the start ({self.reason}): choose another start point"
        if self.status == "diverged":
            return f"diverged at step {self.stopped_at} ({self.reason}): {HINT}"
        if self.status == "diverging":
            return f"diverging after {self.stopped_at} steps ({self.reason}): {HINT}"
        return f"still going after {self.stopped_at} steps"


def simulate(
    surface: Surface,
    params: Mapping[str, float],
    runs: Sequence[RunSpec],
    steps: int,
    *,
    noise: Noise | None = None,
    stop: StopRules | None = None,
    include_state: bool = False,
    batching: Batching | None = None,
) -> list[Trajectory]:
    """Run every spec for at most ``steps`` updates; results in the order of ``runs``."""
    stop = stop or StopRules()
    noise = noise if noise is not None and noise.std > 0.0 else None
    n, dim = len(runs), surface.dim
    noise_draws = None
    if noise is not None:
        noise_draws = np.stack([draw_noise(noise, s.key, steps, dim) for s in runs])
    data = surface.data
    # Every run's shuffled order, written straight into one array (stacking a list of them
    # would hold every order twice at the peak).
    plan, orders = None, None
    for i, s in enumerate(runs):
        own = batch_plan(batching, data.size if data else 0, s.key, steps)
        if own is None:
            break
        if orders is None:
            plan, orders = own, np.empty((n, own.order.size), dtype=np.int64)
        orders[i] = own.order
    scales = None
    if any(s.lr_scale is not None for s in runs):
        scales = np.ones((n, steps))
        for i, s in enumerate(runs):
            if s.lr_scale is not None:
                scales[i] = s.lr_scale[:steps]
    return walk(
        surface,
        params,
        [s.optimizer for s in runs],
        [s.hyperparameters for s in runs],
        np.array([s.start for s in runs], dtype=float).reshape(n, dim),
        steps,
        stop,
        noise_draws=noise_draws,
        plan=plan,
        orders=orders,
        scales=scales,
        include_state=include_state,
    )


def draw_noise(noise: Noise | None, key, steps: int, dim: int) -> np.ndarray | None:
    """The noise added to each update's gradient, shape (steps, dim); None when off."""
    if noise is None:
        return None
    rng = np.random.default_rng([noise.seed, *key])
    return noise.std * rng.standard_normal((steps, dim))


@dataclass
class Outcomes:
    """Where each run of a batch ended, without its path (for sweeps and basin maps)."""

    final_points: np.ndarray
    """(runs, dim): the last valid point of each run."""
    final_losses: np.ndarray
    best_losses: np.ndarray
    status: np.ndarray
    """Per run: 0 max_steps, 1 converged, 2 diverged, 3 diverging (see ``STATUS_NAMES``)."""
    stopped_at: np.ndarray
    reasons: list[str | None]


STATUS_NAMES = ("max_steps", "converged", "diverged", "diverging")
GREW = 2
"""Status codes from this one up: the run diverged or is diverging (its loss grows)."""


def reason_texts(stop: StopRules) -> dict[int, str | None]:
    """Why a run diverged, in words, by the kernel's reason code."""
    return {
        kernel.NO_REASON: None,
        kernel.COORDINATE: f"a coordinate is beyond {stop.max_coord:g}",
        kernel.LOSS_NOT_FINITE: "the loss is not finite",
        kernel.LOSS_TOO_LARGE: f"|loss| exceeded {stop.max_loss:g}",
        kernel.GRADIENT_NOT_FINITE: "the gradient is not finite",
        kernel.GREW_OVERALL: "the loss ended well above its start",
        kernel.GREW_AT_END: "the loss rose at every one of the last steps",
    }


_EMPTY_3 = np.zeros((0, 0, 0))
_EMPTY_2 = np.zeros((0, 0))
_EMPTY_4 = np.zeros((0, 0, 0, 0))
_NO_ORDERS = np.zeros((0, 0), dtype=np.int64)
_NO_INDICES = np.zeros(0, dtype=np.int64)


def _walker(kind: int):
    if kind < evaluate.TAPE:
        return kernel.walk_builtin
    return kernel.walk_formula if kind == evaluate.TAPE else kernel.walk_data


def walk(
    surface: Surface,
    params: Mapping[str, float],
    optimizers: Optimizer | Sequence[Optimizer],
    hyperparameters: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    starts: np.ndarray,
    steps: int,
    stop: StopRules,
    *,
    noise_draws: np.ndarray | None = None,
    plan: BatchPlan | None = None,
    orders: np.ndarray | None = None,
    scales: np.ndarray | None = None,
    include_state: bool = False,
    history: bool = True,
) -> list[Trajectory] | Outcomes:
    """Every run in one call of the compiled walk.

    ``starts`` (runs, dim); ``optimizers`` and ``hyperparameters`` one per run, or one for all
    (where a float of ``hyperparameters`` may be an array with one value per run: a sweep over
    learning rates); ``noise_draws`` (runs, steps, dim); mini-batches
    ``orders[:, plan.starts[k]:plan.ends[k]]``; ``scales`` (runs, steps). With ``history``
    each run's whole path comes back as a Trajectory; without it only the outcome of every run,
    in memory independent of ``steps``.
    """
    starts = np.ascontiguousarray(starts, dtype=float)
    n, dim = starts.shape
    if dim not in (1, 2):
        raise ValueError(f"surfaces have 1 or 2 coordinates, not {dim}")
    if isinstance(optimizers, Optimizer):
        optimizers = [optimizers] * n
    codes = np.array([o.rule.code for o in optimizers], dtype=np.int64)
    hps = _hyperparameter_table(optimizers, hyperparameters, n)
    rows = steps + 1 if history else 0  # the outcome alone: the kernel writes no path
    stochastic = history and (plan is not None or noise_draws is not None)
    points = np.empty((n, rows, dim)) if history else _EMPTY_3
    losses = np.empty((n, rows)) if history else _EMPTY_2
    gradients = np.empty((n, rows, dim)) if history else _EMPTY_3
    used = np.empty((n, steps, dim)) if stochastic else _EMPTY_3
    batch_losses = np.empty((n, steps)) if plan is not None else _EMPTY_2
    states = np.empty((n, steps, rules.STATE_ROWS, dim)) if include_state else _EMPTY_4
    status, stopped_at = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    reasons = np.empty(n, dtype=np.int64)
    final_points, final_losses, best_losses = np.empty((n, dim)), np.empty(n), np.empty(n)
    program = surface.program(params)
    per_run = (codes, hps, starts)
    inputs = (
        np.ascontiguousarray(noise_draws) if noise_draws is not None else _EMPTY_3,
        np.ascontiguousarray(orders, dtype=np.int64) if plan is not None else _NO_ORDERS,
        np.ascontiguousarray(scales, dtype=float) if scales is not None else _EMPTY_2,
    )
    schedule = (
        plan.starts.astype(np.int64) if plan is not None else _NO_INDICES,
        plan.ends.astype(np.int64) if plan is not None else _NO_INDICES,
    )
    outputs = (points, losses, gradients, used, batch_losses, states, status, stopped_at,
               reasons, final_points, final_losses, best_losses)  # fmt: skip
    walker = _walker(program.kind)

    def part(block: slice) -> None:
        codes_, hps_, starts_ = (a[block] for a in per_run)
        noise_, orders_, scales_ = (a[block] if len(a) else a for a in inputs)
        walker(
            *program, codes_, hps_, starts_, steps, stop.grad_tol, stop.max_loss,
            stop.max_coord, noise_, orders_, *schedule, scales_,
            *(a[block] if len(a) else a for a in outputs),
        )  # fmt: skip

    blocks = _blocks(n, n * steps)
    if len(blocks) == 1:
        part(blocks[0])
    else:
        list(_pool().map(part, blocks))
    texts = reason_texts(stop)
    why = [texts[code] for code in reasons.tolist()]
    if not history:
        return Outcomes(final_points, final_losses, best_losses, status, stopped_at, why)
    out = []
    for i in range(n):
        end = int(stopped_at[i]) + (0 if status[i] == 2 else 1)
        updates = max(end - 1, 0)
        trajectory = Trajectory(
            points=points[i, :end],
            losses=losses[i, :end],
            gradients=gradients[i, :end],
            status=STATUS_NAMES[status[i]],
            stopped_at=int(stopped_at[i]),
            reason=why[i],
        )
        if stochastic:
            trajectory.noisy_gradients = used[i, :updates]
        if plan is not None:
            trajectory.batch_losses = batch_losses[i, :updates]
            trajectory.epoch_starts = plan.epoch_starts(updates)
        if include_state:
            optimizer = optimizers[i]
            hp = hyperparameters[i] if not isinstance(hyperparameters, Mapping) else hyperparameters
            trajectory.state = {
                name: states[i, :updates, optimizer.rule.state.index(name)]
                for name in optimizer.state_fields(hp)
            }
        out.append(trajectory)
    return out


PARALLEL_STEPS = 1 << 18
"""Run-steps from which a request's runs are walked on every core: each thread walks its share
of the runs (the kernels release the GIL), each run as it would alone, so results do not
depend on the split."""


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_cores(), thread_name_prefix="walk")


def _cores() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _blocks(runs: int, run_steps: int) -> list[slice]:
    """The runs split into one contiguous block per core for a large request, else one."""
    parts = min(_cores(), runs) if run_steps >= PARALLEL_STEPS else 1
    edges = np.linspace(0, runs, parts + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def _hyperparameter_table(optimizers, hyperparameters, n: int) -> np.ndarray:
    """(runs, width): each run's hyperparameters as its rule reads them."""
    width = max(len(o.rule.args) for o in optimizers)
    table = np.zeros((n, width))
    if isinstance(hyperparameters, Mapping):
        columns = {
            name: np.broadcast_to(np.asarray(value, dtype=float).reshape(-1), (n,))
            for name, value in hyperparameters.items()
        }
        optimizer = optimizers[0]
        for j, name in enumerate(optimizer.rule.args):
            table[:, j] = columns[name]
        return table
    for i, (optimizer, hp) in enumerate(zip(optimizers, hyperparameters, strict=True)):
        table[i, : len(optimizer.rule.args)] = optimizer.vector(hp)
    return table


@dataclass(frozen=True)
class Summary:
    final_loss: float | None
    best_loss: float | None
    best_step: int | None
    steps_run: int
    nearest_minimum: tuple[float, ...] | None
    distance_to_minimum: float | None


def summarize(trajectory: Trajectory, minima: Sequence[Any]) -> Summary:
    """Final and best loss, and the distance from the last point to the nearest known minimum.

    ``minima`` holds records with a ``point`` attribute (the surface's known minima).
    """
    losses = trajectory.losses
    if len(losses) == 0:
        return Summary(None, None, None, 0, None, None)
    best = int(np.argmin(losses))
    nearest, distance = None, None
    if minima:
        last = trajectory.points[-1]
        distances = [float(np.linalg.norm(last - np.asarray(m.point))) for m in minima]
        j = int(np.argmin(distances))
        nearest, distance = tuple(minima[j].point), distances[j]
    return Summary(
        final_loss=float(losses[-1]),
        best_loss=float(losses[best]),
        best_step=best,
        steps_run=len(losses) - 1,
        nearest_minimum=nearest,
        distance_to_minimum=distance,
    )


def loss_spread(trajectories: Sequence[Trajectory]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and 10-90 % band of the loss at each step, over the runs still going there."""
    length = max(len(t.losses) for t in trajectories)
    if length == 0:
        return np.empty(0), np.empty(0), np.empty(0)
    table = np.full((len(trajectories), length), np.nan)
    for row, trajectory in zip(table, trajectories, strict=True):
        row[: len(trajectory.losses)] = trajectory.losses
    with np.errstate(all="ignore"):
        p10, median, p90 = np.nanpercentile(table, [10, 50, 90], axis=0)
    return median, p10, p90
