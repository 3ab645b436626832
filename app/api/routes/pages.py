"""The web page: GET / renders templates/index.html; plotly.js comes from the plotly package.

plotly.js is served from the installed Python package (no CDN, so the page works offline) at
a URL that carries its version, which lets browsers cache it for a year. The page preloads it
and runs it after its first paint, once the person leaves the page alone or something needs it
(static/js/render/plotly.js, the quiet-moment rule), from the URL in its config.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from app import __version__
from app.api.encoding import accepts_gzip
from app.config import SETTINGS

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
ONE_YEAR_IMMUTABLE = "public, max-age=31536000, immutable"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
router = APIRouter(include_in_schema=False)


def plotly_js_version(path: Path = PLOTLY_JS) -> str:
    """The plotly.js version from the bundle's banner ("plotly.js v4.1.1"), else plotly.py's."""
    with path.open(encoding="utf-8", errors="replace") as bundle:
        banner = bundle.read(512)
    found = re.search(r"plotly\.js v(\d+\.\d+\.\d+[\w.-]*)", banner)
    return found.group(1) if found else plotly.__version__


def static_version(directory: Path = STATIC_DIR) -> str:
    """A hash of every static file, so ?v= changes whenever any script or style does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


PLOTLY_URL = f"/vendor/plotly-{plotly_js_version()}.min.js"
STATIC_VERSION = static_version()
MODULES = sorted(
    p.relative_to(STATIC_DIR / "js").as_posix()
    for p in (STATIC_DIR / "js").rglob("*.js")
    if p.relative_to(STATIC_DIR / "js").as_posix() != "main.js"
)
"""Every module under static/js that main.js imports (render/plots.js, panels/sweep.js, ...)."""
PAGE_LIMITS = {
    name: getattr(SETTINGS, name)
    for name in (
        "max_runs",
        "max_points",
        "max_resolution",
        "max_label_chars",
        "max_sweep_count",
        "max_basin_resolution",
        "max_work",
        "max_memory_bytes",
        "max_steps",
        "max_noise_std",
        "max_batch_size",
    )
}
"""The request limits the page keeps its own requests within (CONFIG.limits in static/js)."""


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The loss-landscape lab."""
    page_config = {
        "api": "/api/v1",
        "version": __version__,
        "plotly": PLOTLY_URL,
        "limits": PAGE_LIMITS,
    }
    return templates.TemplateResponse(
        request,
        "index.html",
        {
            "plotly_url": PLOTLY_URL,
            "page_config": page_config,
            "asset_version": STATIC_VERSION,
            "modules": MODULES,
        },
    )


PLOTLY_JS_GZIP = gzip.compress(PLOTLY_JS.read_bytes(), 6)
"""Compressed once at start-up (about 0.2 s): 4.8 MB on disk, 1.5 MB on the wire."""


@router.get(PLOTLY_URL)
def plotly_js(request: Request) -> Response:
    """The plotly.js bundle shipped by the installed plotly package, gzipped when accepted."""
    headers = {"Cache-Control": ONE_YEAR_IMMUTABLE, "Vary": "Accept-Encoding"}
    if accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return Response(PLOTLY_JS_GZIP, media_type="text/javascript", headers=headers)
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers=headers)
