"""Reminders and escalation: each sent once, in the app and by e-mail; --dry-run writes nothing."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from shanshui.ledger import services
from shanshui.ledger.models import Notification, Status, Task
from shanshui.ledger.reminders import deliver, due_reminders
from shanshui.ledger.services import work_calendar

# Tasks are worked today and reminded on fixed days: the clock stands on an ordinary working
# day, so which reminders are due does not depend on when the suite runs.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ordinary_day")]


@pytest.fixture(autouse=True)
def emails(personas):
    for user in (personas.district_a, personas.leader, personas.department, personas.office):
        user.email = f"{user.username}@example.cn"
        user.save()


def kinds(today):
    return sorted({(r.kind, r.user_id) for r in due_reminders(today)})


def test_deadline_reminders_at_15_and_5_working_days(personas, task_in):
    # Deadline 2026-10-16 (Friday). National Day 2026 is 10-01..10-07 with make-up days.
    task = task_in(Status.IN_PROGRESS, deadline=dt.date(2026, 10, 16))
    Task.objects.filter(pk=task.pk).update(last_report_at=None, assigned_at=None)
    cal = work_calendar()
    day15 = next(
        d
        for d in (dt.date(2026, 9, 1) + dt.timedelta(n) for n in range(60))
        if cal.workdays_between(d, task.deadline) == 15
    )
    assert {r.kind for r in due_reminders(day15 - dt.timedelta(days=7))} == set()
    result = deliver(due_reminders(day15))
    # The unit's administrator and its staff (经办人) are reminded.
    assert result.created == 2
    assert set(Notification.objects.values_list("kind", "user_id")) == {
        ("deadline_near", personas.district_a.pk),
        ("deadline_near", personas.district_a_staff.pk),
    }
    assert deliver(due_reminders(day15 + dt.timedelta(days=1))).created == 0  # same threshold
    day5 = next(
        d
        for d in (day15 + dt.timedelta(n) for n in range(40))
        if cal.workdays_between(d, task.deadline) == 5
    )
    assert deliver(due_reminders(day5)).created == 2
    assert Notification.objects.filter(key__startswith=f"deadline:{task.pk}:5:").exists()


def test_overdue_escalates_to_leaders_and_the_lead_unit(personas, task_in):
    task = task_in(Status.IN_PROGRESS, deadline=dt.date(2026, 3, 31))
    Task.objects.filter(pk=task.pk).update(last_report_at=None, assigned_at=None)
    day = dt.date(2026, 4, 2)
    people = {user for kind, user in kinds(day) if kind == "overdue"}
    assert people == {personas.district_a.pk, personas.leader.pk, personas.department.pk}
    result = deliver(due_reminders(day))
    assert result.created == 3 and result.emailed == 3
    assert len(mail.outbox) == 3
    assert "逾期" in mail.outbox[0].subject and f"/ledger/tasks/{task.pk}/" in mail.outbox[0].body
    # Each is sent once: the next day's run adds nothing and e-mails nobody.
    again = deliver(due_reminders(day + dt.timedelta(days=1)))
    assert (again.created, again.emailed) == (0, 0) and len(mail.outbox) == 3


def test_reports_due_on_the_campaign_cycle(personas, task_in):
    task = task_in(Status.IN_PROGRESS, deadline=dt.date(2027, 12, 31))
    reported = dt.datetime(2026, 5, 1, 10, tzinfo=dt.UTC)
    Task.objects.filter(pk=task.pk).update(last_report_at=reported)
    assert "report_due" not in {k for k, _ in kinds(dt.date(2026, 5, 20))}
    assert ("report_due", personas.district_a.pk) in kinds(dt.date(2026, 5, 30))
    assert ("report_due", personas.district_a_staff.pk) in kinds(dt.date(2026, 5, 30))


def test_unanswered_urge_notices(personas, task_in):
    task = task_in(Status.IN_PROGRESS, deadline=dt.date(2027, 12, 31))
    urge = services.task_urge(
        actor=personas.department,
        task=task,
        expected_version=None,
        to_unit=personas.unit_a,
        text="说明情况",
        response_due=timezone.localdate() + dt.timedelta(days=2),
    )
    later = urge.response_due + dt.timedelta(days=1)
    people = {user for kind, user in kinds(later) if kind == "urge_unanswered"}
    assert people == {personas.district_a.pk, personas.leader.pk, personas.department.pk}
    services.urge_answer(actor=personas.district_a, urge=urge, response="已书面说明")
    assert "urge_unanswered" not in {k for k, _ in kinds(later)}


def test_the_command_is_idempotent_and_has_a_dry_run(personas, task_in):
    task_in(Status.IN_PROGRESS, deadline=dt.date(2026, 3, 31))
    out = io.StringIO()
    call_command("ledger_reminders", "--dry-run", "--today", "2026-04-02", stdout=out)
    assert "Would create 3 notifications" in out.getvalue()
    assert not Notification.objects.exists() and not mail.outbox
    call_command("ledger_reminders", "--today", "2026-04-02", stdout=io.StringIO())
    assert Notification.objects.count() == 3
    out = io.StringIO()
    call_command("ledger_reminders", "--today", "2026-04-02", stdout=out)
    assert "Created 0 notifications (3 already sent)" in out.getvalue()


def test_the_sweep_recomputes_colours_for_a_new_day(personas, task_in):
    task = task_in(Status.IN_PROGRESS, deadline=timezone.localdate() + dt.timedelta(days=2))
    Task.objects.filter(pk=task.pk).update(
        progress=95, last_report_at=None, assigned_at=None, warning="green"
    )
    call_command(
        "ledger_reminders",
        "--today",
        (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        stdout=io.StringIO(),
    )
    task.refresh_from_db()
    assert task.warning == "overdue"


def test_a_bad_date_is_a_clear_error(personas):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("ledger_reminders", "--today", "tomorrow")
