"""A reporter follows up on a phone: types the tracking code, reads the reply, says they are not
satisfied, and the office finds the case under 不满意; the report form shows a published case of
the same type nearby. In Debian's Chromium against the live server."""

import os
from pathlib import Path

import pytest

from shanshui.complaints import services
from shanshui.complaints.models import Complaint, Satisfaction, Status
from shanshui.complaints.scenarios import drive_case, make_report
from shanshui.complaints.tests.moderation import approve
from shanshui.testing.browser import chromium_or_skip_reason, launch_chromium
from shanshui.testing.personas import PASSWORD

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(bool(chromium_or_skip_reason()), reason=chromium_or_skip_reason() or ""),
]

REPLY = "您反映的滨江路排污问题已查实，企业已停产整改并接受处罚，感谢您的监督。"
SHOTS = Path(os.environ.get("SHANSHUI_SHOTS", "/tmp/shots"))


def test_the_reporter_reads_the_reply_and_says_they_are_not_satisfied(live_server, personas):
    base = live_server.url
    SHOTS.mkdir(parents=True, exist_ok=True)
    c = make_report(
        district=personas.unit_a,
        lat=30.8079,
        lon=108.3891,
        contact=services.Contact(phone="13912345678", wants_reply=True),
    )
    approve(c)
    c = drive_case(
        c, Status.CLOSED, office=personas.office, handler=personas.district_a, reply=REPLY
    )
    code = c.tracking_code

    with launch_chromium() as browser:
        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.goto(base + "/report/track/")
        phone.fill("input[name=code]", "-".join(code[i : i + 4] for i in (0, 4, 8)).lower())
        with phone.expect_navigation():
            phone.locator("form button[type=submit]").first.click()
        assert phone.url == base + "/report/track/status/"
        assert code not in phone.url
        assert REPLY in phone.locator("#reply").inner_text()
        phone.screenshot(path=str(SHOTS / "replies-track-390.png"), full_page=True)

        phone.locator("#rate-form label", has_text="不满意").click()
        phone.fill("#rate-form textarea[name=comment]", "晚上仍能闻到异味。")
        with phone.expect_navigation():
            phone.locator("#rate-form button[type=submit]").click()
        assert phone.locator("#satisfaction-given").is_visible()
        assert phone.locator("#rate-form").count() == 0
        phone.screenshot(path=str(SHOTS / "replies-rated-390.png"), full_page=True)
        c.refresh_from_db()
        assert c.satisfaction == Satisfaction.DISSATISFIED

        # The report form: a point and the same type bring up the published case nearby.
        phone.goto(base + "/report/")
        phone.locator("input[name=categories][value=water]").check(force=True)
        phone.fill("input[name=lat]", "30.8081")
        phone.fill("input[name=lon]", "108.3893")
        phone.locator("#nearby").wait_for(state="visible", timeout=5000)
        assert c.code in phone.locator("#nearby a").first.get_attribute("href")
        phone.locator("#nearby").screenshot(path=str(SHOTS / "replies-nearby-390.png"))

        # The office finds it under 不满意.
        desk = browser.new_page(viewport={"width": 1280, "height": 900})
        desk.goto(base + "/login/")
        desk.fill("#id_username", personas.office.username)
        desk.fill("#id_password", PASSWORD)
        with desk.expect_navigation():
            desk.click("button[type=submit]")
        desk.goto(base + "/complaints/?satisfaction=dissatisfied")
        assert c.code in desk.content()
        desk.goto(f"{base}/complaints/cases/{c.pk}/")
        assert "晚上仍能闻到异味" in desk.locator("#follow-up").inner_text()
        desk.screenshot(path=str(SHOTS / "replies-office-1280.png"), full_page=True)
    assert Complaint.objects.filter(satisfaction="dissatisfied").count() == 1
