"""Export → import changes nothing, whichever way the tasks came in: the new-task form, the API
or an import, with measures typed numbered ("1.查明…↵2.…") the way people type them."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from shanshui.ledger.models import Event, Task
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.services import api_token_create
from shanshui.reports import ledger_export, ledger_import
from shanshui.reports.tests import sheets
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.usefixtures("ordinary_day")


def run(personas, campaign, data: bytes):
    return ledger_import.run_import(
        actor=personas.office, campaign=campaign, fileobj=io.BytesIO(data), dry_run=False
    )


def measures_of(code: str) -> list[str]:
    return list(
        Task.objects.get(code=code).measures.order_by("number").values_list("text", flat=True)
    )


def test_tasks_from_every_way_in_export_and_import_unchanged(personas, client_as):
    campaign = make_campaign(personas.office)
    # 1. The new-task form, measures typed numbered.
    response = client_as(personas.office).post(
        reverse("ledger:new"),
        {
            "campaign": campaign.pk,
            "code": "F-1",
            "title": "表单录入的问题",
            "problem": "描述",
            "measures": "1.查明排口来源；\n2.限期封堵\n3. 2.5万吨污泥外运",
            "categories": ["water"],
            "deadline_kind": "dated",
            "deadline": "2027-06-30",
            "lead": personas.unit_department.pk,
            "implementing": [personas.unit_a.pk],
            "accepting": personas.unit_office.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert measures_of("F-1") == ["查明排口来源", "限期封堵", "2.5万吨污泥外运"]
    # 2. The API, an item list that kept its numbering.
    api = ClientApi({"office": api_token_create(user=personas.office, name="t")[1]})
    status, body = api.post(
        "office", "/tasks", campaign_id=campaign.pk, code="A-1", title="接口录入的问题",
        problem="描述", measures=["1.截污纳管", "2.清淤疏浚"], categories=["water"],
        deadline="2027-06-30",
        units=[
            {"unit_id": personas.unit_department.pk, "role": "lead"},
            {"unit_id": personas.unit_a.pk, "role": "implementing"},
        ],
    )  # fmt: skip
    assert status == 201, body
    assert measures_of("A-1") == ["截污纳管", "清淤疏浚"]
    # 3. An import of a unit's own plan.
    assert run(personas, campaign, sheets.central_plan()).ok

    tasks = Task.objects.filter(campaign=campaign)
    before = {
        t.pk: (t.version, t.title, list(t.measures.values_list("text", flat=True))) for t in tasks
    }
    events = Event.objects.count()
    exported = ledger_export.write_ledger(tasks.order_by("code"), heading="整改台账").read()
    result = run(personas, campaign, exported)
    assert result.ok, result.errors
    assert (len(result.created), len(result.changed), result.unchanged) == (0, 0, len(before))
    assert Event.objects.count() == events
    after = {
        t.pk: (t.version, t.title, list(t.measures.values_list("text", flat=True))) for t in tasks
    }
    assert after == before


def test_the_edit_box_saves_stored_measures_unchanged(personas, client_as):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    client.post(
        reverse("ledger:new"),
        {
            "campaign": campaign.pk, "code": "E-1", "title": "t", "problem": "p",
            "measures": "1.第一条\n2.第二条", "categories": ["water"], "deadline_kind": "dated",
            "deadline": "2027-06-30", "lead": personas.unit_department.pk,
            "implementing": [personas.unit_a.pk], "accepting": personas.unit_office.pk,
        },
    )  # fmt: skip
    task = Task.objects.get(code="E-1")
    form = client.get(reverse("ledger:action_form", args=[task.pk, "edit"])).context["form"]
    events = task.events.count()
    data = {k: v for k, v in form.initial.items() if v is not None}
    response = client.post(reverse("ledger:action", args=[task.pk, "edit"]), data)
    assert response.status_code == 302
    assert measures_of("E-1") == ["第一条", "第二条"]
    assert task.events.count() == events  # nothing changed, nothing recorded


def test_a_unit_in_two_roles_keeps_each_roles_leader(personas):
    """万州区 responsible (its 区长) and implementing (a 副区长): the export names the role of
    each leader ("万州区（实施主体）：…") and the import gives each back to its role."""
    from shanshui.ledger import services
    from shanshui.ledger.models import TaskUnit

    campaign = make_campaign(personas.office)
    task = services.task_create(
        actor=personas.office,
        campaign=campaign,
        code="R-1",
        title="同一单位两种职责",
        problem="描述",
        categories=["water"],
        deadline_kind="ongoing",
        units=[
            services.UnitAssignment(personas.unit_department, "lead", "王五", "副局长"),
            services.UnitAssignment(personas.unit_a, "responsible", "张三", "区长"),
            services.UnitAssignment(personas.unit_a, "implementing", "李四", "副区长"),
        ],
    )
    leaders = set(
        TaskUnit.objects.filter(task=task).values_list("role", "leader_name", "leader_post")
    )
    exported = ledger_export.write_ledger(Task.objects.filter(pk=task.pk), heading="台账").read()
    result = run(personas, campaign, exported)
    assert result.ok, result.errors
    assert (len(result.changed), result.unchanged) == (0, 1)
    after = set(
        TaskUnit.objects.filter(task=task).values_list("role", "leader_name", "leader_post")
    )
    assert after == leaders
