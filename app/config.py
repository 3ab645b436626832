"""One settings object, read from the environment (``GRADSCAPE_*``) once at start-up.

Every limit of every request lives here (the budgets of the cost model, the sizes and ranges of
each field), so an operator can tighten or loosen them without touching code; the README lists
them. The request models (``app/api/requests.py``) state them in ``Field``, so they show up in
the OpenAPI schema.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, fields

from app.numerics.expression import FORMULA_LIMITS, FormulaLimits

log = logging.getLogger("gradscape")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 1 << 20
    """Request bodies above this many bytes are refused with 413."""
    max_steps: int = 100_000
    """Updates per run."""
    max_runs: int = 32
    """Runs per trajectory request."""
    max_points: int = 400_000
    """Steps x runs per trajectory request: bounds the work and the response size."""
    max_resolution: int = 1000
    """Grid cells per axis."""
    max_label_chars: int = 64
    """Characters of a run's label."""
    max_batch_size: int = 5000
    """Examples per mini-batch."""
    max_repeats: int = 16
    """Repeats (seeds) of each run."""
    max_sweep_count: int = 1024
    """Learning rates per sweep."""
    max_basin_resolution: int = 256
    """Start points per axis of a basin map."""
    max_work: int = 2_000_000_000
    """A request's estimated work (app/api/cost.py), in units of about a nanosecond of CPU on a
    2-core x86_64 machine: no accepted request computes for much more than 2 s."""
    max_memory_bytes: int = 256 << 20
    """A request's estimated peak of working arrays (a formula's graph over every point at
    once, a data set's examples over a chunk of points)."""
    max_response_bytes: int = 32 << 20
    """A response body's estimated size before compression."""
    # -- the limits of each request's fields (app/api/requests.py) ------------------------------
    max_id_chars: int = 64
    """A surface's or data set's id."""
    max_name_chars: int = 32
    """An optimizer's id; a parameter's or hyperparameter's name."""
    max_map_items: int = 16
    """Entries of a ``{name: value}`` map (a surface's params, a run's hyperparameters)."""
    max_seed: int = 2**32 - 1
    """The largest noise or mini-batch shuffling seed."""
    max_noise_std: float = 1e3
    """The largest std of the noise added to each gradient."""
    max_grad_tol: float = 1e6
    """The largest ``grad_tol``: a run stops as converged once its gradient's norm is below it."""
    max_eta_min: float = 100.0
    """The largest ``eta_min``, a cosine schedule's floor on the learning rate."""
    max_sweep_lr: float = 1e4
    """The largest learning rate of a sweep's ``lr_range``."""
    max_basin_tolerance: float = 1e3
    """The largest ``tolerance`` of a basin map: how near a known minimum a run must end."""
    max_gradcheck_eps: float = 1.0
    """The largest step ``eps`` of a gradient check's central differences."""
    max_formula_chars: int = FORMULA_LIMITS.chars
    """Characters of a formula (``{"expression": ...}``), checked before it is parsed. The four
    formula limits default to the numerical core's own (``expression.FORMULA_LIMITS``: 200
    characters, 150 nodes, 64 levels, exponents up to 100): the core imports no settings, so it
    keeps limits for its own callers, and the API passes these in (``formula_limits``)."""
    max_formula_nodes: int = FORMULA_LIMITS.nodes
    """Syntax-tree nodes of a formula."""
    max_formula_depth: int = FORMULA_LIMITS.depth
    """Levels of nesting of a formula."""
    max_formula_exponent: float = FORMULA_LIMITS.exponent
    """The magnitude of a formula's constant exponents: ``9**9**9`` is refused."""

    # -- networks (POST /networks/train) --------------------------------------------------------
    max_network_examples: int = 5000
    """Examples of a network's data set (n, train and test together)."""
    max_hidden_layers: int = 4
    """Hidden layers of a network."""
    max_hidden_width: int = 64
    """Units of a network's hidden layer."""
    max_network_runs: int = 8
    """Runs per network training request."""
    max_example_steps: int = 20_000_000
    """Steps x runs x examples (train and test) of a network training request."""
    max_snapshots: int = 100
    """Snapshots of each run's decision boundary."""
    max_boundary_resolution: int = 100
    """Grid points per axis of a decision boundary."""
    max_checked_parameters: int = 64
    """Parameters a network inspection's gradient check compares (POST /networks/inspect)."""

    max_coord: float = 1e6
    """A run whose coordinate leaves [-max_coord, max_coord] has diverged; starts must be inside."""
    max_loss: float = 1e12
    """A run whose |loss| exceeds this has diverged."""
    # HTTP: what one connection may make the server read (app/http_limits.py).
    max_url_bytes: int = 16_384
    """Request targets (path and query string) above this many bytes are refused with 414."""
    max_header_bytes: int = 65_536
    """Request headers above this many bytes in all (names, values, line ends) get 431."""
    header_timeout_s: float = 10.0
    """A request's headers must arrive within this many seconds of its first byte (the first
    request of a connection: of the connection): else 408 and the connection closes."""
    send_timeout_s: float = 30.0
    """A response the client stops reading (the server's send buffer stays full) for this many
    seconds closes the connection: a slow reader cannot hold a response's memory forever."""
    body_timeout_s: float = 30.0
    """A request's body must arrive within this many seconds of its headers: else 408 and the
    connection closes. Computing the response does not count."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``GRADSCAPE_<FIELD>`` variables (and plain ``HOST``/``PORT``)."""
        env = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            raw = env.get(f"GRADSCAPE_{field.name.upper()}")
            if raw is None and field.name in ("host", "port"):
                raw = env.get(field.name.upper())
            if raw is not None:
                kind = type(field.default)
                values[field.name] = kind(float(raw)) if kind is int else kind(raw)
        known = {f"GRADSCAPE_{field.name.upper()}" for field in fields(cls)}
        for name in sorted(n for n in env if n.startswith("GRADSCAPE_") and n not in known):
            # A misspelt or retired limit (MAX_EXAMPLES, MAX_SWEEP_WORK and MAX_BASIN_WORK gave
            # way to MAX_WORK) would otherwise be ignored without a word.
            log.warning("%s is not a setting and is ignored (the README lists them)", name)
        return cls(**values)

    @property
    def formula_limits(self) -> FormulaLimits:
        """The formula limits in the form the numerical core takes them."""
        return FormulaLimits(
            self.max_formula_chars,
            self.max_formula_nodes,
            self.max_formula_depth,
            self.max_formula_exponent,
        )


SETTINGS = Settings.from_env()
"""The settings this process runs with: every limit the API enforces and the page keeps to."""
