"""Gradscape: a browser-based loss-landscape lab."""

import os

# The numerical core spreads a large request over the cores itself (engine._pool) and the
# server runs a worker per core, so OpenBLAS's own threads only contend with them: on a busy
# 2-core machine a network landscape's small products and eigen-decompositions made its 41 x 41
# plane take 375-400 ms instead of 95-125 ms. OpenBLAS reads this when numpy loads, so it is
# set before anything imports numpy; a value the operator sets wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
