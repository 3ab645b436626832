"""The compiled core: every update rule, surface, formula tape, data-set loss and the walk.

Everything numeric that runs per step or per grid cell lives here, written once in the subset of
Python that numba compiles (plain arithmetic on floats and arrays, hyperparameters passed as
arguments so one compilation serves every value). The modules beside this package hold the
records (catalogues, metadata, validation) and call these kernels.

- ``rules``: the twelve optimizers' update rules, on parameter vectors of any length.
- ``functions``: the built-in surfaces' values and gradients.
- ``tape``: the interpreter of a typed formula's tape, forward and reverse mode.
- ``data``: the losses over a data set, whole or a mini-batch.
- ``evaluate``: one surface evaluation, whatever the kind (built-in, tape, data set).
- ``walk``: the engine: many runs, any mix of optimizers, the stop rules; and the grid.
- ``stack``: small arrays on the stack, for what a run changes at every step.

Compilation happens once per machine, ahead of any request: ``python -m app.numerics.kernels``
(run by ``make install``) compiles every kernel into numba's on-disk cache, and the server
loads them from it at start-up (``warm``). The cache lives in ``NUMBA_CACHE_DIR`` when set
(the Docker image sets a directory its user can write), else in ``~/.cache/gradscape/numba``,
under a folder named by a hash of this package's sources: numba's own cache does not notice
when a function another module calls has changed, so a change anywhere here starts afresh.
"""

from __future__ import annotations

import hashlib
import os
import pathlib

_HERE = pathlib.Path(__file__).resolve().parent


def source_hash() -> str:
    """A hash of every source file of the compiled core (the cache folder's name)."""
    digest = hashlib.sha256()
    for path in sorted(_HERE.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_dir() -> pathlib.Path:
    base = os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "gradscape", "numba"
    )
    return pathlib.Path(base) / source_hash()


try:
    import numba
except ImportError as error:  # pragma: no cover - exercised by a subprocess test
    raise ImportError(
        "numba is not installed: Gradscape's numerical core is compiled with numba and has no "
        "slow path. Install the project (make install, or pip install -e .) and start again."
    ) from error

# numba's cache locator reads this setting whenever a kernel is compiled or loaded.
numba.config.CACHE_DIR = str(cache_dir())

from numba import njit  # noqa: E402


def kernel(function=None, **options):
    """``numba.njit`` as every kernel here uses it: cached on disk, IEEE arithmetic.

    ``error_model="numpy"``: a division by zero gives inf or nan as numpy does, never an
    exception; ``fastmath`` stays off, so every operation rounds as written (no fused
    multiply-adds, no reassociation) and results are the same on every run.
    """
    options = {"cache": True, "error_model": "numpy", "nogil": True, **options}
    if function is None:
        return lambda f: njit(**options)(f)
    return njit(**options)(function)
