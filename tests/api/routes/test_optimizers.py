"""GET /api/v1/optimizers."""

from __future__ import annotations

from tests.api.helpers import OPTIMIZER_IDS, strict_json


def test_optimizers_list_hyperparameters_with_defaults_and_ranges(client):
    body = strict_json(client.get("/api/v1/optimizers"))
    by_id = {o["id"]: o for o in body["optimizers"]}
    assert set(by_id) == OPTIMIZER_IDS
    adam = {h["name"]: h for h in by_id["adam"]["hyperparameters"]}
    assert adam["lr"]["default"] == 1e-3 and adam["lr"]["log_scale"] is True
    assert adam["beta1"]["default"] == 0.9 and adam["beta2"]["default"] == 0.999
    assert adam["amsgrad"]["default"] is False and adam["amsgrad"]["min"] is None
    assert {h["name"]: h["default"] for h in by_id["momentum"]["hyperparameters"]}[
        "momentum"
    ] == 0.9
    for optimizer in body["optimizers"]:
        assert optimizer["update_rule"]
