"""/api/v1/carbon/targets: the targets with their progress and the projected peak year, scoped
as the page (a district its own, another district's a 404; the office and departments all),
one target with its history, and raising a ledger task for a target a district is behind — the
services of targets.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Field, Path, Router, Schema
from ninja import Status as NinjaStatus

from shanshui.carbon import targets
from shanshui.carbon.projects import default_campaign
from shanshui.ledger.models import Campaign

router = Router(tags=["carbon"])

Id = Path(..., ge=1, le=2**31 - 1)


class CarbonTargetOut(Schema):
    id: int
    district_id: int | None
    district: str | None
    period_start: int
    period_end: int
    base_year: int
    kind: str
    value: Decimal
    note: str
    status: str
    achieved: float | None
    expected: float | None
    latest_year: int | None
    projected_peak_year: int | None
    task_id: int | None


class TargetEventOut(Schema):
    kind: str = Field(..., description="created, edited, task_raised or task_withdrawn")
    at: dt.datetime
    actor: str | None
    comment: str = Field(..., description="The reason of a change, the task of a task event")
    data: dict = Field(
        ..., description="created: {values}; edited: {changes: [{field, old, new}]}; tasks: {task}"
    )


class CarbonTargetDetailOut(CarbonTargetOut):
    events: list[TargetEventOut]


def _out(traj: targets.Trajectory, row: targets.TargetRow) -> dict:
    t, p = row.target, row.progress
    return {
        "id": t.pk,
        "district_id": t.district_id,
        "district": t.district.display_name if t.district_id else None,
        "period_start": t.period_start,
        "period_end": t.period_end,
        "base_year": t.base_year,
        "kind": t.kind,
        "value": t.value,
        "note": t.note,
        "status": p.status,
        "achieved": p.achieved,
        "expected": p.expected,
        "latest_year": p.latest_year,
        "projected_peak_year": traj.peak_year,
        "task_id": t.task_id,
    }


@router.get(
    "/carbon/targets", response=list[CarbonTargetOut], summary="Carbon targets and progress"
)
def target_list(request):
    """The city's and the districts' targets in the user's scope, each with its progress
    (on_track, behind, no_data) and the projected peak year of its district or the city."""
    return [_out(traj, r) for traj in targets.trajectories(request.user) for r in traj.rows]


@router.get(
    "/carbon/targets/{target_id}",
    response=CarbonTargetDetailOut,
    summary="A carbon target with its history",
)
def target_detail(request, target_id: int = Id):
    t = targets.target_for(request.user, target_id)
    traj = targets.trajectory(t.district, [t])
    events = [
        {
            "kind": e.kind,
            "at": e.at,
            "actor": e.actor.username if e.actor else None,
            "comment": e.comment,
            "data": e.data,
        }
        for e in t.events.select_related("actor").order_by("at", "pk")
    ]
    return {**_out(traj, traj.rows[0]), "events": events}


class TargetTaskIn(Schema):
    campaign_id: int | None = Field(None, ge=1, le=2**31 - 1)
    deadline: dt.date | None = None


class TargetTaskOut(Schema):
    task_id: int
    code: str


@router.post(
    "/carbon/targets/{target_id}/task",
    response={201: TargetTaskOut},
    summary="Raise a ledger task for a target a district is behind",
)
def target_task(request, payload: TargetTaskIn, target_id: int = Id):
    """The office: a draft ledger task under ``campaign_id`` (default: the latest special
    inspection) with ``deadline`` (default: 90 days from today); once per target."""
    t = targets.target_for(request.user, target_id)
    targets.require_office(request.user)
    if payload.campaign_id is not None:
        campaign = Campaign.objects.filter(pk=payload.campaign_id).first()
    else:
        campaign = default_campaign()
    if campaign is None:
        raise Http404
    task = targets.raise_task(
        actor=request.user,
        target=t,
        campaign=campaign,
        deadline=payload.deadline or targets.default_deadline(),
    )
    return NinjaStatus(201, {"task_id": task.pk, "code": task.code})
