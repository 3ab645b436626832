"""GET /docs: Swagger UI from the installed package, every asset from this origin, no inline
script, so the page's own Content-Security-Policy covers it."""

from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from app.api.middleware import PAGE_CSP, VERSIONED_CACHE
from app.api.routes.docs import SWAGGER_UI_ASSETS, SWAGGER_UI_DIR, SWAGGER_UI_URL

EXPECTED_TYPES = {"script": "text/javascript", "stylesheet": "text/css", "icon": "image/svg+xml"}


class Assets(HTMLParser):
    """Every URL the page loads (scripts, stylesheets, icons) and the scripts' own text."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: dict[str, str] = {}
        self.scripts: list[dict[str, str | None]] = []
        self.script_text: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "script":
            self.scripts.append(found)
            self.in_script = True
            if found.get("src"):
                self.urls[found["src"]] = "script"
        elif tag == "link" and found.get("href"):
            self.urls[found["href"]] = found.get("rel") or ""
        elif found.get("src"):
            self.urls[found["src"]] = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script:
            self.script_text.append(data)


def docs_assets(client) -> Assets:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    parser = Assets()
    parser.feed(response.text)
    return parser


def test_docs_load_only_assets_of_this_origin(client):
    assets = docs_assets(client)
    assert set(assets.urls.values()) == set(EXPECTED_TYPES), assets.urls
    for url in assets.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url


def test_every_docs_asset_answers_200_with_its_content_type(client):
    for url, kind in docs_assets(client).urls.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].split(";")[0] == EXPECTED_TYPES[kind], url
        if kind != "icon":  # the icon is the page's /static/favicon.svg, as in base.html
            assert response.headers["cache-control"] == VERSIONED_CACHE, url


def test_docs_run_no_inline_script_and_carry_the_pages_policy(client):
    assets = docs_assets(client)
    for script in assets.scripts:
        assert script.get("src") or script.get("type") == "application/json", script
    assert client.get("/docs").headers["content-security-policy"] == PAGE_CSP


def test_swagger_ui_comes_from_the_package_at_a_versioned_url(client):
    # The package keeps each Swagger UI release in a folder named for it: a new release, a new
    # URL, so a year-long cache never serves a stale bundle.
    assert re.fullmatch(r"swagger-ui-5\.\d+\.\d+", SWAGGER_UI_DIR.name)
    assert SWAGGER_UI_URL.endswith(f"/{SWAGGER_UI_DIR.name}")
    assert SWAGGER_UI_URL in client.get("/docs").text
    for name in SWAGGER_UI_ASSETS:
        on_disk = (SWAGGER_UI_DIR / name).read_bytes()
        plain = client.get(f"{SWAGGER_UI_URL}/{name}", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == on_disk
        url = f"{SWAGGER_UI_URL}/{name}"
        with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as zipped:
            assert zipped.headers["content-encoding"] == "gzip"
            assert zipped.headers["vary"] == "Accept-Encoding"
            on_the_wire = b"".join(zipped.iter_raw())
        assert len(on_the_wire) < len(on_disk) / 3 and gzip.decompress(on_the_wire) == on_disk
    assert client.get(f"{SWAGGER_UI_URL}/index.html").status_code == 404


def test_fastapis_cdn_pages_are_gone_and_the_docs_are_not_in_the_schema(client):
    for path in ("/redoc", "/docs/oauth2-redirect"):
        assert client.get(path).status_code == 404, path
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/vendor"))]
