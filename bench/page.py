"""The page in headless Chromium on loopback: load time, animation frame time, JS heap, bytes.

    python -m bench.page

Each figure comes from the browser itself: ``performance.now()`` when the first render is on
screen (the page sets ``data-renders`` on the plot), the intervals between animation frames
while 6 runs x 5,000 steps play, ``performance.memory``, and the transfer sizes the browser's
resource timing reports.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.common import row, serve

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-precise-memory-info",
]
SIX_RUNS = "surface=rosenbrock&steps=5000&" + "&".join(
    f"r{i + 1}={o}"
    for i, o in enumerate(["sgd", "momentum", "nesterov", "rmsprop", "adam", "lion"])
)
FRAME_BUDGET_MS = 17.0
"""One frame of a 60 Hz display (16.7 ms), rounded up: frames cannot come faster than that."""
RENDERED = "Number(document.getElementById('plot').dataset.renders || 0) > 0"
FRAME_TIMES = """() => new Promise((resolve) => {
  const deltas = [];
  let last = performance.now();
  const tick = (now) => {
    deltas.push(now - last);
    last = now;
    if (deltas.length < 180) requestAnimationFrame(tick); else resolve(deltas);
  };
  requestAnimationFrame(tick);
})"""


def main() -> list[str]:
    launch = {"args": ARGS}
    if CHROMIUM.exists():
        launch["executable_path"] = str(CHROMIUM)
    lines = []
    with serve(workers=1) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch)
        loads, transfer = [], 0
        for _ in range(3):
            page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
            page.goto(url, wait_until="commit")
            page.wait_for_function(RENDERED, timeout=30_000)
            loads.append(page.evaluate("performance.now()"))
            transfer = page.evaluate(
                "performance.getEntriesByType('navigation').concat("
                "performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0)"
            )
            page.close()
        each = ", ".join(f"{t:.0f}" for t in loads)
        lines.append(
            row("page: default experiment drawn after navigation (median of 3)",
                statistics.median(loads), "ms", 1500, f"runs {each}")
        )  # fmt: skip
        lines.append(row("page: bytes transferred for the default experiment", transfer / 1e3,
                         "kB", None))  # fmt: skip

        page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        page.goto(f"{url}/?{SIX_RUNS}")
        page.wait_for_function(RENDERED, timeout=60_000)
        page.get_by_role("button", name="Play").click()
        deltas = page.evaluate(FRAME_TIMES)
        heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
        # Frames come at the display's rate at best: 16.7 ms is every frame of a 60 Hz screen.
        p90 = sorted(deltas)[int(0.9 * len(deltas))]
        lines.append(
            row("page: frame interval playing 6 runs x 5,000 steps (median)",
                statistics.median(deltas), "ms", FRAME_BUDGET_MS, f"p90 {p90:.0f} ms")
        )  # fmt: skip
        lines.append(row("page: JS heap after loading and playing them", heap / 1e6, "MB", 200))
        browser.close()
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
