"""The overview and a district page in Debian's Chromium against the live server: the tables,
the ranking chart, the AQI calendar and the trend charts are drawn without a script error.

Screenshots go to ``$SHANSHUI_SCREENSHOTS`` when set (else the test's temporary directory)."""

import datetime as dt
import os
from pathlib import Path

import pytest

from shanshui.monitoring import airstats
from shanshui.monitoring.models import Indicator
from shanshui.monitoring.tests.indicator_helpers import (
    GOOD_WATER,
    make_section,
    make_station,
    sample,
    store_daily,
    synthetic_hourly,
    target,
    unit,
)
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium
from shanshui.testing.personas import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls happen outside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

YEAR = 2025
DISTRICTS = ("cq-wanzhou", "cq-yuzhong", "cq-nanan", "cq-fuling")


def _year_of_data():
    for k, key in enumerate(DISTRICTS):
        district = unit(key)
        stations = [make_station(district, f"{key}-{i}", name=f"站点{i + 1}") for i in range(2)]
        hourly = synthetic_hourly(20 + k, 2, YEAR, gap_days=(60,))
        hourly[:, :, 3] *= 0.8 + 0.15 * k  # from clean to less clean
        daily = airstats.daily_statistics_batch(hourly, start=dt.date(YEAR, 1, 1))
        store_daily(daily, district=district, stations=stations)
        store_daily(daily, district=district, stations=[None])
        target(district, YEAR, Indicator.GOOD_DAY_RATIO, 88)
        target(district, YEAR, Indicator.PM25_MEAN, 40)
        section = make_section(district, f"{key}-W", name=f"{district.display_name}断面")
        bad = {"NH3N": 2.4} if k == 3 else {}
        for month in range(1, 13):
            sample(section, dt.date(YEAR, month, 5), **{**GOOD_WATER, **bad})


def test_the_overview_and_a_district_page_draw_their_charts(live_server, personas, tmp_path):
    _year_of_data()
    shots = Path(os.environ.get("SHANSHUI_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []

    with launch_chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", personas.office.username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")

        page.goto(f"{live_server.url}/monitoring/?year={YEAR}")
        page.wait_for_selector("[data-chart=ranking][data-drawn] svg")
        rows = page.locator("#district-table tbody tr")
        assert rows.count() == len(DISTRICTS)
        assert page.locator("#district-table [data-status=missed]").count() >= 1
        assert page.locator("#district-table [data-status=met]").count() >= 1
        assert page.locator("#city-cards .mon-city-value").count() == 5
        page.screenshot(path=str(shots / "monitoring-overview.png"), full_page=True)

        with page.expect_navigation():
            page.locator("#district-table a", has_text="万州区").first.click()
        assert "/monitoring/districts/" in page.url
        page.wait_for_selector("[data-chart=calendar][data-drawn] svg")
        page.wait_for_selector("[data-chart=trend][data-series=pm25][data-drawn] svg")
        page.wait_for_selector("[data-chart=trend][data-series=good][data-drawn] svg")
        # The calendar paints one cell per day with data in the level colours of HJ 633.
        painted = page.locator(
            "[data-chart=calendar] svg path[fill='#00E400'], "
            "[data-chart=calendar] svg path[fill='#FFFF00']"
        ).count()
        assert painted > 200
        assert page.locator("#air-stations tbody tr").count() == 2
        assert page.locator("#water-sections tbody tr").count() == 1
        page.screenshot(path=str(shots / "monitoring-district.png"), full_page=True)

        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
        ).new_page()
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        phone.context.add_cookies(context.cookies())
        phone.goto(page.url)
        phone.wait_for_selector("[data-chart=calendar][data-drawn] svg")
        phone.screenshot(path=str(shots / "monitoring-district-phone.png"), full_page=True)

    assert errors == []
