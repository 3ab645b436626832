"""Settings: every limit read from GRADSCAPE_* variables, the formula limits in the core's form."""

from __future__ import annotations

from app.config import SETTINGS, Settings
from app.numerics.expression import FORMULA_LIMITS, FormulaLimits


def test_every_limit_is_read_from_its_variable_with_its_type():
    settings = Settings.from_env(
        {"GRADSCAPE_MAX_MAP_ITEMS": "8", "GRADSCAPE_MAX_NOISE_STD": "2.5", "PORT": "9000"}
    )
    assert (settings.max_map_items, settings.max_noise_std, settings.port) == (8, 2.5, 9000)
    assert isinstance(settings.max_map_items, int) and isinstance(settings.max_noise_std, float)
    assert Settings.from_env({"GRADSCAPE_MAX_SEED": "4294967295"}).max_seed == 2**32 - 1


def test_formula_limits_default_to_the_cores_and_are_passed_in_its_form():
    assert SETTINGS.formula_limits == FORMULA_LIMITS
    settings = Settings.from_env(
        {"GRADSCAPE_MAX_FORMULA_CHARS": "50", "GRADSCAPE_MAX_FORMULA_EXPONENT": "4"}
    )
    assert settings.formula_limits == FormulaLimits(50, 150, 64, 4.0)
