"""Timing helpers and the printed table shared by every benchmark."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of ``repeat`` wall-clock timings, in milliseconds (robust to a busy machine)."""
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1e3)
    return min(timings)


def median_of(fn: Callable[[], object], repeat: int = 5) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1e3)
    return statistics.median(timings)


def row(name: str, value: float, unit: str, target: float | None, extra: str = "") -> str:
    """One line of the table: figure, target and pass/fail."""
    verdict = "" if target is None else ("PASS" if value <= target else "FAIL")
    goal = "" if target is None else f"<= {target:g} {unit}"
    return f"{name:<58} {value:>10.1f} {unit:<3} {goal:<14} {verdict:<4} {extra}".rstrip()
