"""Content-Security-Policy: every HTML page carries it, and no page needs what it forbids —
no inline script, no <style> element, no style attribute, no on… handler, no javascript: link.
Pages are crawled from the home page as an anonymous visitor, the office and a district (as
the offline test does), so a new page is checked without being listed here."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.test import Client

from shanshui.complaints.scenarios import drive_case, make_report
from shanshui.ledger.scenarios import make_campaign, make_task
from shanshui.lib import csp

pytestmark = pytest.mark.django_db

MAX_PAGES = 120
SKIP = re.compile(r"/logout|\.(xlsx|docx|csv|json|xml|png|jpe?g|pdf)$|/photos?/|^/admin/.")
DATA_SCRIPTS = {"application/json", "application/ld+json"}


class Inline(HTMLParser):
    """What on a page a strict policy would block, and the links to follow."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        where = f"<{tag}{' id=' + a['id'] if a.get('id') else ''}>"
        if tag == "script" and not a.get("src") and a.get("type") not in DATA_SCRIPTS:
            self.found.append(f"inline script {where}")
        if tag == "style":
            self.found.append(f"<style> element {where}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style attribute {where}: {value}")
            elif name.startswith("on"):
                self.found.append(f"{name} handler {where}")
            elif name in ("href", "action", "src") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"javascript: URL {where}")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])


def crawl(client: Client, start: list[str]) -> dict[str, tuple[str, list[str]]]:
    """Every same-site HTML page reachable from ``start``: page → (its CSP header, findings)."""
    seen: dict[str, tuple[str, list[str]]] = {}
    shapes: set[str] = set()
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path)
        if shape in shapes or SKIP.search(path):
            continue
        shapes.add(shape)
        response = client.get(path)
        if "text/html" not in response.get("Content-Type", "") or response.status_code >= 300:
            continue
        parser = Inline()
        parser.feed(response.content.decode())
        seen[path] = (response.get("Content-Security-Policy", ""), parser.found)
        for href in parser.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            if parts.path not in seen and parts.path not in queue:
                queue.append(parts.path)
    return seen


@pytest.fixture
def content(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    c = make_report(district=personas.unit_a, moderator=personas.office)
    drive_case(c, "published", office=personas.office, handler=personas.district_a)
    make_report(district=personas.unit_a, description="等待审核的举报。")
    campaign = make_campaign(personas.office)
    make_task(personas.office, campaign, code="CSP-1", implementing=personas.unit_a)
    yield
    cache.clear()


START = [
    "/",
    "/report/",
    "/report/track/",
    "/public/complaints/",
    "/api/v1/docs",
    "/login/",
    "/ledger/",
    "/reports/",
    "/monitoring/",
    "/carbon/",
    "/directives/",
    "/complaints/",
]


@pytest.mark.parametrize("who", ["anonymous", "office", "district"])
def test_every_page_has_the_policy_and_nothing_inline(who, personas, content):
    client = Client()
    if who != "anonymous":
        client.force_login(personas.office if who == "office" else personas.district_a)
    pages = crawl(client, START)
    assert len(pages) >= (6 if who == "anonymous" else 20), sorted(pages)
    without = sorted(page for page, (header, _) in pages.items() if not header)
    assert without == []
    inline = sorted((page, f) for page, (_, found) in pages.items() for f in found)
    assert not inline, "\n".join(f"{page}: {f}" for page, f in inline)


def test_the_policy_is_strict():
    policy = dict(d.split(" ", 1) for d in csp.policy().split("; "))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert "unsafe" not in csp.policy()


def img_src() -> list[str]:
    return csp.policy().split("img-src ")[1].split(";")[0].split()


def test_the_tile_host_may_serve_images(settings):
    settings.SHANSHUI_MAP_TILE_URL = ""
    settings.SHANSHUI_TIANDITU_KEY = ""
    assert img_src() == ["'self'", "data:", "blob:"]  # the shipped outline: no tile host
    settings.SHANSHUI_TIANDITU_KEY = "k"
    assert img_src() == ["'self'", "data:", "blob:", "https://*.tianditu.gov.cn"]
    settings.SHANSHUI_MAP_TILE_URL = "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png"
    assert "https://*.tiles.example.org:8443" in img_src()
    settings.SHANSHUI_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert "https://tiles.example.org" in img_src()
    assert csp.tile_source("") == "" and csp.tile_source("javascript:alert(1)") == ""


def test_json_is_not_given_the_policy(client):
    response = client.get("/api/v1/public/complaints")
    assert "Content-Security-Policy" not in response
