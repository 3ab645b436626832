"""What goes over the wire: compression above 1 KB, and plotly.js versioned, gzipped, cached.

    python -m bench.payload

Asks the running app (started as `make run` does) with ``Accept-Encoding: gzip`` and reads the
headers and sizes it answers with. Each row is a figure; its target is what issue 8 asks.
"""

from __future__ import annotations

import re

import httpx

from bench.api import default_experiment
from bench.common import row, serve

YEAR_S = 365 * 24 * 3600


def max_age(response: httpx.Response) -> int:
    found = re.search(r"max-age=(\d+)", response.headers.get("cache-control", ""))
    return int(found.group(1)) if found else 0


def main() -> list[str]:
    trajectories, grid = default_experiment()
    lines = []
    with serve(workers=1) as (url, _), httpx.Client(base_url=url) as client:
        gzip = {"Accept-Encoding": "gzip"}

        def wire(method: str, path: str, body: dict | None = None) -> tuple[httpx.Response, int]:
            """The response and its size as sent (raw: httpx would decompress)."""
            request = client.build_request(method, path, json=body, headers=gzip)
            response = client.send(request, stream=True)
            size = sum(len(chunk) for chunk in response.iter_raw())
            response.close()
            return response, size

        _, page_bytes = wire("GET", "/")
        page_html = client.get("/").text
        plotly_url = re.search(r"/vendor/plotly-[\w.-]+\.min\.js", page_html).group(0)
        plotly, plotly_bytes = wire("GET", plotly_url)
        plotly_raw = len(client.get(plotly_url, headers={"Accept-Encoding": "identity"}).content)
        small_gzip = []
        for method, path, body in [
            ("POST", "/api/v1/trajectories", trajectories),
            ("POST", "/api/v1/grid", grid),
            ("GET", "/api/v1/surfaces", None),
            ("GET", "/api/v1/optimizers", None),
        ]:
            response, size = wire(method, path, body)
            identity = {"Accept-Encoding": "identity"}
            plain = len(client.request(method, path, json=body, headers=identity).content)
            compressed = response.headers.get("content-encoding") == "gzip"
            lines.append(
                row(f"payload: {method} {path} on the wire", size / 1e3, "kB", None,
                    f"{'gzip' if compressed else 'NOT compressed'}, {plain / 1e3:.1f} kB plain")
            )  # fmt: skip
            if plain > 1024 and not compressed:
                small_gzip.append(path)
        health, health_bytes = wire("GET", "/healthz")
        lines.append(
            row("payload: responses over 1 KB not gzipped", len(small_gzip), "", 0,
                f"{', '.join(small_gzip) or 'none'}; /healthz ({health_bytes} B) is sent as is: "
                f"{health.headers.get('content-encoding') is None}")
        )  # fmt: skip
        versioned = bool(re.search(r"plotly-\d+\.\d+\.\d+", plotly_url))
        immutable = "immutable" in plotly.headers.get("cache-control", "")
        problems = [
            name
            for name, ok in [
                ("gzip", plotly.headers.get("content-encoding") == "gzip"),
                ("versioned URL", versioned),
                ("max-age of a year", max_age(plotly) >= YEAR_S),
                ("immutable", immutable),
            ]
            if not ok
        ]
        lines.append(
            row("payload: plotly.js on the wire", plotly_bytes / 1e3, "kB", None,
                f"{plotly_raw / 1e3:.0f} kB plain, at {plotly_url}, "
                f"Cache-Control: {plotly.headers.get('cache-control')}")
        )  # fmt: skip
        lines.append(
            row("payload: plotly.js gzip/versioned/year-long-cache checks failing", len(problems),
                "", 0, ", ".join(problems) or "all hold")
        )  # fmt: skip
        lines.append(row("payload: the page's HTML on the wire", page_bytes / 1e3, "kB", None))
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
