"""Replies and the reporter's follow-up, as FixMyStreet users expect: a reporter who asked for a
reply gets one before the case closes and reads it with the tracking code; they say once whether
they are satisfied (不满意 flags the case for the office); they may add information to an open
case; the report form shows published cases of the same type nearby; an objection during the
public notice gets a receipt code to follow it."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from shanshui.complaints import public, rules, services
from shanshui.complaints.models import (
    ComplaintAddition,
    ComplaintEvent,
    EventKind,
    Satisfaction,
    Status,
)
from shanshui.complaints.scenarios import drive_case, make_report
from shanshui.complaints.tests.moderation import approve, moderator
from shanshui.lib import geo
from shanshui.lib.workflow import InvalidTransition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]

REPLY = "您反映的排污问题已查实，企业已停产整改，感谢您的监督。"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def wanting_reply(personas, **kwargs):
    contact = services.Contact(phone="13800001111", wants_reply=True)
    return make_report(district=personas.unit_a, contact=contact, **kwargs)


def handled(personas, c):
    return drive_case(c, Status.HANDLED, office=personas.office, handler=personas.district_a)


def close(personas, c, **kwargs):
    return services.complaint_close(
        actor=personas.district_a, complaint=c, expected_version=None, **kwargs
    )


def reporter(c) -> Client:
    """A browser holding the case's tracking code in its session (as after posting it)."""
    browser = Client()
    browser.post(reverse("complaints_public:track"), {"code": c.tracking_code})
    return browser


def page(browser) -> str:
    response = browser.get(reverse("complaints_public:track_detail"))
    assert response.status_code == 200
    return response.content.decode()


# --- the reply ---------------------------------------------------------------------------------


def test_a_requested_reply_is_required_before_closing(personas):
    c = handled(personas, wanting_reply(personas))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        close(personas, c)
    assert "答复" in exc.value.message_dict["reply"][0]
    c.refresh_from_db()
    assert c.status == Status.HANDLED and not c.reply

    # The case page's close form says so on the field, in Chinese, and changes nothing.
    staff = Client()
    staff.force_login(personas.district_a)
    form = staff.get(reverse("complaints:case", args=[c.pk])).content.decode()
    assert re.search(r'<form[^>]+id="form-close"', form) and 'name="reply"' in form
    response = staff.post(
        reverse("complaints:action", args=[c.pk, "close"]),
        {"version": c.version, "closure": "closed", "reply": "  "},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert "举报人要求答复" in response.content.decode()
    c.refresh_from_db()
    assert c.status == Status.HANDLED

    close(personas, c, reply=REPLY)
    c.refresh_from_db()
    assert c.status == Status.CLOSED and c.reply == REPLY and c.replied_at is not None
    kinds = list(c.events.values_list("kind", "is_public").order_by("pk"))[-2:]
    assert kinds == [(EventKind.REPLIED, True), (EventKind.CLOSED, True)]


def test_no_reply_is_needed_when_none_was_asked_for(personas):
    c = handled(personas, make_report(district=personas.unit_a))
    close(personas, c)
    c.refresh_from_db()
    assert c.status == Status.CLOSED and c.replied_at is None


def test_the_tracking_page_shows_the_reply_and_takes_one_answer(personas):
    c = handled(personas, wanting_reply(personas))
    close(personas, c, reply=REPLY)
    browser = reporter(c)
    html = page(browser)
    assert REPLY in html and 'id="rate-form"' in html

    sent = browser.post(
        reverse("complaints_public:track_rate"),
        {"satisfaction": "dissatisfied", "comment": "晚上仍有异味，电话13912345678"},
    )
    assert sent.status_code == 302
    c.refresh_from_db()
    assert c.satisfaction == Satisfaction.DISSATISFIED and c.rated_at is not None
    rated = c.events.get(kind=EventKind.RATED)
    assert not rated.is_public and rated.actor is None
    html = page(browser)
    assert 'id="satisfaction-given"' in html and 'id="rate-form"' not in html

    # Once: a second answer is refused and changes nothing.
    again = browser.post(reverse("complaints_public:track_rate"), {"satisfaction": "satisfied"})
    assert again.status_code == 409
    c.refresh_from_db()
    assert c.satisfaction == Satisfaction.DISSATISFIED

    # The reply and the comment stay off every public page.
    published = drive_case(
        approve(c), Status.PUBLISHED, office=personas.office, handler=personas.district_a
    )
    public_page = Client().get(reverse("complaints_public:detail", args=[published.code]))
    assert public_page.status_code == 200
    assert REPLY not in public_page.content.decode()
    assert "晚上仍有异味" not in public_page.content.decode()


def test_dissatisfaction_flags_the_case_in_the_office_list_and_not_elsewhere(personas):
    unhappy = handled(personas, wanting_reply(personas))
    close(personas, unhappy, reply=REPLY)
    services.complaint_rate(
        complaint=unhappy, tracking_code=unhappy.tracking_code, satisfaction="dissatisfied"
    )
    happy = handled(personas, wanting_reply(personas, description="噪声扰民，夜间施工。"))
    close(personas, happy, reply=REPLY)
    services.complaint_rate(
        complaint=happy, tracking_code=happy.tracking_code, satisfaction="satisfied"
    )
    office = Client()
    office.force_login(personas.office)
    listed = office.get(reverse("complaints:list"), {"satisfaction": "dissatisfied"})
    html = listed.content.decode()
    assert listed.status_code == 200
    assert unhappy.code in html and happy.code not in html
    detail = office.get(reverse("complaints:case", args=[unhappy.pk])).content.decode()
    assert 'id="satisfaction"' in detail

    # Another district's user: the case does not exist for them.
    other = Client()
    other.force_login(personas.district_b)
    assert other.get(reverse("complaints:case", args=[unhappy.pk])).status_code == 404
    listed = other.get(reverse("complaints:list"), {"satisfaction": "dissatisfied"})
    assert unhappy.code not in listed.content.decode()


def test_rating_needs_a_reply_and_the_code(personas):
    c = handled(personas, make_report(district=personas.unit_a))
    close(personas, c)
    browser = reporter(c)
    assert 'id="rate-form"' not in page(browser)
    refused = browser.post(reverse("complaints_public:track_rate"), {"satisfaction": "satisfied"})
    assert refused.status_code == 409
    c.refresh_from_db()
    assert c.satisfaction == ""
    replied = handled(personas, wanting_reply(personas))
    close(personas, replied, reply=REPLY)
    with pytest.raises(PermissionDenied):  # another case's code
        services.complaint_rate(
            complaint=replied, tracking_code=c.tracking_code, satisfaction="satisfied"
        )
    # A signed-in handler cannot rate in the reporter's place.
    assert "rate" not in rules.allowed_actions(personas.office, replied)


# --- added information -------------------------------------------------------------------------


def test_the_reporter_adds_information_to_an_open_case_only(personas):
    c = approve(make_report(district=personas.unit_a))
    browser = reporter(c)
    assert 'id="add-info-form"' in page(browser)
    empty = browser.post(reverse("complaints_public:track_add_info"), {"text": "  "})
    assert empty.status_code == 400 and ComplaintAddition.objects.count() == 0
    sent = browser.post(
        reverse("complaints_public:track_add_info"),
        {"text": "今晚八点又在排放，联系我 13912345678。"},
    )
    assert sent.status_code == 302
    addition = ComplaintAddition.objects.get(complaint=c)
    assert "13912345678" in addition.text  # kept whole for the handling units
    event = c.events.get(kind=EventKind.INFO_ADDED)
    assert not event.is_public
    html = page(browser)
    assert "今晚八点又在排放" in html and "13912345678" not in html  # masked for the reporter too
    public_html = Client().get(reverse("complaints_public:detail", args=[c.code]))
    assert public_html.status_code == 200
    assert "今晚八点又在排放" not in public_html.content.decode()  # never published
    staff = Client()
    staff.force_login(personas.office)
    assert "今晚八点又在排放" in staff.get(reverse("complaints:case", args=[c.pk])).content.decode()
    other = Client()
    other.force_login(personas.district_b)
    assert other.get(reverse("complaints:case", args=[c.pk])).status_code == 404

    drive_case(c, Status.CLOSED, office=personas.office, handler=personas.district_a)
    assert 'id="add-info-form"' not in page(browser)
    late = browser.post(reverse("complaints_public:track_add_info"), {"text": "再补充一点"})
    assert late.status_code == 409
    assert ComplaintAddition.objects.filter(complaint=c).count() == 1
    with pytest.raises(InvalidTransition):
        services.complaint_add_info(complaint=c, tracking_code=c.tracking_code, text="再补充")


def test_follow_up_writes_are_rate_limited_like_the_report_form(personas, settings):
    settings.SHANSHUI_RATE_LIMITS = {**settings.SHANSHUI_RATE_LIMITS, "complaint_web": "2/3600"}
    c = make_report(district=personas.unit_a)
    browser = reporter(c)
    url = reverse("complaints_public:track_add_info")
    assert browser.post(url, {"text": "第一条"}).status_code == 302
    assert browser.post(url, {"text": "第二条"}).status_code == 302
    third = browser.post(url, {"text": "第三条"})
    assert third.status_code == 429 and third["Retry-After"]
    assert ComplaintAddition.objects.filter(complaint=c).count() == 2


def test_without_the_code_in_the_session_nothing_is_written(personas):
    c = make_report(district=personas.unit_a)
    stranger = Client()
    response = stranger.post(reverse("complaints_public:track_add_info"), {"text": "冒充"})
    assert response.status_code == 302 and response["Location"] == reverse(
        "complaints_public:track"
    )
    assert not ComplaintAddition.objects.filter(complaint=c).exists()
    assert not ComplaintEvent.objects.filter(complaint=c, kind=EventKind.INFO_ADDED).exists()


# --- "是否已有人反映？" -----------------------------------------------------------------------


HERE = (29.5630, 106.5516)


def _near(metres_north: float) -> tuple[float, float]:
    return HERE[0] + metres_north / 111_195, HERE[1]


def test_nearby_lists_published_cases_of_the_same_type_only(personas):
    mod = moderator()
    lat, lon = _near(120)
    shown = make_report(categories=("water",), lat=lat, lon=lon, moderator=mod)
    also = make_report(categories=("air", "water"), lat=lat, lon=lon, moderator=mod)
    make_report(categories=("water",), lat=lat, lon=lon)  # waiting for moderation
    make_report(categories=("noise",), lat=lat, lon=lon, moderator=mod)  # another type
    far_lat, far_lon = _near(2000)
    make_report(categories=("water",), lat=far_lat, lon=far_lon, moderator=mod)
    hidden = make_report(categories=("water",), lat=lat, lon=lon)
    services.moderate_text(actor=mod, complaint=hidden, hidden=True, reason="辱骂")
    rejected = make_report(categories=("water",), lat=lat, lon=lon, moderator=mod)
    services.complaint_reject(
        actor=personas.office, complaint=rejected, expected_version=None, reason="duplicate"
    )
    found = public.nearby(*HERE, ["water"])
    assert {c.pk for c, _m in found} == {shown.pk, also.pk}
    assert all(100 < m < 140 for _c, m in found)

    url = reverse("complaints_public:nearby")
    body = Client().get(url, {"lat": HERE[0], "lon": HERE[1], "categories": "water"}).json()
    assert {row["code"] for row in body["cases"]} == {shown.code, also.code}
    assert all(row["url"].startswith("/public/complaints/") for row in body["cases"])
    # A GCJ-02 point from a Chinese map picker is converted first.
    gcj = geo.wgs84_to_gcj02(*HERE)
    body = (
        Client()
        .get(url, {"lat": gcj[0], "lon": gcj[1], "coord": "gcj02", "categories": "water"})
        .json()
    )
    assert len(body["cases"]) == 2
    for bad in ({"lat": "nan", "lon": "106", "categories": "water"}, {"lat": "29.5"}, {}):
        response = Client().get(url, bad)
        assert response.status_code == 200 and response.json() == {"cases": []}


def test_nearby_shows_at_most_five_nearest_first(personas):
    mod = moderator()
    made = [
        make_report(categories=("water",), lat=_near(40 * i)[0], lon=HERE[1], moderator=mod)
        for i in range(7, 0, -1)
    ]
    found = public.nearby(*HERE, ["water"])
    assert len(found) == 5
    assert [c.pk for c, _m in found] == [c.pk for c in reversed(made)][:5]


# --- objections: a receipt code to follow them ---------------------------------------------------


def test_an_objection_gets_a_receipt_code_to_follow_it(personas, campaign_task_in_notice):
    from shanshui.ledger import services as ledger_services
    from shanshui.ledger.models import Objection

    task = campaign_task_in_notice
    citizen = Client()
    response = citizen.post(
        reverse("public_rectification_detail", args=[task.pk]),
        {"text": "河道仍有黑臭，并未整改到位。"},
        follow=True,
    )
    objection = Objection.objects.get(task=task)
    code = objection.receipt_code
    assert code and len(code) == 12
    shown = "-".join(code[i : i + 4] for i in range(0, 12, 4))
    assert shown in response.content.decode()
    assert all(code not in url for url, _status in response.redirect_chain)

    url = reverse("public_objection_track")
    looked = Client().post(url, {"code": shown.lower()})
    assert looked.status_code == 200 and 'id="objection-status"' in looked.content.decode()
    assert looked["X-Robots-Tag"] == "noindex, nofollow"
    unknown = Client().post(url, {"code": "YYAAAA-BBBB-CCCC"})
    assert unknown.status_code == 404 and 'id="objection-status"' not in unknown.content.decode()

    ledger_services.objection_handle(
        actor=personas.office, objection=objection, upheld=False, result="经复核，整改已到位。"
    )
    looked = Client().post(url, {"code": code}).content.decode()
    assert "经复核，整改已到位。" in looked


@pytest.fixture
def campaign_task_in_notice(personas):
    from shanshui.ledger.models import Status as TaskStatus
    from shanshui.ledger.scenarios import drive, make_campaign, make_task

    campaign = make_campaign(personas.office)
    task = make_task(
        personas.office,
        campaign,
        code="T-OBJ",
        implementing=personas.unit_a,
        lead=personas.unit_department,
        accepting=personas.unit_office,
    )
    return drive(
        task,
        TaskStatus.IN_PUBLIC_NOTICE,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.department,
    )
