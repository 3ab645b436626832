"""Every surface's suggested learning rates make visible progress for every optimizer.

The criterion of ``Surface.suggested_lr``: from ``default_start``, each optimizer with its
defaults and the suggested lr runs 500 steps; every point stays finite and within 1e6, and
the final loss closes at least half the gap between the start loss and the global minimum
(or drops by at least 1 where the surface has no minimum). The loop is written out here on
plain floats, independently of the engine.
"""

from __future__ import annotations

import math

import pytest

from app.numerics.optimizers import OPTIMIZERS
from app.numerics.surfaces import SURFACES, Surface

STEPS = 500
MAX_COORD = 1e6


def run(surface: Surface, optimizer_id: str, steps: int = STEPS) -> list[float]:
    """Losses at the start and after each step (coordinates updated one by one)."""
    params = surface.resolve_params(None)
    optimizer = OPTIMIZERS[optimizer_id]
    hyperparameters = optimizer.resolve({"lr": surface.suggested_lr[optimizer_id]})
    transform = optimizer.make(hyperparameters)
    point = list(surface.default_start)
    states = [transform.init(c) for c in point]
    losses = [surface.value(params, *point)]
    for t in range(1, steps + 1):
        grad = surface.grad(params, *point)
        for i, g in enumerate(grad):
            step, states[i] = transform.update(g, states[i], point[i], t)
            point[i] += step
        assert all(math.isfinite(c) and abs(c) <= MAX_COORD for c in point), (t, point)
        losses.append(surface.value(params, *point))
    return losses


def test_every_surface_suggests_a_rate_for_exactly_the_known_optimizers():
    for surface in SURFACES.values():
        assert list(surface.suggested_lr) == list(OPTIMIZERS)


@pytest.mark.parametrize("optimizer_id", list(OPTIMIZERS))
@pytest.mark.parametrize("surface_id", list(SURFACES))
def test_suggested_lr_makes_visible_progress(surface_id, optimizer_id):
    surface = SURFACES[surface_id]
    losses = run(surface, optimizer_id)
    assert len(losses) == STEPS + 1
    assert all(math.isfinite(loss) for loss in losses)
    start, final = losses[0], losses[-1]
    minima = surface.minima(surface.resolve_params(None))
    if minima:
        best = min(minimum.value for minimum in minima)
        assert final <= start - 0.5 * (start - best), (start, final, best)
    else:
        assert final <= start - 1.0, (start, final)


def test_parabola_sgd_rate_is_the_chapters():
    # The chapter's first example: x -= 0.1 * 2 (x - 3), from 0.
    assert SURFACES["parabola"].suggested_lr["sgd"] == 0.1
    losses = run(SURFACES["parabola"], "sgd", steps=40)
    assert f"{losses[1]:.4f}" == "5.7600"
    assert f"{losses[40]:.4f}" == "0.0000"
