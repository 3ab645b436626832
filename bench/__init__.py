"""Benchmarks that print figures (not tests). Run them all with ``make bench``.

The bench's own switches are environment variables: ``GRADSCAPE_BASELINE_TREE``,
``GRADSCAPE_TORCH_PYTHON`` and ``GRADSCAPE_BENCH_COLD`` (``bench/__main__.py`` says what each
does). They share the app's prefix, and the app warns about every ``GRADSCAPE_`` variable that
is not one of its settings (``app/config.py``), so they are read here, before any bench module
imports the app, and taken out of the environment: neither this process's app nor the servers
and interpreters the bench starts see them.
"""

import os

OPTIONS = {
    name: os.environ.pop(name)
    for name in ("GRADSCAPE_BASELINE_TREE", "GRADSCAPE_TORCH_PYTHON", "GRADSCAPE_BENCH_COLD")
    if name in os.environ
}
