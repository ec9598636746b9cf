"""Importing rectification plans: realistic sheets, all or nothing, idempotence, updates through
the ledger's services, and the export → import round trip."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from shanshui.ledger import services as ledger
from shanshui.ledger.models import Event, EventKind, Task, UnitRole
from shanshui.ledger.scenarios import make_campaign, make_task
from shanshui.reports import ledger_export, ledger_import
from shanshui.reports.tests import sheets


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


def run(personas, campaign, data: bytes, *, dry_run=False, mapping=None):
    return ledger_import.run_import(
        actor=personas.office,
        campaign=campaign,
        fileobj=io.BytesIO(data),
        dry_run=dry_run,
        mapping=mapping,
    )


def units_of(task: Task, role: str) -> list[str]:
    return [tu.unit.key for tu in task.task_units.filter(role=role).order_by("pk")]


def test_central_plan_merged_two_row_header(personas, campaign):
    result = run(personas, campaign, sheets.central_plan())
    assert result.ok, result.errors
    assert result.total_rows == 3
    assert [c["code"] for c in result.created] == ["1", "2", "3"]
    for code, expected in sheets.CENTRAL_EXPECTED.items():
        task = Task.objects.get(campaign=campaign, code=code)
        assert [m.text for m in task.measures.order_by("number")] == expected["measures"]
        assert (task.deadline_kind, task.deadline) == expected["deadline"]
        assert sorted(units_of(task, UnitRole.LEAD)) == sorted(expected["lead"])
        assert sorted(units_of(task, UnitRole.RESPONSIBLE)) == sorted(expected["responsible"])
        lead = task.task_units.get(role=UnitRole.LEAD)
        if expected["leader"]:
            assert (lead.leader_name, lead.leader_post) == expected["leader"]
        else:
            assert lead.leader_name == ""
        assert task.status == "draft"
        event = task.events.get(kind=EventKind.CREATED)
        assert event.actor == personas.office
        assert event.data["import"]["row"] in (5, 6, 7)
    # The title comes from the problem's first sentence when the sheet has no title column.
    assert (
        Task.objects.get(campaign=campaign, code="2").title == "长江干流部分岸线非法码头整治不彻底"
    )


def test_district_ledger_own_words_dates_and_traditional_names(personas, campaign):
    result = run(personas, campaign, sheets.district_ledger())
    assert result.ok, result.errors
    t1 = Task.objects.get(campaign=campaign, code="WZ-01")
    assert [m.text for m in t1.measures.order_by("number")] == [
        "开展专项整治",
        "安装油烟净化设施",
        "建立巡查制度",
    ]
    assert t1.deadline == dt.date(2024, 12, 31)
    assert units_of(t1, UnitRole.RESPONSIBLE) == ["cq-wanzhou"]
    assert t1.task_units.get().leader_name == "王芳"
    # Progress and state columns are kept in the creation event, not applied as a status.
    assert t1.events.get(kind=EventKind.CREATED).data["import"]["progress"] == "已完成80%"
    assert t1.status == "draft"
    t2 = Task.objects.get(campaign=campaign, code="WZ-02")
    assert (t2.deadline_kind, t2.deadline) == ("dated", dt.date(2025, 6, 30))
    assert [m.text for m in t2.measures.all()] == ["加快配套管网建设"]
    t3 = Task.objects.get(campaign=campaign, code="WZ-03")
    assert sorted(units_of(t3, UnitRole.RESPONSIBLE)) == ["cq-housing", "cq-wanzhou"]
    assert t3.deadline == dt.date(2024, 12, 31)


def test_secret_visit_list_every_deadline_form_and_categories(personas, campaign):
    result = run(personas, campaign, sheets.secret_visit_list())
    assert result.ok, result.errors
    for code, expected in sheets.SECRET_EXPECTED_DEADLINES.items():
        task = Task.objects.get(campaign=campaign, code=code)
        assert (task.deadline_kind, task.deadline) == expected, code
        categories = sorted(task.category_rows.values_list("category", flat=True))
        assert categories == sorted(sheets.SECRET_EXPECTED_CATEGORIES[code])
    t3 = Task.objects.get(campaign=campaign, code="3")
    assert units_of(t3, UnitRole.SUPPORTING) == []
    t1 = Task.objects.get(campaign=campaign, code="1")
    assert units_of(t1, UnitRole.SUPPORTING) == ["cq-wanzhou"]


def test_bad_rows_are_all_reported_and_nothing_is_written(personas, campaign):
    result = run(personas, campaign, sheets.bad_sheet())
    assert not result.ok
    by_row = {(e.row, e.column) for e in result.errors}
    assert (3, "牵头单位") in by_row  # 火星区生态局: no such unit
    assert (4, "整改时限") in by_row  # 尽快
    assert (5, "反馈问题") in by_row  # empty
    assert (7, "序号") in by_row  # 5 again
    assert len(result.errors) == 4
    assert all(e.message for e in result.errors)
    assert not Task.objects.filter(campaign=campaign).exists()
    assert not Event.objects.exists()


def test_one_bad_row_blocks_the_whole_import(personas, campaign):
    wb = openpyxl.load_workbook(io.BytesIO(sheets.secret_visit_list()))
    wb.active["F6"] = "马上"  # row 6: the fifth task's deadline
    out = io.BytesIO()
    wb.save(out)
    result = run(personas, campaign, out.getvalue())
    assert [(e.row, e.column) for e in result.errors] == [(6, "整改时限")]
    assert "马上" in result.errors[0].message
    assert Task.objects.count() == 0


def test_dry_run_writes_nothing_and_lists_what_would_happen(personas, campaign):
    result = run(personas, campaign, sheets.central_plan(), dry_run=True)
    assert result.ok and result.dry_run
    assert len(result.created) == 3
    assert Task.objects.count() == 0
    fields = {c["label"]: c["field"] for c in result.columns}
    assert fields["责任单位 / 牵头单位"] == "lead"
    assert fields["责任单位"] == "responsible"
    assert fields["整改时限"] == "deadline"


def test_reimporting_the_same_sheet_changes_nothing(personas, campaign):
    makers = (sheets.central_plan, sheets.district_ledger, sheets.secret_visit_list)
    campaigns = [campaign] + [
        make_campaign(personas.office, code=f"c-{i}", name=f"批次{i}") for i in (1, 2)
    ]
    for make, target in zip(makers, campaigns, strict=True):
        assert run(personas, target, make()).ok
    events = Event.objects.count()
    versions = dict(Task.objects.values_list("pk", "version"))
    for make, target in zip(makers, campaigns, strict=True):
        again = run(personas, target, make())
        assert again.ok and not again.created and not again.changed
        assert again.unchanged == again.total_rows
    assert Event.objects.count() == events
    assert dict(Task.objects.values_list("pk", "version")) == versions


def test_a_changed_row_updates_the_task_through_the_ledger(personas, campaign):
    assert run(personas, campaign, sheets.central_plan()).ok
    wb = openpyxl.load_workbook(io.BytesIO(sheets.central_plan()))
    ws = wb.active
    ws["D5"] = (
        "1.开展管网排查，建立问题清单；2.实施雨污分流改造工程；3.建立管网长效运维机制；4.开展第三方评估"
    )
    ws["B6"] = "长江干流部分岸线非法码头整治不彻底，复绿不到位。"
    ws["G7"] = "王强（局长）"
    out = io.BytesIO()
    wb.save(out)
    check = run(personas, campaign, out.getvalue(), dry_run=True)
    assert check.ok
    assert {c["code"] for c in check.changed} == {"1", "2", "3"}
    result = run(personas, campaign, out.getvalue())
    assert result.ok
    t1 = Task.objects.get(campaign=campaign, code="1")
    assert t1.measures.count() == 4
    assert t1.events.filter(kind=EventKind.EDITED, data__has_key="measures").exists()
    t2 = Task.objects.get(campaign=campaign, code="2")
    assert "复绿不到位" in t2.problem
    t3 = Task.objects.get(campaign=campaign, code="3")
    assert t3.task_units.get(role=UnitRole.LEAD).leader_name == "王强"
    assert t3.events.filter(kind=EventKind.EDITED).count() == 1


def test_an_assigned_tasks_deadline_is_not_changed_by_a_sheet(personas, campaign):
    assert run(personas, campaign, sheets.central_plan()).ok
    task = Task.objects.get(campaign=campaign, code="3")
    ledger.task_assign(actor=personas.office, task=task, expected_version=None)
    wb = openpyxl.load_workbook(io.BytesIO(sheets.central_plan()))
    wb.active["H7"] = "2026年6月底前"
    out = io.BytesIO()
    wb.save(out)
    result = run(personas, campaign, out.getvalue())
    assert [(e.row, e.column) for e in result.errors] == [(7, "整改时限")]
    assert "extension" in result.errors[0].message or "延期" in result.errors[0].message
    task.refresh_from_db()
    assert task.deadline == dt.date(2025, 6, 30)


def test_measures_cannot_be_removed_by_a_sheet(personas, campaign):
    assert run(personas, campaign, sheets.central_plan()).ok
    wb = openpyxl.load_workbook(io.BytesIO(sheets.central_plan()))
    wb.active["D5"] = "开展管网排查"
    out = io.BytesIO()
    wb.save(out)
    result = run(personas, campaign, out.getvalue())
    assert [(e.row, e.column) for e in result.errors] == [(5, "整改措施")]
    assert Task.objects.get(campaign=campaign, code="1").measures.count() == 3


def test_the_user_corrects_the_column_mapping(personas, campaign):
    first = run(personas, campaign, sheets.odd_headers(), dry_run=True)
    columns = {c["label"]: c for c in first.columns}
    assert columns["具体工作"]["field"] == ""
    assert columns["单位"]["field"] == ""
    mapping = {c["index"]: c["field"] for c in first.columns}
    mapping[columns["具体工作"]["index"]] = "measures"
    mapping[columns["单位"]["index"]] = "lead"
    result = run(personas, campaign, sheets.odd_headers(), mapping=mapping)
    assert result.ok, result.errors
    task = Task.objects.get(campaign=campaign, code="1")
    assert [m.text for m in task.measures.order_by("number")] == ["排查", "整治"]
    assert units_of(task, UnitRole.LEAD) == ["cq-ecology-environment"]
    bad = dict(mapping)
    bad[0] = "measures"
    refused = run(personas, campaign, sheets.odd_headers(), mapping=bad)
    assert not refused.ok and refused.errors[0].row == 0


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"", "为空"),
        (b"not a workbook at all", "不是 Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
    ],
)
def test_files_that_are_not_workbooks(personas, campaign, data, needle):
    result = run(personas, campaign, data)
    assert [e.row for e in result.errors] == [0]
    assert needle in result.errors[0].message


def test_a_sheet_without_a_header(personas, campaign):
    wb = openpyxl.Workbook()
    wb.active.append(["随便", "写点", "什么"])
    out = io.BytesIO()
    wb.save(out)
    result = run(personas, campaign, out.getvalue())
    assert "header" in result.errors[0].message or "表头" in result.errors[0].message


def test_only_the_office_imports(personas, campaign):
    with pytest.raises(PermissionDenied):
        ledger_import.run_import(
            actor=personas.district_a,
            campaign=campaign,
            fileobj=io.BytesIO(sheets.central_plan()),
        )


def test_export_then_import_is_a_no_op(personas, campaign):
    assert run(personas, campaign, sheets.central_plan()).ok
    make_task(
        personas.office,
        campaign,
        code="X-9",
        lead=personas.unit_department,
        implementing=personas.unit_a,
        accepting=personas.unit_office,
        deadline_kind="ongoing",
        deadline=dt.date(2025, 3, 1),
    )
    assigned = Task.objects.get(campaign=campaign, code="1")
    ledger.task_assign(actor=personas.office, task=assigned, expected_version=None)
    before = {
        t.pk: (t.version, t.deadline, t.deadline_kind)
        for t in Task.objects.filter(campaign=campaign)
    }
    events = Event.objects.count()
    out = ledger_export.write_ledger(
        Task.objects.filter(campaign=campaign).order_by("code"), heading="台账"
    )
    data = out.read()
    result = run(personas, campaign, data)
    assert result.ok, result.errors
    assert not result.created and not result.changed
    assert result.unchanged == len(before)
    assert Event.objects.count() == events
    assert {
        t.pk: (t.version, t.deadline, t.deadline_kind)
        for t in Task.objects.filter(campaign=campaign)
    } == before


def test_export_into_another_campaign_recreates_the_tasks(personas, campaign):
    assert run(personas, campaign, sheets.central_plan()).ok
    out = ledger_export.write_ledger(Task.objects.filter(campaign=campaign), heading="台账")
    other = make_campaign(personas.office, code="city-1", name="市级督察")
    result = run(personas, other, out.read())
    assert result.ok and len(result.created) == 3
    for a, b in zip(
        Task.objects.filter(campaign=campaign).order_by("code"),
        Task.objects.filter(campaign=other).order_by("code"),
        strict=True,
    ):
        assert (a.problem, a.deadline, a.deadline_kind, a.title) == (
            b.problem,
            b.deadline,
            b.deadline_kind,
            b.title,
        )
        assert list(a.measures.values_list("text", flat=True)) == list(
            b.measures.values_list("text", flat=True)
        )
        key = lambda t: sorted(  # noqa: E731
            t.task_units.values_list("unit_id", "role", "leader_name", "leader_post")
        )
        assert key(a) == key(b)


def test_the_command_imports_and_fails_loudly(personas, campaign, tmp_path, capsys):
    personas.office.is_superuser = True
    personas.office.save()
    good = tmp_path / "plan.xlsx"
    good.write_bytes(sheets.central_plan())
    call_command("import_ledger", str(good), "--campaign", campaign.code, "--dry-run")
    assert Task.objects.count() == 0
    call_command("import_ledger", str(good), "--campaign", campaign.code)
    assert Task.objects.filter(campaign=campaign).count() == 3
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheets.bad_sheet())
    with pytest.raises(CommandError):
        call_command("import_ledger", str(bad), "--campaign", campaign.code)
    assert "火星区生态局" in capsys.readouterr().err
    assert Task.objects.filter(campaign=campaign).count() == 3
    other = make_campaign(personas.office, code="secret-1", name="暗访")
    odd = tmp_path / "odd.xlsx"
    odd.write_bytes(sheets.odd_headers())
    call_command("import_ledger", str(odd), "--campaign", other.code, "--dry-run")
    assert "具体工作 → —" in capsys.readouterr().out
    call_command(
        "import_ledger",
        str(odd),
        "--campaign",
        other.code,
        "--map",
        "C=measures",
        "--map",
        "D=lead",
    )
    assert Task.objects.filter(campaign=other).count() == 2
    task = Task.objects.get(campaign=other, code="1")
    assert task.measures.count() == 2
    assert task.task_units.filter(role=UnitRole.LEAD).exists()
