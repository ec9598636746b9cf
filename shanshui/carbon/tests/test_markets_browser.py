"""In a real browser, as the office and at two widths, with the demo data: the dashboard shows
the pipeline and market compliance and its figures lead to their rows; the market list is a
table on a desk and cards on a phone; an enterprise's page shows the inclusion check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shanshui.carbon import demo
from shanshui.carbon.models import MarketEnterprise
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.demo import DEMO_PASSWORD, load_demo
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
SHOTS = Path(os.environ.get("SHANSHUI_SHOTS", "/tmp/shots"))


def test_dashboard_list_and_enterprise(live_server):
    from django.contrib.auth import get_user_model

    load_demo()
    demo.load_demo()
    demo.load_projects()
    demo.load_targets()
    make_campaign(get_user_model().objects.get(username="office"), code="special-qj")
    assert demo.load_markets()
    mismatched = MarketEnterprise.objects.get(name="涪陵榨菜食品有限公司")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with launch_chromium() as browser:
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(
                viewport={"width": width, "height": height}, locale="zh-CN"
            )
            page = context.new_page()
            page.goto(live_server.url + "/login/")
            page.fill("#id_username", "office")
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            page.goto(live_server.url + "/carbon/")
            page.wait_for_selector("#chart-sectors svg, #chart-sectors canvas")
            assert page.locator("#dash-market tr[data-market]").count() == 3
            page.screenshot(path=str(SHOTS / f"carbon-dashboard-{width}.png"), full_page=True)
            with page.expect_navigation():
                page.locator("#dash-market tr[data-market=cq_pilot] a").last.click()
            assert "status=missed" in page.url
            rows = "#enterprise-cards a" if width < 768 else "#enterprises tbody tr"
            assert page.locator(rows).count() == 1
            page.goto(live_server.url + "/carbon/market/")
            assert page.locator(rows).first.is_visible()
            page.screenshot(path=str(SHOTS / f"carbon-market-list-{width}.png"), full_page=True)
            page.goto(live_server.url + f"/carbon/market/{mismatched.pk}/")
            assert page.locator("#inclusion-mismatch").is_visible()
            page.screenshot(path=str(SHOTS / f"carbon-market-detail-{width}.png"), full_page=True)
            context.close()
