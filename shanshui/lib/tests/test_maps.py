"""The maps' base (lib/maps.py): no tile server by default, only the shipped district outline;
天地图 vector tiles with their place names and the 审图号 with a key; an explicit tile URL still
wins. Coordinates typed or pasted in another system are stored as WGS84."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from shanshui.ledger.models import Task
from shanshui.ledger.scenarios import make_campaign
from shanshui.lib import geo, maps

KEY = "0123456789abcdef"


def test_the_default_base_is_the_outline_and_no_tile_server():
    base = maps.tile_settings()
    assert base["tiles"] == "" and base["labels"] == ""
    assert base["outline"].endswith("geo/chongqing-districts.geojson")
    assert finders.find("geo/chongqing-districts.geojson")
    assert "区县轮廓" in base["attribution"] and "两江新区" in base["outline-note"]
    attrs = maps.map_data_attrs()
    assert attrs["data-tiles"] == "" and "data-outline" in attrs
    assert not any("openstreetmap" in str(v).lower() for v in attrs.values())


def test_no_openstreetmap_anywhere_by_default():
    # Neither the settings' defaults nor any page or script names it.
    root = Path(settings.BASE_DIR)
    files = [root / "config" / "settings.py", *root.glob("static/js/*.js")]
    files += root.glob("templates/**/*.html")
    assert files
    for path in files:
        assert "openstreetmap" not in path.read_text(encoding="utf-8").lower(), path


def test_with_a_tianditu_key_vector_tiles_place_names_and_the_review_number(settings):
    settings.SHANSHUI_TIANDITU_KEY = KEY
    base = maps.tile_settings()
    assert "/vec_w/wmts?" in base["tiles"] and "LAYER=vec" in base["tiles"]
    assert "/cva_w/wmts?" in base["labels"] and "LAYER=cva" in base["labels"]
    assert f"tk={KEY}" in base["tiles"] and f"tk={KEY}" in base["labels"]
    assert base["subdomains"] == "01234567" and base["crs"] == "wgs84"
    assert base["attribution"] == "© 天地图 审图号：GS(2024)0568号"
    assert "outline" not in base
    settings.SHANSHUI_MAP_REVIEW_NUMBER = "GS(2025)1234号"
    assert maps.tile_settings()["attribution"] == "© 天地图 审图号：GS(2025)1234号"


def test_an_explicit_tile_url_wins_with_its_own_system(settings):
    settings.SHANSHUI_TIANDITU_KEY = KEY
    settings.SHANSHUI_MAP_TILE_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    settings.SHANSHUI_MAP_TILE_CRS = "gcj02"
    settings.SHANSHUI_MAP_TILE_ATTRIBUTION = "© 某地图"
    base = maps.tile_settings()
    assert base["tiles"] == "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    assert base["labels"] == "" and base["crs"] == "gcj02"
    assert base["attribution"] == "© 某地图" and base["subdomains"] == "abc"


@pytest.mark.django_db
def test_the_report_form_without_and_with_a_key(client, settings):
    html = client.get("/report/").content.decode()
    assert 'data-outline="/static/geo/chongqing-districts.geojson"' in html
    assert 'data-tiles=""' in html and "openstreetmap" not in html.lower()
    # The coordinate system is a choice the citizen sees.
    assert '<select name="coord_system"' in html
    assert 'value="bd09"' in html and "百度" in html and "高德" in html
    settings.SHANSHUI_TIANDITU_KEY = KEY
    html = client.get("/report/").content.decode().replace("&amp;", "&")
    assert "/vec_w/wmts?" in html and "/cva_w/wmts?" in html
    assert "审图号：GS(2024)0568号" in html and "data-outline" not in html


@pytest.mark.django_db
def test_the_ledger_map_and_the_site_picker_with_a_key(personas, client_as, settings):
    settings.SHANSHUI_TIANDITU_KEY = KEY
    client = client_as(personas.office)
    for url in (reverse("ledger:map"), reverse("ledger:new")):
        html = client.get(url).content.decode().replace("&amp;", "&")
        assert "/vec_w/wmts?" in html and "/cva_w/wmts?" in html and "审图号" in html, url


# -- pasted coordinates in the forms ------------------------------------------------------------

SITE = (30.8079, 108.3891)  # 万州, WGS84


def _new_task(personas, campaign, **site) -> dict:
    return {
        "campaign": campaign.pk,
        "code": "S-1",
        "title": "滨江路排口整治",
        "problem": "排口直排",
        "categories": ["water"],
        "deadline_kind": "dated",
        "deadline": "2027-06-30",
        "lead": personas.unit_department.pk,
        "implementing": [personas.unit_a.pk],
        **site,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "system,convert",
    [(geo.GCJ02, geo.wgs84_to_gcj02), (geo.BD09, geo.wgs84_to_bd09)],
)
def test_a_site_pasted_from_a_chinese_map_is_stored_as_wgs84(personas, client_as, system, convert):
    campaign = make_campaign(personas.office)
    lat, lon = convert(*SITE)
    response = client_as(personas.office).post(
        reverse("ledger:new"),
        _new_task(
            personas,
            campaign,
            site_lat=f"{lat:.7f}",
            site_lon=f"{lon:.7f}",
            site_coord_system=system,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task = Task.objects.get(code="S-1")
    assert geo.haversine_m(task.site_lat, task.site_lon, *SITE) < 0.5


@pytest.mark.django_db
def test_an_unknown_system_is_refused_and_nothing_is_stored(personas, client_as):
    campaign = make_campaign(personas.office)
    response = client_as(personas.office).post(
        reverse("ledger:new"),
        _new_task(personas, campaign, site_lat="30.8", site_lon="108.39", site_coord_system="谷歌"),
    )
    assert response.status_code in (200, 400)
    assert "site_coord_system" in response.context["form"].errors
    assert not Task.objects.filter(code="S-1").exists()


# -- pasted coordinates in a ledger import --------------------------------------------------------


def _import(personas, header: list[str], cells: list):
    from shanshui.ledger.tests.test_sites import BASE, row, run, sheet

    campaign = make_campaign(personas.office)
    result = run(personas, campaign, sheet([*BASE, *header], [row(1, *cells)]))
    return campaign, result


def _gcj(point=SITE) -> str:
    lat, lon = geo.wgs84_to_gcj02(*point)
    return f"{lon:.7f},{lat:.7f}"


def _bd(point=SITE) -> tuple[str, str]:
    lat, lon = geo.wgs84_to_bd09(*point)
    return f"{lon:.7f}", f"{lat:.7f}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("header", "cells"),
    [
        (["经纬度", "坐标系"], [_gcj(), "GCJ-02"]),
        (["经纬度", "坐标系"], [_gcj(), "高德"]),
        (["经度", "纬度", "坐标系"], [*_bd(), "百度"]),
        (["经度", "纬度", "坐标系"], [*_bd(), "BD-09"]),
        (["经纬度"], [_gcj() + "（高德）"]),
        (["经度", "纬度"], [_bd()[0] + " 百度", _bd()[1] + " 百度"]),
        (["经纬度（腾讯地图）"], [_gcj()]),
        (["经度(BD-09)", "纬度(BD-09)"], list(_bd())),
    ],
)
def test_import_converts_a_point_in_the_system_the_sheet_names(personas, header, cells):
    campaign, result = _import(personas, header, cells)
    assert result.ok, result.errors
    task = Task.objects.get(campaign=campaign, code="1")
    assert geo.haversine_m(task.site_lat, task.site_lon, *SITE) < 0.5


@pytest.mark.django_db
def test_import_without_a_system_reads_wgs84_as_written(personas):
    campaign, result = _import(personas, ["经纬度", "坐标系"], ["108.3891,30.8079", ""])
    assert result.ok, result.errors
    task = Task.objects.get(campaign=campaign, code="1")
    assert (task.site_lat, task.site_lon) == SITE


@pytest.mark.django_db
def test_import_refuses_an_unknown_system_in_its_row(personas):
    campaign, result = _import(personas, ["经纬度", "坐标系"], ["108.3891,30.8079", "谷歌"])
    assert not result.ok
    (error,) = result.errors
    assert error.column == "坐标系" and "不认识的坐标系" in error.message
    assert not Task.objects.filter(campaign=campaign).exists()
