"""The README's table of limits is the settings' defaults: every limit has a row, every row's
default is the one the server runs with (a changed default fails here, not silently)."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from app.config import Settings

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `GRADSCAPE_([A-Z0-9_]+)` \| ([^|]+) \|", re.MULTILINE)


def documented() -> dict[str, str]:
    section = (ROOT / "README.md").read_text().split("## Limits", 1)[1].split("\n## ", 1)[0]
    return {name.lower(): value.strip() for name, value in ROW.findall(section)}


def test_every_limit_has_a_row_with_its_default():
    rows = documented()
    defaults = Settings()
    limits = [f.name for f in fields(Settings) if f.name not in ("host", "port")]
    assert sorted(rows) == sorted(limits)
    for name in limits:
        assert float(rows[name]) == getattr(defaults, name), name


def test_a_variable_that_is_no_setting_is_named_in_a_warning(caplog):
    with caplog.at_level("WARNING", logger="gradscape"):
        settings = Settings.from_env({"GRADSCAPE_MAX_SWEEP_WORK": "10", "GRADSCAPE_MAX_STEPS": "9"})
    assert settings.max_steps == 9
    assert [r.getMessage() for r in caplog.records] == [
        "GRADSCAPE_MAX_SWEEP_WORK is not a setting and is ignored (the README lists them)"
    ]
