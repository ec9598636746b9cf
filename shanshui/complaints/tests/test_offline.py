"""Nothing loads from the internet: government networks are often offline. Every page reachable
from the home page — as an anonymous visitor, the office and a district — and the API docs use
only vendored scripts, styles and fonts (static/vendor); so do the style sheets themselves."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.test import Client

from shanshui.complaints.scenarios import drive_case, make_report

pytestmark = pytest.mark.django_db

MAX_PAGES = 80  # per persona: enough to reach every main page from the menus
# Not pages, or not ours to check beyond their index (Django's admin ships its own files).
SKIP = re.compile(r"/logout|\.(xlsx|docx|csv|json|xml|png|jpe?g|pdf)$|/photos?/|^/admin/.")
# A url(...) or @import in a style sheet or style attribute.
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")


def external(url: str) -> bool:
    url = url.strip()
    return url.startswith("//") or urlsplit(url).scheme in ("http", "https", "ftp")


class Resources(HTMLParser):
    """What a page loads (scripts, styles, fonts, images, frames) and the pages it links to."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "embed") and a.get("src"):
            self.loads.append(a["src"])
        loading = {"stylesheet", "preload", "icon", "modulepreload"}
        if tag == "link" and a.get("href") and set((a.get("rel") or "").split()) & loading:
            self.loads.append(a["href"])
        if tag == "object" and a.get("data"):
            self.loads.append(a["data"])
        if a.get("style"):
            self.loads += CSS_URL.findall(a["style"])
        # What scripts load from the page's data (a map's tiles, data-tiles / data-labels).
        self.loads += [v for k, v in attrs if k.startswith("data-") and v and external(v)]
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.loads += CSS_URL.findall(data)


def crawl(client: Client, start: list[str]) -> dict[str, list[str]]:
    """Every same-site page reachable from ``start`` (up to MAX_PAGES): page → what it loads."""
    seen: dict[str, list[str]] = {}
    shapes: set[str] = set()  # one page of each kind: /units/7/ stands for every unit's page
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path)
        if shape in shapes or SKIP.search(path):
            continue
        shapes.add(shape)
        response = client.get(path)
        seen[path] = []
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Resources()
        parser.feed(response.content.decode())
        seen[path] = parser.loads
        for href in parser.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path not in seen and parts.path not in queue:
                queue.append(parts.path)
    return seen


@pytest.fixture
def cases(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    c = make_report(district=personas.unit_a, moderator=personas.office)
    drive_case(c, "published", office=personas.office, handler=personas.district_a)
    make_report(district=personas.unit_a, description="等待审核的举报。")
    yield
    cache.clear()


START = ["/", "/report/", "/report/track/", "/public/complaints/", "/api/v1/docs", "/open311/v2/"]


@pytest.mark.parametrize("who", ["anonymous", "office", "district"])
def test_no_page_loads_anything_from_the_internet(who, personas, cases):
    client = Client()
    if who != "anonymous":
        client.force_login(personas.office if who == "office" else personas.district_a)
    pages = crawl(client, START)
    assert len(pages) >= (8 if who == "anonymous" else 15), sorted(pages)
    found = {(page, url) for page, loads in pages.items() for url in loads if external(url)}
    assert not found, sorted(found)
    # The style sheets and scripts they load: no web font or style from elsewhere either.
    static = {url for loads in pages.values() for url in loads if url.startswith("/static/")}
    for url in sorted(static):
        if not url.split("?")[0].endswith(".css"):
            continue
        path = finders.find(url.split("?")[0].removeprefix("/static/"))
        assert path, url
        with open(path, encoding="utf-8") as fh:
            css = fh.read()
        outside = [u for u in CSS_URL.findall(css) if external(u)]
        assert not outside, (url, outside[:3])


def test_the_api_docs_use_the_vendored_swagger_ui(client):
    page = client.get("/api/v1/docs")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/static/vendor/swagger-ui/swagger-ui.css" in html
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    # (not a bare "cdn" anywhere: the page's random CSRF token may spell it)
    assert not re.search(r"""(?:src|href|url)\s*[=(]\s*["']?[^"'\s>]*cdn""", html, re.I)
    assert finders.find("vendor/swagger-ui/swagger-ui-bundle.js")
    assert finders.find("vendor/swagger-ui/LICENSE")


def test_the_checker_finds_an_external_script():
    parser = Resources()
    parser.feed(
        '<script src="https://cdn.example.org/x.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/css">'
        '<style>@font-face { src: url("https://fonts.example.org/f.woff2"); }</style>'
        '<link rel="stylesheet" href="/static/vendor/tabler/tabler.min.css">'
        '<div data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png" data-zoom="10"></div>'
    )
    assert [u for u in parser.loads if external(u)] == [
        "https://cdn.example.org/x.js",
        "//fonts.example.org/css",
        "https://fonts.example.org/f.woff2",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    ]
