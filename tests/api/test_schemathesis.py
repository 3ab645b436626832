"""Schemathesis against the app's own OpenAPI schema, in-process: for every operation, no
server error, and every response conforms to the documented status codes, content type and
response schema. Bounded: a few dozen generated cases per operation."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.numerics.optimizers import OPTIMIZERS
from app.numerics.surfaces import SURFACES

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


SURFACES_2D = sorted(s for s in SURFACES if SURFACES[s].dim == 2)  # points are 1-2 long
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())


@schema.hook
def flatmap_body(context, body):
    """Half the time, swap in real surface and optimizer ids so cases get past the catalogue
    lookup and reach the numerics (the schema types ids as plain strings)."""
    if not isinstance(body, dict):
        return st.just(body)
    known = st.fixed_dictionaries(
        {
            "surface": st.sampled_from(SURFACES_2D),
            "optimizer": st.sampled_from(sorted(OPTIMIZERS)),
        }
    )
    return st.one_of(st.just(body), known.map(lambda ids: with_known_ids(body, ids)))


def with_known_ids(body: dict, ids: dict) -> dict:
    """Known ids, and no made-up parameter or hyperparameter names (those are always 422s)."""
    body = dict(body)
    if isinstance(body.get("surface"), dict):
        body["surface"] = {"id": ids["surface"]}
    if "optimizer" in body:
        body.update(optimizer=ids["optimizer"], hyperparameters={})
    if isinstance(body.get("runs"), list):
        body["runs"] = [
            {**run, "optimizer": ids["optimizer"], "hyperparameters": {}}
            if isinstance(run, dict)
            else run
            for run in body["runs"]
        ]
    return body


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_and_never_errors(case):
    case.call_and_validate(checks=CHECKS)
