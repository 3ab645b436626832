"""Many runs in one compiled walk, outcomes only: the learning-rate sweep and the basin map."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.numerics.engine import GREW, Outcomes, StopRules, walk
from app.numerics.kernels.walk import DIVERGED as DIVERGED_STATUS
from app.numerics.optimizers import Optimizer
from app.numerics.surfaces import Surface


def _batch(
    surface: Surface,
    params: Mapping[str, float],
    optimizer: Optimizer,
    hyperparameters: Mapping[str, Any],
    starts: np.ndarray,
    steps: int,
    stop: StopRules,
) -> Outcomes:
    """Every start at once; ``hyperparameters`` floats may be (runs, 1) arrays."""
    return walk(  # type: ignore[return-value]
        surface, params, optimizer, hyperparameters, starts, steps, stop, history=False
    )


@dataclass(frozen=True)
class LrSweep:
    lrs: np.ndarray
    outcomes: Outcomes
    best_lr: float | None
    """The lr that converged in the fewest steps; if none converged, the lowest final loss
    among the runs that did not diverge and are not diverging."""
    smallest_diverged_lr: float | None
    """The edge: the smallest lr whose run diverged or is diverging (its loss grows)."""
    largest_stable_lr: float | None
    """The largest lr below the edge (every lr when none grew): the edge lies between the two."""


def lr_sweep(
    surface: Surface,
    params: Mapping[str, float],
    optimizer: Optimizer,
    hyperparameters: Mapping[str, Any],
    start: Sequence[float],
    steps: int,
    lr_range: tuple[float, float],
    count: int,
    stop: StopRules,
) -> LrSweep:
    """``count`` log-spaced learning rates over ``lr_range``, every other setting fixed."""
    lrs = np.geomspace(lr_range[0], lr_range[1], count)
    settings = {**hyperparameters, "lr": lrs[:, None]}
    starts = np.tile(np.asarray(start, dtype=float), (count, 1))
    outcomes = _batch(surface, params, optimizer, settings, starts, steps, stop)
    diverged, converged = outcomes.status >= GREW, outcomes.status == 1
    if converged.any():
        # Fewest steps first, then the lowest final loss.
        order = np.lexsort(
            (outcomes.final_losses, np.where(converged, outcomes.stopped_at, steps + 1))
        )
        best_lr = float(lrs[order[0]])
    elif not diverged.all():
        best_lr = float(lrs[int(np.argmin(np.where(diverged, np.inf, outcomes.final_losses)))])
    else:
        best_lr = None
    smallest_diverged = float(lrs[diverged].min()) if diverged.any() else None
    below = lrs < smallest_diverged if smallest_diverged is not None else np.ones(count, bool)
    largest_stable = float(lrs[below].max()) if below.any() else None
    return LrSweep(lrs, outcomes, best_lr, smallest_diverged, largest_stable)


NO_MINIMUM, DIVERGED = -1, -2


@dataclass(frozen=True)
class BasinMap:
    x: np.ndarray
    y: np.ndarray
    outcome: np.ndarray
    """(ny, nx): index of the known minimum reached, NO_MINIMUM or DIVERGED (a diverging run,
    which ran every step, is labelled by where it ended, like any other)."""
    steps: np.ndarray
    """(ny, nx): the step each run stopped at (converged, diverged or the step budget)."""


def basin_map(
    surface: Surface,
    params: Mapping[str, float],
    optimizer: Optimizer,
    hyperparameters: Mapping[str, Any],
    x_bounds: tuple[float, float],
    y_bounds: tuple[float, float],
    resolution: int,
    steps: int,
    tolerance: float,
    stop: StopRules,
) -> BasinMap:
    """Start a run from every cell of a grid; label each by the minimum it ends near."""
    x = np.linspace(*x_bounds, resolution)
    y = np.linspace(*y_bounds, resolution)
    xx, yy = np.meshgrid(x, y)
    starts = np.stack([xx.ravel(), yy.ravel()], axis=1)
    outcomes = _batch(surface, params, optimizer, hyperparameters, starts, steps, stop)
    minima = surface.minima(params)
    outcome = np.full(len(starts), NO_MINIMUM)
    if minima:
        centres = np.array([m.point for m in minima], dtype=float)
        distance = np.linalg.norm(outcomes.final_points[:, None, :] - centres[None], axis=2)
        nearest = distance.argmin(axis=1)
        reached = distance[np.arange(len(starts)), nearest] <= tolerance
        outcome[reached] = nearest[reached]
    outcome[outcomes.status == DIVERGED_STATUS] = DIVERGED
    shape = (resolution, resolution)
    return BasinMap(x, y, outcome.reshape(shape), outcomes.stopped_at.reshape(shape))
