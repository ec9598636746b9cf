"""Abuse, leaks and bad input found in review: each stays fixed."""

import datetime as dt
import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from shanshui.ledger import services
from shanshui.ledger.models import Objection, Status, Task
from shanshui.ledger.scenarios import make_task
from shanshui.lib.workflow import RateLimited

# Deadlines and urges are dated from today: the clock stands on an ordinary working day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@override_settings(SHANSHUI_OBJECTIONS_PER_IP_PER_DAY=3)
def test_objections_neither_stale_the_office_page_nor_flood_it(personas, task_in):
    task = task_in(Status.IN_PUBLIC_NOTICE)
    version = task.version
    for i in range(3):
        services.objection_submit(task=task, text=f"异议{i}", ip="198.51.100.7")
    with pytest.raises(RateLimited):
        services.objection_submit(task=task, text="第四条", ip="198.51.100.7")
    task.refresh_from_db()
    assert task.version == version  # the office's open page is still current
    response = Client(REMOTE_ADDR="198.51.100.7").post(
        reverse("public_rectification_detail", args=[task.pk]), {"text": "再来一条"}
    )
    assert response.status_code == 429
    assert Objection.objects.filter(task=task).count() == 3


def test_other_objections_can_be_handled_after_one_is_upheld(personas, task_in):
    task = task_in(Status.IN_PUBLIC_NOTICE)
    first = services.objection_submit(task=task, text="未整改")
    second = services.objection_submit(task=task, text="同一问题")
    services.objection_handle(
        actor=personas.office, objection=first, upheld=True, result="属实，退回"
    )
    services.objection_handle(
        actor=personas.office, objection=second, upheld=False, result="与第一条重复，一并处理"
    )
    second.refresh_from_db()
    assert second.status == "dismissed"


def test_a_district_sees_its_share_not_what_passed_with_other_districts(
    personas, campaign, in_days
):
    parent = make_task(personas.office, campaign, code="C-9", lead=personas.unit_department)
    services.task_split(
        actor=personas.office,
        task=parent,
        expected_version=None,
        units=[personas.unit_a, personas.unit_b],
    )
    services.task_assign(actor=personas.office, task=parent, expected_version=None)
    parent.refresh_from_db()
    services.task_urge(
        actor=personas.office,
        task=parent,
        expected_version=None,
        to_unit=personas.unit_b,
        text="渝中区进度滞后，限期说明",
        response_due=in_days(3),
    )
    html = (
        client_for(personas.district_a)
        .get(reverse("ledger:task", args=[parent.pk]))
        .content.decode()
    )
    assert "渝中区进度滞后" not in html and "C-9-0103" not in html and "C-9-0101" in html
    events = client_for(personas.district_a).get(f"/api/v1/tasks/{parent.pk}/events").json()
    assert not [e for e in events["items"] if e["kind"] == "urged"]
    office_html = (
        client_for(personas.office).get(reverse("ledger:task", args=[parent.pk])).content.decode()
    )
    assert "渝中区进度滞后" in office_html and "C-9-0103" in office_html


def test_shares_of_liangjiang_and_fengjie_get_distinct_numbers(personas, campaign):
    from shanshui.orgs.models import Unit

    parent = make_task(personas.office, campaign, code="C-8", lead=personas.unit_department)
    shares = services.task_split(
        actor=personas.office,
        task=parent,
        expected_version=None,
        units=[Unit.objects.get(key="cq-liangjiang"), Unit.objects.get(key="cq-fengjie")],
    )
    assert len({s.code for s in shares}) == 2


def test_bad_input_is_refused_not_crashed(personas, task_in, campaign):
    office = client_for(personas.office)
    response = office.post(
        reverse("ledger:campaigns"),
        {
            "code": "far",
            "name": "x",
            "kind": "city",
            "feedback_date": "9999-12-31",
            "report_cycle": "monthly",
            "notice_days": 10,
        },
    )
    assert response.status_code == 400 and "2000" in response.content.decode()
    draft = task_in(Status.DRAFT)
    response = office.post(
        reverse("ledger:action", args=[draft.pk, "split"]),
        {"units": ["99999999999999999999"], "version": draft.version},
    )
    assert response.status_code == 400
    response = office.post(
        reverse("ledger:new"),
        {
            "campaign": campaign.pk,
            "code": "Z",
            "title": "t",
            "problem": "p",
            "responsible": ["99999999999999999999"],
            "deadline_kind": "immediate",
            "categories": ["water"],
        },
    )
    assert response.status_code == 400
    task = task_in(Status.IN_PROGRESS)
    unit = client_for(personas.district_a)
    deep = "[" * 5000 + "]" * 5000
    response = unit.post(
        f"/api/v1/tasks/{task.pk}/reports", {"text": "x", "percent": 10, "measure_status": deep}
    )
    assert response.status_code == 400
    response = client_for(personas.office).post(
        f"/api/v1/tasks/{task.pk}/withdraw",
        data=json.dumps({"reason": "a\u0000b"}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS


def test_an_extension_must_end_in_the_future(personas, task_in, today):
    task = task_in(Status.IN_PROGRESS, deadline=today - dt.timedelta(days=40))
    with pytest.raises(Exception) as excinfo:
        services.extension_request(
            actor=personas.district_a,
            task=task,
            expected_version=None,
            requested_deadline=today - dt.timedelta(days=1),
            reason="x",
        )
    assert "requested_deadline" in str(excinfo.value)


def test_the_deadline_of_an_assigned_task_is_not_edited_silently(personas, task_in, in_days):
    task = task_in(Status.ASSIGNED)
    response = client_for(personas.office).post(
        reverse("ledger:action", args=[task.pk, "edit"]),
        {
            "title": task.title,
            "problem": task.problem,
            "deadline": in_days(400).isoformat(),
            "version": task.version,
        },
    )
    assert response.status_code == 400
    assert "延期" in response.content.decode()
    assert Task.objects.get(pk=task.pk).deadline == task.deadline


def test_withdrawn_evidence_is_not_served_by_the_api(personas, task_in):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from shanshui.ledger.scenarios import pdf_bytes

    task = task_in(Status.IN_PROGRESS)
    (evidence,) = services.evidence_add(
        actor=personas.district_a, task=task, files=[SimpleUploadedFile("a.pdf", pdf_bytes())]
    )
    services.evidence_withdraw(actor=personas.district_a, evidence=evidence, reason="传错")
    assert client_for(personas.district_a).get(f"/api/v1/evidence/{evidence.pk}").status_code == 404


def test_units_and_measures_through_the_api(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    office = client_for(personas.office)
    response = office.post(
        f"/api/v1/tasks/{task.pk}/units",
        content_type="application/json",
        data=json.dumps(
            {
                "version": task.version,
                "units": [
                    {"unit_id": personas.unit_department.pk, "role": "lead"},
                    {"unit_id": personas.unit_b.pk, "role": "implementing"},
                ],
            }
        ),
    )
    assert response.status_code == 200
    response = office.post(
        f"/api/v1/tasks/{task.pk}/measures",
        content_type="application/json",
        data=json.dumps({"measures": ["一", "二", "三", "四"]}),
    )
    assert response.status_code == 200 and task.measures.count() == 4
    response = client_for(personas.district_b).post(
        f"/api/v1/tasks/{task.pk}/measures",
        content_type="application/json",
        data=json.dumps({"measures": ["x"]}),
    )
    assert response.status_code == 403  # 渝中区 now implements it, but only the office edits
