"""Gradscape: a browser-based loss-landscape lab."""

import ctypes
import os
import sys

# The numerical core spreads a large request over the cores itself (engine._pool) and the
# server runs a worker per core, so OpenBLAS's own threads only contend with them: on a busy
# 2-core machine a network landscape's small products and eigen-decompositions made its 41 x 41
# plane take 375-400 ms instead of 95-125 ms. OpenBLAS reads this when numpy loads, so it is
# set before anything imports numpy; a value the operator sets wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

MMAP_THRESHOLD = 32 << 20
"""Arrays up to this size come from memory a request freed before, not fresh pages (glibc)."""
TRIM_THRESHOLD = 64 << 20
"""Free memory a worker keeps for the next request before it hands the rest back (glibc)."""


def _reuse_freed_memory() -> None:
    """glibc's malloc gives an allocation of over 128 KB fresh pages from the kernel, each
    zeroed on its first touch, and returns them when the array is freed, raising that limit
    only to the size of the last one freed: a request for 512 learning rates x 2,000 steps
    writes its 41 MB of paths into new pages every time (5-14 ms of its 22 here, against 1.5
    ms to rewrite memory already mapped). Fixed limits keep what one request freed for the
    next: arrays up to MMAP_THRESHOLD come from the heap, and up to TRIM_THRESHOLD of free
    memory at its top stays mapped. Larger arrays are mapped and returned as before. An
    operator's MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ wins; other C libraries are
    left alone."""
    if not sys.platform.startswith("linux") or any(
        name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")
    ):
        return
    libc = ctypes.CDLL(None)  # the C library this process runs on
    if not hasattr(libc, "gnu_get_libc_version"):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's <malloc.h>
    libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)
    libc.mallopt(m_trim_threshold, TRIM_THRESHOLD)


_reuse_freed_memory()

__version__ = "0.1.0"
