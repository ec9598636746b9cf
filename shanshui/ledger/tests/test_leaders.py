"""One responsible leader per unit and role (党政同责): a leader entered for the implementing
district is not stamped on the lead department; the new-task form, the edit form, the import,
the export, the task page and the bulletin keep each unit's leader with that unit."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from shanshui.ledger import forms, services
from shanshui.ledger.models import Event, Status, Task, UnitRole
from shanshui.ledger.scenarios import drive, make_campaign, make_task
from shanshui.reports import bulletin, ledger_export, ledger_import
from shanshui.reports.figures import Period

pytestmark = pytest.mark.usefixtures("ordinary_day")


def leaders(task: Task) -> dict[tuple[str, str], tuple[str, str]]:
    return {
        (tu.unit.short_name or tu.unit.name, tu.role): (tu.leader_name, tu.leader_post)
        for tu in task.task_units.select_related("unit")
    }


def new_task_form(campaign, personas, **extra) -> dict:
    return {
        "campaign": campaign.pk,
        "code": "F-1",
        "title": "万州区污水管网",
        "problem": "描述",
        "categories": ["water"],
        "deadline_kind": "dated",
        "deadline": "2027-06-30",
        "lead": personas.unit_department.pk,
        "implementing": [personas.unit_a.pk],
        "accepting": personas.unit_office.pk,
        **extra,
    }


def test_the_new_task_form_gives_each_role_its_own_leader(personas, client_as):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    page = client.get(reverse("ledger:new")).content.decode()
    # The leader of each role comes right after its units.
    assert page.index('name="lead"') < page.index('name="lead_leader_name"')
    assert page.index('name="lead_leader_post"') < page.index('name="responsible"')
    assert page.index('name="implementing"') < page.index('name="implementing_leader_name"')

    data = new_task_form(
        campaign,
        personas,
        implementing_leader_name="周强",
        implementing_leader_post="副区长",
        lead_leader_name="张伟",
        lead_leader_post="副局长",
    )
    response = client.post(reverse("ledger:new"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert leaders(Task.objects.get(code="F-1")) == {
        ("市生态环境局", UnitRole.LEAD): ("张伟", "副局长"),
        ("万州区", UnitRole.IMPLEMENTING): ("周强", "副区长"),
        ("市督察整改办", UnitRole.ACCEPTING): ("", ""),
    }
    # Only the district's leader given: the lead department has none (it used to get his).
    response = client.post(
        reverse("ledger:new"),
        new_task_form(campaign, personas, code="F-2", implementing_leader_name="周强"),
    )
    assert response.status_code == 302
    two = leaders(Task.objects.get(code="F-2"))
    assert two[("市生态环境局", UnitRole.LEAD)] == ("", "")
    assert two[("万州区", UnitRole.IMPLEMENTING)] == ("周强", "")


def test_the_new_task_form_refuses_a_leader_it_cannot_place(personas, client_as):
    campaign = make_campaign(personas.office)
    client = client_as(personas.office)
    cases = [
        # One leader for two districts: which one is he?
        (
            {"implementing": [personas.unit_a.pk, personas.unit_b.pk]},
            {"implementing_leader_name": "周强"},
            "一位领导只属于一个单位",
        ),
        # A leader for a role without a unit.
        ({}, {"responsible_leader_name": "李明"}, "请选择这位领导所在的单位"),
        # A post without a name.
        ({}, {"lead_leader_post": "副局长"}, "请同时填写领导姓名"),
    ]
    for units, leader, message in cases:
        data = new_task_form(campaign, personas, **units, **leader)
        response = client.post(reverse("ledger:new"), data)
        assert response.status_code == 400, leader
        assert message in response.content.decode()
        assert not Task.objects.exists()


def test_the_edit_form_gives_each_unit_its_own_leader(personas, client_as):
    campaign = make_campaign(personas.office)
    task = make_task(personas.office, campaign, code="E-1", lead=personas.unit_department)
    services.task_set_units(
        actor=personas.office,
        task=task,
        expected_version=None,
        units=[
            services.UnitAssignment(personas.unit_department, UnitRole.LEAD, "张伟", "副局长"),
            services.UnitAssignment(personas.unit_a, UnitRole.RESPONSIBLE, "周强", "副区长"),
            services.UnitAssignment(personas.unit_b, UnitRole.RESPONSIBLE),
            services.UnitAssignment(personas.unit_a, UnitRole.IMPLEMENTING),
        ],
    )
    task.refresh_from_db()
    client = client_as(personas.office)
    html = client.get(reverse("ledger:action_form", args=[task.pk, "edit"])).text
    a, b = personas.unit_a.pk, personas.unit_b.pk
    for key in (f"leader_responsible_{a}", f"leader_responsible_{b}", f"leader_implementing_{a}"):
        assert f'name="{key}"' in html
    assert "万州区（责任单位）责任领导" in html and 'value="周强"' in html

    data = {k: v for k, v in forms.EditForm.initial_for(task).items() if v is not None}
    data |= {
        f"leader_responsible_{b}": "陈红",
        f"post_responsible_{b}": "区长",
        f"leader_implementing_{a}": "刘洋",
        f"post_implementing_{a}": "副区长",
        f"leader_responsible_{a}": "周强",
        f"post_responsible_{a}": "副区长",
    }
    response = client.post(reverse("ledger:action", args=[task.pk, "edit"]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert leaders(Task.objects.get(pk=task.pk)) == {
        ("市生态环境局", UnitRole.LEAD): ("张伟", "副局长"),  # not in the post: kept
        ("万州区", UnitRole.RESPONSIBLE): ("周强", "副区长"),
        ("渝中区", UnitRole.RESPONSIBLE): ("陈红", "区长"),
        ("万州区", UnitRole.IMPLEMENTING): ("刘洋", "副区长"),
    }
    # The task page shows each leader under the unit, not once for the task.
    page = client.get(reverse("ledger:task", args=[task.pk])).content.decode()
    units_card = page[page.index('id="units"') :]
    assert units_card.index("渝中区") < units_card.index("陈红")
    assert units_card.count("副区长") >= 2


def plan_with_leaders() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "反馈问题", "牵头单位", "责任单位", "责任领导", "整改时限"])
    ws.append(
        [
            1,
            "长江干流岸线非法码头整治不彻底。",
            "市交通运输委",
            "万州区、渝中区",
            "市交通运输委：王强（副主任）\n万州区：周强（副区长）\n渝中区：陈红（区长）",
            "2027年6月底前",
        ]
    )
    ws.append([2, "污水直排。", "市生态环境局", "万州区", "张伟（副局长）", "2027年6月底前"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_and_export_keep_each_units_leader(personas, client_as):
    campaign = make_campaign(personas.office)

    def run(data: bytes):
        return ledger_import.run_import(
            actor=personas.office, campaign=campaign, fileobj=io.BytesIO(data), dry_run=False
        )

    assert run(plan_with_leaders()).ok
    assert leaders(Task.objects.get(code="1")) == {
        ("市交通运输委", UnitRole.LEAD): ("王强", "副主任"),
        ("万州区", UnitRole.RESPONSIBLE): ("周强", "副区长"),
        ("渝中区", UnitRole.RESPONSIBLE): ("陈红", "区长"),
    }
    assert leaders(Task.objects.get(code="2")) == {
        ("市生态环境局", UnitRole.LEAD): ("张伟", "副局长"),  # a single leader: the lead unit's
        ("万州区", UnitRole.RESPONSIBLE): ("", ""),
    }
    # A task from the form with a leader per role goes out and comes back the same.
    response = client_as(personas.office).post(
        reverse("ledger:new"),
        new_task_form(
            campaign,
            personas,
            implementing_leader_name="周强",
            implementing_leader_post="副区长",
            lead_leader_name="张伟",
        ),
    )
    assert response.status_code == 302
    before = {t.code: leaders(t) for t in Task.objects.filter(campaign=campaign)}
    events = Event.objects.count()
    exported = ledger_export.write_ledger(
        Task.objects.filter(campaign=campaign).order_by("code"), heading="整改台账"
    ).read()
    result = run(exported)
    assert result.ok and (len(result.created), len(result.changed)) == (0, 0), result.errors
    assert Event.objects.count() == events
    assert {t.code: leaders(t) for t in Task.objects.filter(campaign=campaign)} == before


def test_the_bulletin_names_each_leader_with_the_unit(personas):
    campaign = make_campaign(personas.office)
    today = timezone.localdate()
    task = make_task(
        personas.office,
        campaign,
        code="B-1",
        lead=personas.unit_department,
        implementing=personas.unit_a,
        deadline=today - dt.timedelta(days=10),
    )  # 张伟（副局长） leads, 周强（副区长） for 万州区
    drive(
        task,
        Status.IN_PROGRESS,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.department,
    )
    data = bulletin.collect(
        personas.office, campaign=campaign, period=Period(today - dt.timedelta(7), today)
    )
    [row] = [r for r in data.overdue_and_red if r.code == "B-1"]
    assert sorted(row.leaders) == ["万州区：周强（副区长）", "市生态环境局：张伟（副局长）"]
