"""Ledger pages: list with filters, my tasks, detail, scope through every view, public pages."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shanshui.ledger import forms, selectors, services
from shanshui.ledger.models import ChecklistItem, Notification, Objection, Status, Task
from shanshui.ledger.scenarios import make_campaign, make_task

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_ledger_lists_only_tasks_in_scope(personas, task_in, campaign):
    a = task_in(Status.IN_PROGRESS)
    b = make_task(
        personas.office,
        campaign,
        code="B-1",
        implementing=personas.unit_b,
        title="渝中区餐饮油烟扰民",
    )
    html = client_for(personas.district_a).get(reverse("ledger:list")).content.decode()
    assert a.code in html and "B-1" not in html
    html = client_for(personas.department).get(reverse("ledger:list")).content.decode()
    assert a.code in html and "B-1" not in html  # the department leads only A's task
    html = client_for(personas.office).get(reverse("ledger:list")).content.decode()
    assert a.code in html and "B-1" in html
    # A district user reaches another district's task through no page.
    other = client_for(personas.district_a)
    for url in [
        reverse("ledger:task", args=[b.pk]),
        reverse("ledger:action", args=[b.pk, "report"]),
    ]:
        response = (
            other.post(url, {"text": "x", "percent": 1}) if "report" in url else other.get(url)
        )
        assert response.status_code == 404


def test_ledger_filters_search_sort_and_paginate(personas, task_in, campaign, in_days):
    task_in(Status.IN_PROGRESS, title="城镇污水管网雨污混流", deadline=in_days(-3))
    task_in(Status.DRAFT, title="建筑工地扬尘", categories=("air",), deadline=in_days(200))
    client = client_for(personas.office)
    url = reverse("ledger:list")
    page = lambda **q: client.get(url, q).content.decode()  # noqa: E731
    assert "雨污混流" in page(q="雨污") and "扬尘" not in page(q="雨污")
    assert "扬尘" in page(category="air") and "雨污" not in page(category="air")
    assert "雨污" in page(warning="overdue") and "扬尘" not in page(warning="overdue")
    assert "扬尘" in page(status="draft") and "雨污" not in page(status="draft")
    assert "雨污" in page(deadline_to=in_days(0).isoformat())
    assert "扬尘" not in page(deadline_to=in_days(0).isoformat())
    assert "雨污" in page(unit=personas.unit_a.pk, role="implementing")
    assert "雨污" not in page(unit=personas.unit_b.pk)
    html = page(sort="warning")
    assert html.index("雨污") < html.index("扬尘")
    # Bad filter values are reported, not a crash.
    response = client.get(url, {"deadline_from": "not-a-date", "status": "bogus"})
    assert response.status_code == 200
    for i in range(60):
        make_task(personas.office, campaign, code=f"P{i:03d}", implementing=personas.unit_a)
    html = page(page=2)
    assert "2 / 2" in html


def test_my_tasks_groups_by_warning_and_lists_what_waits(personas, task_in, in_days):
    task_in(Status.IN_PROGRESS, title="逾期任务", deadline=in_days(-2))
    task_in(Status.ASSIGNED, title="待签收任务")
    html = client_for(personas.district_a).get(reverse("ledger:my")).content.decode()
    assert 'id="group-overdue"' in html and "逾期任务" in html
    assert 'id="waiting"' in html and "待签收任务" in html
    html = client_for(personas.district_b).get(reverse("ledger:my")).content.decode()
    assert "逾期任务" not in html


def test_a_leader_sees_red_and_overdue_items_on_the_home_page(personas, task_in, in_days):
    task_in(Status.IN_PROGRESS, title="逾期的排污口整治", deadline=in_days(-2))
    task_in(Status.IN_PROGRESS, title="进展正常的任务", deadline=in_days(200))
    html = client_for(personas.leader).get(reverse("home")).content.decode()
    assert 'id="leader-alerts"' in html and "逾期的排污口整治" in html
    assert "进展正常的任务" not in html.split('id="leader-alerts"')[1].split("</table>")[0]
    html = client_for(personas.district_b).get(reverse("home")).content.decode()
    assert "逾期的排污口整治" not in html


def test_the_detail_page_offers_only_allowed_actions(personas, task_in):
    task = task_in(Status.ASSIGNED)
    url = reverse("ledger:task", args=[task.pk])
    html = client_for(personas.district_a).get(url).content.decode()
    assert 'id="form-accept_assignment"' in html and 'id="form-assign"' not in html
    assert 'id="form-withdraw"' not in html
    html = client_for(personas.district_a_staff).get(url).content.decode()
    assert 'id="form-accept_assignment"' not in html  # staff draft, admins sign
    html = client_for(personas.office).get(url).content.decode()
    assert 'id="form-withdraw"' in html and 'id="form-urge"' in html
    # The office oversees the district's task; it does not sign for the district (签收).
    assert 'id="form-accept_assignment"' not in html


def test_a_form_error_is_shown_field_by_field_in_chinese(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    response = client_for(personas.district_a).post(
        reverse("ledger:action", args=[task.pk, "report"]),
        {"text": "", "percent": "150", "version": task.version},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写此项" in html and "100" in html
    task.refresh_from_db()
    assert task.reports.count() == 0


def test_an_unknown_action_is_404(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    assert (
        client_for(personas.office)
        .post(reverse("ledger:action", args=[task.pk, "delete"]))
        .status_code
        == 404
    )


def test_only_the_office_creates_tasks_and_campaigns(personas, campaign):
    assert client_for(personas.district_a).get(reverse("ledger:new")).status_code == 403
    assert (
        client_for(personas.district_a)
        .post(reverse("ledger:campaigns"), {"code": "x", "name": "x", "kind": "city"})
        .status_code
        == 403
    )
    client = client_for(personas.office)
    response = client.post(
        reverse("ledger:new"),
        {
            "campaign": campaign.pk,
            "code": "N-1",
            "title": "新问题",
            "problem": "描述",
            "measures": "措施一\n措施二\n",
            "categories": ["water", "soil"],
            "deadline_kind": "dated",
            "deadline": "2027-06-30",
            "is_public": "on",
            "lead": personas.unit_department.pk,
            "responsible": [personas.unit_a.pk],
            "accepting": personas.unit_office.pk,
            "leader_name": "周强",
            "leader_post": "副区长",
        },
    )
    task = Task.objects.get(code="N-1")
    assert response.status_code == 302
    assert list(task.measures.values_list("number", "text")) == [(1, "措施一"), (2, "措施二")]
    assert set(task.task_units.values_list("role", flat=True)) == {
        "lead",
        "responsible",
        "accepting",
    }
    response = client.post(
        reverse("ledger:new"),
        {
            "campaign": campaign.pk,
            "code": "N-2",
            "title": "t",
            "problem": "p",
            "deadline_kind": "dated",
            "categories": ["water"],
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "限期整改的任务必须填写整改时限" in html and "请指定牵头单位" in html
    response = client.post(
        reverse("ledger:campaigns"),
        {
            "code": "city-2025",
            "name": "2025年市级例行督察",
            "kind": "city",
            "feedback_date": "2025-09-26",
            "report_cycle": "half_monthly",
            "notice_days": 7,
        },
    )
    assert response.status_code == 302


def test_the_public_page_shows_results_and_takes_objections(personas, task_in, client):
    in_notice = task_in(Status.IN_PUBLIC_NOTICE, title="入河排污口整治")
    task_in(Status.IN_PROGRESS, title="尚在整改的任务")
    html = client.get(reverse("public_rectification")).content.decode()
    assert "入河排污口整治" in html and "尚在整改的任务" not in html
    detail = reverse("public_rectification_detail", args=[in_notice.pk])
    response = client.post(
        detail, {"text": "河道仍有黑臭", "name": "李四", "contact": "13900000000"}
    )
    assert response.status_code == 302
    objection = Objection.objects.get(task=in_notice)
    assert objection.contact == "13900000000"
    html = client.get(detail).content.decode()
    assert "13900000000" not in html and "李四" not in html
    # The honeypot: a bot that fills every field is thanked and ignored.
    client.post(detail, {"text": "spam", "website": "http://spam.example"})
    assert Objection.objects.filter(task=in_notice).count() == 1
    # Only published tasks are reachable.
    hidden = task_in(Status.IN_PROGRESS)
    assert client.get(reverse("public_rectification_detail", args=[hidden.pk])).status_code == 404
    response = client.post(detail, {"text": ""})
    assert response.status_code == 400 and "请填写此项" in response.content.decode()


def test_the_unit_sees_objections_but_only_the_office_sees_who_objected(personas, task_in):
    task = task_in(Status.IN_PUBLIC_NOTICE)
    services.objection_submit(task=task, text="仍有异味", name="王五", contact="wang@example.cn")
    url = reverse("ledger:task", args=[task.pk])
    unit_html = client_for(personas.district_a).get(url).content.decode()
    office_html = client_for(personas.office).get(url).content.decode()
    assert "仍有异味" in office_html and "wang@example.cn" in office_html
    assert "wang@example.cn" not in unit_html and "王五" not in unit_html


def test_notifications_list_and_unread_count(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    Notification.objects.create(
        user=personas.district_a, task=task, key="k1", kind="overdue", title="任务已逾期"
    )
    client = client_for(personas.district_a)
    html = client.get(reverse("home")).content.decode()
    assert 'id="unread-count">1<' in html
    note = Notification.objects.get()
    response = client.post(reverse("ledger:notification", args=[note.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"/tasks/{task.pk}/")
    assert 'id="unread-count"' not in client.get(reverse("home")).content.decode()
    # Nobody opens another person's notifications.
    assert (
        client_for(personas.district_b)
        .post(reverse("ledger:notification", args=[note.pk]))
        .status_code
        == 404
    )


def test_campaign_list_counts_only_visible_tasks(personas, task_in, campaign):
    task_in(Status.IN_PROGRESS)
    make_task(personas.office, campaign, code="B-9", implementing=personas.unit_b)
    html = client_for(personas.district_a).get(reverse("ledger:campaigns")).content.decode()
    assert "2024-10-08" in html  # plan due: feedback + 30 working days
    assert ">1</td>" in html


def test_the_deadline_extension_shows_the_original(personas, task_in):
    task = task_in(Status.IN_PROGRESS, deadline=dt.date(2027, 3, 31))
    ext = services.extension_request(
        actor=personas.district_a,
        task=task,
        expected_version=None,
        requested_deadline=dt.date(2027, 6, 30),
        reason="汛期",
    )
    services.extension_decide(actor=personas.office, extension=ext, approve=True)
    html = (
        client_for(personas.district_a).get(reverse("ledger:task", args=[task.pk])).content.decode()
    )
    assert "2027-06-30" in html and "2027-03-31" in html and "原定时限" in html


def test_the_office_keeps_the_working_day_calendar_in_the_admin(personas):
    client = client_for(personas.office)
    response = client.post(
        reverse("admin:ledger_calendaroverride_add"),
        {"day": "2027-02-06", "is_workday": "on", "note": "2027年春节调休"},
    )
    assert response.status_code == 302
    from shanshui.ledger.models import CalendarOverride
    from shanshui.ledger.services import work_calendar

    assert CalendarOverride.objects.get().is_workday
    assert work_calendar().is_workday(dt.date(2027, 2, 6))  # a Saturday made a workday
    assert (
        client_for(personas.district_a)
        .get(reverse("admin:ledger_calendaroverride_changelist"))
        .status_code
        == 302
    )


def test_date_fields_are_filled_in_iso_form(personas, task_in):
    task = task_in(Status.DRAFT, deadline=dt.date(2027, 5, 8))
    url = reverse("ledger:action_form", args=[task.pk, "edit"])
    html = client_for(personas.office).get(url).content.decode()
    assert 'value="2027-05-08"' in html  # the edit form's deadline, usable by the date picker


def test_heavy_forms_load_when_opened_and_only_for_those_allowed(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    page = client_for(personas.office).get(reverse("ledger:task", args=[task.pk])).content.decode()
    assert reverse("ledger:action_form", args=[task.pk, "edit"]) in page
    for action in ("edit", "record_accountability"):
        url = reverse("ledger:action_form", args=[task.pk, action])
        response = client_for(personas.office).get(url)
        assert response.status_code == 200 and f'id="form-{action}"' in response.content.decode()
        assert client_for(personas.district_a).get(url).status_code == 403
        assert client_for(personas.district_b).get(url).status_code == 404
    assert (
        client_for(personas.office)
        .get(reverse("ledger:action_form", args=[task.pk, "assign"]))
        .status_code
        == 404
    )


def test_a_broad_search_is_counted_only_up_to_a_cap(personas, task_in, monkeypatch):
    from shanshui.ledger import views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 2)
    for _ in range(3):
        task_in(Status.DRAFT, title="扬尘治理")
    html = client_for(personas.office).get(reverse("ledger:list"), {"q": "扬尘"}).content.decode()
    assert "超过 2 项任务符合条件" in html
    html = client_for(personas.office).get(reverse("ledger:list")).content.decode()
    assert "共 3 项任务" in html


def _edit_data(task, **changes) -> dict:
    """What the edit form posts when the user changes ``changes`` and leaves the rest."""
    data = {**forms.EditForm.initial_for(task), **changes}
    data["is_public"] = "on" if data["is_public"] else ""
    data["deadline"] = data["deadline"].isoformat() if data["deadline"] else ""
    return {k: v for k, v in data.items() if v is not None}


def test_the_edit_form_saves_fields_units_and_measures_all_or_nothing(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    office = client_for(personas.office)
    url = reverse("ledger:action", args=[task.pk, "edit"])
    # A measure dropped: refused, and the title typed into the same form is not saved either.
    response = office.post(url, _edit_data(task, title="新标题", measures="只剩一条"))
    assert response.status_code == 400
    assert response.context["action_forms"]["edit"].errors["measures"]
    task.refresh_from_db()
    assert task.title != "新标题" and task.measures.count() == 3
    measures = "\n".join([*task.measures.values_list("text", flat=True), "开展复查"])
    response = office.post(
        url,
        _edit_data(task, title="新标题", measures=measures, supporting=[personas.unit_b.pk]),
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "新标题" and task.measures.count() == 4
    assert task.task_units.filter(unit=personas.unit_b, role="supporting").exists()


def test_a_stale_page_gets_the_conflict_page_and_a_way_back(personas, task_in):
    task = task_in(Status.DRAFT)
    stale = task.version
    services.task_edit(actor=personas.office, task=task, expected_version=None, title="别人改过")
    response = client_for(personas.office).post(
        reverse("ledger:action", args=[task.pk, "assign"]), {"version": stale}
    )
    assert response.status_code == 409
    assert response.templates[0].name == "workflow_conflict.html"
    html = response.content.decode()
    assert 'id="conflict"' in html and f"{task.code} 别人改过" in html
    assert f'href="{reverse("ledger:task", args=[task.pk])}"' in html
    task.refresh_from_db()
    assert task.status == Status.DRAFT


def test_checklist_errors_from_the_service_land_on_their_items(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    data = {"version": task.version, "summary": "已按要求整改。"}
    data.update({f"check_{item}": "已落实。" for item in ChecklistItem.values})
    response = client_for(personas.district_a).post(
        reverse("ledger:action", args=[task.pk, "apply_acceptance"]), data
    )
    assert response.status_code == 400
    form = response.context["action_forms"]["apply_acceptance"]
    # No evidence attached to any item (under its files), and the measures not reported done.
    assert set(form.errors) == {f"files_{item}" for item in ChecklistItem.values} | {
        "check_measures_done"
    }
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS


def test_the_notifications_page_marks_only_the_users_own_read(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    for user, key in [(personas.district_a, "a1"), (personas.district_a, "a2")]:
        Notification.objects.create(user=user, task=task, key=key, kind="overdue", title="逾期")
    Notification.objects.create(
        user=personas.district_b, task=task, key="b1", kind="overdue", title="逾期"
    )
    response = client_for(personas.district_a).post(reverse("ledger:notifications"))
    assert response.status_code == 302
    unread = Notification.objects.filter(read_at__isnull=True)
    assert list(unread.values_list("key", flat=True)) == ["b1"]


def test_the_timeline_shows_what_an_edit_changed(personas, client_as):
    """修改 events say what changed, from what to what: fields, measures, units and leaders."""
    campaign = make_campaign(personas.office, code="timeline-1")
    task = make_task(
        personas.office,
        campaign,
        code="T-1",
        lead=personas.unit_department,
        implementing=personas.unit_a,
        accepting=personas.unit_office,
        deadline=dt.date(2027, 3, 31),
        measures=["查明原因"],
    )
    services.task_edit(
        actor=personas.office,
        task=task,
        expected_version=None,
        deadline=dt.date(2027, 6, 30),
        is_public=False,
    )
    services.task_set_measures(
        actor=personas.office,
        task=task,
        expected_version=None,
        measures=["查明排口来源", "限期封堵"],
    )
    page = client_as(personas.office).get(reverse("ledger:task", args=[task.pk]))
    lines = [
        " ".join(li.split())
        for li in re.findall(
            r'<ul class="[^"]*event-changes">(.*?)</ul>', page.content.decode(), re.S
        )
    ]
    text = " ".join(re.sub(r"<[^>]+>", " ", line) for line in lines)
    text = " ".join(text.split())
    assert "2027-03-31 → 2027-06-30" in text
    assert "查明原因 → 查明排口来源" in text
    assert "— → 限期封堵" in text
    assert "是 → 否" in text or "Yes → No" in text


def test_each_unit_sees_its_own_queue(personas, task_in):
    """待我办理: a district's 签收 waits for the district, not for the office, which sees what
    waits for the office itself (acceptance as the accepting unit, its own decisions)."""
    assigned = task_in(Status.ASSIGNED)
    rechecked = task_in(Status.RECHECKED)  # the office is the accepting unit
    district = selectors.waiting_for_me(personas.district_a)
    office = selectors.waiting_for_me(personas.office)
    assert assigned in district["to_accept_assignment"]
    assert assigned not in office["to_accept_assignment"]
    assert rechecked in office["to_accept"]
    assert rechecked not in district["to_accept"]


def test_sign_off_waits_for_the_end_of_the_public_notice(personas, task_in):
    task = task_in(Status.IN_PUBLIC_NOTICE)
    url = reverse("ledger:task", args=[task.pk])
    html = client_for(personas.office).get(url).content.decode()
    assert 'id="form-sign_off"' not in html  # not offered while the notice runs
    assert 'id="sign-off-after"' in html and task.notice_end.isoformat() in html
    response = client_for(personas.office).post(
        reverse("ledger:action", args=[task.pk, "sign_off"]), {"version": task.version}
    )
    assert response.status_code == 409
    assert task.notice_end.isoformat() in response.content.decode()
    Task.objects.filter(pk=task.pk).update(notice_end=timezone.localdate() - dt.timedelta(days=1))
    html = client_for(personas.office).get(url).content.decode()
    assert 'id="form-sign_off"' in html and 'id="sign-off-after"' not in html


def test_only_the_notified_unit_answers_an_urge_notice(personas, task_in, in_days):
    """The office issues 督办单; the district answers them — the office is not offered the
    reply and the service refuses it (oversight is not membership)."""
    task = task_in(Status.IN_PROGRESS)
    urge = services.task_urge(
        actor=personas.office,
        task=task,
        expected_version=None,
        to_unit=personas.unit_a,
        text="加快进度",
        response_due=in_days(5),
    )
    url = reverse("ledger:task", args=[task.pk])
    assert 'name="response"' not in client_for(personas.office).get(url).content.decode()
    assert 'name="response"' in client_for(personas.district_a).get(url).content.decode()
    with pytest.raises(PermissionDenied):
        services.urge_answer(actor=personas.office, urge=urge, response="代为回复")
    services.urge_answer(actor=personas.district_a, urge=urge, response="已整改")
    urge.refresh_from_db()
    assert urge.responded_by == personas.district_a
