"""The office imports a rectification plan through the pages and opens the dashboard — in
Debian's Chromium against the live server, with screenshots."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from shanshui.ledger.models import Campaign, Task
from shanshui.orgs.demo import DEMO_PASSWORD
from shanshui.reports.tests import sheets
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

SHOTS = Path(os.environ.get("SHANSHUI_SCREENSHOTS", "var/screenshots"))


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_office_imports_a_plan_and_reads_the_dashboard(live_server, tmp_path: Path):
    call_command("load_demo", verbosity=0)
    SHOTS.mkdir(parents=True, exist_ok=True)
    plan = tmp_path / "整改方案.xlsx"
    plan.write_bytes(sheets.central_plan())
    campaign = Campaign.objects.order_by("pk").first()
    base = live_server.url
    before = Task.objects.filter(campaign=campaign).count()

    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        _login(page, base, "office")
        page.goto(base + "/ledger/")
        with page.expect_navigation():
            page.click("#import-ledger")
        page.select_option("#id_campaign", str(campaign.pk))
        page.set_input_files("#id_file", str(plan))
        with page.expect_navigation():
            page.click("#upload-button")
        assert page.locator("#import-checked").is_visible(), page.content()[:3000]
        assert page.locator("#import-created tbody tr").count() == 3
        # The detected columns, one of them read from the merged two-row header.
        assert page.locator("#mapping-card select").count() >= 7
        page.screenshot(path=str(SHOTS / "reports-import-check.png"), full_page=True)
        with page.expect_navigation():
            page.click("#import-button")
        assert page.locator("#import-done").is_visible()
        page.screenshot(path=str(SHOTS / "reports-import-done.png"), full_page=True)
        assert Task.objects.filter(campaign=campaign).count() == before + 3

        # The dashboard: charts drawn, and a number leads to the tasks behind it.
        with page.expect_navigation():
            page.click("a.nav-link[href='/reports/']")
        page.wait_for_selector("canvas")
        # The parts loaded after the page: the rankings, and the warnings by category with
        # their chart, drawn once htmx has put them in.
        page.wait_for_selector("#ranking-districts")
        page.wait_for_selector("#warnings-by-category [data-chart='categories'] canvas")
        page.wait_for_timeout(800)  # ECharts' first animation
        page.screenshot(path=str(SHOTS / "reports-dashboard-office.png"), full_page=True)
        link = page.locator("a[href*='/reports/tasks/']").first
        shown = re.sub(r"\D", "", link.inner_text())
        with page.expect_navigation():
            link.click()
        heading = page.locator("h1, .page-title, h2").first.inner_text()
        assert shown and shown in re.sub(r"[^\d]", " ", page.content())
        assert heading
        page.screenshot(path=str(SHOTS / "reports-drill.png"), full_page=True)

        # A district sees the same page for its own scope.
        district = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        _login(district, base, "wanzhou")
        district.goto(base + "/reports/")
        # Both parts in before leaving the page (no request left running at the end).
        district.wait_for_selector("#ranking-districts")
        district.wait_for_selector("#warnings-by-category [data-chart='categories'] canvas")
        district.wait_for_timeout(800)
        district.screenshot(
            path=str(SHOTS / "reports-dashboard-district-phone.png"), full_page=True
        )
        assert district.goto(base + "/reports/import/").status == 403
