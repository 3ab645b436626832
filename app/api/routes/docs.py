"""GET /docs: Swagger UI over /openapi.json, from the installed swagger-ui-bundle-v2 package.

Nothing from another host, so the API docs work offline, and no inline script, so they live
under the same Content-Security-Policy as the page: templates/docs.html loads Swagger UI's
bundle and stylesheet from versioned URLs (cached for a year, like plotly.js in routes/pages.py) and
static/docs/swagger.js starts it. FastAPI's own /docs and /redoc (loaded from another host,
started inline) are switched off in app/main.py.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from swagger_ui_bundle import swagger_ui_path

from app.api.encoding import accepts_gzip
from app.api.routes.pages import ONE_YEAR_IMMUTABLE, STATIC_VERSION, templates

SWAGGER_UI_DIR = Path(str(swagger_ui_path))
"""The package's copy of swagger-ui-dist, in a folder named for its version: swagger-ui-5.31.0."""
SWAGGER_UI_URL = f"/vendor/{SWAGGER_UI_DIR.name}"
SWAGGER_UI_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
}
"""The two files /docs needs; nothing else in the package is served."""
SWAGGER_UI_GZIP = {
    name: gzip.compress((SWAGGER_UI_DIR / name).read_bytes(), 6) for name in SWAGGER_UI_ASSETS
}
"""Compressed once at start-up (about 60 ms): the bundle is 1.5 MB on disk and 420 KB on the
wire, where the middleware's level 1 would hold the event loop for about 25 ms per request."""

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI: every operation of this API, and a form to try each one."""
    return templates.TemplateResponse(
        request,
        "docs.html",
        {
            "title": f"{request.app.title} API",
            "swagger_ui_url": SWAGGER_UI_URL,
            "docs_config": {"openapi": request.app.openapi_url},
            "asset_version": STATIC_VERSION,
        },
    )


def _asset_route(name: str, media_type: str) -> None:
    path = SWAGGER_UI_DIR / name
    compressed = SWAGGER_UI_GZIP[name]

    def asset(request: Request) -> Response:
        headers = {"Cache-Control": ONE_YEAR_IMMUTABLE, "Vary": "Accept-Encoding"}
        if accepts_gzip(request):
            headers["Content-Encoding"] = "gzip"
            return Response(compressed, media_type=media_type, headers=headers)
        return FileResponse(path, media_type=media_type, headers=headers)

    asset.__doc__ = f"Swagger UI's {name}, from the installed package."
    router.add_api_route(f"{SWAGGER_UI_URL}/{name}", asset, methods=["GET"], name=name)


for _name, _media_type in SWAGGER_UI_ASSETS.items():
    _asset_route(_name, _media_type)
