"""Learning-rate schedules with torch.optim.lr_scheduler's exact sequences.

``lr_sequence(base_lr, schedule, n)[k]`` is the learning rate used by update k+1: in a torch
loop of ``optimizer.step(); scheduler.step()`` it is the lr in the param group before the
(k+1)-th ``scheduler.step()``. The recursive (chainable) forms are reproduced operation for
operation, since that is what torch computes when stepping without an epoch argument:

- ``step``: StepLR, ``lr_e = lr_{e-1} * gamma`` when ``e % step_size == 0``.
- ``exponential``: ExponentialLR, ``lr_e = lr_{e-1} * gamma``.
- ``cosine``: CosineAnnealingLR,
  ``lr_e = eta_min + (lr_{e-1} - eta_min) (1 + cos(pi e / T)) / (1 + cos(pi (e-1) / T))``,
  with torch's special case where the denominator would vanish.
- ``warmup``: LinearLR from ``start_factor`` to 1 over ``warmup_steps``, chained to the main
  schedule with SequentialLR (which restarts the main schedule at its epoch 0, in closed form,
  at the milestone). With ``constant`` the warmup is LinearLR alone.

Every optimizer's step is proportional to its lr with lr-independent state, so the engine
applies a schedule by scaling each step by ``lr_t / base_lr``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

KINDS = ("constant", "step", "exponential", "cosine")


@dataclass(frozen=True)
class Schedule:
    kind: str = "constant"
    step_size: int = 100
    gamma: float = 0.5
    t_max: int = 500
    eta_min: float = 0.0
    warmup_steps: int = 0
    start_factor: float = 1.0 / 3.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown schedule '{self.kind}'; valid: {', '.join(KINDS)}")

    @property
    def is_constant(self) -> bool:
        return self.kind == "constant" and self.warmup_steps == 0


def _closed_form_start(schedule: Schedule, base: float) -> float:
    """The main schedule's lr at its epoch 0, as SequentialLR's ``step(0)`` computes it."""
    if schedule.kind == "cosine":
        return schedule.eta_min + (base - schedule.eta_min) * (1 + math.cos(0.0)) / 2
    return base * schedule.gamma**0 if schedule.kind in ("step", "exponential") else base


def _main_step(schedule: Schedule, base: float, epoch: int, lr: float) -> float:
    """The main schedule's recursive update from epoch-1 to ``epoch`` (epoch >= 1)."""
    kind = schedule.kind
    if kind == "step":
        return lr * schedule.gamma if epoch % schedule.step_size == 0 else lr
    if kind == "exponential":
        return lr * schedule.gamma
    if kind == "cosine":
        t_max, eta_min = schedule.t_max, schedule.eta_min
        if (epoch - 1 - t_max) % (2 * t_max) == 0:
            return lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        return (1 + math.cos(math.pi * epoch / t_max)) / (
            1 + math.cos(math.pi * (epoch - 1) / t_max)
        ) * (lr - eta_min) + eta_min
    return lr


def _warmup_step(schedule: Schedule, epoch: int, lr: float) -> float:
    """LinearLR's recursive update (end_factor 1, total_iters = warmup_steps)."""
    start, total = schedule.start_factor, schedule.warmup_steps
    if epoch > total:
        return lr
    return lr * (1.0 + (1.0 - start) / (total * start + (epoch - 1) * (1.0 - start)))


def lr_sequence(base_lr: float, schedule: Schedule, n: int) -> list[float]:
    """The learning rate of each of n updates."""
    warmup = schedule.warmup_steps
    lr = base_lr * schedule.start_factor if warmup else base_lr
    out = [lr]
    for epoch in range(1, n):
        if (warmup and schedule.kind == "constant") or epoch < warmup:
            lr = _warmup_step(schedule, epoch, lr)
        elif warmup and epoch == warmup:
            lr = _closed_form_start(schedule, base_lr)
        else:
            lr = _main_step(schedule, base_lr, epoch - warmup, lr)
        out.append(lr)
    return out
