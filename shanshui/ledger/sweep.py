"""The daily warning sweep: recompute every live task's colour (they depend on today's date)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.ledger import warnings as warning_rules
from shanshui.ledger.models import DeadlineKind, Status, Task, UrgeNotice

BATCH = 5000


@dataclass
class SweepResult:
    checked: int = 0
    changed: int = 0


def sweep_warnings(*, today: dt.date | None = None, dry_run: bool = False) -> SweepResult:
    """Recompute warnings for all tasks that can carry one, in batches, with bulk updates."""
    today = today or timezone.localdate()
    rules = getattr(settings, "SHANSHUI_WARNING_RULES", None)
    overdue_urge = UrgeNotice.objects.filter(
        task=OuterRef("pk"), responded_at__isnull=True, response_due__lt=today
    )
    qs = (
        Task.objects.exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
        .exclude(
            status=Status.SIGNED_OFF,
            deadline_kind__in=[DeadlineKind.DATED, DeadlineKind.IMMEDIATE],
            warning="none",
        )
        .annotate(urge_overdue=Exists(overdue_urge))
        .values_list(
            "pk",
            "status",
            "deadline_kind",
            "deadline",
            "progress",
            "assigned_at",
            "last_report_at",
            "campaign__report_cycle",
            "urge_overdue",
            "warning",
            "warning_reason",
        )
        .order_by("pk")
    )
    result = SweepResult()
    tz = timezone.get_current_timezone()
    last_pk = 0
    while True:
        rows = list(qs.filter(pk__gt=last_pk)[:BATCH])
        if not rows:
            break
        last_pk = rows[-1][0]
        changed = []
        for (
            pk,
            status,
            kind,
            deadline,
            progress,
            assigned,
            reported,
            cycle,
            urge,
            old,
            old_reason,
        ) in rows:
            facts = warning_rules.TaskFacts(
                status=status,
                deadline_kind=kind,
                deadline=deadline,
                progress=progress,
                assigned_on=assigned.astimezone(tz).date() if assigned else None,
                last_report_on=reported.astimezone(tz).date() if reported else None,
                report_cycle=cycle,
                urge_overdue=urge,
            )
            verdict = warning_rules.compute(facts, today, rules)
            if (verdict.colour, verdict.reason) != (old, old_reason):
                changed.append((pk, verdict.colour, verdict.reason[:200]))
        result.checked += len(rows)
        result.changed += len(changed)
        if changed and not dry_run:
            # One parameterised UPDATE sent many times (pipelined by psycopg) is far cheaper than
            # bulk_update's CASE expressions at this volume.
            _write(changed)
    return result


def scheduled_sweep(*, day: dt.date) -> str:
    """The daily sweep as a scheduled job (SHANSHUI_SCHEDULE); a summary for the office."""
    result = sweep_warnings(today=day)
    return _("%(checked)d tasks checked, %(changed)d warnings changed.") % {
        "checked": result.checked,
        "changed": result.changed,
    }


def _write(changed: list[tuple[int, str, str]]) -> None:
    """Store new colours: one UPDATE … FROM (VALUES …) per batch on PostgreSQL, a parameterised
    UPDATE sent many times elsewhere; both far cheaper than bulk_update's CASE expressions."""
    table = Task._meta.db_table
    rows = changed
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(rows), 5000):
                chunk = rows[start : start + 5000]
                values = ", ".join(["(%s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"UPDATE {table} AS t SET warning = v.w, warning_reason = v.r "
                    f"FROM (VALUES {values}) AS v(id, w, r) WHERE t.id = v.id",
                    [x for row in chunk for x in row],
                )
        else:
            cursor.executemany(
                f"UPDATE {table} SET warning = %s, warning_reason = %s WHERE id = %s",
                [(w, r, pk) for pk, w, r in rows],
            )
