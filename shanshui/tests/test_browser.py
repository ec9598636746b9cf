"""A real browser (Debian's Chromium through Playwright) against the live server."""

import os
from pathlib import Path

import pytest

from shanshui.orgs.demo import DEMO_PASSWORD, load_demo
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

# Playwright's sync API runs an event loop in this thread; the ORM calls below happen outside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]


def test_a_district_official_logs_in_and_switches_language(live_server, tmp_path: Path):
    load_demo()  # the README's demo logins
    with launch_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-US")
        page.goto(live_server.url + "/")  # the public front door; staff log in from it
        page.click("#front-login")
        assert "/login/" in page.url
        assert page.locator("h2").inner_text() == "登录您的账号"  # Chinese by default
        page.fill("#id_username", "wanzhou")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(live_server.url + "/")
        assert "万州区" in page.locator("#my-units").inner_text()
        assert "单位管理员" in page.locator("#my-units").inner_text()
        page.screenshot(path=str(tmp_path / "home-zh.png"), full_page=True)

        with page.expect_navigation():
            page.select_option("#language-select", "en")
        assert page.locator("h3.card-title").first.inner_text() == "My units and roles"
        assert "Unit administrator" in page.locator("#my-units").inner_text()
        page.screenshot(path=str(tmp_path / "home-en.png"), full_page=True)

        # The directory searches as you type (htmx).
        page.goto(live_server.url + "/units/")
        page.fill("#directory-q", "市环保局")
        page.wait_for_selector("text=1 unit found")
        assert "重庆市生态环境局" in page.locator("#directory-results").inner_text()

        # Another district's people are not there for this user.
        response = page.goto(f"{live_server.url}/units/{_unit_id('cq-yuzhong')}/people/")
        assert response.status == 404
        page.screenshot(path=str(tmp_path / "other-district-404.png"))

        # On a phone the menu collapses behind the toggler and the page still works.
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(live_server.url + "/login/")
        phone.fill("#id_username", "wanzhou")
        phone.fill("#id_password", DEMO_PASSWORD)
        phone.click("button[type=submit]")
        phone.wait_for_url(live_server.url + "/")
        assert phone.locator(".navbar-toggler").is_visible()
        phone.screenshot(path=str(tmp_path / "home-phone.png"), full_page=True)

    for name in ["home-zh.png", "home-en.png", "other-district-404.png", "home-phone.png"]:
        assert (tmp_path / name).stat().st_size > 10_000


def _unit_id(key: str) -> int:
    from shanshui.orgs.models import Unit

    return Unit.objects.get(key=key).pk
