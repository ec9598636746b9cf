"""In a real browser: the site picker in the new-task form and in the edit card (loaded later),
整改一张图 at desktop and phone widths, and the evidence photos' facts on the task page.
No tile server is reachable here: the maps must work without tiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from shanshui.ledger import services
from shanshui.ledger.models import Task
from shanshui.ledger.scenarios import make_campaign, make_task
from shanshui.lib.tests.photos import photo_jpeg
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


def _tasks(office):
    campaign = make_campaign(office)
    wanzhou = Unit.objects.get(key="cq-wanzhou")
    yuzhong = Unit.objects.get(key="cq-yuzhong")
    points = [
        ("MAP-1", wanzhou, (30.8079, 108.3891), "red"),
        ("MAP-2", wanzhou, (30.7800, 108.4100), "yellow"),
        ("MAP-3", yuzhong, (29.5576, 106.5770), "none"),
        ("MAP-4", yuzhong, None, "none"),
    ]
    tasks = []
    for code, unit, point, warning in points:
        task = make_task(office, campaign, code=code, implementing=unit)
        if point:
            services.task_edit(
                actor=office,
                task=task,
                expected_version=None,
                site_address=f"{unit.short_name or unit.name}某排口",
                site_lat=point[0],
                site_lon=point[1],
            )
        task = services.task_assign(actor=office, task=task, expected_version=None)
        Task.objects.filter(pk=task.pk).update(warning=warning)
        tasks.append(task)
    return campaign, tasks


def test_sites_on_the_map_and_in_the_forms(live_server, tmp_path: Path):
    load_demo()
    office = get_user_model().objects.get(username="office")
    campaign, tasks = _tasks(office)
    SHOTS.mkdir(parents=True, exist_ok=True)

    with launch_chromium() as browser:

        def log_in(viewport, username="office"):
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            page = context.new_page()
            page.goto(live_server.url + "/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            return page

        for width, height in ((1280, 900), (390, 844)):
            page = log_in({"width": width, "height": height})
            page.goto(live_server.url + f"/ledger/?campaign={campaign.pk}")
            with page.expect_navigation():
                page.click("#ledger-map-link")
            assert f"campaign={campaign.pk}" in page.url
            page.wait_for_selector("#ledger-map[data-loaded]")
            assert page.get_attribute("#ledger-map", "data-loaded") == "3"
            summary = page.inner_text("#map-summary")
            assert "3" in summary and "1 项未标注点位" in summary
            page.screenshot(path=str(SHOTS / f"sites-map-{width}.png"), full_page=True)
            # A marker's popup: number, title, status and the link to the task.
            box = page.locator("#ledger-map").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 250
        page.close()

        page = log_in({"width": 1280, "height": 900})
        # The new-task form: a tap on the map fills the site's numbers.
        page.goto(live_server.url + "/ledger/new/")
        page.wait_for_selector("#id_site_map.leaflet-container")
        # The map opens on all of Chongqing: its middle is in the city.
        box = page.locator("#id_site_map").bounding_box()
        page.locator("#id_site_map").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
        assert 28 < float(page.input_value("input[name=site_lat]")) < 31
        assert 105 < float(page.input_value("input[name=site_lon]")) < 110
        page.locator("#id_site_map").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "sites-new-task-1280.png"), full_page=True)

        # The edit card, loaded when opened: its picker starts and shows the stored point.
        page.goto(live_server.url + f"/ledger/tasks/{tasks[0].pk}/")
        page.locator("details[hx-get$='/edit/form/'] > summary").click()
        page.wait_for_selector("#form-edit .point-map.leaflet-container")
        assert page.locator("#form-edit .leaflet-marker-icon").count() == 1
        assert page.input_value("#form-edit input[name=site_lat]") == "30.8079"

        # Evidence photos with their capture time and place on the task page.
        wanzhou = get_user_model().objects.get(username="wanzhou")
        services.task_accept_assignment(
            actor=wanzhou, task=Task.objects.get(pk=tasks[0].pk), expected_version=None
        )
        services.evidence_add(
            actor=wanzhou,
            task=Task.objects.get(pk=tasks[0].pk),
            files=[
                SimpleUploadedFile(name, data, content_type="image/jpeg")
                for name, data in (
                    (
                        "旧照片.jpg",
                        photo_jpeg(taken="2020:01:01 09:00:00", lat=30.808, lon=108.389),
                    ),
                    ("别处.jpg", photo_jpeg(lat=30.90, lon=108.39, taken="2099:01:01 09:00:00")),
                    ("无信息.jpg", photo_jpeg(taken=None)),
                )
            ],
            comment="",
        )
        page.goto(live_server.url + f"/ledger/tasks/{tasks[0].pk}/")
        flags = page.locator("#evidence [data-photo-flag]")
        assert flags.count() == 2
        page.locator("#evidence").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "sites-task-1280.png"), full_page=True)
