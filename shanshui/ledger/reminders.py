"""Reminders and escalation (提醒与督办升级): what to tell whom, each exactly once.

``due_reminders(today)`` lists them; ``deliver(reminders)`` (shared with the notices events send,
shanshui.ledger.notify) stores each as a Notification keyed per user (the unique key makes a second
run a no-op), e-mails the ones not yet e-mailed and hands new ones to the text-message gateway.
Run daily as a scheduled job (:func:`scheduled_reminders`, SHANSHUI_SCHEDULE), or by hand with
``manage.py ledger_reminders`` (``--dry-run``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.ledger.models import (
    DeadlineKind,
    Status,
    Task,
    UnitRole,
    UrgeNotice,
)
from shanshui.ledger.notify import DeliveryResult, Notice, deliver
from shanshui.ledger.services import work_calendar
from shanshui.ledger.warnings import CYCLE_DAYS
from shanshui.orgs.models import Membership, Role

__all__ = ["DeliveryResult", "Reminder", "deliver", "due_reminders", "scheduled_reminders"]

REPORT_NOTICE_DAYS = 3  # remind this many days before a report falls due
WORKING = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED)


# A reminder is a notice like those events send, and goes out the same way (notify.deliver).
Reminder = Notice


def _recipients(unit_ids: Iterable[int], roles: Iterable[str]) -> list[tuple[int, str]]:
    rows = (
        Membership.objects.filter(
            unit_id__in=list(unit_ids), role__in=list(roles), user__is_active=True
        )
        .values_list("user_id", "user__email")
        .distinct()
    )
    return sorted(set(rows))


def _units(task: Task, *roles: str) -> list[int]:
    return [tu.unit_id for tu in task.task_units.all() if tu.role in roles]


def _executing(task: Task) -> list[int]:
    return _units(task, UnitRole.IMPLEMENTING, UnitRole.RESPONSIBLE) or _units(task, UnitRole.LEAD)


def _make(
    task: Task | None, users, kind: str, key: str, title: str, body: str
) -> Iterator[Reminder]:
    for user_id, email in users:
        yield Reminder(user_id, email or "", task.pk if task else None, kind, key, title, body)


def due_reminders(today: dt.date, *, calendar=None) -> Iterator[Reminder]:

    calendar = calendar or work_calendar()
    thresholds = sorted(settings.SHANSHUI_DEADLINE_REMINDER_WORKDAYS)
    tasks = (
        Task.objects.filter(status__in=[*WORKING, Status.SIGNED_OFF])
        .exclude(status=Status.SIGNED_OFF, deadline_kind=DeadlineKind.DATED)
        .exclude(status=Status.SIGNED_OFF, deadline_kind=DeadlineKind.IMMEDIATE)
        .select_related("campaign")
        .prefetch_related("task_units")
        .iterator(chunk_size=2000)
    )
    for task in tasks:
        label = f"{task.code} {task.title}"
        actors = _recipients(_executing(task), [Role.UNIT_ADMIN, Role.STAFF])
        # Progress reports falling due on the campaign's cycle.
        if task.status in (Status.IN_PROGRESS, Status.SIGNED_OFF):
            since = task.last_report_at or task.assigned_at
            if since is not None:
                due = timezone.localdate(since) + dt.timedelta(
                    days=CYCLE_DAYS.get(task.campaign.report_cycle, 31)
                )
                if (due - today).days <= REPORT_NOTICE_DAYS:
                    yield from _make(
                        task,
                        actors,
                        "report_due",
                        f"report_due:{task.pk}:{due.isoformat()}",
                        _("Progress report due %(day)s: %(task)s") % {"day": due, "task": label},
                        _("Submit this cycle's progress, with evidence."),
                    )
        if task.status == Status.SIGNED_OFF or task.deadline is None:
            continue
        # Deadlines approaching: the tightest threshold not yet passed, once each.
        if task.deadline >= today:
            left = calendar.workdays_between(today, task.deadline)
            for n in thresholds:
                if left <= n:
                    yield from _make(
                        task,
                        actors,
                        "deadline_near",
                        f"deadline:{task.pk}:{n}:{task.deadline.isoformat()}",
                        _("%(n)d working days to the deadline: %(task)s")
                        % {"n": left, "task": label},
                        _("Deadline %(day)s.") % {"day": task.deadline},
                    )
                    break
        else:
            # Overdue: the unit, its leaders and the lead unit hear about it (escalation).
            people = _recipients(
                _executing(task) + _units(task, UnitRole.LEAD),
                [Role.UNIT_ADMIN, Role.LEADER],
            )
            yield from _make(
                task,
                people,
                "overdue",
                f"overdue:{task.pk}:{task.deadline.isoformat()}",
                _("Overdue since %(day)s: %(task)s") % {"day": task.deadline, "task": label},
                _("Finish the rectification or request an extension with reasons."),
            )
    # Urge notices not answered by their date: the unit's admins and leaders, and the issuer.
    for urge in UrgeNotice.objects.filter(
        responded_at__isnull=True, response_due__lt=today
    ).select_related("task", "issued_by"):
        people = _recipients([urge.to_unit_id], [Role.UNIT_ADMIN, Role.LEADER])
        people = sorted(set(people) | {(urge.issued_by_id, urge.issued_by.email)})
        yield from _make(
            urge.task,
            people,
            "urge_unanswered",
            f"urge:{urge.pk}",
            _("Urge notice %(number)s unanswered since %(day)s")
            % {"number": urge.number, "day": urge.response_due},
            urge.text[:200],
        )


def scheduled_reminders(*, day: dt.date) -> str:
    """The daily reminders as a scheduled job (SHANSHUI_SCHEDULE); a summary for the office.
    Each reminder is keyed per person, so running it twice a day sends nothing twice."""
    result = deliver(due_reminders(day))
    return _(
        "%(created)d reminders sent (%(already)d sent before); %(emailed)d e-mailed, "
        "%(failures)d e-mail failures."
    ) % {
        "created": result.created,
        "already": result.already,
        "emailed": result.emailed,
        "failures": result.email_failures,
    }
