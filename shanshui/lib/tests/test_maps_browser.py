"""In a real browser, with no 天地图 key (the default): every map draws the shipped outline of
the districts instead of tiles, asks no other server for anything, and its point picker still
fills the form. Screenshots of the report form, the task site picker and 整改一张图 at desktop
and phone widths."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from shanshui.ledger import services
from shanshui.ledger.scenarios import make_campaign, make_task
from shanshui.lib import geo
from shanshui.orgs.demo import DEMO_PASSWORD, load_demo
from shanshui.orgs.models import Unit
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

SHOTS = Path(os.environ.get("SHANSHUI_SHOTS", "/tmp/shots"))
SIZES = ((1280, 900), (390, 844))


def _outside_requests(page, base: str) -> list[str]:
    """Every URL the page asks for outside the site (filled in as it loads)."""
    host = urlsplit(base).netloc
    seen: list[str] = []
    page.on(
        "request",
        lambda r: (
            seen.append(r.url)
            if urlsplit(r.url).netloc not in (host, "") and not r.url.startswith("data:")
            else None
        ),
    )
    return seen


def test_report_form_outline_and_picker(live_server):
    load_demo()
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    with launch_chromium() as browser:
        for width, height in SIZES:
            page = browser.new_context(
                viewport={"width": width, "height": height}, locale="zh-CN"
            ).new_page()
            outside = _outside_requests(page, base)
            page.goto(base + "/report/")
            page.wait_for_selector("#report-map[data-outline-ready]")
            # The outline: one SVG path per district or county, no tile images.
            assert page.locator("#report-map .leaflet-outline-pane path").count() >= 37
            assert page.locator("#report-map img.leaflet-tile").count() == 0
            attribution = page.inner_text("#report-map .leaflet-control-attribution")
            assert "区县轮廓" in attribution and "两江新区" in attribution
            assert "Leaflet" not in attribution and "OpenStreetMap" not in attribution

            # A tap on the map fills the numbers (WGS84: the outline is not shifted).
            page.locator("#report-map").scroll_into_view_if_needed()
            box = page.locator("#report-map").bounding_box()
            page.locator("#report-map").click(
                position={"x": box["width"] * 0.3, "y": box["height"] * 0.6}
            )
            lat = float(page.input_value("#id_lat"))
            lon = float(page.input_value("#id_lon"))
            assert geo.in_chongqing(lat, lon)
            assert page.input_value("#id_coord_system") == "wgs84"
            assert page.locator("#report-map .leaflet-marker-icon").count() == 1
            page.screenshot(path=str(SHOTS / f"maps-report-{width}.png"), full_page=False)
            page.locator("#report-map").screenshot(path=str(SHOTS / f"maps-report-map-{width}.png"))
            assert outside == [], outside
            page.close()

        # Numbers pasted from 百度 with the system chosen: the pin goes to the WGS84 point and
        # the report stores it converted.
        page = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN"
        ).new_page()
        page.goto(base + "/report/")
        page.wait_for_selector("#report-map[data-outline-ready]")
        page.select_option("#id_coord_system", "bd09")
        b_lat, b_lon = geo.wgs84_to_bd09(29.5576, 106.5770)
        page.fill("#id_lat", f"{b_lat:.6f}")
        page.fill("#id_lon", f"{b_lon:.6f}")
        expect(page.locator("#report-map .leaflet-marker-icon")).to_have_count(1)
        shown = page.evaluate(
            "() => { const m = document.querySelector('#report-map .leaflet-marker-icon');"
            " return m ? m.getBoundingClientRect().x : null; }"
        )
        assert shown is not None
        page.close()


def test_site_picker_and_ledger_map_on_the_outline(live_server):
    load_demo()
    office = get_user_model().objects.get(username="office")
    campaign = make_campaign(office)
    for code, key, point in (
        ("OUT-1", "cq-wanzhou", (30.8079, 108.3891)),
        ("OUT-2", "cq-yuzhong", (29.5576, 106.5770)),
        ("OUT-3", "cq-qianjiang", (29.5332, 108.7707)),
    ):
        task = make_task(office, campaign, code=code, implementing=Unit.objects.get(key=key))
        services.task_edit(
            actor=office,
            task=task,
            expected_version=None,
            site_address="排口",
            site_lat=point[0],
            site_lon=point[1],
        )
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    with launch_chromium() as browser:
        for width, height in SIZES:
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="zh-CN"
            )
            page = context.new_page()
            page.goto(base + "/login/")
            page.fill("#id_username", "office")
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            outside = _outside_requests(page, base)

            page.goto(base + f"/ledger/map/?campaign={campaign.pk}")
            page.wait_for_selector("#ledger-map[data-loaded]")
            page.wait_for_selector("#ledger-map[data-outline-ready]")
            assert page.get_attribute("#ledger-map", "data-loaded") == "3"
            assert page.locator("#ledger-map .leaflet-outline-pane path").count() >= 37
            page.screenshot(path=str(SHOTS / f"maps-ledger-{width}.png"), full_page=True)

            page.goto(base + "/ledger/new/")
            page.wait_for_selector("#id_site_map[data-outline-ready]")
            page.locator("#id_site_map").scroll_into_view_if_needed()
            box = page.locator("#id_site_map").bounding_box()
            page.locator("#id_site_map").click(
                position={"x": box["width"] * 0.5, "y": box["height"] * 0.5}
            )
            lat = float(page.input_value("input[name=site_lat]"))
            lon = float(page.input_value("input[name=site_lon]"))
            assert geo.in_chongqing(lat, lon)
            page.locator("#id_site_map").screenshot(
                path=str(SHOTS / f"maps-site-picker-map-{width}.png")
            )
            page.screenshot(path=str(SHOTS / f"maps-site-picker-{width}.png"), full_page=True)
            assert outside == [], outside
            context.close()
