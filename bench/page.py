"""The page in headless Chromium on loopback: load time, animation frame time, JS heap, bytes.

    python -m bench.page

Each figure comes from the browser itself: ``performance.now()`` when the default experiment is
first on screen (the page sets ``data-painted`` on the plot, for its canvas preview or plotly's
figure), when Play, pressed as soon as it can be, has moved the paths a step, and when plotly's
interactive figure is drawn (``data-renders``; the page runs plotly.js once it is left alone);
each animation frame's main-thread time (script, style, layout and paint) and the intervals
between frames while 6 runs x 5,000 steps play, ``performance.memory``, and the transfer sizes
the browser's resource timing reports.
"""

from __future__ import annotations

import statistics

from playwright.sync_api import sync_playwright

from bench.common import chromium_options, percentile, row, serve

SIX_RUNS = "surface=rosenbrock&steps=5000&" + "&".join(
    f"r{i + 1}={o}"
    for i, o in enumerate(["sgd", "momentum", "nesterov", "rmsprop", "adam", "lion"])
)
FRAME_BUDGET_MS = 16.0
"""The issue's target for the median frame time: the main thread's work for one frame."""
RENDERED = "Number(document.getElementById('plot').dataset.renders || 0) > 0"
LOADS = 5
# The time each milestone is first seen (the page is polled every animation frame).
PAINTED = "() => document.getElementById('plot').dataset.painted === '1' && performance.now()"
DRAWN = f"() => {RENDERED} && performance.now()"
MOVED = "() => Number(document.getElementById('step-slider').value) > 0 && performance.now()"
FRAME_CLOCK = """(() => {
  // Each animation frame's main-thread time: from its first requestAnimationFrame callback to
  // a message posted then, which runs once the frame's style, layout and paint are done.
  const raf = window.requestAnimationFrame.bind(window);
  const channel = new MessageChannel();
  let start = 0;
  let open = false;
  window.__frameWork = [];
  channel.port1.onmessage = () => {
    open = false;
    window.__frameWork.push(performance.now() - start);
  };
  window.requestAnimationFrame = (callback) => raf((time) => {
    if (!open) {
      open = true;
      start = performance.now();
      channel.port2.postMessage(0);
    }
    callback(time);
  });
})();"""
FRAME_INTERVALS = """() => new Promise((resolve) => {
  window.__frameWork = [];
  const deltas = [];
  let last = performance.now();
  const tick = (now) => {
    deltas.push(now - last);
    last = now;
    if (deltas.length < 180) requestAnimationFrame(tick);
    else resolve({ deltas, work: window.__frameWork.slice() });
  };
  requestAnimationFrame(tick);
})"""


def new_page(browser, frame_clock: bool = False):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    if frame_clock:
        page.add_init_script(FRAME_CLOCK)
    return page


def play_and_time_frames(page, url: str, query: str, *, before_ms: int, after_ms: int = 0):
    """Opens `query` with the frame clock, waits for plotly's figure and `before_ms`, presses
    Play, waits `after_ms`: the frames' main-thread times and intervals (ms)."""
    page.goto(f"{url}/?{query}")
    page.wait_for_function(RENDERED, timeout=60_000)
    page.wait_for_timeout(before_ms)
    page.get_by_role("button", name="Play").click()
    if after_ms:
        page.wait_for_timeout(after_ms)
    frames = page.evaluate(FRAME_INTERVALS)
    return frames["work"], frames["deltas"]


def main() -> list[str]:
    lines = []
    with serve(workers=1) as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_options("--enable-precise-memory-info"))
        painted, moved, drawn, transfer = [], [], [], 0
        for _ in range(LOADS):
            page = new_page(browser)
            page.goto(url, wait_until="commit")
            painted.append(page.wait_for_function(PAINTED, timeout=30_000).json_value())
            drawn.append(page.wait_for_function(DRAWN, timeout=30_000).json_value())
            transfer = page.evaluate(
                "performance.getEntriesByType('navigation').concat("
                "performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0)"
            )
            page.close()
            # A person who presses Play the moment the comparison shows.
            page = new_page(browser)
            page.goto(url, wait_until="commit")
            page.wait_for_function(PAINTED, timeout=30_000)
            page.get_by_role("button", name="Play").click()
            moved.append(page.wait_for_function(MOVED, timeout=30_000).json_value())
            page.close()
        for name, times, target in (
            ("page: default experiment painted after navigation (median)", painted, 1500),
            ("page: ready to play, Play pressed at once moves (median)", moved, 2000),
            ("page: plotly's figure drawn, page left alone (median)", drawn, None),
        ):
            each = ", ".join(f"{t:.0f}" for t in times)
            lines.append(row(name, statistics.median(times), "ms", target, f"runs {each}"))
        lines.append(row("page: bytes transferred for the default experiment", transfer / 1e3,
                         "kB", None))  # fmt: skip

        page = new_page(browser, frame_clock=True)
        work, deltas = play_and_time_frames(page, url, SIX_RUNS, before_ms=500)
        heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
        lines.append(
            row("page: frame time playing 6 runs x 5,000 steps (median)",
                statistics.median(work), "ms", FRAME_BUDGET_MS,
                f"p90 {percentile(work, 90):.1f} ms over {len(work)} frames")
        )  # fmt: skip
        # Frames come at the display's rate at best: 16.7 ms is every frame of a 60 Hz screen.
        lines.append(
            row("page: interval between those frames (median)", statistics.median(deltas), "ms",
                None, f"p90 {percentile(deltas, 90):.1f} ms")
        )  # fmt: skip
        lines.append(row("page: JS heap after loading and playing them", heap / 1e6, "MB", 200))
        page.close()

        # The same runs in the 3-D view, whose WebGL scene this machine renders in software.
        # after_ms: past the one update of plotly's own traces at Play.
        page = new_page(browser, frame_clock=True)
        work, deltas = play_and_time_frames(
            page, url, f"{SIX_RUNS}&view=3d", before_ms=1000, after_ms=1000
        )
        lines.append(
            row("page: 3-D view, frame time playing them (median)", statistics.median(work),
                "ms", FRAME_BUDGET_MS,
                f"p90 {percentile(work, 90):.1f} ms; intervals: median "
                f"{statistics.median(deltas):.1f} ms, p90 {percentile(deltas, 90):.1f} ms")
        )  # fmt: skip
        browser.close()
    return lines


if __name__ == "__main__":
    print("\n".join(main()))
