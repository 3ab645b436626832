"""The error shape and its handlers: every error is valid JSON that names the field and never
echoes bad input.

Every 4xx this API sends is ``{"detail": [{loc, msg, type, ctx?}]}`` (``ErrorBody``): FastAPI's
422 body, which the handlers below keep for every other refusal too (a 413 or 415 from the
middleware, malformed JSON) and ``error_detail`` builds.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.encoding import FiniteJSONResponse

log = logging.getLogger("gradscape")


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str
    ctx: dict[str, Any] | None = None


class ErrorBody(BaseModel):
    """The shape of every 4xx this API sends: FastAPI's 422 body."""

    detail: list[ErrorItem]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {
        "model": ErrorBody,
        "description": "Body above GRADSCAPE_MAX_BODY_BYTES, or any body on a GET or HEAD",
    },
    415: {"model": ErrorBody, "description": "Body that is not application/json"},
}
"""For ``FastAPI(responses=...)``: every operation documents the middleware's refusals."""


def error_detail(loc: list[str], msg: str, kind: str, **ctx: object) -> list[dict]:
    """The ``detail`` of a 422-shaped error body."""
    error: dict[str, object] = {"loc": loc, "msg": msg, "type": kind}
    if ctx:
        error["ctx"] = ctx
    return [error]


_CTX_KEYS = (
    *("ge", "gt", "le", "lt", "min_length", "max_length", "expected", "error", "cost", "limit"),
)
"""The limit a value broke (for a budget, the request's cost too), and for malformed JSON the
parser's reason ("Expecting value")."""

_UNPARSABLE = {
    RecursionError: "request body is JSON nested too deeply to parse",
    UnicodeDecodeError: "request body is not UTF-8 encoded JSON",
    ValueError: "request body holds an integer of more than "
    f"{sys.get_int_max_str_digits():,} digits",  # json.loads' only plain ValueError
}
"""FastAPI answers 400 "There was an error parsing the body" for these; say which, as a 422."""
_UNPARSABLE_OTHER = "request body is JSON that cannot be parsed"


MAX_REPORTED_ERRORS = 20
"""A 422 lists this many errors, then one item saying how many more there were: the request
models refuse oversized maps and lists whole, and this bounds what is left (32 runs of 16 bad
hyperparameters each)."""
MAX_LOC_CHARS = 64
"""A location names a field or a key of at most ``max_name_chars`` (32); a longer key is cut
here, so an error never sends back a 900 KB key. This and the count above are the error
shape's own, not a request's limits."""


def _loc_part(part: object) -> int | str:
    if isinstance(part, int):
        return part
    text = str(part)
    return text if len(text) <= MAX_LOC_CHARS else text[:MAX_LOC_CHARS] + "..."


def _clean_error(error: dict[str, Any]) -> dict[str, Any]:
    """Keep location, message, type and the limit; drop the echoed input."""
    clean = {
        "loc": [_loc_part(part) for part in error["loc"]],
        "msg": str(error.get("msg", "invalid value")).removeprefix("Value error, "),
        "type": str(error.get("type", "value_error")),
    }
    ctx = error.get("ctx") or {}
    limits = {k: ctx[k] for k in _CTX_KEYS if isinstance(ctx.get(k), int | float | str)}
    if limits:
        clean["ctx"] = limits
    return clean


def _omitted(errors: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The item after the first MAX_REPORTED_ERRORS: how many more, where the next one is."""
    count = len(errors) - MAX_REPORTED_ERRORS
    return {
        "loc": [_loc_part(part) for part in errors[MAX_REPORTED_ERRORS]["loc"][:1]],
        "msg": f"{count:,} more error(s) not shown: the first {MAX_REPORTED_ERRORS} are above",
        "type": "too_many_errors",
        "ctx": {"omitted": count, "max_errors": MAX_REPORTED_ERRORS},
    }


async def validation_error(request: Request, exc: RequestValidationError) -> FiniteJSONResponse:
    errors = exc.errors()
    detail = [_clean_error(e) for e in errors[:MAX_REPORTED_ERRORS]]
    if len(errors) > MAX_REPORTED_ERRORS:
        detail.append(_omitted(errors))
    return FiniteJSONResponse({"detail": detail}, status_code=422)


async def http_error(request: Request, exc: StarletteHTTPException) -> FiniteJSONResponse:
    if exc.status_code == 400 and exc.__cause__ is not None:
        # Reading or parsing the body failed (nothing else here answers 400): the same answer
        # as FastAPI's for malformed JSON, a 422 of type json_invalid.
        msg = _UNPARSABLE.get(type(exc.__cause__), _UNPARSABLE_OTHER)
        detail = error_detail(["body"], msg, "json_invalid")
        return FiniteJSONResponse({"detail": detail}, status_code=422)
    detail = exc.detail
    if isinstance(detail, str):  # Starlette's own: 404 Not Found, 405 Method Not Allowed
        where, kind = _ROUTING.get(exc.status_code, (["request"], "http_error"))
        detail = error_detail(where, detail.lower(), kind)
    return FiniteJSONResponse(
        {"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None)
    )


_ROUTING = {404: (["path"], "not_found"), 405: (["method"], "method_not_allowed")}
"""Where Starlette's routing errors are, and their type, in the shape of every other 4xx."""


async def server_error(request: Request, exc: Exception) -> FiniteJSONResponse:
    """A 500 is a bug: the client still gets JSON; the server logs the traceback after this."""
    return FiniteJSONResponse({"detail": "internal server error"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)
