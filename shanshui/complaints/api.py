"""Cases in /api/v1/: lists, one case, and one endpoint per action (as the ledger does).

The reporter's contact is returned only to roles that handle the case (``contact`` is null for
everyone else). Public data is under /api/v1/public/complaints and at /open311/v2/.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from ninja import Field, File, Form, Path, Query, Router, Schema, UploadedFile
from ninja import Status as NinjaStatus
from ninja.pagination import paginate

from shanshui.complaints import importer, public, rules, selectors, services
from shanshui.complaints.models import (
    Category,
    Channel,
    Complaint,
    Finding,
    LinkKind,
    Photo,
    RejectReason,
    Status,
    TransferBatch,
)
from shanshui.complaints.textmask import mask_personal_data
from shanshui.ledger.models import Campaign
from shanshui.orgs.models import Unit
from shanshui.orgs.pagination import Pagination
from shanshui.orgs.scope import scope_for

router = Router(tags=["complaints"])
public_router = Router(tags=["public"])

Id = Path(..., ge=1, le=2**31 - 1)


# --- schemas ---------------------------------------------------------------------------------


class CaseUnitRef(Schema):
    id: int
    name: str
    role: str


class ContactOut(Schema):
    name: str
    phone: str
    email: str
    device_id: str
    account_id: str
    wants_reply: bool


class ComplaintOut(Schema):
    id: int
    code: str
    receipt_no: str
    channel: str
    batch_id: int | None
    is_key: bool
    summary: str
    district_id: int | None
    address: str
    lat: float | None
    lon: float | None
    enterprise: str
    categories: list[str]
    status: str
    finding: str
    deadline: dt.date | None
    received_at: dt.datetime
    closed_at: dt.datetime | None
    published_at: dt.datetime | None
    task_id: int | None
    version: int

    @staticmethod
    def resolve_categories(obj):
        if isinstance(obj, dict):  # the detail view builds a dict that already has them
            return obj["categories"]
        return [row.category for row in obj.category_rows.all()]


class ComplaintDetailOut(ComplaintOut):
    description: str
    units: list[CaseUnitRef]
    investigation: str
    handling: str
    accountability: str
    ordered_rectify: bool
    cases_filed: int
    fine_yuan: Decimal
    police_referrals: int
    detentions: int
    interviews: int
    people_held_accountable: int
    needs_review: bool
    reviewed_at: dt.datetime | None
    closure: str
    follow_up_due: dt.date | None
    reject_reason: str
    status_note: str
    description_hidden: bool
    photos: list[int]
    allowed_actions: list[str]
    contact: ContactOut | None


class CaseEventOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    actor: str | None
    unit_id: int | None
    from_status: str
    to_status: str
    comment: str
    data: dict


class CaseStateOut(Schema):
    id: int
    code: str
    status: str
    version: int


class CaseVersionIn(Schema):
    version: int | None = Field(None, ge=1, description="The version you saw (409 when stale)")


class CommentIn(CaseVersionIn):
    comment: str = Field("", max_length=2000)


class TransferIn(CommentIn):
    unit_ids: list[int] = Field(..., min_length=1, max_length=50)
    deadline: dt.date | None = None


class RejectIn(CommentIn):
    reason: RejectReason


class TransferDownIn(CommentIn):
    town_id: int = Field(..., ge=1, le=2**31 - 1)


class CaseReasonIn(CaseVersionIn):
    reason: str = Field(..., min_length=1, max_length=2000)


class HandleIn(CaseVersionIn):
    finding: Finding
    investigation: str = Field(..., min_length=1, max_length=4000)
    handling: str = Field("", max_length=4000)
    accountability: str = Field("", max_length=4000)
    ordered_rectify: bool = False
    cases_filed: int = Field(0, ge=0, le=100000)
    fine_yuan: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    police_referrals: int = Field(0, ge=0, le=100000)
    detentions: int = Field(0, ge=0, le=100000)
    interviews: int = Field(0, ge=0, le=100000)
    people_held_accountable: int = Field(0, ge=0, le=100000)


class ReviewIn(CommentIn):
    approve: bool


class CloseIn(CommentIn):
    stage: bool = False
    follow_up_due: dt.date | None = None
    # The reply (答复) to a reporter who asked for one: required then, unless written before.
    reply: str = Field("", max_length=4000)


class LinkIn(Schema):
    earlier_id: int = Field(..., ge=1, le=2**31 - 1)
    kind: LinkKind = LinkKind.REPEAT


class PromoteIn(CaseVersionIn):
    campaign_id: int = Field(..., ge=1, le=2**31 - 1)
    code: str = Field(..., min_length=1, max_length=40)
    title: str = Field("", max_length=200)
    deadline: dt.date | None = None
    measures: list[str] = Field(default_factory=list, max_length=50)


class ModerateIn(Schema):
    hidden: bool
    reason: str = Field("", max_length=500)


class ApproveIn(Schema):
    text: str | None = Field(
        None, max_length=4000, description="The text to publish, when edited (先审后发)"
    )


class RegisterIn(Schema):
    channel: Channel = Field(..., description="hotline or letter (the office registers these)")
    description: str = Field(..., min_length=1, max_length=services.MAX_DESCRIPTION)
    categories: list[Category] = Field(..., min_length=1)
    district_id: int | None = Field(None, ge=1, le=2**31 - 1)
    address: str = Field("", max_length=300)
    lat: float | None = None
    lon: float | None = None
    enterprise: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=60)
    contact_phone: str = Field("", max_length=30)
    contact_email: str = Field("", max_length=254)


class BatchOut(Schema):
    id: int
    campaign_id: int
    number: int
    date: dt.date
    is_key: bool
    note: str


class BatchIn(Schema):
    campaign_id: int = Field(..., ge=1, le=2**31 - 1)
    number: int = Field(..., ge=1, le=100000)
    date: dt.date
    is_key: bool = False
    note: str = Field("", max_length=200)


class ImportErrorOut(Schema):
    row: int
    column: str
    message: str


class CaseImportOut(Schema):
    ok: bool
    dry_run: bool
    total_rows: int
    created: list[str]
    unchanged: list[str]
    errors: list[ImportErrorOut]


# --- helpers ---------------------------------------------------------------------------------


def _case(request, complaint_id: int) -> Complaint:
    c = (
        selectors.visible_complaints(request.user)
        .select_related("district", "task", "batch__campaign")
        .prefetch_related("category_rows", "units__unit")
        .filter(pk=complaint_id)
        .first()
    )
    if c is None:
        raise Http404
    return c


def _ok(c: Complaint) -> dict:
    c.refresh_from_db()
    return {"id": c.pk, "code": c.code, "status": c.status, "version": c.version}


def _detail(request, c: Complaint) -> dict:
    out = ComplaintOut.from_orm(c).dict()
    contact = None
    description, address = c.description, c.address
    if rules.sees_contact(request.user, c):
        contact = getattr(c, "contact", None)
    else:  # reporters write their numbers into the text too
        description, address = mask_personal_data(description), mask_personal_data(address)
    out.update(
        description=description,
        address=address,
        units=[{"id": cu.unit_id, "name": cu.unit.name, "role": cu.role} for cu in c.units.all()],
        investigation=c.investigation,
        handling=c.handling,
        accountability=c.accountability,
        ordered_rectify=c.ordered_rectify,
        cases_filed=c.cases_filed,
        fine_yuan=c.fine_yuan,
        police_referrals=c.police_referrals,
        detentions=c.detentions,
        interviews=c.interviews,
        people_held_accountable=c.people_held_accountable,
        needs_review=c.needs_review,
        reviewed_at=c.reviewed_at,
        closure=c.closure,
        follow_up_due=c.follow_up_due,
        reject_reason=c.reject_reason,
        status_note=c.status_note,
        description_hidden=c.description_hidden,
        photos=list(c.photos.values_list("pk", flat=True)),
        allowed_actions=rules.allowed_actions(request.user, c),
        contact=contact,
    )
    return out


# --- reads -----------------------------------------------------------------------------------


@router.get("/complaints", response=list[ComplaintOut], summary="Cases, filtered and scoped")
@paginate(Pagination)
def list_complaints(
    request,
    batch: int | None = Query(None, ge=1, le=2**31 - 1),
    district: int | None = Query(None, ge=1, le=2**31 - 1),
    category: Category | None = None,
    status: Status | None = None,
    finding: Finding | None = None,
    channel: Channel | None = None,
    key: bool | None = None,
    overdue: bool = False,
    q: str = Query("", max_length=100),
    sort: str = Query("received", pattern="^(received|deadline|updated)$"),
):
    data = {
        "batch": batch,
        "district": district,
        "category": category,
        "status": status,
        "finding": finding,
        "channel": channel,
        "key": None if key is None else ("1" if key else "0"),
        "overdue": "1" if overdue else "",
        "q": q,
        "sort": sort,
    }
    return selectors.cases(request.user, data=data).prefetch_related("category_rows")


@router.get("/complaints/{complaint_id}", response=ComplaintDetailOut, summary="One case")
def get_complaint(request, complaint_id: int = Id):
    return _detail(request, _case(request, complaint_id))


@router.get(
    "/complaints/{complaint_id}/events", response=list[CaseEventOut], summary="The case's timeline"
)
@paginate(Pagination)
def complaint_events(request, complaint_id: int = Id):
    c = _case(request, complaint_id)
    return [
        {
            "id": e.pk,
            "at": e.at,
            "kind": e.kind,
            "actor": (e.actor.get_full_name() or e.actor.username) if e.actor_id else None,
            "unit_id": e.unit_id,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "comment": e.comment,
            "data": e.data,
        }
        for e in c.events.select_related("actor").order_by("at", "pk")
    ]


@router.get("/complaints/{complaint_id}/repeats", summary="Earlier cases at the same site")
def complaint_repeats(request, complaint_id: int = Id):
    c = _case(request, complaint_id)
    return [
        {"id": other.pk, "code": other.code, "status": other.status, "reason": str(reason)}
        for other, reason in selectors.possible_repeats(c, user=request.user)
    ]


@router.post(
    "/complaints", response={201: ComplaintDetailOut}, summary="Register a call or letter (office)"
)
def register_complaint(request, payload: RegisterIn):
    if payload.channel not in (Channel.HOTLINE, Channel.LETTER):
        raise ValidationError({"channel": "hotline / letter"})
    district = get_object_or_404(Unit, pk=payload.district_id) if payload.district_id else None
    c = services.complaint_submit(
        actor=request.user,
        report=services.Report(
            channel=payload.channel,
            description=payload.description,
            categories=[c.value for c in payload.categories],
            district=district,
            address=payload.address,
            lat=payload.lat,
            lon=payload.lon,
            enterprise=payload.enterprise,
            contact=services.Contact(
                name=payload.contact_name, phone=payload.contact_phone, email=payload.contact_email
            ),
        ),
    )
    return NinjaStatus(201, _detail(request, _case(request, c.pk)))


# --- actions ---------------------------------------------------------------------------------


@router.post(
    "/complaints/{complaint_id}/transfer", response=CaseStateOut, summary="Transfer (转办)"
)
def transfer(request, payload: TransferIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    units = list(Unit.objects.filter(pk__in=payload.unit_ids))
    if len(units) != len(set(payload.unit_ids)):
        raise Http404
    services.complaint_transfer(
        actor=request.user,
        complaint=c,
        expected_version=payload.version,
        units=units,
        comment=payload.comment,
        deadline=payload.deadline,
    )
    return _ok(c)


@router.post("/complaints/{complaint_id}/reject", response=CaseStateOut, summary="Do not accept")
def reject(request, payload: RejectIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.complaint_reject(
        actor=request.user,
        complaint=c,
        expected_version=payload.version,
        reason=payload.reason,
        comment=payload.comment,
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/start", response=CaseStateOut, summary="Start investigating"
)
def start(request, payload: CommentIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.complaint_start(
        actor=request.user, complaint=c, expected_version=payload.version, comment=payload.comment
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/transfer-down", response=CaseStateOut, summary="Transfer to a town"
)
def transfer_down(request, payload: TransferDownIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    town = get_object_or_404(Unit, pk=payload.town_id)
    services.complaint_transfer_down(
        actor=request.user,
        complaint=c,
        expected_version=payload.version,
        town=town,
        comment=payload.comment,
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/send-back", response=CaseStateOut, summary="Send back to the office"
)
def send_back(request, payload: CaseReasonIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.complaint_send_back(
        actor=request.user, complaint=c, expected_version=payload.version, reason=payload.reason
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/handle", response=CaseStateOut, summary="Record the result"
)
def handle(request, payload: HandleIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    values = payload.dict(exclude={"version"})
    services.complaint_handle(
        actor=request.user,
        complaint=c,
        expected_version=payload.version,
        result=services.Handling(**values),
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/review", response=CaseStateOut, summary="Second review (复核)"
)
def review(request, payload: ReviewIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.complaint_review(
        actor=request.user,
        complaint=c,
        expected_version=payload.version,
        approve=payload.approve,
        comment=payload.comment,
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/close", response=CaseStateOut, summary="Close or stage-close"
)
def close(request, payload: CloseIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.complaint_close(
        actor=request.user,
        complaint=c,
        expected_version=payload.version,
        stage=payload.stage,
        follow_up_due=payload.follow_up_due,
        comment=payload.comment,
        reply=payload.reply,
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/complete-follow-up",
    response=CaseStateOut,
    summary="Finish the follow-up",
)
def complete_follow_up(request, payload: CaseReasonIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.complaint_complete_follow_up(
        actor=request.user, complaint=c, expected_version=payload.version, comment=payload.reason
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/publish", response=CaseStateOut, summary="Publish the result"
)
def publish(request, payload: CaseVersionIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.complaint_publish(actor=request.user, complaint=c, expected_version=payload.version)
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/links", response=CaseStateOut, summary="Link an earlier case"
)
def link(request, payload: LinkIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    earlier = _case(request, payload.earlier_id)
    services.complaint_link(actor=request.user, complaint=c, earlier=earlier, kind=payload.kind)
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/promote",
    response={201: dict},
    summary="Put the case on the rectification ledger (office)",
)
def promote(request, payload: PromoteIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    campaign = get_object_or_404(Campaign, pk=payload.campaign_id)
    task = services.complaint_promote(
        actor=request.user,
        complaint=c,
        expected_version=payload.version,
        campaign=campaign,
        code=payload.code,
        title=payload.title,
        deadline=payload.deadline,
        measures=payload.measures,
    )
    return NinjaStatus(201, {"task_id": task.pk, "task_code": task.code, "complaint": _ok(c)})


@router.post(
    "/complaints/{complaint_id}/reopen-task",
    response=dict,
    summary="Reopen the signed-off ledger task this case repeats (office)",
)
def reopen_task(request, payload: CaseReasonIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    task = services.complaint_reopen_task(
        actor=request.user, complaint=c, expected_version=payload.version, reason=payload.reason
    )
    return {"task_id": task.pk, "task_status": task.status, "complaint": _ok(c)}


@router.post(
    "/complaints/{complaint_id}/moderate-text",
    response=CaseStateOut,
    summary="Hide or show the text",
)
def moderate_text(request, payload: ModerateIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.moderate_text(
        actor=request.user, complaint=c, hidden=payload.hidden, reason=payload.reason
    )
    return _ok(c)


@router.post(
    "/complaint-photos/{photo_id}/moderate", response=CaseStateOut, summary="Hide or show a photo"
)
def moderate_photo(request, payload: ModerateIn, photo_id: int = Id):
    photo = get_object_or_404(Photo, pk=photo_id)
    c = _case(request, photo.complaint_id)
    services.moderate_photo(
        actor=request.user, photo=photo, hidden=payload.hidden, reason=payload.reason
    )
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/moderation-checked",
    response=CaseStateOut,
    summary="Approve the report for publication (先审后发)",
)
def moderation_checked(request, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.moderate_approve(actor=request.user, complaint=c)
    return _ok(c)


@router.post(
    "/complaints/{complaint_id}/approve-publication",
    response=CaseStateOut,
    summary="Approve the report for publication (先审后发), its text edited if needed",
)
def approve_publication(request, payload: ApproveIn, complaint_id: int = Id):
    c = _case(request, complaint_id)
    services.moderate_approve(actor=request.user, complaint=c, text=payload.text)
    return _ok(c)


# --- batches ---------------------------------------------------------------------------------


@router.get("/complaint-batches", response=list[BatchOut], summary="Transfer batches")
@paginate(Pagination)
def list_batches(request, campaign: int | None = Query(None, ge=1, le=2**31 - 1)):
    qs = TransferBatch.objects.order_by("campaign_id", "number")
    return qs.filter(campaign_id=campaign) if campaign else qs


@router.post(
    "/complaint-batches", response={201: BatchOut}, summary="Register a transfer batch (office)"
)
def create_batch(request, payload: BatchIn):
    campaign = get_object_or_404(Campaign, pk=payload.campaign_id)
    batch = services.batch_create(
        actor=request.user,
        campaign=campaign,
        number=payload.number,
        date=payload.date,
        is_key=payload.is_key,
        note=payload.note,
    )
    return NinjaStatus(201, batch)


@router.post(
    "/complaint-batches/{batch_id}/import",
    response={200: CaseImportOut, 400: CaseImportOut},
    summary="Import a transfer list (.xlsx), all or nothing (office)",
)
def import_batch(
    request,
    batch_id: int = Id,
    file: UploadedFile = File(...),
    dry_run: bool = Form(False),
):
    if not scope_for(request.user).sees_all:
        raise PermissionDenied
    batch = get_object_or_404(TransferBatch, pk=batch_id)
    result = importer.import_batch(actor=request.user, batch=batch, fileobj=file, dry_run=dry_run)
    body = {
        "ok": result.ok,
        "dry_run": result.dry_run,
        "total_rows": result.total_rows,
        "created": result.created,
        "unchanged": result.unchanged,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in result.errors],
    }
    return NinjaStatus(200 if result.ok else 400, body)


# --- public ----------------------------------------------------------------------------------


class PublicCaseOut(Schema):
    code: str
    description: str
    district: str
    address: str
    lat: float | None
    lon: float | None
    categories: list[str]
    status: str
    open311_status: str
    status_note: str
    handling_units: str
    received_at: dt.datetime
    deadline: dt.date | None
    finding: str | None
    investigation: str | None
    handling: str | None
    accountability: str | None
    photos: list[str]


def _public_case(request, c: Complaint) -> dict:
    published = public.result_published(c)
    photos = []
    for photo in public.photos(c):
        try:
            photos.append(
                request.build_absolute_uri(reverse("complaints_public:photo", args=[photo.pk]))
            )
        except NoReverseMatch:
            break
    return {
        "code": c.code,
        "description": public.text(c),
        "district": c.district.name if c.district_id else "",
        "address": public.address(c),
        "lat": c.lat,
        "lon": c.lon,
        "categories": public.categories(c),
        "status": c.status,
        "open311_status": public.open311_status(c),
        "status_note": public.status_notes(c),
        "handling_units": public.agency(c),
        "received_at": c.received_at,
        "deadline": c.deadline,
        "finding": c.finding if published else None,
        "investigation": public.result_text(c.investigation) if published else None,
        "handling": public.result_text(c.handling) if published else None,
        "accountability": public.result_text(c.accountability) if published else None,
        "photos": photos,
    }


@public_router.get(
    "/complaints", response=list[PublicCaseOut], auth=None, summary="Public cases (no login)"
)
@paginate(Pagination)
def public_list(
    request,
    district: int | None = Query(None, ge=1, le=2**31 - 1),
    category: Category | None = None,
    published: bool = False,
):
    qs = public.public_complaints().order_by("-received_at", "-pk")
    if district:
        qs = qs.filter(district_id=district)
    if category:
        qs = qs.filter(category_rows__category=category)
    if published:
        qs = qs.filter(status=Status.PUBLISHED)
    page = public.with_public_relations(qs)
    return _PublicPage(request, page)


class _PublicPage:
    """Lets the paginator slice the queryset, then renders only the page's rows."""

    def __init__(self, request, qs) -> None:
        self.request = request
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        rows = self.qs[item]
        return [_public_case(self.request, c) for c in rows]


@public_router.get(
    "/complaints/{code}", response=PublicCaseOut, auth=None, summary="One public case"
)
def public_case(request, code: str = Path(..., max_length=24)):
    c = public.with_public_relations(public.public_complaints()).filter(code=code).first()
    if c is None:
        raise Http404
    return _public_case(request, c)
