"""One settings object, read from the environment (``GRADSCAPE_*``) once at start-up.

Every limit that bounds the work of one request lives here, so an operator can tighten
or loosen them without touching code; the README lists them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


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
        return cls(**values)


SETTINGS = Settings.from_env()
"""The settings this process runs with: every limit the API enforces and the page keeps to."""
