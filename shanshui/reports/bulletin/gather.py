"""Collecting a bulletin's figures and lists for a campaign and period, in the user's scope.

Every number comes from ``figures`` (the dashboard's definitions); this module only turns its
results into the plain rows of ``BulletinData``, so nothing queries the database afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from shanshui.reports import figures
from shanshui.reports.bulletin.data import BulletinData, SignedOffRow, TaskRow, UnitRow, UrgeRow


def _names(rows: Iterable, roles: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tu.unit.display_name for tu in rows if tu.role in roles))


def _leaders(rows: Iterable) -> tuple[str, ...]:
    # Each leader with the unit they answer for ("万州区：周强（副区长）"): a unit's leader is not
    # the task's, and a bulletin names who answers for what.
    out = []
    for tu in rows:
        if tu.role in ("lead", "responsible", "implementing") and tu.leader_name:
            person = f"{tu.leader_name}（{tu.leader_post}）" if tu.leader_post else tu.leader_name
            out.append(f"{tu.unit.display_name}：{person}")
    return tuple(dict.fromkeys(out))


def _overdue_rows(user, campaign) -> tuple[TaskRow, ...]:
    # The list comes with its units prefetched (figures.overdue_and_red).
    return tuple(
        TaskRow(
            code=t.code,
            title=t.title,
            lead_units=_names(t.task_units.all(), ("lead",)),
            responsible_units=_names(t.task_units.all(), ("responsible", "implementing")),
            leaders=_leaders(t.task_units.all()),
            deadline=t.deadline,
            warning=t.warning,
        )
        for t in figures.overdue_and_red(user, campaign=campaign)
    )


def _signed_off_rows(user, campaign, period) -> tuple[SignedOffRow, ...]:
    # The list comes with its units prefetched (figures.newly_signed_off).
    return tuple(
        SignedOffRow(
            code=t.code,
            title=t.title,
            units=_names(t.task_units.all(), ("responsible", "implementing"))
            or _names(t.task_units.all(), ("lead",)),
            signed_off_on=timezone.localdate(t.signed_off_at) if t.signed_off_at else None,
        )
        for t in figures.newly_signed_off(user, campaign=campaign, period=period)
    )


def _urge_rows(user, campaign, period) -> tuple[UrgeRow, ...]:
    return tuple(
        UrgeRow(
            number=u.number,
            task_code=u.task.code,
            task_title=u.task.title,
            unit=u.to_unit.display_name,
            issued_on=timezone.localdate(u.issued_at),
            response_due=u.response_due,
            replied_on=timezone.localdate(u.responded_at) if u.responded_at else None,
        )
        for u in figures.urges_issued(user, campaign=campaign, period=period)
    )


def _unit_rows(user, campaign, group: str) -> tuple[UnitRow, ...]:
    return tuple(
        UnitRow(uc.unit.display_name, uc.counts)
        for uc in figures.by_unit(user, campaign=campaign, group=group)
    )


def collect(user, *, campaign, period) -> BulletinData:
    """Everything the bulletin prints, from ``figures`` and the user's scope.

    ``period`` is a figures.Period (inclusive local dates). The overall counts, the unit tables
    and the overdue list are the ledger's state now; the period bounds the newly signed-off
    tasks and the urge notices issued.
    """
    return BulletinData(
        campaign=campaign.name,
        period_start=period.start,
        period_end=period.end,
        as_of=timezone.localdate(),
        totals=figures.counts(user, campaign=campaign),
        districts=_unit_rows(user, campaign, "district"),
        departments=_unit_rows(user, campaign, "department"),
        overdue_and_red=_overdue_rows(user, campaign),
        signed_off=_signed_off_rows(user, campaign, period),
        urges=_urge_rows(user, campaign, period),
    )
