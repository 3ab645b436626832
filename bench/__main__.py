"""``make bench``: every benchmark, one table. Each figure is the best of several runs."""

from __future__ import annotations

import os
import platform

from bench import api, cost, encoding, engine, load, page, payload, proxy, sweeps


def main() -> None:
    print(f"# Gradscape benchmarks on {platform.machine()}, {os.cpu_count()} cores")
    print("# command: make bench   (python -m bench)")
    for module in (engine, sweeps, cost, api, encoding, payload, page, load, proxy):
        for line in module.main():
            print(line, flush=True)


if __name__ == "__main__":
    main()
