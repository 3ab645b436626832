"""GET /: the page's config carries the server's request limits."""

from __future__ import annotations

import json
import re

from app.config import SETTINGS

CONFIG_SCRIPT = re.compile(r'<script type="application/json" id="gradscape-config">(.*?)</script>')


def test_page_config_carries_the_limits_the_page_keeps_within(client):
    config = json.loads(CONFIG_SCRIPT.search(client.get("/").text).group(1))
    assert config["limits"] == {
        "max_runs": SETTINGS.max_runs,
        "max_points": SETTINGS.max_points,
        "max_resolution": SETTINGS.max_resolution,
        "max_label_chars": SETTINGS.max_label_chars,
        "max_sweep_count": SETTINGS.max_sweep_count,
        "max_basin_resolution": SETTINGS.max_basin_resolution,
        "max_work": SETTINGS.max_work,
        "max_memory_bytes": SETTINGS.max_memory_bytes,
        # The sliders' ranges for the steps, the noise and the batch size.
        "max_steps": SETTINGS.max_steps,
        "max_noise_std": SETTINGS.max_noise_std,
        "max_batch_size": SETTINGS.max_batch_size,
    }
