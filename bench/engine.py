"""Engine speed: ``engine.simulate`` on issue 15's requests, compute only (no HTTP).

Three cases of ``bench.cases``: 8 mixed optimizers x 10,000 steps on Rosenbrock, the same 8
runs on Rosenbrock typed in as a formula (the tape interpreter), and 512 Adam learning rates x
2,000 steps with every path kept. Printed beside them, from the same bench run:

- ``bench/numba_prototype.py``'s kernel on the first case's work: a loop written for Rosenbrock
  and these 8 rules alone, with no stop rules and no recording beyond the path, the floor the
  issue measures the engine against;
- the previous engine (the checkout in ``GRADSCAPE_BASELINE_TREE``, e.g. f2df659, the commit
  before the compiled core) on the same cases in a subprocess, when that variable is set.

    python -m bench.engine
"""

from __future__ import annotations

from bench import cases
from bench.common import baseline_tree, row

TARGET_MS = {"mixed": 10.0, "lrs": 20.0}
FORMULA_RATIO = 4.0
"""A typed formula may cost at most this many times the built-in surface."""


def before(old: dict | None, name: str, now_ms: float) -> str:
    """The previous engine's figure for a case, and how many times faster this one is."""
    if old is None:
        return "previous engine: skipped (set GRADSCAPE_BASELINE_TREE)"
    then = old["ms"][name]
    ratio = then / now_ms
    if ratio < 1:
        return f"previous engine {then:.0f} ms ({1 / ratio:.1f}x slower now)"
    return f"previous engine {then:.0f} ms ({ratio:.{0 if ratio >= 10 else 1}f}x faster now)"


def main() -> list[str]:
    from bench import numba_prototype

    names = ["mixed", "formula", "lrs"]
    ms = {name: cases.best_ms(cases.case(name)) for name in names}
    floor_ms = numba_prototype.kernel_ms()
    same = cases.final_points("formula") == cases.final_points("mixed")
    tree = baseline_tree()
    old = cases.in_tree(tree, names) if tree is not None else None
    agrees = ""
    if old is not None:
        match = old["final"]["mixed"] == cases.final_points("mixed")
        agrees = f"; same end points as the previous engine: {match}"
    return [
        row(
            "engine: 8 runs (mixed optimizers) x 10,000 steps, rosenbrock",
            ms["mixed"],
            "ms",
            TARGET_MS["mixed"],
            f"prototype kernel {floor_ms:.1f} ms ({ms['mixed'] / floor_ms:.1f}x of it); "
            + before(old, "mixed", ms["mixed"]),
        ),
        row(
            "engine: the same, rosenbrock typed in, of the built-in's time",
            ms["formula"] / ms["mixed"],
            "x",
            FORMULA_RATIO,
            f"{ms['formula']:.1f} ms; bit-identical to the built-in: {same}{agrees}; "
            + before(old, "formula", ms["formula"]),
        ),
        row(
            "engine: 512 learning rates x 2,000 steps, adam, paths kept",
            ms["lrs"],
            "ms",
            TARGET_MS["lrs"],
            before(old, "lrs", ms["lrs"]),
        ),
    ]


if __name__ == "__main__":
    print("\n".join(main()))
