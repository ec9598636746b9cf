"""Static files in production: hashed names, compressed, served by WhiteNoise with a far-future
expiry, so a release is never hidden behind a cached script (docs/deployment.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
HASHED = {"BACKEND": "shanshui.lib.staticfiles.HashedStaticFilesStorage"}
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]\s*%\}""")
TEN_YEARS = 10 * 365 * 24 * 3600


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        STATIC_ROOT=root, STORAGES={**django_settings.STORAGES, "staticfiles": HASHED}
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def hashed(collected, settings):
    settings.STATIC_ROOT = collected
    settings.STORAGES = {**settings.STORAGES, "staticfiles": HASHED}
    settings.WHITENOISE_AUTOREFRESH = False
    return collected


def test_it_renders_pages_with_hashed_names(hashed, db):
    page = Client().get("/login/").content.decode()
    css = re.search(r'href="(/static/vendor/tabler/tabler\.min\.[0-9a-f]{12}\.css)"', page)
    assert css, "the layout links Tabler's stylesheet by its hashed name"
    assert re.search(r'src="/static/js/confirm\.[0-9a-f]{12}\.js"', page)
    assert 'tabler.min.css"' not in page


def test_it_serves_hashed_names_for_ever_and_plain_names_briefly(hashed, db):
    url = staticfiles_storage.url("css/shanshui.css")
    assert re.fullmatch(r"/static/css/shanshui\.[0-9a-f]{12}\.css", url)
    client = Client()
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Cache-Control"] == f"max-age={TEN_YEARS}, public, immutable"
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("text/css")
    plain = client.get("/static/css/shanshui.css")
    assert plain.status_code == 200
    assert plain["Cache-Control"] == "max-age=60, public"


def test_it_rewrites_stylesheet_references_to_hashed_names(hashed):
    leaflet = (hashed / staticfiles_storage.stored_name("vendor/leaflet/leaflet.css")).read_text()
    images = re.findall(r'url\("?(images/[^")]+)"?\)', leaflet)
    assert images
    for name in images:
        assert re.search(r"\.[0-9a-f]{12}\.png$", name), name
        assert (hashed / "vendor/leaflet" / name).is_file()


def test_it_has_every_file_the_templates_name(hashed):
    """A template naming a file that is not collected would fail every page in production
    (the manifest is strict), so each {% static %} in the templates must resolve."""
    names = set()
    for template in [
        *(ROOT / "templates").rglob("*.html"),
        *ROOT.glob("shanshui/*/templates/**/*.html"),
    ]:
        names.update(STATIC_TAG.findall(template.read_text()))
    assert len(names) > 10
    for name in sorted(names):
        assert re.search(r"\.[0-9a-f]{12}(\.[a-z0-9]+)?$", staticfiles_storage.url(name)), name
