"""The stop rules as a table: each reason, just inside and just past each cap, with the exact
step and reason, on both walkers (one run on floats, a batch of runs on numpy arrays).

The cases are hand-derived on the chapter's parabola f(x) = (x - 3)^2 with SGD from 0:
x_{k+1} = x_k - 2 lr (x_k - 3). At lr 1.1 that is the chapter's bouncing run: points 1 to 7 are
x = 6.6, -1.32, 8.184, -3.2208, 10.46496, -5.957952, 13.7495 with losses 12.96, 18.662, 26.874,
38.698, 55.726, 80.245, 115.55 (the loss at the start, x = 0, is 9). At lr 0.1 the gradient at
point k is -6 (0.8)^k (up to rounding)."""

from __future__ import annotations

import pytest

from app.numerics.engine import RunSpec, StopRules, simulate
from app.numerics.expression import surface_from_expression
from app.numerics.optimizers import get_optimizer
from app.numerics.surfaces import get_surface

MANY = 16
SGD = get_optimizer("sgd")
X5 = 10.46496  # |x| at point 5, the first above 8.184; the next larger is point 7's 13.7495
LOSS6 = 80.2449  # the loss at point 6, the first above 55.726; point 7's is 115.55
G10 = 6 * 0.8**10  # |gradient| at point 10 of lr 0.1


def walk(surface, lr: float, start: float, steps: int, stop: StopRules, runs: int):
    """``runs`` identical runs, walked in one call of the kernel."""
    spec = RunSpec(SGD, SGD.resolve({"lr": lr}), (start,))
    results = simulate(surface, surface.resolve_params(None), [spec] * runs, steps, stop=stop)
    first = results[0]
    assert all(
        (r.status, r.stopped_at, r.reason) == (first.status, first.stopped_at, first.reason)
        for r in results
    )
    return first


PARABOLA = get_surface("parabola")
# (id, surface, lr, start, steps, stop rules, status, stopped_at, reason)
TABLE = [
    ("coordinate cap just under point 5's", PARABOLA, 1.1, 0.0, 50,
     StopRules(0.0, 1e12, X5 - 1e-4), "diverged", 5, f"a coordinate is beyond {X5 - 1e-4:g}"),
    ("coordinate cap just over point 5's", PARABOLA, 1.1, 0.0, 50,
     StopRules(0.0, 1e12, X5 + 1e-4), "diverged", 7, f"a coordinate is beyond {X5 + 1e-4:g}"),
    ("coordinate cap at the start", PARABOLA, 0.1, 5.0, 50,
     StopRules(0.0, 1e12, 4.999), "diverged", 0, "a coordinate is beyond 4.999"),
    ("loss cap just under point 6's", PARABOLA, 1.1, 0.0, 50,
     StopRules(0.0, LOSS6 - 1e-3, 1e6), "diverged", 6, f"|loss| exceeded {LOSS6 - 1e-3:g}"),
    ("loss cap just over point 6's", PARABOLA, 1.1, 0.0, 50,
     StopRules(0.0, LOSS6 + 1e-3, 1e6), "diverged", 7, f"|loss| exceeded {LOSS6 + 1e-3:g}"),
    ("loss cap at the start", PARABOLA, 0.1, 0.0, 50,
     StopRules(0.0, 8.99, 1e6), "diverged", 0, "|loss| exceeded 8.99"),
    ("both caps just clear for 6 steps", PARABOLA, 1.1, 0.0, 6,
     StopRules(0.0, LOSS6 + 1e-3, X5 + 1e-4), "diverging", 6,
     "the loss ended well above its start"),
    ("diverging: the loss rose at every step, though by only 2 %", PARABOLA, 1.0001, 0.0, 50,
     StopRules(0.0), "diverging", 50, "the loss rose at every one of the last steps"),
    ("at lr 1 the parabola's loss stays at 9: still going", PARABOLA, 1.0, 0.0, 50,
     StopRules(0.0), "max_steps", 50, None),
    ("gradient tolerance just over point 10's", PARABOLA, 0.1, 0.0, 50,
     StopRules(G10 * (1 + 1e-9)), "converged", 10, None),
    ("gradient tolerance just under point 10's", PARABOLA, 0.1, 0.0, 50,
     StopRules(G10 * (1 - 1e-9)), "converged", 11, None),
    ("exactly at the minimum after one step", PARABOLA, 0.5, 0.0, 50,
     StopRules(0.0), "converged", 1, None),
    ("loss not finite: log of a negative", surface_from_expression("log(x)"), 1.0, 0.5, 50,
     StopRules(0.0), "diverged", 1, "the loss is not finite"),
    ("gradient not finite: sqrt at 0", surface_from_expression("sqrt(x)"), 0.1, 0.0, 50,
     StopRules(0.0), "diverged", 0, "the gradient is not finite"),
]  # fmt: skip


@pytest.mark.parametrize("runs", [1, MANY], ids=["alone", "batch"])
@pytest.mark.parametrize(
    ("surface", "lr", "start", "steps", "stop", "status", "stopped_at", "reason"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_stop_rule(surface, lr, start, steps, stop, status, stopped_at, reason, runs):
    trajectory = walk(surface, lr, start, steps, stop, runs)
    assert (trajectory.status, trajectory.stopped_at, trajectory.reason) == (
        status,
        stopped_at,
        reason,
    )
    # Only the finite prefix: points up to the last valid one, never the point that broke a rule.
    kept = stopped_at if status == "diverged" else stopped_at + 1
    assert len(trajectory.points) == len(trajectory.losses) == kept
    assert all(abs(x) <= stop.max_coord for x in trajectory.points[:, 0])
    assert all(abs(loss) <= stop.max_loss for loss in trajectory.losses)


def test_the_table_rests_on_the_chapter_numbers():
    """The hand-derived positions the caps sit between (the chapter prints the first six)."""
    x, xs = 0.0, [0.0]
    for _ in range(7):
        x -= 1.1 * 2 * (x - 3)
        xs.append(x)
    assert [round(v, 3) for v in xs[1:7]] == [6.6, -1.32, 8.184, -3.221, 10.465, -5.958]
    assert max(abs(v) for v in xs[:5]) < X5 - 1e-4 < abs(xs[5]) < X5 + 1e-4
    assert abs(xs[6]) < X5 < abs(xs[7])
    losses = [(v - 3) ** 2 for v in xs]
    assert max(losses[:6]) < LOSS6 - 1e-3 < losses[6] < LOSS6 + 1e-3 < losses[7]
