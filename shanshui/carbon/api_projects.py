"""/api/v1/carbon/projects: the two-high project register, scoped as the pages (a district its
own projects, another district's a 404; the office and departments all), the proposal, and the
office's decisions — the same services as the pages (projects.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Field, Path, Query, Router, Schema
from ninja import Status as NinjaStatus

from shanshui.carbon import projects
from shanshui.carbon.models import TwoHighProject
from shanshui.ledger.models import Campaign
from shanshui.orgs.models import Unit

router = Router(tags=["carbon"])

Id = Path(..., ge=1, le=2**31 - 1)
MAX_PAGE = 500


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    enterprise: str
    district_id: int
    district: str
    industry: str
    capacity: str
    energy_tce: Decimal
    co2_t: Decimal
    efficiency_unit: str
    unit_energy: Decimal | None
    benchmark: Decimal | None
    baseline: Decimal | None
    efficiency: str
    flags: list[str]
    flagged: bool
    blocks_approval: bool
    status: str
    version: int
    task_id: int | None
    note: str


class ProjectEventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str | None
    from_status: str
    to_status: str
    comment: str
    data: dict


class ProjectDetailOut(ProjectOut):
    events: list[ProjectEventOut]
    actions: list[str]


class ProjectIn(Schema):
    name: str = Field("", max_length=200)
    enterprise: str = Field("", max_length=200)
    district_id: int = Field(..., ge=1, le=2**31 - 1)
    industry: str = Field("", max_length=20)
    capacity: str = Field("", max_length=120)
    energy_tce: Decimal
    co2_t: Decimal
    efficiency_unit: str = Field("", max_length=30)
    unit_energy: Decimal | None = None
    benchmark: Decimal | None = None
    baseline: Decimal | None = None
    note: str = Field("", max_length=2000)


class ProjectVersionIn(Schema):
    version: int | None = Field(None, ge=1, description="The version you saw (409 when stale)")


class CommentIn(ProjectVersionIn):
    comment: str = Field("", max_length=2000)


class OpinionIn(ProjectVersionIn):
    opinion: str = Field("", max_length=2000)


class RaiseTaskIn(ProjectVersionIn):
    campaign_id: int | None = Field(None, ge=1, le=2**31 - 1)
    deadline: dt.date | None = None


class ProjectTaskOut(Schema):
    task_id: int
    code: str
    project: ProjectOut


def _out(p: TwoHighProject) -> dict:
    return {
        **{f: getattr(p, f) for f in ProjectOut.model_fields if hasattr(p, f)},
        "id": p.pk,
        "district": p.district.name,
        "task_id": p.task_id,
        "blocks_approval": projects.approval_blocked(p),
    }


def _project(request, pk: int) -> TwoHighProject:
    return projects.project_for(request.user, pk)


@router.get("/carbon/projects", response=list[ProjectOut], summary="Two-high projects")
def project_list(
    request,
    district: int | None = None,
    industry: str | None = None,
    status: str | None = None,
    flagged: bool | None = None,
    q: str | None = None,
    offset: int = Query(0, ge=0),
    limit: int = Query(100, ge=1, le=MAX_PAGE),
):
    """The register in the user's scope, newest first, with the register page's filters."""
    params = {"district": district, "industry": industry, "status": status, "q": q}
    if flagged is not None:
        params["flagged"] = "1" if flagged else "0"
    qs = projects.filtered(projects.visible_projects(request.user), params)
    return [_out(p) for p in qs[offset : offset + limit]]


@router.get("/carbon/projects/{project_id}", response=ProjectDetailOut, summary="A project")
def project_detail(request, project_id: int = Id):
    p = _project(request, project_id)
    events = [
        {
            "kind": e.kind,
            "at": e.at,
            "actor": e.actor.username if e.actor else None,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "comment": e.comment,
            "data": e.data,
        }
        for e in p.events.select_related("actor").order_by("at", "pk")
    ]
    return {**_out(p), "events": events, "actions": projects.allowed_actions(request.user, p)}


@router.post("/carbon/projects", response={201: ProjectOut}, summary="Propose a two-high project")
def project_propose(request, payload: ProjectIn):
    """A district proposes for its own district, the office for any: 400 with the errors of
    each field otherwise (nothing saved)."""
    data = payload.dict()
    district = Unit.objects.territorial().filter(pk=data.pop("district_id")).first()
    if district is None:
        raise Http404
    p = projects.project_propose(actor=request.user, district=district, **data)
    return NinjaStatus(201, _out(p))


def _act(request, project_id: int, service, **kwargs) -> dict:
    p = _project(request, project_id)
    service(actor=request.user, project=p, **kwargs)
    p.refresh_from_db()
    return _out(p)


@router.post("/carbon/projects/{project_id}/screen", response=ProjectOut, summary="Screen")
def screen(request, payload: CommentIn, project_id: int = Id):
    return _act(
        request,
        project_id,
        projects.project_screen,
        expected_version=payload.version,
        comment=payload.comment,
    )


@router.post(
    "/carbon/projects/{project_id}/send_for_review", response=ProjectOut, summary="Send for review"
)
def send_for_review(request, payload: CommentIn, project_id: int = Id):
    return _act(
        request,
        project_id,
        projects.project_send_for_review,
        expected_version=payload.version,
        comment=payload.comment,
    )


def _decision(service):
    def handler(request, payload: OpinionIn, project_id: int = Id):
        return _act(
            request,
            project_id,
            service,
            expected_version=payload.version,
            opinion=payload.opinion,
        )

    return handler


router.post(
    "/carbon/projects/{project_id}/approve",
    response=ProjectOut,
    summary="Approve",
    operation_id="carbon_project_approve",
)(_decision(projects.project_approve))
router.post(
    "/carbon/projects/{project_id}/reject",
    response=ProjectOut,
    summary="Reject",
    operation_id="carbon_project_reject",
)(_decision(projects.project_reject))
router.post(
    "/carbon/projects/{project_id}/halt",
    response=ProjectOut,
    summary="Halt",
    operation_id="carbon_project_halt",
)(_decision(projects.project_halt))


@router.post(
    "/carbon/projects/{project_id}/raise_task",
    response={201: ProjectTaskOut},
    summary="Raise a ledger task for a flagged project",
)
def raise_task(request, payload: RaiseTaskIn, project_id: int = Id):
    """A draft ledger task under ``campaign_id`` (default: the latest special inspection) with
    ``deadline`` (default: 90 days from today)."""
    p = _project(request, project_id)
    if payload.campaign_id is not None:
        campaign = Campaign.objects.filter(pk=payload.campaign_id).first()
    else:
        campaign = projects.default_campaign()
    if campaign is None:
        raise Http404
    task = projects.project_raise_task(
        actor=request.user,
        project=p,
        expected_version=payload.version,
        campaign=campaign,
        deadline=payload.deadline or projects.default_deadline(),
    )
    p.refresh_from_db()
    return NinjaStatus(201, {"task_id": task.pk, "code": task.code, "project": _out(p)})
