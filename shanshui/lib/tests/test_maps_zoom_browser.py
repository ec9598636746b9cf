"""In a real browser, with no 天地图 key: the outline map's zoom is bounded. Zooming in stops
where the outline has nothing finer to show (zoom 14), zooming out where Chongqing is still in
view (zoom 6), and the map cannot be dragged away from Chongqing."""

from __future__ import annotations

import math
import os
import re

import pytest
from playwright.sync_api import expect

from shanshui.lib import geo
from shanshui.orgs.demo import load_demo
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

SHOTS = os.environ.get("SHANSHUI_SHOTS", "")
MAP = "#report-map"
STEP = 200  # pixels between the two taps that measure the zoom


def _zoom(page) -> float:
    """The map's zoom, measured as a user could: tap two points STEP pixels apart and compare
    the longitudes the picker writes (Web Mercator: 256·2^zoom pixels around the world)."""
    box = page.locator(MAP).bounding_box()
    lons = []
    for x in (box["width"] / 2 - STEP / 2, box["width"] / 2 + STEP / 2):
        page.locator(MAP).click(position={"x": x, "y": box["height"] * 0.25})
        lons.append(float(page.input_value("#id_lon")))
    return math.log2(STEP * 360 / (256 * (lons[1] - lons[0])))


def _press_until_disabled(page, button: str, most: int = 30) -> int:
    control = page.locator(f"{MAP} .leaflet-control-zoom-{button}")
    for pressed in range(most):
        if "leaflet-disabled" in (control.get_attribute("class") or ""):
            return pressed
        control.click()
        page.wait_for_timeout(300)  # the zoom animation
    raise AssertionError(f"zoom-{button} never stopped")


def test_the_outline_map_stops_zooming_at_its_bounds(live_server):
    load_demo()
    with launch_chromium() as browser:
        page = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="zh-CN"
        ).new_page()
        page.goto(live_server.url + "/report/")
        page.wait_for_selector(f"{MAP}[data-outline-ready]")
        page.locator(MAP).scroll_into_view_if_needed()
        start = _zoom(page)
        assert 6 <= start < 14

        # Zoom in as far as the control goes, then try harder: the wheel and a double tap.
        assert _press_until_disabled(page, "in") >= 1
        page.locator(MAP).hover()
        for _ in range(10):
            page.mouse.wheel(0, -500)
        page.locator(MAP).dblclick(position={"x": 40, "y": 40})
        page.wait_for_timeout(500)
        expect(page.locator(f"{MAP} .leaflet-control-zoom-in")).to_have_class(
            re.compile(r"\bleaflet-disabled\b")
        )
        assert _zoom(page) == pytest.approx(14, abs=0.05)
        # Still on the outline: a tap is a point in Chongqing.
        assert geo.in_chongqing(
            float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))
        )
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, "maps-zoom-in.png"))

        # Out as far as it goes: zoom 6, with Chongqing in the middle of the view.
        assert _press_until_disabled(page, "out") >= 8
        assert _zoom(page) == pytest.approx(6, abs=0.05)

        # Dragged far to the east, the map comes back to Chongqing's side.
        box = page.locator(MAP).bounding_box()
        page.locator(MAP).click(position={"x": box["width"] / 2, "y": box["height"] / 2})
        centre_lon = float(page.input_value("#id_lon"))
        page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.1, box["y"] + box["height"] / 2, steps=10)
        page.mouse.up()
        page.wait_for_timeout(500)
        page.locator(MAP).click(position={"x": box["width"] / 2, "y": box["height"] / 2})
        assert float(page.input_value("#id_lon")) - centre_lon < 3
