"""The server's processes reuse the memory a request freed (app/__init__.py's allocator limits):
an array of the size a large request writes, freed and asked for again, costs no new pages. The
same two allocations with glibc's fixed default limit (an operator's MALLOC_MMAP_THRESHOLD_,
which the package leaves alone) fault in fresh pages, so the count can tell the two apart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# 16 MB, a 512-run path's points: freed, then the same size again; prints the page faults the
# second one took to fill.
SCRIPT = """
import resource
import numpy as np
import app

def filled():
    array = np.empty(2 << 20)
    array.fill(1.0)
    return array

array = filled()
del array
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
array = filled()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
FRESH_PAGES = 8
"""16 MB in fresh pages faults at least 8 times (2 MB huge pages), 4,096 with 4 KB ones."""


def faults(**env: str) -> int:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env={**environment, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return int(result.stdout)


pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the allocator limits are glibc's"
)


def test_a_freed_large_array_is_reused_without_new_pages():
    assert faults() < FRESH_PAGES


def test_an_operators_own_limit_wins_and_then_fresh_pages_are_faulted_in():
    assert faults(MALLOC_MMAP_THRESHOLD_=str(128 << 10)) >= FRESH_PAGES
