"""``make bench``: every benchmark, one table. Each figure is the best of several runs.

Optional parts, each named in its row when skipped: ``GRADSCAPE_BASELINE_TREE`` (a checkout of
the previous engine, f2df659: its figures beside this one's, from the same run),
``GRADSCAPE_TORCH_PYTHON`` (an interpreter with torch, default /tmp/torchvenv/bin/python when
it exists: the torch.optim loop), ``GRADSCAPE_BENCH_COLD=1`` (a full compile of the kernels).
"""

from __future__ import annotations

import os
import platform

from bench import (
    api,
    cost,
    encoding,
    engine,
    load,
    network_inspect,
    networks,
    page,
    payload,
    proxy,
    startup,
    sweeps,
)


def main() -> None:
    print(f"# Gradscape benchmarks on {platform.machine()}, {os.cpu_count()} cores")
    print("# command: make bench   (python -m bench)")
    print(load_average("at the start"))
    # startup first: it makes sure numba's cache is warm (as after make install) for the rest.
    modules = (startup, engine, sweeps, networks, network_inspect, cost, api, encoding, payload,
               page, load, proxy)  # fmt: skip
    for module in modules:
        for line in module.main():
            print(line, flush=True)
    print(load_average("at the end"))


def load_average(when: str) -> str:
    """The machine's load (other work shares its cores with the benchmarks)."""
    one, five, fifteen = os.getloadavg()
    return f"# load average {when}: {one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min)"


if __name__ == "__main__":
    main()
