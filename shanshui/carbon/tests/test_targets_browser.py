"""In a real browser, as the office: the targets page with the demo data draws a gauge per
target and a trajectory per district, and a district behind its target becomes a ledger task
with one click."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from shanshui.carbon import demo
from shanshui.carbon.models import CarbonTarget
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


def test_targets_page_gauges_and_task(live_server):
    load_demo()
    demo.load_demo()
    assert demo.load_targets()
    from django.contrib.auth import get_user_model

    make_campaign(get_user_model().objects.get(username="office"), code="special-mb")
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
            page.goto(live_server.url + "/carbon/targets/")
            page.wait_for_selector(".carbon-gauge svg")
            page.wait_for_selector("#traj-0-chart svg")
            assert page.locator(".carbon-gauge svg").count() == 4  # the peak-year target: text
            page.screenshot(path=str(SHOTS / f"carbon-targets-{width}.png"), full_page=True)
        behind = page.locator(".target[data-status=behind] .task-form button")
        if behind.count():
            with page.expect_navigation():
                behind.first.click()
            assert "已生成" in page.content() or "台账" in page.content()
            assert CarbonTarget.objects.exclude(task=None).count() == 1
            # onto the target's own page, its history ending with the task raised
            page.wait_for_selector("#target-history .target-event[data-kind=task_raised]")
            assert page.locator("#target-history .target-event").count() == 2
