"""Ledger services: shares, extensions, acceptance, notice, objections, urging, concurrency."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from shanshui.ledger import services
from shanshui.ledger.models import (
    CalendarOverride,
    ChecklistItem,
    Event,
    EventKind,
    ExtensionStatus,
    MeasureStatus,
    ObjectionStatus,
    Status,
    Task,
)
from shanshui.ledger.scenarios import document, drive, make_campaign, make_task
from shanshui.lib.workflow import Conflict, InvalidTransition

# Deadlines, notices and urges are dated from today: the clock stands on an ordinary working day.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]


def test_the_plan_is_due_30_working_days_after_feedback(personas):
    campaign = make_campaign(personas.office, code="c1", feedback_date=dt.date(2024, 8, 20))
    assert campaign.plan_due == dt.date(2024, 10, 8)  # across Mid-Autumn and National Day
    # The override table decides for days the package does not know or gets wrong.
    CalendarOverride.objects.create(day=dt.date(2024, 9, 30), is_workday=False, note="test")
    assert make_campaign(
        personas.office, code="c2", feedback_date=dt.date(2024, 8, 20)
    ).plan_due == dt.date(2024, 10, 9)


def test_only_the_office_puts_tasks_on_the_ledger(personas, campaign):
    with pytest.raises(PermissionDenied):
        make_task(personas.district_a, campaign, code="X1", implementing=personas.unit_a)
    with pytest.raises(ValidationError) as excinfo:
        services.task_create(
            actor=personas.office,
            campaign=campaign,
            code="X2",
            title="t",
            problem="p",
            deadline_kind="dated",
            deadline=None,
        )
    assert "deadline" in excinfo.value.message_dict
    assert not Task.objects.filter(code="X2").exists()


def test_every_action_writes_an_event_with_actor_and_unit(personas, task_in):
    task = task_in(Status.SIGNED_OFF)
    kinds = list(task.events.order_by("at", "pk").values_list("kind", flat=True))
    assert kinds == [
        "created",
        "assigned",
        "assignment_accepted",
        "reported",
        "acceptance_applied",
        "rechecked",
        "accepted",
        "notice_started",
        "signed_off",
    ]
    recheck = task.events.get(kind="rechecked")
    assert recheck.actor == personas.department and recheck.unit == personas.unit_department
    report = task.events.get(kind="reported")
    assert report.unit == personas.unit_a
    assert recheck.from_status == "acceptance_applied" and recheck.to_status == "rechecked"


def test_a_city_task_is_split_into_shares_and_closes_with_the_last(personas, campaign):
    office = personas.office
    parent = make_task(
        office, campaign, code="C-1", lead=personas.unit_department, accepting=personas.unit_office
    )
    shares = services.task_split(
        actor=office, task=parent, expected_version=None, units=[personas.unit_a, personas.unit_b]
    )
    assert [s.code for s in shares] == ["C-1-0101", "C-1-0103"]
    assert all(s.parent_id == parent.pk for s in shares)
    share_a, share_b = shares
    assert set(share_a.task_units.values_list("role", flat=True)) == {
        "lead",
        "accepting",
        "implementing",
    }
    services.task_assign(actor=office, task=parent, expected_version=None)
    parent.refresh_from_db()
    assert parent.status == Status.IN_PROGRESS
    assert set(Task.objects.filter(parent=parent).values_list("status", flat=True)) == {
        Status.ASSIGNED
    }
    # Progress rolls up; the parent closes only with its last share.
    services.task_accept_assignment(actor=personas.district_a, task=share_a, expected_version=None)
    services.task_report(
        actor=personas.district_a, task=share_a, expected_version=None, text="进展", percent=60
    )
    parent.refresh_from_db()
    assert parent.progress == 30
    kw = dict(office=office, lead_reviewer=personas.department)
    drive(share_a, Status.SIGNED_OFF, executor=personas.district_a, **kw)
    parent.refresh_from_db()
    assert parent.status == Status.IN_PROGRESS and parent.progress == 50
    drive(share_b, Status.SIGNED_OFF, executor=personas.district_b, **kw)
    parent.refresh_from_db()
    assert parent.status == Status.SIGNED_OFF and parent.progress == 100
    assert parent.events.filter(kind=EventKind.SIGNED_OFF).exists()
    # A relapse in one share reopens the city task too.
    services.task_reopen(
        actor=office,
        task=share_a,
        expected_version=None,
        trigger="repeat_complaint",
        reason="重复投诉",
    )
    parent.refresh_from_db()
    assert parent.status == Status.IN_PROGRESS


def test_a_split_task_is_worked_through_its_shares(personas, campaign):
    parent = make_task(personas.office, campaign, code="C-2", lead=personas.unit_department)
    services.task_split(
        actor=personas.office, task=parent, expected_version=None, units=[personas.unit_a]
    )
    services.task_assign(actor=personas.office, task=parent, expected_version=None)
    parent.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.task_report(
            actor=personas.department, task=parent, expected_version=None, text="x", percent=10
        )


def test_extension_keeps_the_original_deadline(personas, task_in, in_days):
    task = task_in(Status.IN_PROGRESS, deadline=in_days(30))
    ext = services.extension_request(
        actor=personas.district_a,
        task=task,
        expected_version=None,
        requested_deadline=in_days(90),
        reason="汛期无法施工",
    )
    with pytest.raises(InvalidTransition):
        services.extension_request(
            actor=personas.district_a,
            task=task,
            expected_version=None,
            requested_deadline=in_days(100),
            reason="再延",
        )
    with pytest.raises(PermissionDenied):
        services.extension_decide(actor=personas.district_a, extension=ext, approve=True)
    services.extension_decide(actor=personas.office, extension=ext, approve=True, comment="同意")
    task.refresh_from_db()
    assert (task.deadline, task.original_deadline) == (in_days(90), in_days(30))
    assert task.was_extended
    ext2 = services.extension_request(
        actor=personas.district_a,
        task=task,
        expected_version=None,
        requested_deadline=in_days(120),
        reason="再次申请",
    )
    with pytest.raises(ValidationError):
        services.extension_decide(actor=personas.office, extension=ext2, approve=False)
    services.extension_decide(
        actor=personas.office, extension=ext2, approve=False, comment="理由不充分"
    )
    task.refresh_from_db()
    assert task.deadline == in_days(90) and task.original_deadline == in_days(30)
    ext2.refresh_from_db()
    assert ext2.status == ExtensionStatus.REJECTED


def test_an_extension_must_move_the_deadline_later(personas, task_in, in_days):
    task = task_in(Status.IN_PROGRESS, deadline=in_days(30))
    with pytest.raises(ValidationError) as excinfo:
        services.extension_request(
            actor=personas.district_a,
            task=task,
            expected_version=None,
            requested_deadline=in_days(10),
            reason="x",
        )
    assert "requested_deadline" in excinfo.value.message_dict


def test_the_closing_checklist_needs_every_item_with_evidence(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError) as excinfo:
        services.task_apply_acceptance(
            actor=personas.district_a,
            task=task,
            expected_version=None,
            summary="完成",
            checklist={"measures_done": "已完成"},
        )
    errors = excinfo.value.message_dict
    # Each item's statement and each item's evidence.
    assert set(errors) == {*ChecklistItem.values, *(f"files_{i}" for i in ChecklistItem.values)}
    assert any("尚未报告完成" in e for e in errors["measures_done"])  # measures not done yet
    task.measures.update(status=MeasureStatus.DONE)
    services.task_apply_acceptance(
        actor=personas.district_a,
        task=task,
        expected_version=None,
        summary="完成",
        checklist={i: "已落实" for i in ChecklistItem.values},
        files={i: [document(f"{i}.pdf", i)] for i in ChecklistItem.values},
    )
    task.refresh_from_db()
    assert task.status == Status.ACCEPTANCE_APPLIED and task.progress == 100
    assert task.evidence.exclude(checklist_item="").count() == 6


def test_acceptance_names_the_person(personas, task_in):
    task = task_in(Status.ACCEPTED)
    assert task.accepted_by_name == "李验收" and task.accepted_at is not None
    assert task.events.get(kind="accepted").data["accepted_by"] == "李验收"


def test_public_notice_objection_and_sign_off(personas, task_in, in_days):
    task = task_in(Status.IN_PUBLIC_NOTICE)
    assert task.notice_end == in_days(10)
    with pytest.raises(InvalidTransition):  # the notice is still running
        services.task_sign_off(actor=personas.office, task=task, expected_version=None)
    objection = services.objection_submit(
        task=task, text="河道仍有异味", name="张三", contact="13800000000", ip="203.0.113.5"
    )
    event = task.events.get(kind="objection")
    assert event.actor is None and "张三" not in str(event.data) and "138" not in str(event.data)
    Task.objects.filter(pk=task.pk).update(notice_end=in_days(-1))
    task.refresh_from_db()
    with pytest.raises(InvalidTransition):  # an objection is still open
        services.task_sign_off(actor=personas.office, task=task, expected_version=None)
    with pytest.raises(InvalidTransition):  # the notice period is over for new objections
        services.objection_submit(task=task, text="晚了")
    services.objection_handle(
        actor=personas.office,
        objection=objection,
        upheld=False,
        result="经现场核查，异味来自上游，已另行交办",
    )
    services.task_sign_off(actor=personas.office, task=task, expected_version=None)
    task.refresh_from_db()
    assert task.status == Status.SIGNED_OFF


def test_a_founded_objection_returns_the_task(personas, task_in):
    task = task_in(Status.IN_PUBLIC_NOTICE)
    objection = services.objection_submit(task=task, text="整改不彻底")
    services.objection_handle(
        actor=personas.office, objection=objection, upheld=True, result="核查属实"
    )
    task.refresh_from_db()
    objection.refresh_from_db()
    assert task.status == Status.IN_PROGRESS and objection.status == ObjectionStatus.UPHELD
    assert task.notice_start is None and task.accepted_by_name == ""
    assert task.events.filter(kind="returned").exists()


def test_non_public_tasks_skip_the_notice(personas, task_in):
    task = task_in(Status.ACCEPTED, is_public=False)
    with pytest.raises(InvalidTransition):
        services.task_start_notice(actor=personas.office, task=task, expected_version=None)
    services.task_sign_off(actor=personas.office, task=task, expected_version=None)
    task.refresh_from_db()
    assert task.status == Status.SIGNED_OFF


def test_urging_and_answering(personas, task_in, in_days):
    task = task_in(Status.IN_PROGRESS)
    urge = services.task_urge(
        actor=personas.department,
        task=task,
        expected_version=None,
        to_unit=personas.unit_a,
        text="加快进度",
        response_due=in_days(3),
    )
    assert urge.number.startswith("督办〔") and urge.number.endswith("号")
    with pytest.raises(ValidationError):
        services.task_urge(
            actor=personas.office,
            task=task,
            expected_version=None,
            to_unit=personas.unit_b,
            text="x",
            response_due=in_days(3),
        )
    with pytest.raises(PermissionDenied):
        services.urge_answer(actor=personas.district_a_staff, urge=urge, response="收到")
    services.urge_answer(actor=personas.leader, urge=urge, response="已部署加快推进")
    with pytest.raises(InvalidTransition):
        services.urge_answer(actor=personas.district_a, urge=urge, response="again")


def test_an_overdue_urge_turns_the_task_red(personas, task_in, in_days):
    task = task_in(Status.IN_PROGRESS, deadline=in_days(300))
    urge = services.task_urge(
        actor=personas.office,
        task=task,
        expected_version=None,
        to_unit=personas.unit_a,
        text="说明情况",
        response_due=in_days(1),
    )
    type(urge).objects.filter(pk=urge.pk).update(response_due=in_days(-1))
    task.refresh_from_db()
    services.refresh_warning(task)
    task.refresh_from_db()
    assert task.warning == "red" and "urge_unanswered" in task.warning_reason


def test_a_stale_version_is_refused_and_changes_nothing(personas, task_in):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    seen = task.version
    services.task_recheck(
        actor=personas.department, task=task, expected_version=seen, passed=True, opinion="属实"
    )
    events = Event.objects.count()
    with pytest.raises(Conflict) as excinfo:
        services.task_return(
            actor=personas.office, task=task, expected_version=seen, reason="资料不全"
        )
    assert "刷新" in excinfo.value.message or "Reload" in excinfo.value.message
    task.refresh_from_db()
    assert task.status == Status.RECHECKED and Event.objects.count() == events


def test_two_people_on_one_page_the_second_gets_a_clear_409(personas, task_in):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    version = task.version
    office, dept = Client(), Client()
    office.force_login(personas.office)
    dept.force_login(personas.department)
    url = reverse("ledger:action", args=[task.pk, "recheck"])
    posted = {"version": version, "passed": "1", "opinion": "复查属实"}
    assert dept.post(url, posted).status_code == 302
    response = office.post(
        reverse("ledger:action", args=[task.pk, "return"]),
        {"version": version, "reason": "资料不全"},
    )
    assert response.status_code == 409
    assert "刚刚修改" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Status.RECHECKED


def test_nothing_is_deleted_tasks_are_withdrawn(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.task_withdraw(actor=personas.office, task=task, expected_version=None, reason="")
    services.task_withdraw(
        actor=personas.office, task=task, expected_version=None, reason="与第5项重复"
    )
    task.refresh_from_db()
    assert task.status == Status.WITHDRAWN and Task.objects.filter(pk=task.pk).exists()
    assert task.events.get(kind="withdrawn").comment == "与第5项重复"


def test_evidence_is_withdrawn_not_deleted(personas, task_in):
    task = task_in(Status.IN_PROGRESS)
    (evidence,) = services.evidence_add(
        actor=personas.district_a_staff, task=task, files=[document()]
    )
    with pytest.raises(PermissionDenied):
        services.evidence_withdraw(actor=personas.district_a, evidence=evidence, reason="传错")
    services.evidence_withdraw(
        actor=personas.district_a_staff, evidence=evidence, reason="传错文件"
    )
    evidence.refresh_from_db()
    assert evidence.withdrawn_at is not None
    assert task.events.filter(kind="evidence_withdrawn").exists()


def test_accountability_is_recorded(personas, task_in, today):
    task = task_in(Status.SIGNED_OFF)
    services.accountability_record(
        actor=personas.office,
        task=task,
        person_name="王某",
        post="科长",
        unit=personas.unit_a,
        measure="admonition",
        reason="整改不力",
        decided_on=today,
    )
    record = task.accountability.get()
    assert (record.person_name, record.get_measure_display()) == ("王某", "诫勉")
    with pytest.raises(ValidationError):
        services.accountability_record(
            actor=personas.office,
            task=task,
            person_name="王某",
            post="科长",
            unit=personas.unit_a,
            measure="beheading",
            reason="x",
            decided_on=today,
        )


def test_ongoing_tasks_keep_reporting_after_sign_off(personas, task_in):
    task = task_in(Status.SIGNED_OFF, deadline_kind="ongoing", deadline=None)
    services.task_report(
        actor=personas.district_a,
        task=task,
        expected_version=None,
        text="长效机制运行正常",
        percent=100,
    )
    assert task.reports.count() == 2
    dated = task_in(Status.SIGNED_OFF)
    with pytest.raises(InvalidTransition):
        services.task_report(
            actor=personas.district_a, task=dated, expected_version=None, text="x", percent=100
        )


def test_reopening_starts_the_cycle_again(personas, task_in):
    task = task_in(Status.REOPENED)
    assert task.progress == 0 and task.signed_off_at is None
    assert task.events.get(kind="reopened").data == {"trigger": "relapse"}
    services.task_accept_assignment(actor=personas.district_a, task=task, expected_version=None)
    task.refresh_from_db()
    assert task.status == Status.IN_PROGRESS


def test_the_office_corrects_units_and_measures_on_record(personas, task_in):
    from shanshui.ledger.services import UnitAssignment

    task = task_in(Status.IN_PROGRESS)
    services.task_set_units(
        actor=personas.office,
        task=task,
        expected_version=None,
        units=[
            UnitAssignment(personas.unit_department, "lead"),
            UnitAssignment(personas.unit_b, "implementing", "王区长", "副区长"),
        ],
    )
    assert set(task.task_units.values_list("unit__short_name", "role")) == {
        ("市生态环境局", "lead"),
        ("渝中区", "implementing"),
    }
    edit = task.events.filter(kind="edited").last()
    assert "before" in edit.data["units"] and "after" in edit.data["units"]
    with pytest.raises(ValidationError):
        services.task_set_units(
            actor=personas.office,
            task=task,
            expected_version=None,
            units=[UnitAssignment(personas.unit_office, "accepting")],
        )
    with pytest.raises(PermissionDenied):
        services.task_set_measures(
            actor=personas.district_a, task=task, expected_version=None, measures=["x"]
        )
    task.measures.filter(number=1).update(status="done")
    services.task_set_measures(
        actor=personas.office,
        task=task,
        expected_version=None,
        measures=["排查全部排污口", "完成整治", "建立长效机制", "开展复查"],
    )
    assert list(task.measures.values_list("number", "status")) == [
        (1, "done"),
        (2, "not_started"),
        (3, "not_started"),
        (4, "not_started"),
    ]
    assert task.measures.get(number=1).text == "排查全部排污口"
    with pytest.raises(ValidationError):
        services.task_set_measures(
            actor=personas.office, task=task, expected_version=None, measures=["只剩一条"]
        )
