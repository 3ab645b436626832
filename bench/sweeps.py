"""Sweeps and basin maps: many runs of one optimizer, outcomes only (no paths kept).

``lr_sweep``: 512 Adam learning rates over [1e-4, 1] x 2,000 steps on Rosenbrock; ``basin_map``:
SGD from each of 256 x 256 starts on Himmelblau x 500 steps. Both walk their runs in one call
of the compiled kernel, split over the cores. Beside each, the previous engine (its numpy batch,
``GRADSCAPE_BASELINE_TREE``) on the same case, in a subprocess, from the same bench run.

    python -m bench.sweeps
"""

from __future__ import annotations

from bench import cases
from bench.common import baseline_tree, row
from bench.engine import before

TARGET_MS = {"sweep": 30.0, "basin": 300.0}


def main() -> list[str]:
    names = ["sweep", "basin"]
    ms = {name: cases.best_ms(cases.case(name)) for name in names}
    tree = baseline_tree()
    old = cases.in_tree(tree, names) if tree is not None else None
    return [
        row(
            "sweep: 512 learning rates x 2,000 steps, adam, rosenbrock",
            ms["sweep"],
            "ms",
            TARGET_MS["sweep"],
            before(old, "sweep", ms["sweep"]),
        ),
        row(
            "basin map: 256 x 256 starts x 500 steps, sgd, himmelblau",
            ms["basin"],
            "ms",
            TARGET_MS["basin"],
            before(old, "basin", ms["basin"]),
        ),
    ]


if __name__ == "__main__":
    print("\n".join(main()))
