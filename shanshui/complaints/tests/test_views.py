"""The handlers' pages: list, my cases, the case page and its actions, registration of calls,
batches, moderation and the panels, for every persona; scope through every view."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanshui.complaints import public, rules, services
from shanshui.complaints.models import (
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintLink,
    ComplaintUnit,
    EventKind,
    Finding,
    Status,
    TransferBatch,
)
from shanshui.ledger.models import Status as TaskStatus
from shanshui.ledger.scenarios import drive, make_campaign, make_task, photo
from shanshui.orgs.models import Membership, Role
from shanshui.testing.personas import make_user

pytestmark = pytest.mark.django_db

DESCRIPTION = "万州区某化工厂夜间偷排废水，滨江路排口河水发黑发臭。"


def client_for(user) -> Client:
    """A client logged in as ``user`` that reads the pages in English (the msgids), so the
    assertions hold whatever the Chinese catalogue says."""
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def submit(**kwargs) -> Complaint:
    """A citizen's report from the web form (or a call, with ``actor`` and ``channel``)."""
    actor = kwargs.pop("actor", None)
    photos = kwargs.pop("photos", ())
    kwargs.setdefault("description", DESCRIPTION)
    kwargs.setdefault("categories", ["water"])
    kwargs.setdefault("address", "重庆市万州区高笋塘街道滨江路88号")
    kwargs.setdefault(
        "contact", services.Contact(name="李女士", phone="13900001111", wants_reply=True)
    )
    return services.complaint_submit(report=services.Report(**kwargs), photos=photos, actor=actor)


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


@pytest.fixture
def flow(personas):
    """Moves a case on through the services, as the personas would."""
    p = personas

    class Flow:
        def transfer(self, c, *units):
            c.refresh_from_db()
            return services.complaint_transfer(
                actor=p.office,
                complaint=c,
                expected_version=None,
                units=list(units) or [p.unit_a],
            )

        def investigate(self, c, *, town=True):
            c.refresh_from_db()
            services.complaint_start(actor=p.district_a, complaint=c, expected_version=None)
            if town:
                c.refresh_from_db()
                services.complaint_transfer_down(
                    actor=p.district_a, complaint=c, expected_version=None, town=p.unit_town_a
                )
            return c

        def handle(self, c, finding=Finding.TRUE, actor=None):
            c.refresh_from_db()
            return services.complaint_handle(
                actor=actor or p.district_a_staff,
                complaint=c,
                expected_version=None,
                result=services.Handling(
                    finding=finding,
                    investigation="现场核查，排口确有黑臭水体。",
                    handling="责令停产整改，立案处罚。" if finding != Finding.FALSE else "",
                ),
            )

        def working(self, c=None, **kwargs):
            c = c or submit(**kwargs)
            self.transfer(c)
            return self.investigate(c)

    return Flow()


@pytest.fixture
def case(personas, flow):
    """A web report of 万州区 with a photo, transferred to 万州区 and on to its town."""
    c = submit(photos=[photo()])
    flow.working(c)
    c.refresh_from_db()
    return c


# --- every page, every persona ---------------------------------------------------------------


def test_every_page_for_every_persona(personas, case, campaign):
    batch = services.batch_create(
        actor=personas.office, campaign=campaign, number=1, date=timezone.localdate()
    )
    photo_id = case.photos.get().pk
    pages = {
        "list": reverse("complaints:list"),
        "my": reverse("complaints:my"),
        "case": reverse("complaints:case", args=[case.pk]),
        "photo": reverse("complaints:photo_original", args=[photo_id]),
        "batches": reverse("complaints:batches"),
        "batch": reverse("complaints:batch", args=[batch.pk]),
        "new": reverse("complaints:new"),
        "batch_new": reverse("complaints:batch_new"),
        "moderation": reverse("complaints:moderation"),
    }
    handlers = {"office", "district_a", "town_a"}
    for persona in ["office", "district_a", "district_b", "department", "town_a", "citizen"]:
        client = client_for(getattr(personas, persona))
        for name, url in pages.items():
            response = client.get(url)
            if name in ("case", "photo"):
                want = 200 if persona in handlers else 404
            elif name in ("new", "batch_new", "moderation"):
                want = 200 if persona == "office" else 403
            else:
                want = 200
            assert response.status_code == want, (persona, name, response.status_code)
    anonymous = Client()
    for url in pages.values():
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert anonymous.post(reverse("complaints:action", args=[case.pk, "start"])).status_code == 302


def test_case_page_shows_everything_to_a_handler(personas, case, flow):
    Complaint.objects.filter(pk=case.pk).update(
        lat=30.807, lon=108.408, enterprise="万州某化工有限公司"
    )
    html = client_for(personas.district_a).get(reverse("complaints:case", args=[case.pk]))
    html = html.content.decode()
    assert DESCRIPTION in html
    assert "30.807000, 108.408000" in html and "geo:30.807000,108.408000" in html
    assert "万州某化工有限公司" in html
    assert reverse("complaints:photo_original", args=[case.photos.get().pk]) in html
    assert "13900001111" in html  # the handling unit sees the reporter
    assert personas.unit_town_a.display_name in html  # towns with the handling units
    assert 'id="timeline"' in html and "p_wanzhou" in html  # actors' names, for handlers
    assert 'id="action-handle"' in html and 'id="action-transfer_down"' in html
    assert 'id="action-transfer"' not in html  # the office's action only


def test_original_photo_is_served_only_in_scope(personas, case):
    p = case.photos.get()
    response = client_for(personas.town_a).get(reverse("complaints:photo_original", args=[p.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for persona in ("district_b", "citizen", "department"):
        client = client_for(getattr(personas, persona))
        assert client.get(reverse("complaints:photo_original", args=[p.pk])).status_code == 404
    assert client.get(reverse("complaints:photo_original", args=[999999])).status_code == 404


# --- the list --------------------------------------------------------------------------------


def test_list_filters_search_sort_and_paginate(personas, flow, campaign):
    today = timezone.localdate()
    office = client_for(personas.office)
    batch = services.batch_create(
        actor=personas.office, campaign=campaign, number=3, date=today, is_key=True
    )
    key_case = services.batch_add_case(
        actor=personas.office,
        batch=batch,
        case=services.TransferredCase(
            receipt_no="X3CQ202405080001",
            seq=1,
            description="渝中区解放碑某餐馆油烟扰民",
            categories=["air"],
            units=[personas.unit_b],
            enterprise="某餐饮店",
        ),
    )
    water = flow.working(submit(description="滨江路排口黑臭水体"))
    flow.handle(water, Finding.PARTLY)
    Complaint.objects.filter(pk=water.pk).update(deadline=today - dt.timedelta(days=2))
    submit(
        description="夜间施工噪声扰民",
        categories=["noise"],
        channel=Channel.HOTLINE,
        actor=personas.office,
        address="重庆市渝中区解放碑",
    )
    url = reverse("complaints:list")

    def page(**query) -> str:
        response = office.get(url, query)
        assert response.status_code == 200
        return response.content.decode()

    assert "黑臭水体" in page(q="黑臭") and "油烟" not in page(q="黑臭")
    assert "油烟" in page(q="x3cq2024") and "黑臭" not in page(q="X3CQ2024")  # receipt no.
    assert "油烟" in page(batch=batch.pk) and "黑臭" not in page(batch=batch.pk)
    assert "油烟" in page(district=personas.unit_b.pk)
    assert "黑臭" not in page(district=personas.unit_b.pk)
    assert "噪声" in page(category="noise") and "黑臭" not in page(category="noise")
    assert "黑臭" in page(status="handled") and "油烟" not in page(status="handled")
    assert "黑臭" in page(finding="partly") and "噪声" not in page(finding="partly")
    assert "噪声" in page(finding="none") and "黑臭" not in page(finding="none")
    assert "油烟" in page(key="1") and "黑臭" not in page(key="1")
    assert "黑臭" in page(key="0") and "油烟" not in page(key="0")
    html = page(overdue="1")
    assert "黑臭" in html and "油烟" not in html and "噪声" not in html
    assert "text-danger fw-bold" in html  # the overdue deadline is red
    assert "噪声" in page(channel="hotline") and "黑臭" not in page(channel="hotline")
    assert "X3CQ202405080001" in page()  # the acceptance number under the case number
    html = page(sort="deadline")
    assert html.index("黑臭") < html.index("油烟")  # deadlines first, cases without last
    html = page(sort="received")
    assert html.index("噪声") < html.index("黑臭")
    html = page(sort="updated")
    assert html.index("噪声") < html.index("油烟")
    # Bad values are reported, not a crash.
    assert "油烟" in page(batch="abc", status="bogus", district="99999999999")
    # The district sees its own cases only.
    html = client_for(personas.district_b).get(url).content.decode()
    assert "油烟" in html and "黑臭" not in html and "噪声" not in html
    assert key_case.code in html
    # 50 a page; a search's count is capped.
    for i in range(55):
        submit(description=f"第{i}号举报：工地扬尘")
    html = page(q="扬尘")
    assert "55" in html and 'id="cases"' in html
    assert "2 / 2" in page(q="扬尘", page=2)


def test_search_count_is_capped(personas, monkeypatch):
    from shanshui.complaints import views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 3)
    for i in range(5):
        submit(description=f"第{i}号举报：工地扬尘")
    html = client_for(personas.office).get(reverse("complaints:list"), {"q": "扬尘"})
    assert "More than 3 cases match" in html.content.decode()


# --- scope -----------------------------------------------------------------------------------


def test_another_district_reaches_the_case_through_no_page(personas, case):
    other = client_for(personas.district_b)
    assert other.get(reverse("complaints:case", args=[case.pk])).status_code == 404
    response = other.post(
        reverse("complaints:action", args=[case.pk, "handle"]),
        {"version": case.version, "finding": "false", "investigation": "不属实"},
    )
    assert response.status_code == 404
    photo_url = reverse("complaints:photo_original", args=[case.photos.get().pk])
    assert other.get(photo_url).status_code == 404
    assert case.code not in other.get(reverse("complaints:list")).content.decode()
    assert case.code not in other.get(reverse("complaints:my")).content.decode()
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING
    # Their own district's unit and the handling district both see it.
    assert (
        case.code in client_for(personas.district_a).get(reverse("complaints:my")).content.decode()
    )
    assert case.code in client_for(personas.town_a).get(reverse("complaints:my")).content.decode()


def test_contact_only_for_the_handling_roles(personas, case):
    url = reverse("complaints:case", args=[case.pk])
    for persona in ("office", "district_a", "district_a_staff", "town_a"):
        html = client_for(getattr(personas, persona)).get(url).content.decode()
        assert "13900001111" in html and "李女士" in html, persona
    viewer = make_user("p_renda")
    Membership.objects.create(user=viewer, unit=personas.unit_a, role=Role.VIEWER)
    response = client_for(viewer).get(url)
    assert response.status_code == 200  # a viewer sees the case …
    html = response.content.decode()
    assert "13900001111" not in html and "李女士" not in html  # … not the reporter
    assert 'id="contact-hidden"' in html
    assert 'id="actions"' in html and 'id="action-' not in html  # and may do nothing
    assert client_for(personas.district_b).get(url).status_code == 404


# --- the workflow through the pages ----------------------------------------------------------


def post(client, c, action, data=None):
    c.refresh_from_db()
    return client.post(
        reverse("complaints:action", args=[c.pk, action]), {"version": c.version, **(data or {})}
    )


def test_the_handler_journey(personas):
    c = submit()
    office = client_for(personas.office)
    district = client_for(personas.district_a)
    town = client_for(personas.town_a)
    in_ten_days = timezone.localdate() + dt.timedelta(days=10)

    response = post(
        office,
        c,
        "transfer",
        {"units": [personas.unit_a.pk], "deadline": in_ten_days.isoformat(), "comment": "请核查"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:case", args=[c.pk]) + "#timeline"
    c.refresh_from_db()
    assert c.status == Status.TRANSFERRED and c.deadline == in_ten_days
    # The district sees it waiting for signing.
    html = district.get(reverse("complaints:my")).content.decode()
    assert 'id="waiting-to_start"' in html and c.code in html

    assert post(district, c, "start", {"comment": "已签收"}).status_code == 302
    assert post(district, c, "transfer_down", {"town": personas.unit_town_a.pk}).status_code == 302
    c.refresh_from_db()
    assert c.status == Status.INVESTIGATING
    assert c.units.filter(unit=personas.unit_town_a, role="town").exists()
    html = town.get(reverse("complaints:my")).content.decode()
    assert 'id="waiting-to_handle"' in html and c.code in html

    response = post(
        town,
        c,
        "handle",
        {
            "finding": "true",
            "investigation": "现场核查属实，排口有污水外排。",
            "handling": "责令立即停止排放，立案查处。",
            "ordered_rectify": "on",
            "cases_filed": "1",
            "fine_yuan": "50000",
            "police_referrals": "0",
            "detentions": "0",
            "interviews": "1",
            "people_held_accountable": "0",
        },
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.HANDLED and c.finding == Finding.TRUE
    assert c.handled_by == personas.town_a and c.fine_yuan == 50000 and c.ordered_rectify
    assert "close" in rules.allowed_actions(personas.district_a, c)  # 属实, not key: no review

    closing = {"closure": "closed", "comment": "办结", "reply": "已核查处理。"}
    assert post(district, c, "close", closing).status_code == 302
    c.refresh_from_db()
    assert c.status == Status.CLOSED
    assert post(district, c, "publish").status_code == 302
    c.refresh_from_db()
    assert c.status == Status.PUBLISHED and c.published_at
    kinds = list(c.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.SUBMITTED,
        EventKind.TRANSFERRED,
        EventKind.STARTED,
        EventKind.TRANSFERRED_DOWN,
        EventKind.HANDLED,
        EventKind.REPLIED,
        EventKind.CLOSED,
        EventKind.PUBLISHED,
    ]
    html = district.get(reverse("complaints:case", args=[c.pk])).content.decode()
    assert "现场核查属实" in html and "50000" in html and "p_town" in html


def test_send_back_returns_the_case_to_the_office(personas, flow):
    c = submit()
    flow.transfer(c)
    district = client_for(personas.district_a)
    response = post(district, c, "send_back", {"reason": ""})
    assert response.status_code == 400  # the reason is required
    response = post(district, c, "send_back", {"reason": "该点位属渝中区管辖"})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.RECEIVED and not c.units.exists()
    assert (
        client_for(personas.district_a).get(reverse("complaints:case", args=[c.pk])).status_code
        == 404
    )
    assert (
        'id="waiting-to_transfer"'
        in client_for(personas.office).get(reverse("complaints:my")).content.decode()
    )


def test_a_false_finding_needs_review_by_someone_else(personas, flow):
    c = flow.working()
    flow.handle(c, Finding.FALSE, actor=personas.leader)  # the leader recorded it …
    leader = client_for(personas.leader)
    response = post(leader, c, "review", {"approve": "1"})
    assert response.status_code == 403  # … so the leader may not review it
    c.refresh_from_db()
    assert c.reviewed_at is None
    response = post(client_for(personas.district_a), c, "close", {"closure": "closed"})
    assert response.status_code == 409  # no closing before the review
    assert "second review" in response.content.decode()
    # The office's review: returning needs a comment (field error), approving does not.
    office = client_for(personas.office)
    html = office.get(reverse("complaints:my")).content.decode()
    assert 'id="waiting-to_review"' in html and c.code in html
    response = post(office, c, "review", {"approve": "0", "comment": ""})
    assert response.status_code == 400
    assert "Say what the investigation must look at." in response.content.decode()
    assert post(office, c, "review", {"approve": "1", "comment": "复核同意"}).status_code == 302
    c.refresh_from_db()
    assert c.reviewed_by == personas.office and c.status == Status.HANDLED
    assert (
        post(
            client_for(personas.district_a), c, "close", {"closure": "closed", "reply": "已处理。"}
        ).status_code
        == 302
    )


def test_a_key_case_returned_by_review_goes_back_to_investigation(personas, flow, campaign):
    batch = services.batch_create(
        actor=personas.office, campaign=campaign, number=1, date=timezone.localdate()
    )
    c = services.batch_add_case(
        actor=personas.office,
        batch=batch,
        case=services.TransferredCase(
            receipt_no="D1",
            seq=1,
            description="某砂石场扬尘",
            categories=["air"],
            units=[personas.unit_a],
            is_key=True,
        ),
    )
    flow.investigate(c)
    flow.handle(c, Finding.TRUE)
    html = client_for(personas.leader).get(reverse("complaints:my")).content.decode()
    assert 'id="waiting-to_review"' in html and c.code in html
    response = post(
        client_for(personas.leader), c, "review", {"approve": "0", "comment": "补充监测"}
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.INVESTIGATING


def test_stage_close_needs_the_follow_up_date(personas, flow):
    c = flow.working()
    flow.handle(c)
    district = client_for(personas.district_a)
    c.refresh_from_db()
    before = (c.status, c.version, c.events.count())
    response = post(district, c, "close", {"closure": "stage_closed"})
    assert response.status_code == 400
    assert "needs its follow-up deadline" in response.content.decode()
    c.refresh_from_db()
    assert (c.status, c.version, c.events.count()) == before
    due = timezone.localdate() + dt.timedelta(days=90)
    response = post(
        district,
        c,
        "close",
        {"closure": "stage_closed", "follow_up_due": due.isoformat(), "reply": "已阶段性办结。"},
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.status == Status.STAGE_CLOSED and c.follow_up_due == due
    assert post(district, c, "publish").status_code == 302
    html = district.get(reverse("complaints:my")).content.decode()
    assert 'id="waiting-to_follow_up"' in html
    assert post(district, c, "complete_follow_up", {"comment": ""}).status_code == 400
    assert post(district, c, "complete_follow_up", {"comment": "复查已整改到位"}).status_code == 302
    c.refresh_from_db()
    assert c.status == Status.PUBLISHED and c.follow_up_due is None


def test_a_stale_page_gets_the_conflict_page(personas, flow):
    c = submit()
    flow.transfer(c)
    c.refresh_from_db()
    stale = c.version
    services.complaint_transfer(
        actor=personas.office, complaint=c, expected_version=None, units=[personas.unit_a]
    )  # someone else re-transferred it meanwhile
    response = client_for(personas.district_a).post(
        reverse("complaints:action", args=[c.pk, "start"]), {"version": stale}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="conflict"' in html and "Someone else changed this case" in html
    c.refresh_from_db()
    assert c.status == Status.TRANSFERRED
    # An action the state does not allow: the same page, the state's reason.
    response = post(client_for(personas.district_a), c, "publish")
    assert response.status_code == 409 and 'id="conflict"' in response.content.decode()
    # Two people sign for the case from the same page: the second learns that it moved on.
    c.refresh_from_db()
    page_version = c.version
    assert post(client_for(personas.district_a), c, "start").status_code == 302
    response = client_for(personas.leader).post(
        reverse("complaints:action", args=[c.pk, "start"]), {"version": page_version}
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in response.content.decode()


def test_the_conflict_page_names_the_case_and_leads_back_to_it(personas, flow):
    c = submit()
    flow.transfer(c)
    response = post(client_for(personas.district_a), c, "publish")  # not in this state
    assert response.status_code == 409
    assert response.templates[0].name == "workflow_conflict.html"
    html = response.content.decode()
    assert f"{c.code} {c.summary}" in html
    assert f'href="{reverse("complaints:case", args=[c.pk])}">Back to the case as it is now' in html


def test_field_errors_change_nothing(personas, flow):
    c = flow.working()
    town = client_for(personas.town_a)
    c.refresh_from_db()
    before = (c.status, c.version, c.events.count())
    response = post(town, c, "handle", {"finding": "true", "investigation": "属实", "handling": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "A substantiated report needs its handling and rectification." in html
    assert '<details class="card mb-2" id="action-handle" open' in html
    response = post(town, c, "handle", {"finding": "maybe", "investigation": ""})
    assert response.status_code == 400
    response = post(
        town,
        c,
        "handle",
        {"finding": "true", "investigation": "x", "handling": "y", "fine_yuan": "1000"},
    )
    assert response.status_code == 400  # fines without a filed case
    assert "Fines come from filed cases" in response.content.decode()
    c.refresh_from_db()
    assert (c.status, c.version, c.events.count()) == before
    # The office transferring without units, or to a past deadline.
    fresh = submit()
    office = client_for(personas.office)
    assert post(office, fresh, "transfer", {"units": []}).status_code == 400
    response = post(
        office,
        fresh,
        "transfer",
        {"units": [personas.unit_a.pk], "deadline": "2001-01-01"},
    )
    assert response.status_code == 400 and "cannot be in the past" in response.content.decode()
    # A town outside the handling district.
    response = post(
        client_for(personas.district_a), c, "transfer_down", {"town": personas.unit_b.pk}
    )
    assert response.status_code == 400
    fresh.refresh_from_db()
    assert fresh.status == Status.RECEIVED
    # An unknown action is no page at all.
    assert post(office, fresh, "destroy").status_code == 404


def test_roles_refused_with_403(personas, flow):
    c = submit()
    flow.transfer(c)
    # Staff may investigate, not pass the case on; no one but the office transfers.
    staff = client_for(personas.district_a_staff)
    assert post(staff, c, "transfer_down", {"town": personas.unit_town_a.pk}).status_code == 403
    response = post(client_for(personas.district_a), c, "transfer", {"units": [personas.unit_b.pk]})
    assert response.status_code == 403
    c.refresh_from_db()
    assert c.status == Status.TRANSFERRED and c.units.count() == 1


def test_link_from_the_possible_repeats(personas, flow):
    first = flow.working(submit(enterprise="万州某化工有限公司"))
    second = flow.working(submit(enterprise="万州某化工有限公司", description="又在偷排"))
    district = client_for(personas.district_a)
    html = district.get(reverse("complaints:case", args=[second.pk])).content.decode()
    assert 'id="repeats"' in html and first.code in html and "same enterprise" in html
    response = post(district, second, "link", {"earlier": first.code, "kind": "repeat"})
    assert response.status_code == 302
    assert ComplaintLink.objects.filter(complaint=second, earlier=first).exists()
    for c, other in ((second, first), (first, second)):
        html = district.get(reverse("complaints:case", args=[c.pk])).content.decode()
        assert 'id="linked"' in html and other.code in html
    # Linking again, or to a case nobody in scope knows, is a field error.
    assert (
        post(district, second, "link", {"earlier": first.code, "kind": "repeat"}).status_code == 400
    )
    response = post(district, second, "link", {"earlier": "2099999999", "kind": "repeat"})
    assert response.status_code == 400 and "No case with this number" in response.content.decode()


def test_promote_puts_the_case_on_the_ledger_both_ways(personas, flow, campaign):
    c = flow.working()
    office = client_for(personas.office)
    deadline = timezone.localdate() + dt.timedelta(days=60)
    data = {
        "campaign": campaign.pk,
        "code": "TS-01",
        "title": "滨江路排口整治",
        "deadline": deadline.isoformat(),
    }
    assert post(client_for(personas.district_a), c, "promote", data).status_code == 403
    assert post(office, c, "promote", data).status_code == 302
    c.refresh_from_db()
    task = c.task
    assert task is not None and task.code == "TS-01" and task.status == TaskStatus.DRAFT
    assert list(task.complaints.all()) == [c]
    assert task.task_units.filter(unit=personas.unit_a, role="implementing").exists()
    html = office.get(reverse("complaints:case", args=[c.pk])).content.decode()
    assert reverse("ledger:task", args=[task.pk]) in html
    html = office.get(reverse("ledger:task", args=[task.pk])).content.decode()
    assert 'id="task-cases"' in html and c.code in html
    # Promoting again is not possible; a second task number of the campaign is a field error.
    other = flow.working()
    response = post(office, other, "promote", data)
    assert response.status_code == 400
    assert "already has a task with this number" in response.content.decode()
    assert post(office, c, "promote", {**data, "code": "TS-02"}).status_code == 409
    # A new task's deadline is not in the past, as in the new-task form.
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = post(office, other, "promote", {**data, "code": "TS-03", "deadline": past})
    assert response.status_code == 400 and "deadline cannot be before today" in (
        response.content.decode()
    )
    other.refresh_from_db()
    assert other.task is None


def test_the_task_panel_is_scoped(personas, flow, campaign, rf):
    from shanshui.complaints.views import task_panel

    c = flow.working()
    task = services.complaint_promote(
        actor=personas.office,
        complaint=c,
        expected_version=None,
        campaign=campaign,
        code="TS-09",
        title="",
        deadline=timezone.localdate() + dt.timedelta(days=30),
    )
    request = rf.get("/")
    request.user = personas.district_a
    assert c.code in task_panel(request, task)
    request.user = personas.district_b
    assert task_panel(request, task) == ""
    other = make_task(personas.office, campaign, code="TS-10", implementing=personas.unit_a)
    request.user = personas.office
    assert task_panel(request, other) == ""


def test_reopen_a_signed_off_task_from_a_repeat_report(personas, flow, campaign):
    task = make_task(
        personas.office,
        campaign,
        code="R-1",
        implementing=personas.unit_a,
        lead=personas.unit_department,
        accepting=personas.unit_office,
    )
    drive(
        task,
        TaskStatus.SIGNED_OFF,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.department,
    )
    earlier = flow.working()
    Complaint.objects.filter(pk=earlier.pk).update(task=task)  # its case, rectified and signed off
    repeat = flow.working(submit(description="排口又冒黑水，问题反弹"))
    district = client_for(personas.district_a)
    assert (
        post(district, repeat, "link", {"earlier": earlier.code, "kind": "repeat"}).status_code
        == 302
    )
    office = client_for(personas.office)
    html = office.get(reverse("complaints:case", args=[repeat.pk])).content.decode()
    assert 'id="ledger-task"' in html and "R-1" in html and 'id="form-reopen_task"' in html
    html = district.get(reverse("complaints:case", args=[repeat.pk])).content.decode()
    assert 'id="form-reopen_task"' not in html
    assert post(district, repeat, "reopen_task", {"reason": "反弹"}).status_code == 403
    assert post(office, repeat, "reopen_task", {"reason": ""}).status_code == 400
    assert (
        post(office, repeat, "reopen_task", {"reason": "群众重复举报，现场复现"}).status_code == 302
    )
    task.refresh_from_db()
    repeat.refresh_from_db()
    assert task.status == TaskStatus.REOPENED
    assert repeat.task == task
    assert repeat.events.filter(kind=EventKind.TASK_REOPENED).exists()
    assert task.events.filter(kind="reopened", data__trigger="repeat_complaint").exists()
    assert post(office, repeat, "reopen_task", {"reason": "再次"}).status_code == 409


# --- registering, batches, moderation --------------------------------------------------------


def test_the_office_registers_a_call(personas):
    url = reverse("complaints:new")
    data = {
        "channel": "hotline",
        "description": "来电反映渝中区某工地夜间施工噪声",
        "categories": ["noise"],
        "district": personas.unit_b.pk,
        "address": "解放碑步行街",
        "contact_name": "王先生",
        "contact_phone": "13500002222",
        "wants_reply": "on",
        "photos": [photo()],
    }
    assert client_for(personas.district_a).post(url, data).status_code == 403
    office = client_for(personas.office)
    response = office.post(url, {**data, "description": "", "categories": []})
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    response = office.post(url, {**data, "lat": "29.56", "photos": [photo()]})
    assert response.status_code == 400
    assert "Send both latitude and longitude" in response.content.decode()
    response = office.post(url, {**data, "photos": [photo()]})
    assert response.status_code == 302
    c = Complaint.objects.get()
    assert response["Location"] == reverse("complaints:case", args=[c.pk])
    assert c.channel == Channel.HOTLINE and c.district == personas.unit_b
    assert c.contact.phone == "13500002222" and c.contact.wants_reply
    assert c.photos.count() == 1
    event = c.events.get()
    assert event.kind == EventKind.REGISTERED and event.actor == personas.office


def test_a_registration_error_lands_on_the_field_the_form_asks_it_in(personas):
    data = {"channel": "hotline", "description": "来电反映夜间施工噪声", "categories": ["noise"]}
    data.update({"district": personas.unit_b.pk, "lat": "29.56"})
    response = client_for(personas.office).post(reverse("complaints:new"), data)
    assert response.status_code == 400
    # The service calls it "location"; the form asks for it in its latitude field.
    message = "Send both latitude and longitude, or neither."
    assert response.context["form"].errors["lat"] == [message]


def test_batches_are_created_by_the_office(personas, campaign, flow):
    url = reverse("complaints:batch_new")
    data = {"campaign": campaign.pk, "number": "2", "date": "2024-05-10", "note": "第二批"}
    assert client_for(personas.district_a).post(url, data).status_code == 403
    office = client_for(personas.office)
    response = office.post(url, data)
    assert response.status_code == 302
    batch = TransferBatch.objects.get()
    assert response["Location"] == reverse("complaints:batch", args=[batch.pk])
    response = office.post(url, data)
    assert response.status_code == 400
    assert "Batch 2 of this campaign already exists." in response.content.decode()
    assert TransferBatch.objects.count() == 1
    html = office.get(url, {"campaign": campaign.pk}).content.decode()
    assert 'name="number" value="3"' in html  # the next number is offered
    assert office.get(url, {"campaign": "x" * 40}).status_code == 200
    # Its cases, counted by status; the import link for the office.
    c = services.batch_add_case(
        actor=personas.office,
        batch=batch,
        case=services.TransferredCase(
            receipt_no="X2-1",
            seq=1,
            description="某养殖场废水直排",
            categories=["water"],
            units=[personas.unit_a],
        ),
    )
    html = office.get(reverse("complaints:batches")).content.decode()
    assert f'id="batch-{batch.pk}"' in html and "Transferred 1" in html
    html = office.get(reverse("complaints:batch", args=[batch.pk])).content.decode()
    assert c.code in html and reverse("complaints:batch_import", args=[batch.pk]) in html
    html = client_for(personas.district_a).get(reverse("complaints:batch", args=[batch.pk]))
    html = html.content.decode()
    assert c.code in html and reverse("complaints:batch_import", args=[batch.pk]) not in html
    # Another district sees neither the batch in its list nor the case.
    html = client_for(personas.district_b).get(reverse("complaints:batches")).content.decode()
    assert f'id="batch-{batch.pk}"' not in html
    html = client_for(personas.district_b).get(reverse("complaints:batch", args=[batch.pk]))
    assert c.code not in html.content.decode()


def test_moderation_hides_text_keeps_the_original_and_writes_an_event(personas):
    c = submit(description="张三家的工厂偷排，他电话13812345678", photos=[photo()])
    hotline = submit(channel=Channel.HOTLINE, actor=personas.office, description="来电举报")
    office = client_for(personas.office)
    url = reverse("complaints:moderation")
    html = office.get(url).content.decode()
    assert f'id="queue-{c.pk}"' in html and f'id="queue-{hotline.pk}"' not in html
    assert client_for(personas.district_a).get(url).status_code == 403
    action = reverse("complaints:action", args=[c.pk, "moderate"])
    # A reason is required: the queue says so, nothing changes.
    response = office.post(action, {"op": "hide_text", "reason": "", "back": "queue"})
    assert (
        response.status_code == 400 and "Say why the text is hidden." in response.content.decode()
    )
    response = office.post(action, {"op": "hide_text", "reason": "含个人信息", "back": "queue"})
    assert response.status_code == 302 and response["Location"] == url
    c.refresh_from_db()
    assert c.description_hidden and c.description.startswith("张三家的工厂")
    assert public.text(c) == "(This text was hidden by moderation.)"
    event = c.events.get(kind=EventKind.HIDDEN)
    assert event.actor == personas.office and event.comment == "含个人信息"
    assert f'id="queue-{c.pk}"' not in office.get(url).content.decode()
    # The handlers still read the original, with a note.
    html = office.get(reverse("complaints:case", args=[c.pk])).content.decode()
    assert "张三家的工厂" in html and "Hidden from the public by moderation" in html
    # A photo, from the case page; then shown again.
    p = c.photos.get()
    response = office.post(action, {"op": "hide_photo", "photo": p.pk, "reason": "拍到人脸"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.hidden and public.photos(c) == []
    assert office.post(action, {"op": "show_photo", "photo": p.pk}).status_code == 302
    p.refresh_from_db()
    assert not p.hidden
    # A photo of another case is no photo of this one.
    other = submit(photos=[photo("b.png")])
    response = office.post(
        action, {"op": "hide_photo", "photo": other.photos.get().pk, "reason": "x"}
    )
    assert response.status_code == 404
    # Marking as checked; a second time is a conflict. Units may not moderate.
    response = office.post(
        reverse("complaints:action", args=[other.pk, "moderate"]),
        {"op": "approve", "back": "queue"},
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.moderated_at and other.events.filter(kind=EventKind.MODERATED).exists()
    response = office.post(
        reverse("complaints:action", args=[other.pk, "moderate"]), {"op": "approve"}
    )
    assert response.status_code == 409
    assert html.count("Mark as checked") == 0  # checked by the first hiding step
    services.complaint_transfer(
        actor=personas.office, complaint=other, expected_version=None, units=[personas.unit_a]
    )
    response = client_for(personas.district_a).post(
        reverse("complaints:action", args=[other.pk, "moderate"]),
        {"op": "hide_text", "reason": "x"},
    )
    assert response.status_code == 403


# --- my cases and the home panel -------------------------------------------------------------


def test_my_cases_by_deadline_and_what_waits(personas, flow):
    today = timezone.localdate()
    late = flow.working(submit(description="逾期未办的举报"))
    Complaint.objects.filter(pk=late.pk).update(deadline=today - dt.timedelta(days=1))
    # The services copy the deadline onto the case's units; this shortcut must too.
    ComplaintUnit.objects.filter(complaint=late).update(deadline=today - dt.timedelta(days=1))
    soon = submit(description="刚转办的举报")
    flow.transfer(soon)
    html = client_for(personas.district_a).get(reverse("complaints:my")).content.decode()
    mine = html[html.index('id="my-cases"') :]
    assert mine.index("逾期未办") < mine.index("刚转办")  # earliest deadline first
    assert 'id="overdue-count"' in html
    assert 'id="waiting-to_start"' in html and 'id="waiting-to_handle"' in html
    # Every case offered as waiting really allows that action to the user.
    from shanshui.complaints import selectors

    for persona in ("district_a", "district_a_staff", "town_a", "leader", "office"):
        user = getattr(personas, persona)
        for kind, group in selectors.waiting_for_me(user).items():
            for c in group.cases:
                assert selectors.WAITING_ACTIONS[kind] in rules.allowed_actions(user, c), (
                    persona,
                    kind,
                )
    html = client_for(personas.district_b).get(reverse("complaints:my")).content.decode()
    assert "逾期未办" not in html and 'id="waiting"' not in html


def test_what_waits_is_listed_and_counted_alike_from_the_case_units(personas, flow):
    """Waiting.head() and .count() read the case units' copies; they list and count exactly
    the cases of each group's case query, in its order, and cap the count alike."""
    from shanshui.complaints import selectors

    p = personas
    today = timezone.localdate()
    for i in range(3):
        flow.transfer(submit(description=f"待签收{i}"))
    for i in range(3):
        c = submit(description=f"调查中{i}")
        flow.transfer(c)
        flow.investigate(c, town=i == 0)
    for finding in (Finding.TRUE, Finding.FALSE, Finding.PARTLY):
        flow.handle(flow.working(submit(description=f"待办结{finding}")), finding)
    stage = today + dt.timedelta(days=40)
    for i, (closing, publish) in enumerate(
        [("closed", False), ("stage", False), ("stage", True), ("closed", True), ("stage", True)]
    ):
        c = flow.handle(flow.working(submit(description=f"已办结{i}")))
        services.complaint_close(
            actor=p.district_a,
            complaint=c,
            expected_version=None,
            stage=closing == "stage",
            follow_up_due=stage - dt.timedelta(days=i) if closing == "stage" else None,
            reply="已核查处理。",
        )
        if publish:
            services.complaint_publish(actor=p.district_a, complaint=c, expected_version=None)
    # Another district's cases wait for it, not for 万州区.
    for i in range(2):
        c = flow.transfer(submit(description=f"渝中区{i}"), p.unit_b)
        if i:
            services.complaint_start(actor=p.district_b, complaint=c, expected_version=None)
    seen = set()
    for persona in ("district_a", "district_a_staff", "town_a", "leader", "office", "district_b"):
        user = getattr(p, persona)
        for kind, group in selectors.waiting_for_me(user).items():
            cases = list(group.cases)
            if cases:
                seen.add((persona, kind))
            for n, cap in ((10, 1000), (2, 2), (1, 3), (3, 2)):
                pks, count = group.head(n, cap=cap)
                assert pks == [c.pk for c in cases[:n]], (persona, kind)
                assert count == selectors.count_upto(group.cases, cap) == group.count(cap)
                assert str(count) == (f"{cap}+" if len(cases) > cap else str(len(cases)))
            rows = selectors.first_cases({kind: pks})[kind]
            assert rows == cases[:3] and all(r.district_id for r in rows)
    assert {kind for _p, kind in seen} >= set(selectors.WAITING_ACTIONS) - {"to_transfer"}
    assert ("district_b", "to_start") in seen and ("district_b", "to_handle") in seen


def test_home_panel_counts_with_links(personas, flow):
    late = flow.working()
    Complaint.objects.filter(pk=late.pk).update(
        deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    html = client_for(personas.district_a).get(reverse("home")).content.decode()
    assert 'id="complaints-panel"' in html and reverse("complaints:my") in html
    html = client_for(personas.office).get(reverse("home")).content.decode()
    assert 'id="complaints-panel"' in html  # the moderation queue waits for the office
    html = client_for(personas.citizen).get(reverse("home")).content.decode()
    assert 'id="complaints-panel"' not in html
    html = client_for(personas.district_b).get(reverse("home")).content.decode()
    assert 'id="complaints-panel"' not in html


def test_events_record_actor_and_unit(personas, case):
    started = case.events.get(kind=EventKind.STARTED)
    assert started.actor == personas.district_a and started.unit == personas.unit_a
    assert ComplaintEvent.objects.filter(complaint=case).count() == 4


def test_a_co_handling_department_leaves_the_case_alone(personas, flow):
    c = submit(categories=["water"])
    flow.transfer(c, personas.unit_a, personas.unit_department)
    department = client_for(personas.department)
    assert department.get(reverse("complaints:case", args=[c.pk])).status_code == 200
    assert post(department, c, "send_back", {"reason": "属地管理事项"}).status_code == 302
    c.refresh_from_db()
    assert c.status == Status.TRANSFERRED  # 万州区 carries on
    assert list(c.units.values_list("unit", flat=True)) == [personas.unit_a.pk]
    assert department.get(reverse("complaints:case", args=[c.pk])).status_code == 404


def test_pages_read_a_fixed_number_of_queries(personas, flow, django_assert_max_num_queries):
    for i in range(30):
        flow.working(submit(description=f"第{i}号举报", photos=[photo(f"{i}.png")]))
    office = client_for(personas.office)
    district = client_for(personas.district_a)
    with django_assert_max_num_queries(16):
        assert office.get(reverse("complaints:list")).status_code == 200
    with django_assert_max_num_queries(16):
        assert district.get(reverse("complaints:list")).status_code == 200
    with django_assert_max_num_queries(22):
        assert district.get(reverse("complaints:my")).status_code == 200
    with django_assert_max_num_queries(12):
        assert office.get(reverse("complaints:moderation")).status_code == 200
