"""A citizen reports from a phone and follows the case; the office transfers it and a district
handler works it to publication — in Debian's Chromium against the live server."""

import os
import time
from pathlib import Path

import pytest

from shanshui.complaints.models import Complaint, Status
from shanshui.lib import imagemeta
from shanshui.lib.tests.test_imagemeta import phone_jpeg
from shanshui.orgs.demo import DEMO_PASSWORD, load_demo
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]


def _login(page, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _act(page, name: str) -> None:
    """Open an action's card on the case page and submit its form."""
    card = page.locator(f"#action-{name}")
    if card.get_attribute("open") is None:
        card.locator("summary").click()
    form = page.locator(f"#form-{name}")
    asks = form.get_attribute("data-confirm")  # an irreversible step (办结, 公开) asks first
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
        if asks:
            page.locator("#confirm-modal [data-confirm-ok]").click()


def test_citizen_reports_from_a_phone_and_a_district_publishes_the_result(
    live_server, tmp_path: Path
):
    load_demo()
    base = live_server.url
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(phone_jpeg())
    assert imagemeta.has_location(photo.read_bytes(), "jpeg")

    with launch_chromium() as browser:
        # --- a citizen, on a phone, without an account ---------------------------------------
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.goto(base + "/report/")
        assert phone.locator("h1, .page-title").first.inner_text()  # the page renders
        phone.locator("input[name=categories][value=water]").check(force=True)
        phone.locator("input[name=categories][value=solid_waste]").check(force=True)
        phone.fill("textarea[name=description]", "滨江路排水口排放黑色污水，气味刺鼻，请尽快处理。")
        phone.select_option("select[name=district]", label="重庆市万州区")
        phone.fill("input[name=address]", "万州区高笋塘街道滨江路 8 号")
        # The map picker works without tiles (no network here): a tap fills the numbers.
        phone.locator("#report-map").click(position={"x": 160, "y": 90})
        assert 28 < float(phone.input_value("input[name=lat]")) < 31
        assert 105 < float(phone.input_value("input[name=lon]")) < 108
        phone.fill("input[name=lat]", "30.8079")
        phone.fill("input[name=lon]", "108.3891")
        phone.fill("input[name=contact_phone]", "13912345678")
        phone.set_input_files("#id_photos_files", str(photo))
        phone.screenshot(path=str(tmp_path / "report-phone.png"), full_page=True)
        time.sleep(3.2)  # the form refuses submissions faster than a person can type
        with phone.expect_navigation():
            phone.locator("#report-form button[type=submit]").click()
        assert "/report/done/" in phone.url, phone.content()[:2000]
        code = phone.locator("#tracking-code").inner_text().replace("-", "").strip()
        phone.screenshot(path=str(tmp_path / "report-done.png"), full_page=True)
        case = Complaint.objects.get(tracking_code=code)
        assert case.status == Status.RECEIVED and case.photos.count() == 1
        assert case.contact.phone == "13912345678"

        phone.goto(base + "/report/track/")
        phone.fill("input[name=code]", code.lower())
        with phone.expect_navigation():
            phone.locator("form button[type=submit]").first.click()
        assert case.code in phone.content()
        assert "13912345678" not in phone.content()

        # --- the office transfers it to 万州区 ------------------------------------------------
        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        _login(desk, base, "office")
        desk.goto(f"{base}/complaints/cases/{case.pk}/")
        assert "13912345678" in desk.content()  # the office handles cases: it sees the contact
        card = desk.locator("#action-transfer")
        if card.get_attribute("open") is None:
            card.locator("summary").click()
        desk.locator("#transfer-units label", has_text="万州区").first.locator("input").check()
        with desk.expect_navigation():
            desk.locator("#form-transfer button[type=submit]").click()
        case.refresh_from_db()
        assert case.status == Status.TRANSFERRED

        # --- the district handler works it to publication -------------------------------------
        handler = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        _login(handler, base, "wanzhou")
        handler.goto(base + "/complaints/my/")
        assert case.code in handler.content()
        handler.goto(f"{base}/complaints/cases/{case.pk}/")
        _act(handler, "start")
        card = handler.locator("#action-handle")
        if card.get_attribute("open") is None:
            card.locator("summary").click()
        finding = handler.locator("#form-handle input[name=finding][value=true]")
        finding.scroll_into_view_if_needed()
        finding.evaluate("radio => radio.click()")
        assert finding.is_checked()
        handler.fill(
            "#form-handle textarea[name=investigation]",
            "经现场核查，排水口确有污水排放，情况属实。",
        )
        handler.fill(
            "#form-handle textarea[name=handling]", "责令企业停止排放并完成管网整改，已复查合格。"
        )
        handler.fill("#form-handle textarea[name=accountability]", "约谈企业负责人1人。")
        handler.fill("#form-handle input[name=interviews]", "1")
        with handler.expect_navigation():
            handler.locator("#form-handle button[type=submit]").click()
        case.refresh_from_db()
        assert case.status == Status.HANDLED, handler.content()[:3000]
        _act(handler, "close")
        _act(handler, "publish")
        case.refresh_from_db()
        assert case.status == Status.PUBLISHED
        handler.screenshot(path=str(tmp_path / "case-published.png"), full_page=True)

        # --- the office approves the report for publication (先审后发) ------------------------
        desk.goto(f"{base}/complaints/moderation/")
        desk.screenshot(path=str(tmp_path / "moderation.png"), full_page=True)
        card = desk.locator(f"#queue-{case.pk}")
        with desk.expect_navigation():
            card.get_by_role("button", name="通过审核并公开").click()
        case.refresh_from_db()
        assert case.moderated_at is not None

        # --- the citizen sees the result; the public copy of the photo has no location -------
        # (an old link with the code in its path: it moves into the session, then redirects)
        phone.goto(f"{base}/report/track/{code}/")
        assert code not in phone.url
        assert "已整改" in phone.content() or "复查合格" in phone.content()
        phone.screenshot(path=str(tmp_path / "track-published.png"), full_page=True)
        photo_pk = case.photos.get().pk
        response = phone.request.get(f"{base}/public/complaints/photos/{photo_pk}/")
        assert response.status == 200
        assert not imagemeta.has_location(response.body(), "jpeg")
        stats = phone.goto(base + "/public/complaints/stats/")
        assert stats.status == 200
        phone.wait_for_selector("canvas, svg")  # ECharts drew the charts
        phone.screenshot(path=str(tmp_path / "stats-phone.png"), full_page=True)

    for name in ["report-phone.png", "report-done.png", "case-published.png", "stats-phone.png"]:
        assert (tmp_path / name).stat().st_size > 10_000
