"""The ledger in /api/v1/: lists and one endpoint per action (never a generic status PATCH)."""

import datetime as dt
import json

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema, UploadedFile
from ninja import Status as NinjaStatus
from ninja.errors import HttpError
from ninja.pagination import paginate

from shanshui.ledger import rules, selectors, services
from shanshui.ledger.models import (
    AccountabilityMeasure,
    Campaign,
    CampaignKind,
    Category,
    ChecklistItem,
    Evidence,
    ExtensionRequest,
    Notification,
    Objection,
    ReportCycle,
    Status,
    Task,
    UnitRole,
    UrgeNotice,
    WarningLevel,
)
from shanshui.ledger.selectors import visible_tasks
from shanshui.ledger.services import UnitAssignment
from shanshui.lib.downloads import private_file
from shanshui.lib.request import client_ip
from shanshui.orgs.models import Unit
from shanshui.orgs.names import Collective, read_units
from shanshui.orgs.pagination import Pagination
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import UnitLookupError, collective_units, resolve_unit

router = Router(tags=["ledger"])
public_router = Router(tags=["public"])

Id = Path(..., ge=1, le=2**31 - 1)


# --- schemas ---------------------------------------------------------------------------------


class CampaignOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    team: str
    stay_start: dt.date | None
    stay_end: dt.date | None
    feedback_date: dt.date | None
    plan_due: dt.date | None
    report_cycle: str
    notice_days: int
    is_demo: bool


class CampaignIn(Schema):
    code: str = Field(..., pattern=r"^[-a-zA-Z0-9_]{1,40}$")
    name: str = Field(..., min_length=1, max_length=200)
    kind: CampaignKind
    team: str = Field("", max_length=120)
    stay_start: dt.date | None = None
    stay_end: dt.date | None = None
    feedback_date: dt.date | None = None
    report_cycle: ReportCycle = ReportCycle.MONTHLY
    notice_days: int = Field(15, ge=1, le=60)


class TaskUnitOut(Schema):
    unit_id: int
    unit: str = Field(..., alias="unit.display_name")
    role: str
    leader_name: str
    leader_post: str


class MeasureOut(Schema):
    number: int
    text: str
    status: str


class TaskOut(Schema):
    id: int
    campaign_id: int
    parent_id: int | None
    code: str
    title: str
    status: str
    warning: str
    warning_reason: str
    deadline_kind: str
    deadline: dt.date | None
    original_deadline: dt.date | None
    progress: int
    is_public: bool
    version: int
    site_address: str
    site_lat: float | None
    site_lon: float | None
    units: list[TaskUnitOut] = Field(..., alias="task_units")

    @staticmethod
    def resolve_units(obj: Task):
        return list(obj.task_units.all())


class TaskDetailOut(TaskOut):
    problem: str
    target: str
    measures: list[MeasureOut]
    categories: list[str]
    allowed_actions: list[str]
    shares: list[int]

    @staticmethod
    def resolve_measures(obj: Task):
        return list(obj.measures.all())

    @staticmethod
    def resolve_categories(obj: Task):
        return [c.category for c in obj.category_rows.all()]

    @staticmethod
    def resolve_allowed_actions(obj: Task, context):
        return rules.allowed_actions(context["request"].user, obj)

    @staticmethod
    def resolve_shares(obj: Task):
        return list(obj.shares.values_list("pk", flat=True))


class TaskEventOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    actor: str | None
    unit_id: int | None
    from_status: str
    to_status: str
    comment: str
    data: dict

    @staticmethod
    def resolve_actor(obj):
        return obj.actor.username if obj.actor_id else None


class UnitIn(Schema):
    unit_id: int | None = Field(None, ge=1, le=2**31 - 1, description="The unit, or `unit`.")
    unit: str = Field(
        "",
        max_length=200,
        description="The unit by name as plans write it (万州, 市生态环境局), or a class of units: "
        "各区县政府 or 两江新区、重庆高新区、万盛经开区管委会 give one share per district, county "
        "or zone (creating a task only); a class that does not say which units (有关区县, "
        "市级有关部门) is refused with 422: name the units.",
    )
    role: UnitRole
    leader_name: str = Field("", max_length=60)
    leader_post: str = Field("", max_length=60)


class TaskIn(Schema):
    campaign_id: int = Field(..., ge=1)
    code: str = Field(..., min_length=1, max_length=40)
    title: str = Field(..., min_length=1, max_length=200)
    problem: str = Field(..., min_length=1)
    target: str = ""
    measures: list[str] = []
    categories: list[Category] = []
    deadline_kind: str = Field("dated", pattern="^(immediate|dated|ongoing)$")
    deadline: dt.date | None = None
    is_public: bool = True
    units: list[UnitIn] = []
    site_address: str = Field("", max_length=200, description="The rectification site (整改点位).")
    site_lat: float | None = Field(None, description="Site latitude, WGS84 (with site_lon).")
    site_lon: float | None = Field(None, description="Site longitude, WGS84 (with site_lat).")


class TaskVersionIn(Schema):
    version: int | None = Field(None, description="The version you saw; a stale one gets 409.")
    comment: str = ""


class TaskReasonIn(Schema):
    version: int | None = None
    reason: str = Field(..., min_length=1)


class EditIn(Schema):
    version: int | None = None
    title: str | None = Field(None, min_length=1, max_length=200)
    problem: str | None = Field(None, min_length=1)
    target: str | None = None
    is_public: bool | None = None
    deadline: dt.date | None = Field(
        None, description="Drafts only; after assignment the deadline moves by extension."
    )
    site_address: str | None = Field(None, max_length=200)
    site_lat: float | None = Field(None, description="WGS84; null with site_lon clears the point.")
    site_lon: float | None = None


class SplitIn(Schema):
    version: int | None = None
    unit_ids: list[int] = Field(..., min_length=1)


class RecheckIn(Schema):
    version: int | None = None
    passed: bool | None = Field(None, description="Required: true passes, false returns the task.")
    opinion: str = Field("", description="Required: the lead unit's recheck opinion.")


class AcceptIn(Schema):
    version: int | None = None
    accepted_by_name: str = Field("", description="Required: who answers for the acceptance.")
    opinion: str = Field("", description="Required: the acceptance opinion.")


class ReopenIn(Schema):
    version: int | None = None
    trigger: str = Field(..., pattern="^(relapse|follow_up|repeat_complaint)$")
    reason: str = Field(..., min_length=1)


class UrgeIn(Schema):
    version: int | None = None
    to_unit_id: int = Field(..., ge=1)
    text: str = Field(..., min_length=1)
    response_due: dt.date


class UrgeOut(Schema):
    id: int
    number: str
    to_unit_id: int
    text: str
    response_due: dt.date
    response: str
    responded_at: dt.datetime | None


class AnswerIn(Schema):
    response: str = Field(..., min_length=1)


class ExtensionIn(Schema):
    version: int | None = None
    requested_deadline: dt.date
    reason: str = Field(..., min_length=1)


class ExtensionOut(Schema):
    id: int
    status: str
    current_deadline: dt.date
    requested_deadline: dt.date
    reason: str
    decision_comment: str


class DecisionIn(Schema):
    approve: bool
    comment: str = ""


class ObjectionIn(Schema):
    text: str = Field(..., min_length=1, max_length=5000)
    name: str = Field("", max_length=60)
    contact: str = Field("", max_length=120)


class ObjectionHandleIn(Schema):
    upheld: bool
    result: str = Field(..., min_length=1)


class AccountabilityIn(Schema):
    person_name: str = Field(..., min_length=1, max_length=60)
    post: str = Field(..., min_length=1, max_length=80)
    unit_id: int = Field(..., ge=1)
    measure: AccountabilityMeasure
    reason: str = Field(..., min_length=1)
    decided_on: dt.date


class EvidenceOut(Schema):
    id: int
    original_name: str
    content_type: str
    size: int
    sha256: str
    report_id: int | None
    checklist_item: str
    uploaded_at: dt.datetime
    taken_at: dt.datetime | None = Field(None, description="Capture time from the photo's EXIF.")
    taken_lat: float | None = None
    taken_lon: float | None = None


class ReportOut(Schema):
    id: int
    percent: int
    text: str
    measure_status: dict
    submitted_at: dt.datetime
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.all())


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    task_id: int | None
    url: str  # the case's page when the notice is about a case rather than a task
    created_at: dt.datetime
    read_at: dt.datetime | None


class TaskStateOut(Schema):
    id: int
    status: str
    version: int
    warning: str


# --- helpers ---------------------------------------------------------------------------------


def _task(request, task_id: int) -> Task:
    task = selectors.with_units(visible_tasks(request.user)).filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def _ok(task: Task) -> dict:
    task.refresh_from_db()
    return {"id": task.pk, "status": task.status, "version": task.version, "warning": task.warning}


def _unit(unit_id: int) -> Unit:
    return get_object_or_404(Unit, pk=unit_id)


def _assignments(items: list[UnitIn]) -> tuple[list[UnitAssignment], list[Unit]]:
    """The units given by id or by name, and the districts that get a share each from a class
    of units ("各区县政府"), resolved as the plan import resolves them. A name no unit has, or
    a class that does not say which units it holds, is refused (422) with the reason."""
    units: list[UnitAssignment] = []
    shares: list[Unit] = []
    for item in items:
        if item.unit_id is not None:
            named = [_unit(item.unit_id)]
        else:
            named = []  # the units named one by one: they take the item's leader
            names = read_units(item.unit)
            if not names:
                raise HttpError(422, _("Give each unit by its id (unit_id) or its name (unit)."))
            for name in names:
                try:
                    if isinstance(name, Collective):
                        if item.leader_name:
                            raise HttpError(
                                422, _("A leader belongs to one unit: give it with that unit.")
                            )
                        direct, shared = services.class_units(item.role, collective_units(name))
                        units += direct
                        shares += [u for u in shared if u not in shares]
                    else:
                        named.append(resolve_unit(name, on=timezone.localdate()))
                except UnitLookupError as exc:
                    raise HttpError(422, exc.message) from exc
        units += services.role_assignments(
            [(item.role, named)], lambda unit, role, item=item: (item.leader_name, item.leader_post)
        )
    return services.without_shared(units, shares), shares


# --- reads -----------------------------------------------------------------------------------


@router.get("/campaigns", response=list[CampaignOut], summary="Campaigns")
@paginate(Pagination)
def list_campaigns(request):
    qs = Campaign.objects.order_by("-feedback_date", "-pk")
    if scope_for(request.user).sees_all:
        return qs
    return qs.filter(pk__in=visible_tasks(request.user).values("campaign_id"))


@router.post("/campaigns", response={201: CampaignOut}, summary="Create a campaign (office)")
def create_campaign(request, payload: CampaignIn):
    return NinjaStatus(201, services.campaign_create(actor=request.user, **payload.dict()))


@router.get("/tasks", response=list[TaskOut], summary="The ledger, filtered and scoped")
@paginate(Pagination)
def list_tasks(
    request,
    campaign: int | None = Query(None, ge=1, le=2**31 - 1),
    category: Category | None = None,
    unit: int | None = Query(None, ge=1, le=2**31 - 1),
    role: UnitRole | None = None,
    status: Status | None = None,
    warning: WarningLevel | None = None,
    deadline_from: dt.date | None = None,
    deadline_to: dt.date | None = None,
    q: str = Query("", max_length=100),
    sort: str = Query("code", pattern="^(code|deadline|-deadline|-updated|warning|progress)$"),
):
    data = {
        "campaign": campaign,
        "category": category,
        "unit": unit,
        "role": role,
        "status": status,
        "warning": warning,
        "deadline_from": deadline_from,
        "deadline_to": deadline_to,
        "q": q,
        "sort": sort,
    }
    return selectors.with_units(selectors.ledger(request.user, data=data))


@router.post("/tasks", response={201: TaskDetailOut}, summary="Put a task on the ledger (draft)")
def create_task(request, payload: TaskIn):
    campaign = get_object_or_404(Campaign, pk=payload.campaign_id)
    services.check_deadline_ahead(payload.deadline)  # a new task's deadline is not in the past
    units, shares = _assignments(payload.units)
    task = services.task_create_split(
        actor=request.user,
        campaign=campaign,
        shares=shares,
        code=payload.code,
        title=payload.title,
        problem=payload.problem,
        target=payload.target,
        measures=payload.measures,
        categories=[c.value for c in payload.categories],
        deadline_kind=payload.deadline_kind,
        deadline=payload.deadline,
        is_public=payload.is_public,
        units=units,
        site_address=payload.site_address,
        site_lat=payload.site_lat,
        site_lon=payload.site_lon,
    )
    return NinjaStatus(201, _task(request, task.pk))


@router.get("/tasks/{task_id}", response=TaskDetailOut, summary="One task")
def get_task(request, task_id: int = Id):
    return _task(request, task_id)


@router.get("/tasks/{task_id}/events", response=list[TaskEventOut], summary="The task's timeline")
@paginate(Pagination)
def task_events(request, task_id: int = Id):
    return selectors.events_for(request.user, _task(request, task_id)).order_by("at", "pk")


@router.get("/tasks/{task_id}/reports", response=list[ReportOut], summary="Progress reports")
def task_reports(request, task_id: int = Id):
    return list(_task(request, task_id).reports.prefetch_related("evidence"))


@router.get("/evidence/{evidence_id}", summary="Download an evidence file (scope-checked)")
def download_evidence(request, evidence_id: int = Id):
    evidence = get_object_or_404(Evidence, pk=evidence_id)
    _task(request, evidence.task_id)  # the whole chain must be in scope
    if evidence.withdrawn_at and not scope_for(request.user).sees_all:
        raise Http404
    if evidence.report_id and evidence.report.task_id != evidence.task_id:
        raise Http404
    return private_file(
        evidence.file,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


class EvidenceWithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


@router.post(
    "/evidence/{evidence_id}/withdraw",
    response=EvidenceOut,
    summary="Withdraw a file (kept on record, no longer served to units)",
)
def withdraw_evidence(request, payload: EvidenceWithdrawIn, evidence_id: int = Id):
    evidence = get_object_or_404(Evidence, pk=evidence_id)
    _task(request, evidence.task_id)
    return services.evidence_withdraw(actor=request.user, evidence=evidence, reason=payload.reason)


@router.get("/notifications", response=list[NotificationOut], summary="My notifications")
@paginate(Pagination)
def my_notifications(request, unread: bool = False):
    qs = Notification.objects.filter(user=request.user)
    return qs.filter(read_at__isnull=True) if unread else qs


# --- actions ---------------------------------------------------------------------------------


@router.post(
    "/tasks/{task_id}/edit", response=TaskStateOut, summary="Edit the task's text (office)"
)
def edit(request, payload: EditIn, task_id: int = Id):
    task = _task(request, task_id)
    changes = payload.dict(exclude_unset=True, exclude={"version"})
    services.task_edit(actor=request.user, task=task, expected_version=payload.version, **changes)
    return _ok(task)


class UnitsIn(Schema):
    version: int | None = None
    units: list[UnitIn] = Field(..., min_length=1)


class MeasuresIn(Schema):
    version: int | None = None
    measures: list[str] = Field(..., min_length=1)


@router.post(
    "/tasks/{task_id}/units",
    response=TaskStateOut,
    summary="Set the task's units and roles (office; the event keeps before and after)",
)
def set_units(request, payload: UnitsIn, task_id: int = Id):
    task = _task(request, task_id)
    units, shares = _assignments(payload.units)
    if shares:
        raise HttpError(
            422, _("A class of districts makes shares: split the task (/split) instead.")
        )
    services.task_set_units(
        actor=request.user, task=task, expected_version=payload.version, units=units
    )
    return _ok(task)


@router.post(
    "/tasks/{task_id}/measures",
    response=TaskStateOut,
    summary="Reword or add measures (office; never removed)",
)
def set_measures(request, payload: MeasuresIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_set_measures(
        actor=request.user, task=task, expected_version=payload.version, measures=payload.measures
    )
    return _ok(task)


@router.post("/tasks/{task_id}/split", response=TaskStateOut, summary="Split into district shares")
def split(request, payload: SplitIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_split(
        actor=request.user,
        task=task,
        expected_version=payload.version,
        units=[_unit(i) for i in payload.unit_ids],
    )
    return _ok(task)


@router.post("/tasks/{task_id}/assign", response=TaskStateOut, summary="Assign (交办)")
def assign(request, payload: TaskVersionIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_assign(
        actor=request.user, task=task, expected_version=payload.version, comment=payload.comment
    )
    return _ok(task)


@router.post("/tasks/{task_id}/accept-assignment", response=TaskStateOut, summary="Accept (签收)")
def accept_assignment(request, payload: TaskVersionIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_accept_assignment(
        actor=request.user, task=task, expected_version=payload.version, comment=payload.comment
    )
    return _ok(task)


@router.post("/tasks/{task_id}/reports", response={201: ReportOut}, summary="Report progress")
def report(
    request,
    task_id: int = Id,
    text: str = Form(..., min_length=1),
    percent: int = Form(..., ge=0, le=100),
    version: int | None = Form(None),
    measure_status: str = Form("", description='JSON object, e.g. {"1": "done"}'),
    files: list[UploadedFile] = File(None),
):
    task = _task(request, task_id)
    try:
        statuses = json.loads(measure_status) if measure_status else {}
        if not isinstance(statuses, dict):
            raise ValueError
    except (ValueError, RecursionError) as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError({"measure_status": "JSON object expected"}) from exc
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in statuses.items()):
        from django.core.exceptions import ValidationError

        raise ValidationError({"measure_status": 'Map measure numbers to statuses: {"1": "done"}'})
    created = services.task_report(
        actor=request.user,
        task=task,
        expected_version=version,
        text=text,
        percent=percent,
        measure_status=statuses,
        files=files or [],
    )
    return NinjaStatus(201, created)


@router.post(
    "/tasks/{task_id}/evidence", response={201: list[EvidenceOut]}, summary="Add evidence files"
)
def add_evidence(
    request, task_id: int = Id, files: list[UploadedFile] = File(...), comment: str = Form("")
):
    task = _task(request, task_id)
    return NinjaStatus(
        201, services.evidence_add(actor=request.user, task=task, files=files, comment=comment)
    )


@router.post("/tasks/{task_id}/urges", response={201: UrgeOut}, summary="Issue an urge notice")
def urge(request, payload: UrgeIn, task_id: int = Id):
    task = _task(request, task_id)
    return NinjaStatus(
        201,
        services.task_urge(
            actor=request.user,
            task=task,
            expected_version=payload.version,
            to_unit=_unit(payload.to_unit_id),
            text=payload.text,
            response_due=payload.response_due,
        ),
    )


@router.post("/urges/{urge_id}/answer", response=UrgeOut, summary="Answer an urge notice")
def answer_urge(request, payload: AnswerIn, urge_id: int = Id):
    notice = get_object_or_404(UrgeNotice, pk=urge_id)
    _task(request, notice.task_id)
    return services.urge_answer(actor=request.user, urge=notice, response=payload.response)


@router.post(
    "/tasks/{task_id}/extensions", response={201: ExtensionOut}, summary="Request an extension"
)
def request_extension(request, payload: ExtensionIn, task_id: int = Id):
    task = _task(request, task_id)
    return NinjaStatus(
        201,
        services.extension_request(
            actor=request.user,
            task=task,
            expected_version=payload.version,
            requested_deadline=payload.requested_deadline,
            reason=payload.reason,
        ),
    )


@router.post(
    "/extensions/{extension_id}/decide",
    response=ExtensionOut,
    summary="Approve or reject an extension (office)",
)
def decide_extension(request, payload: DecisionIn, extension_id: int = Id):
    ext = get_object_or_404(ExtensionRequest, pk=extension_id)
    _task(request, ext.task_id)
    return services.extension_decide(
        actor=request.user, extension=ext, approve=payload.approve, comment=payload.comment
    )


@router.post(
    "/tasks/{task_id}/apply-acceptance",
    response=TaskStateOut,
    summary="Apply for acceptance with the closing checklist",
)
def apply_acceptance(
    request,
    task_id: int = Id,
    summary: str = Form(..., min_length=1),
    version: int | None = Form(None),
    measures_done: str = Form(""),
    violations_punished: str = Form(""),
    standards_met: str = Form(""),
    lessons_applied: str = Form(""),
    mechanism: str = Form(""),
    files_complete: str = Form(""),
    files_measures_done: list[UploadedFile] = File(None),
    files_violations_punished: list[UploadedFile] = File(None),
    files_standards_met: list[UploadedFile] = File(None),
    files_lessons_applied: list[UploadedFile] = File(None),
    files_mechanism: list[UploadedFile] = File(None),
    files_files_complete: list[UploadedFile] = File(None),
    reuse_reason: str = Form("", description="Why one file backs several items (else refused)."),
):
    task = _task(request, task_id)
    values = locals()
    services.task_apply_acceptance(
        actor=request.user,
        task=task,
        expected_version=version,
        summary=summary,
        checklist={i.value: values[i.value] for i in ChecklistItem},
        files={i.value: values[f"files_{i.value}"] or [] for i in ChecklistItem},
        reuse_reason=reuse_reason,
    )
    return _ok(task)


@router.post("/tasks/{task_id}/recheck", response=TaskStateOut, summary="Recheck (lead unit)")
def recheck(request, payload: RecheckIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_recheck(
        actor=request.user,
        task=task,
        expected_version=payload.version,
        passed=payload.passed,
        opinion=payload.opinion,
    )
    return _ok(task)


@router.post("/tasks/{task_id}/accept", response=TaskStateOut, summary="Accept (验收)")
def accept(request, payload: AcceptIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_accept(
        actor=request.user,
        task=task,
        expected_version=payload.version,
        accepted_by_name=payload.accepted_by_name,
        opinion=payload.opinion,
    )
    return _ok(task)


@router.post(
    "/tasks/{task_id}/start-notice", response=TaskStateOut, summary="Start the public notice"
)
def start_notice(request, payload: TaskVersionIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_start_notice(actor=request.user, task=task, expected_version=payload.version)
    return _ok(task)


@router.post(
    "/objections/{objection_id}/handle", response=TaskStateOut, summary="Handle an objection"
)
def handle_objection(request, payload: ObjectionHandleIn, objection_id: int = Id):
    objection = get_object_or_404(Objection, pk=objection_id)
    task = _task(request, objection.task_id)
    services.objection_handle(
        actor=request.user, objection=objection, upheld=payload.upheld, result=payload.result
    )
    return _ok(task)


@router.post("/tasks/{task_id}/sign-off", response=TaskStateOut, summary="Sign off (销号)")
def sign_off(request, payload: TaskVersionIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_sign_off(
        actor=request.user, task=task, expected_version=payload.version, comment=payload.comment
    )
    return _ok(task)


@router.post(
    "/tasks/{task_id}/return", response=TaskStateOut, summary="Return (退回) with a reason"
)
def return_task(request, payload: TaskReasonIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_return(
        actor=request.user, task=task, expected_version=payload.version, reason=payload.reason
    )
    return _ok(task)


@router.post("/tasks/{task_id}/reopen", response=TaskStateOut, summary="Reopen a signed-off task")
def reopen(request, payload: ReopenIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_reopen(
        actor=request.user,
        task=task,
        expected_version=payload.version,
        trigger=payload.trigger,
        reason=payload.reason,
    )
    return _ok(task)


@router.post(
    "/tasks/{task_id}/accountability", response=TaskStateOut, summary="Record accountability"
)
def accountability(request, payload: AccountabilityIn, task_id: int = Id):
    task = _task(request, task_id)
    data = payload.dict()
    data["unit"] = _unit(data.pop("unit_id"))
    services.accountability_record(actor=request.user, task=task, **data)
    return _ok(task)


@router.post("/tasks/{task_id}/withdraw", response=TaskStateOut, summary="Withdraw (never deleted)")
def withdraw(request, payload: TaskReasonIn, task_id: int = Id):
    task = _task(request, task_id)
    services.task_withdraw(
        actor=request.user, task=task, expected_version=payload.version, reason=payload.reason
    )
    return _ok(task)


# --- public ----------------------------------------------------------------------------------


class PublicTaskOut(Schema):
    id: int
    code: str
    title: str
    problem: str
    target: str
    status: str
    notice_start: dt.date | None
    notice_end: dt.date | None
    units: list[str]

    @staticmethod
    def resolve_units(obj):
        return [
            tu.unit.display_name
            for tu in obj.task_units.all()
            if tu.role in ("lead", "implementing", "responsible")
        ]


@public_router.get(
    "/rectification",
    response=list[PublicTaskOut],
    auth=None,
    summary="Tasks in public notice and signed off (整改公示)",
)
@paginate(Pagination)
def public_list(request):
    return selectors.public_tasks()


@public_router.post(
    "/rectification/{task_id}/objections",
    response={201: dict},
    auth=None,
    summary="Object to a task in public notice (anyone)",
)
def public_objection(request, payload: ObjectionIn, task_id: int = Id):
    task = get_object_or_404(selectors.public_tasks(), pk=task_id)
    objection = services.objection_submit(
        task=task,
        text=payload.text,
        name=payload.name,
        contact=payload.contact,
        ip=client_ip(request),
    )
    # The receipt code (回执码) follows the objection at /public/rectification/objection/.
    return NinjaStatus(
        201, {"id": objection.pk, "received": True, "receipt_code": objection.receipt_code}
    )
