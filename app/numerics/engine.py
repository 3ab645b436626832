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
- ``max_steps`` when k reaches the requested number of steps.

Two execution paths share every formula (see ``xp.py``): a single run walks plain Python
floats one coordinate at a time, which avoids numpy's per-call overhead on tiny arrays; a
group of runs with the same optimizer walks numpy arrays of shape (runs, dim) in one
vectorised pass. Both give bit-identical numbers for the same run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.numerics.optimizers import Optimizer
from app.numerics.surfaces import Surface
from app.numerics.xp import NUMPY, SCALAR

BATCH_MIN = 16
"""Groups of at least this many runs with one optimizer take the vectorised path."""

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
    groups: dict[tuple, list[int]] = {}
    for index, spec in enumerate(runs):
        flags = tuple(
            (name, value)
            for name, value in sorted(spec.hyperparameters.items())
            if isinstance(value, bool)
        )
        groups.setdefault((spec.optimizer.id, flags), []).append(index)

    results: list[Trajectory | None] = [None] * len(runs)
    for indices in groups.values():
        if len(indices) >= BATCH_MIN:
            chosen = [runs[i] for i in indices]
            batch = run_batch(
                surface, params, chosen, steps, noise, stop, include_state, batching=batching
            )
            for i, trajectory in zip(indices, batch, strict=True):
                results[i] = trajectory
        else:
            for i in indices:
                results[i] = run_single(
                    surface, params, runs[i], steps, noise, stop, include_state, batching=batching
                )
    return results  # type: ignore[return-value]


def draw_noise(noise: Noise | None, key, steps: int, dim: int) -> np.ndarray | None:
    """The noise added to each update's gradient, shape (steps, dim); None when off."""
    if noise is None:
        return None
    rng = np.random.default_rng([noise.seed, *key])
    return noise.std * rng.standard_normal((steps, dim))


def _loss_problem(loss: float, max_loss: float) -> str | None:
    if not math.isfinite(loss):
        return "the loss is not finite"
    if abs(loss) > max_loss:
        return f"|loss| exceeded {max_loss:g}"
    return None


def run_single(
    surface: Surface,
    params: Mapping[str, float],
    spec: RunSpec,
    steps: int,
    noise: Noise | None,
    stop: StopRules,
    include_state: bool = False,
    *,
    batching: Batching | None = None,
) -> Trajectory:
    """One run on plain Python floats, one coordinate at a time."""
    value, grad = surface.value, surface.grad
    transform = spec.optimizer.make(spec.hyperparameters, SCALAR)
    update = transform.update
    dim = surface.dim
    coords = range(dim)
    point = [float(c) for c in spec.start]
    states = [transform.init(c) for c in point]
    noise_draws = draw_noise(noise, spec.key, steps, dim)
    noise_rows = noise_draws.tolist() if noise_draws is not None else None
    scales = spec.lr_scale
    data = surface.data
    plan = batch_plan(batching, data.size if data is not None else 0, spec.key, steps)
    batch_losses: list[float] = []
    stochastic = plan is not None or noise_rows is not None
    max_loss, max_coord, tol2 = stop.max_loss, stop.max_coord, stop.grad_tol * stop.grad_tol

    flat_points: list[float] = list(point)  # row-major (steps + 1, dim)
    losses: list[float] = []
    flat_gradients: list[float] = []
    used: list[float] = []
    history: list[list[Any]] = []
    status, reason, k = "max_steps", None, 0
    try:
        for c in point:
            if not abs(c) <= max_coord:
                raise _Diverged(f"a coordinate is beyond {max_coord:g}")
        while True:
            loss = value(SCALAR, params, *point)
            if not abs(loss) <= max_loss:
                raise _Diverged(_loss_problem(loss, max_loss))
            g = grad(SCALAR, params, *point)
            norm2 = 0.0
            for gi in g:
                norm2 += gi * gi
            if not norm2 < math.inf:
                raise _Diverged("the gradient is not finite")
            losses.append(loss)
            flat_gradients.extend(g)
            if norm2 <= tol2:
                status = "converged"
                break
            if k == steps:
                break
            if plan is not None:
                batch_loss, g = data.minibatch(plan.order[plan.starts[k] : plan.ends[k]], *point)
                batch_losses.append(batch_loss)
            if noise_rows is not None:
                g = [gi + ni for gi, ni in zip(g, noise_rows[k], strict=True)]
            if stochastic:
                used.extend(g)
            k += 1
            for i in coords:
                delta, states[i] = update(g[i], states[i], point[i], k)
                if scales is not None:
                    delta = delta * scales[k - 1]
                c = point[i] + delta
                if not abs(c) <= max_coord:
                    raise _Diverged(f"a coordinate is beyond {max_coord:g}")
                point[i] = c
            flat_points.extend(point)
            if include_state:
                history.append(list(states))
    except _Diverged as stopped:
        status, reason = "diverged", str(stopped)
    except (ArithmeticError, ValueError):
        status, reason = "diverged", "the arithmetic overflowed"
    n = len(losses)
    if status == "diverged":
        k = n
    updates = max(n - 1, 0)
    del used[updates * dim :], history[updates:], batch_losses[updates:]

    return Trajectory(
        points=np.array(flat_points[: n * dim], dtype=float).reshape(n, dim),
        losses=np.array(losses, dtype=float),
        gradients=np.array(flat_gradients, dtype=float).reshape(n, dim),
        status=status,
        stopped_at=k,
        reason=reason,
        noisy_gradients=np.array(used, dtype=float).reshape(-1, dim) if stochastic else None,
        state=_state_arrays(history, dim) if include_state else None,
        batch_losses=np.array(batch_losses, dtype=float) if plan is not None else None,
        epoch_starts=plan.epoch_starts(updates) if plan is not None else None,
    )


class _Diverged(Exception):
    pass


def _state_arrays(history: list[list[Any]], dim: int) -> dict[str, np.ndarray]:
    """Per-step optimizer state: row k is the state after update k+1, a column per coordinate."""
    if not history:
        return {}
    return {
        name: np.array([[float(s[j]) for s in row] for row in history]).reshape(-1, dim)
        for j, name in enumerate(history[0][0]._fields)
    }


@dataclass
class Outcomes:
    """Where each run of a batch ended, without its path (for sweeps and basin maps)."""

    final_points: np.ndarray
    """(runs, dim): the last valid point of each run."""
    final_losses: np.ndarray
    best_losses: np.ndarray
    status: np.ndarray
    """Per run: 0 max_steps, 1 converged, 2 diverged (see ``STATUS_NAMES``)."""
    stopped_at: np.ndarray
    reasons: list[str | None]


STATUS_NAMES = ("max_steps", "converged", "diverged")


def run_batch(
    surface: Surface,
    params: Mapping[str, float],
    specs: Sequence[RunSpec],
    steps: int,
    noise: Noise | None,
    stop: StopRules,
    include_state: bool = False,
    *,
    history: bool = True,
    batching: Batching | None = None,
) -> list[Trajectory] | Outcomes:
    """Many runs of one optimizer (same boolean options) as one vectorised numpy pass.

    With ``history`` each run's whole path comes back as a Trajectory; without it only the
    outcome of every run, in memory independent of ``steps``. The common case (every run
    still going) costs one fused check per step; the bookkeeping of which run stopped
    where and why runs only on the steps where one does.
    """
    n, dim = len(specs), surface.dim
    hp: dict[str, Any] = {}
    for name, first in specs[0].hyperparameters.items():
        if isinstance(first, bool):
            hp[name] = first
        else:
            hp[name] = np.array([float(s.hyperparameters[name]) for s in specs])[:, None]
    starts = np.array([s.start for s in specs], dtype=float).reshape(n, dim)
    noise_draws = None
    if noise is not None:
        noise_draws = np.stack([draw_noise(noise, s.key, steps, dim) for s in specs], 1)
    data = surface.data
    plans = [batch_plan(batching, data.size if data else 0, s.key, steps) for s in specs]
    orders = np.stack([p.order for p in plans]) if plans[0] is not None else None
    scales = None
    if any(s.lr_scale is not None for s in specs):
        scales = np.ones((steps, n, 1))
        for i, s in enumerate(specs):
            if s.lr_scale is not None:
                scales[:, i, 0] = s.lr_scale[:steps]
    return walk_batch(
        surface,
        params,
        specs[0].optimizer,
        hp,
        starts,
        steps,
        stop,
        noise_draws=noise_draws,
        plan=plans[0],
        orders=orders,
        scales=scales,
        include_state=include_state,
        history=history,
    )


def walk_batch(
    surface: Surface,
    params: Mapping[str, float],
    optimizer: Optimizer,
    hp: Mapping[str, Any],
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
    """The vectorised pass itself, on arrays: ``starts`` (runs, dim); each float in ``hp``
    a scalar shared by every run or an array of shape (runs, 1); ``noise_draws`` (steps,
    runs, dim); mini-batches ``orders[:, plan.starts[k]:plan.ends[k]]``; ``scales`` (steps,
    runs, 1). ``run_batch`` builds these from run specs; sweeps build them directly."""
    n, dim = starts.shape
    transform = optimizer.make(hp, NUMPY)
    value, grad = surface.value, surface.grad
    data = surface.data
    point = starts
    state = transform.init(point)
    if plan is not None:
        batch_losses = np.empty((steps, n))
    stochastic = history and (plan is not None or noise_draws is not None)
    used_history = np.empty((steps, n, dim)) if stochastic else None

    rows = steps + 1 if history else 1
    points = np.empty((rows, n, dim))
    losses = np.empty((rows, n))
    gradients = np.empty((rows, n, dim))
    points[0] = point
    final_points, final_losses = point.copy(), np.full(n, np.nan)
    best_losses = np.full(n, np.inf)
    previous = point
    states = []
    status = np.zeros(n, dtype=np.int8)
    stopped_at = np.full(n, steps)
    reasons: list[str | None] = [None] * n
    active = np.ones(n, dtype=bool)
    all_active = True
    max_loss, max_coord, tol2 = stop.max_loss, stop.max_coord, stop.grad_tol * stop.grad_tol
    coordinate_reason = f"a coordinate is beyond {max_coord:g}"

    def stop_runs(mask: np.ndarray, k: int, code: int, why, valid: np.ndarray) -> None:
        """Mark runs stopped at step k; ``valid`` holds each run's last valid point."""
        for i in np.flatnonzero(mask):
            status[i], stopped_at[i] = code, k
            if code == 2:
                reasons[i] = why(i)
        final_points[mask] = valid[mask]
        active[mask] = False

    with np.errstate(all="ignore"):
        outside = ~(np.abs(point) <= max_coord).all(axis=1)
        if outside.any():
            stop_runs(outside, 0, 2, lambda i: coordinate_reason, point)
            all_active = False
        for k in range(steps + 1):
            row = k if history else 0
            columns = [point[:, i] for i in range(dim)]
            loss = losses[row]
            loss[:] = value(NUMPY, params, *columns)
            g = gradients[row]
            norm2 = 0.0
            for i, gi in enumerate(grad(NUMPY, params, *columns)):
                g[:, i] = gi
                norm2 = norm2 + g[:, i] * g[:, i]
            healthy = (np.abs(loss) <= max_loss) & (norm2 < np.inf)
            if not healthy.all():
                bad = ~healthy & active
                stop_runs(
                    bad, k, 2, lambda i, loss=loss: _value_problem(loss[i], max_loss), previous
                )
            if not history:
                np.copyto(final_losses, loss, where=active)
                np.fmin(best_losses, np.where(active, loss, np.inf), out=best_losses)
            converged = (norm2 <= tol2) & active
            if converged.any():
                stop_runs(converged, k, 1, None, point)
            all_active = all_active and bool(active.all())
            if k == steps or not (all_active or active.any()):
                break
            used = g
            if plan is not None:
                columns = orders[:, plan.starts[k] : plan.ends[k]]
                batch_losses[k], batch_grad = data.minibatch(columns, point[:, 0], point[:, 1])
                used = np.stack(batch_grad, axis=1)
            if noise_draws is not None:
                used = used + noise_draws[k]
            if used_history is not None:
                used_history[k] = used
            delta, state = transform.update(used, state, point, k + 1)
            if scales is not None:
                delta = delta * scales[k]
            previous = point
            point = point + delta if all_active else np.where(active[:, None], point + delta, point)
            if history:
                points[k + 1] = point
            if include_state:
                states.append(state)
            inside = np.abs(point) <= max_coord
            if not inside.all():
                outside = ~inside.all(axis=1) & active
                stop_runs(outside, k + 1, 2, lambda i: coordinate_reason, previous)
        np.copyto(final_points, point, where=active[:, None])

    if not history:
        return Outcomes(final_points, final_losses, best_losses, status, stopped_at, reasons)
    # Each run's history is a (strided) view into the shared buffers: no copies.
    points, losses, gradients = points.swapaxes(0, 1), losses.T, gradients.swapaxes(0, 1)
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
            reason=reasons[i],
        )
        if used_history is not None:
            trajectory.noisy_gradients = used_history[:updates, i]
        if plan is not None:
            trajectory.batch_losses = batch_losses[:updates, i]
            trajectory.epoch_starts = plan.epoch_starts(updates)
        if include_state:
            trajectory.state = {
                name: np.array(
                    [np.broadcast_to(getattr(s, name), (n, dim))[i] for s in states[:updates]]
                ).reshape(-1, dim)
                for name in (states[0]._fields if states else ())
            }
        out.append(trajectory)
    return out


def _value_problem(loss: float, max_loss: float) -> str:
    return _loss_problem(float(loss), max_loss) or "the gradient is not finite"


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
