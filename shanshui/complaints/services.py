"""Every action on a case. 信访举报办理

As in the ledger: keyword-only arguments, one transaction, a row lock with an optional version
check (Conflict on a stale page), the permission rule from rules.py, and one ComplaintEvent.
Views, the API, Open311 and the importer all call these; nothing else changes a case's state.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.complaints import notify, rules, stats
from shanshui.complaints.models import (
    PUBLIC_EVENT_KINDS,
    UNIT_COPIES,
    ApiClient,
    Category,
    Channel,
    Closure,
    Complaint,
    ComplaintAddition,
    ComplaintCategory,
    ComplaintContact,
    ComplaintEvent,
    ComplaintLink,
    ComplaintUnit,
    EventKind,
    Finding,
    HandlingPolicy,
    LinkKind,
    Photo,
    RejectReason,
    Satisfaction,
    Status,
    TransferBatch,
    UnitRole,
    category_bits,
)
from shanshui.complaints.selectors import (
    categories_of,
    visible_complaints,
)
from shanshui.complaints.textmask import enterprise_key
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Campaign, Task
from shanshui.lib import filetypes, geo, imagemeta, mediastore
from shanshui.lib.workflow import InvalidTransition, Workflow, require_text
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from shanshui.orgs.scope import scope_for
from shanshui.orgs.services import audit

MAX_DESCRIPTION = 4000  # Open311's limit, used everywhere
PHOTO_KINDS = frozenset({"jpeg", "png", "gif", "webp"})
# Crockford-style alphabet without 0/O, 1/I/L: codes read over the phone.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _now() -> dt.datetime:
    return timezone.now()


def new_tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(12))


def normalize_tracking_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:16]


def _after_record(c: Complaint, event: ComplaintEvent) -> None:
    stats.follow(c)  # the public statistics' summary, in the same transaction
    notify.event_recorded(c, event)  # whoever must act next hears of it, after commit


# How a case moves (shanshui.lib.workflow): whether an event is public follows its kind (a
# service may say otherwise), and the case units' copies are rewritten after every state change.
# The statistics' summary follows the case: what the locked row counted under is remembered, and
# every event moves the case to the buckets it counts in now.
FLOW = Workflow(
    event_model=ComplaintEvent,
    subject="complaint",
    stale_message=lambda c: _(
        "Someone else changed this case a moment ago. Reload the page, check what "
        "changed, and try again."
    ),
    locking=lambda: Complaint.objects.select_for_update(of=("self",)).select_related(
        "batch__campaign", "task", "district"
    ),
    check=rules.check,
    after_lock=stats.remember,
    event_fields=lambda c, kind: {"is_public": kind in PUBLIC_EVENT_KINDS},
    after_save=lambda c: ComplaintUnit.objects.filter(complaint=c).update(**unit_copies(c)),
    touch_fields=("version", "updated_at"),
    after_record=_after_record,
)
_lock = FLOW.lock
_transition = FLOW.transition
_touch = FLOW.touch
_require_text = functools.partial(require_text, max_length=MAX_DESCRIPTION)


def _record(c: Complaint, *, public: bool | None = None, **event) -> ComplaintEvent:
    if public is not None:
        event["is_public"] = public
    return FLOW.record(c, **event)


def unit_copies(c: Complaint) -> dict:
    """The case's fields its ComplaintUnit rows carry a copy of (for the indexes of what waits
    for each unit): every change to one of them goes through _transition, which writes them."""
    return {name: getattr(c, name) for name in UNIT_COPIES}


def _note(message, **params) -> str:
    """A public status note, in the site's language whoever acts (it is shown to the public and
    to Open311 clients, not to the actor)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % {k: str(v) for k, v in params.items()} if params else str(message)


# --- intake ----------------------------------------------------------------------------------


@dataclass
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    wants_reply: bool = False

    def cleaned(self) -> Contact:
        return Contact(
            name=self.name.strip()[:60],
            phone=self.phone.strip()[:30],
            email=self.email.strip()[:254],
            device_id=self.device_id.strip()[:100],
            account_id=self.account_id.strip()[:100],
            wants_reply=self.wants_reply,
        )


@dataclass
class Report:
    """What a reporter sends, from the web form, Open311 or a handler registering a call."""

    description: str
    categories: Sequence[str]
    channel: str = Channel.WEB
    district: Unit | None = None
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    enterprise: str = ""
    contact: Contact = field(default_factory=Contact)
    attributes: dict = field(default_factory=dict)
    media_url: str = ""


def districts() -> list[Unit]:
    """Units a citizen can choose as the district: current districts, counties and zones."""
    today = timezone.localdate()
    return list(
        Unit.objects.filter(kind__in=TERRITORIAL_KINDS)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .order_by("admin_code", "name")
    )


def district_from_address(address: str) -> Unit | None:
    """The district named in a free-text address (longest name wins), or None."""
    if not address:
        return None
    best: tuple[int, Unit] | None = None
    for unit in districts():
        for name in {unit.name, unit.short_name, unit.name.removeprefix("重庆市")}:
            if (
                name
                and len(name) >= 2
                and name in address
                and (best is None or len(name) > best[0])
            ):
                best = (len(name), unit)
    return best[1] if best else None


def _validate_report(report: Report) -> dict:
    errors: dict[str, str] = {}
    description = (report.description or "").strip()
    if not description:
        errors["description"] = _("Describe the problem you saw.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("At most %(n)d characters, please.") % {"n": MAX_DESCRIPTION}
    categories = list(dict.fromkeys(report.categories or []))
    if not categories:
        errors["categories"] = _("Choose at least one type of problem.")
    elif any(c not in Category.values for c in categories):
        errors["categories"] = _("Unknown type of problem.")
    lat, lon = report.lat, report.lon
    if (lat is None) != (lon is None):
        errors["location"] = _("Send both latitude and longitude, or neither.")
    elif lat is not None:
        try:
            lat, lon = geo.validate_wgs84(lat, lon)
        except ValueError as exc:
            errors["location"] = str(exc)
    if len(report.address or "") > 300:
        errors["address"] = _("At most %(n)d characters, please.") % {"n": 300}
    if len(report.enterprise or "") > 200:
        errors["enterprise"] = _("At most %(n)d characters, please.") % {"n": 200}
    if not (report.district or (report.address or "").strip() or lat is not None):
        errors["address"] = _("Say where the problem is: a district, an address or a map point.")
    if report.contact.email:
        try:
            validate_email(report.contact.email.strip())
        except ValidationError:
            errors["email"] = _("Enter a valid e-mail address.")
    if errors:
        raise ValidationError(errors)
    return {"description": description, "categories": categories, "lat": lat, "lon": lon}


def check_photos(uploads: Sequence) -> list[tuple[object, filetypes.FileKind]]:
    """Check every photo before anything is stored; raise ValidationError({"photos": …})."""
    limit = settings.SHANSHUI_COMPLAINT_MAX_PHOTOS
    if len(uploads) > limit:
        raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": limit}})
    out = []
    for upload in uploads:
        name = filetypes.safe_filename(upload.name or "")
        try:
            kind = filetypes.check_uploaded_file(
                upload, max_bytes=settings.SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES, allowed=PHOTO_KINDS
            )
        except filetypes.FileRejected as exc:
            if exc.code == "too_large":
                message = _("“%(name)s” is larger than %(mb)s MB.") % {
                    "name": name,
                    "mb": round(settings.SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES / 2**20, 1),
                }
            elif exc.code == "empty":
                message = _("“%(name)s” is empty.") % {"name": name}
            else:
                message = _("“%(name)s” is not a photo (JPEG, PNG, GIF or WebP).") % {"name": name}
            raise ValidationError({"photos": message}, code=exc.code) from exc
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        try:
            imagemeta.strip_metadata(data, kind.code)
        except imagemeta.ImageMetaError as exc:
            raise ValidationError(
                {"photos": _("“%(name)s” is damaged and cannot be used.") % {"name": name}}
            ) from exc
        out.append((upload, kind))
    return out


def _store_photo(c: Complaint, upload, kind: filetypes.FileKind) -> Photo:
    upload.seek(0)
    data = upload.read()
    sha = hashlib.sha256(data).hexdigest()
    clean = imagemeta.strip_metadata(data, kind.code)
    original = f"complaints/original/{sha[:2]}/{sha}.{kind.extension}"
    public = f"complaints/public/{sha[:2]}/{sha}.{kind.extension}"
    try:
        # The files first, then the row, in the caller's transaction (see lib.mediastore).
        original = mediastore.save_once(original, data)
        public = mediastore.save_once(public, clean)
    except mediastore.StoreUnavailable as exc:
        raise ValidationError({"photos": exc.message}, code="store_unavailable") from exc
    return Photo.objects.create(
        complaint=c,
        file=original,
        public_file=public,
        content_type=kind.mime,
        size=len(data),
        sha256=sha,
        had_location=imagemeta.has_location(data, kind.code),
    )


def main_category(categories: Iterable[str]) -> str:
    """The first of ``categories`` in Category order (the case's Open311 service_code)."""
    order = {value: i for i, value in enumerate(Category.values)}
    found = sorted((c for c in categories if c in order), key=order.__getitem__)
    return found[0] if found else Category.OTHER


def _new_complaint(**fields) -> Complaint:
    """Insert with unique codes (a collision of the random code is retried)."""
    for _attempt in range(5):
        code = new_tracking_code()
        c = Complaint(tracking_code=code, code=f"T{code}", **fields)
        c.search_text = c.compute_search_text()
        try:
            with transaction.atomic():
                c.save()
        except IntegrityError:
            continue
        stats.remember(c, new=True)  # counted nowhere yet: its first event counts it
        c.code = f"{c.received_at:%Y}{c.pk:07d}"
        c.search_text = c.compute_search_text()
        c.save(update_fields=["code", "search_text"])
        return c
    raise RuntimeError("could not allocate a tracking code")


@transaction.atomic
def complaint_submit(*, report: Report, photos: Sequence = (), actor=None) -> Complaint:
    """A citizen's report (web form, Open311) or a call/letter registered by the office."""
    clean = _validate_report(report)
    checked = check_photos(photos)
    if report.channel in (Channel.HOTLINE, Channel.LETTER) and not scope_for(actor).sees_all:
        raise PermissionDenied(_("Only the office registers calls and letters."))
    district = report.district or district_from_address(report.address)
    c = _new_complaint(
        channel=report.channel,
        description=clean["description"],
        district=district,
        address=(report.address or "").strip(),
        lat=clean["lat"],
        lon=clean["lon"],
        enterprise=(report.enterprise or "").strip(),
        enterprise_key=enterprise_key(report.enterprise),
        category=main_category(clean["categories"]),
        category_bits=category_bits(clean["categories"]),
        service_attributes=report.attributes or {},
        media_url=(report.media_url or "").strip()[:500],
        received_at=_now(),
    )
    ComplaintCategory.objects.bulk_create(
        [ComplaintCategory(complaint=c, category=cat) for cat in clean["categories"]]
    )
    contact = report.contact.cleaned()
    ComplaintContact.objects.create(complaint=c, **contact.__dict__)
    for upload, kind in checked:
        _store_photo(c, upload, kind)
    _record(
        c,
        actor=actor,
        kind=EventKind.SUBMITTED
        if report.channel in (Channel.WEB, Channel.OPEN311)
        else EventKind.REGISTERED,
        to_status=c.status,
        data={"channel": c.channel, "photos": len(checked)},
    )
    return c


# --- transfer batches ------------------------------------------------------------------------


@transaction.atomic
def batch_create(
    *, actor, campaign: Campaign, number: int, date: dt.date, is_key: bool = False, note: str = ""
) -> TransferBatch:
    if not scope_for(actor).sees_all:
        raise PermissionDenied(_("Only the office registers transfer batches."))
    if number is None or number < 1:
        raise ValidationError({"number": _("The batch number is a positive whole number.")})
    if TransferBatch.objects.filter(campaign=campaign, number=number).exists():
        raise ValidationError(
            {"number": _("Batch %(n)d of this campaign already exists.") % {"n": number}}
        )
    batch = TransferBatch.objects.create(
        campaign=campaign, number=number, date=date, is_key=is_key, note=note.strip()[:200]
    )
    audit(actor=actor, action="complaints.batch_create", obj=batch, summary=str(batch))
    return batch


def handling_deadline(
    *, start: dt.date, campaign: Campaign | None, is_key: bool, memo: dict | None = None
) -> dt.date:
    """``start`` + the campaign's handling working days. ``memo`` (a dict the caller keeps for
    one batch) saves the policy and calendar look-ups when thousands of rows share them."""
    memo_key = (start, campaign.pk if campaign else None, is_key)
    if memo is not None and memo_key in memo:
        return memo[memo_key]
    workdays = settings.SHANSHUI_COMPLAINT_HANDLE_WORKDAYS
    if campaign is not None:
        policy = HandlingPolicy.objects.filter(campaign=campaign).first()
        if policy is not None:
            workdays = policy.key_handle_workdays if is_key else policy.handle_workdays
    due = ledger_services.work_calendar().add_workdays(start, workdays)
    if memo is not None:
        memo[memo_key] = due
    return due


@dataclass
class TransferredCase:
    """One row of a transfer list, ready for :func:`batch_add_case`."""

    receipt_no: str
    seq: int | None
    description: str
    categories: Sequence[str]
    units: Sequence[Unit]
    district: Unit | None = None
    address: str = ""
    enterprise: str = ""
    is_key: bool = False
    investigation: str = ""


def batch_add_case(
    *, actor, batch: TransferBatch, case: TransferredCase, memo: dict | None = None
) -> Complaint:
    """Register one transferred case of ``batch`` and transfer it to its units (the importer
    calls this inside its own all-or-nothing transaction, with one ``memo`` for the batch)."""
    if not scope_for(actor).sees_all:
        raise PermissionDenied(_("Only the office imports transfer lists."))
    is_key = case.is_key or batch.is_key
    c = _new_complaint(
        channel=Channel.TRANSFER,
        batch=batch,
        receipt_no=case.receipt_no.strip(),
        seq=case.seq,
        is_key=is_key,
        description=case.description.strip(),
        district=case.district or next((u for u in case.units if _territorial(u)), None),
        address=case.address.strip(),
        enterprise=case.enterprise.strip(),
        enterprise_key=enterprise_key(case.enterprise),
        category=main_category(case.categories),
        category_bits=category_bits(case.categories),
        investigation=case.investigation.strip(),
        received_at=_now(),
    )
    ComplaintCategory.objects.bulk_create(
        [ComplaintCategory(complaint=c, category=cat) for cat in dict.fromkeys(case.categories)]
    )
    ComplaintContact.objects.create(complaint=c)
    _record(
        c,
        actor=actor,
        kind=EventKind.IMPORTED,
        to_status=c.status,
        data={"batch": batch.pk, "receipt_no": c.receipt_no},
    )
    if case.units:
        due = handling_deadline(start=batch.date, campaign=batch.campaign, is_key=is_key, memo=memo)
        _do_transfer(
            c, actor=actor, units=list(case.units), start=batch.date, comment="", deadline=due
        )
    return c


def _territorial(unit: Unit) -> bool:
    return unit.kind in TERRITORIAL_KINDS


# --- workflow --------------------------------------------------------------------------------


def _do_transfer(
    c: Complaint, *, actor, units: list[Unit], start: dt.date, comment: str, deadline=None
) -> None:
    if not units:
        raise ValidationError({"units": _("Choose at least one handling unit.")})
    bad = [u for u in units if u.kind not in (*TERRITORIAL_KINDS, UnitKind.DEPARTMENT)]
    if bad:
        raise ValidationError(
            {
                "units": _("%(unit)s cannot handle cases: choose districts or departments.")
                % {"unit": bad[0].display_name}
            }
        )
    c.units.filter(role=UnitRole.HANDLING).exclude(unit__in=units).delete()
    for unit in units:
        ComplaintUnit.objects.get_or_create(
            complaint=c, unit=unit, defaults={"role": UnitRole.HANDLING, **unit_copies(c)}
        )
    campaign = c.batch.campaign if c.batch_id else None
    due = deadline or handling_deadline(start=start, campaign=campaign, is_key=c.is_key)
    if c.district_id is None:
        c.district = next((u for u in units if _territorial(u)), None)
    _transition(
        c,
        actor=actor,
        to=Status.TRANSFERRED,
        kind=EventKind.TRANSFERRED,
        comment=comment,
        data={"units": [u.pk for u in units], "deadline": due.isoformat()},
        deadline=due,
        status_note=_note(
            gettext_lazy("Transferred to %(units)s."),
            units="、".join(u.display_name for u in units),
        ),
    )


@transaction.atomic
def complaint_transfer(
    *,
    actor,
    complaint: Complaint,
    expected_version: int | None,
    units: Sequence[Unit],
    comment: str = "",
    deadline: dt.date | None = None,
) -> Complaint:
    """The office transfers the case to one or more districts or departments (转办)."""
    c, _roles = FLOW.act(
        complaint, actor=actor, action="transfer", expected_version=expected_version
    )
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    _do_transfer(
        c,
        actor=actor,
        units=list(units),
        start=timezone.localdate(),
        comment=comment.strip(),
        deadline=deadline,
    )
    return c


@transaction.atomic
def complaint_reject(
    *, actor, complaint: Complaint, expected_version: int | None, reason: str, comment: str = ""
) -> Complaint:
    """Not accepted (不予受理): a duplicate, out of scope, too vague, or abusive."""
    c, _roles = FLOW.act(complaint, actor=actor, action="reject", expected_version=expected_version)
    if reason not in RejectReason.values:
        raise ValidationError({"reason": _("Choose why the case is not accepted.")})
    _transition(
        c,
        actor=actor,
        to=Status.REJECTED,
        kind=EventKind.REJECTED,
        comment=comment.strip(),
        data={"reason": reason},
        reject_reason=reason,
        closed_at=_now(),
        status_note=_note(RejectReason(reason).label),
    )
    return c


@transaction.atomic
def complaint_start(
    *, actor, complaint: Complaint, expected_version: int | None, comment: str = ""
) -> Complaint:
    """The handling unit signs for the case and starts investigating (签收、调查核实)."""
    c, roles = FLOW.act(complaint, actor=actor, action="start", expected_version=expected_version)
    _transition(
        c,
        actor=actor,
        to=Status.INVESTIGATING,
        kind=EventKind.STARTED,
        unit=roles.acting_unit(rules.REPORTING),
        comment=comment.strip(),
        status_note=_note(gettext_lazy("Under investigation.")),
    )
    return c


@transaction.atomic
def complaint_transfer_down(
    *, actor, complaint: Complaint, expected_version: int | None, town: Unit, comment: str = ""
) -> Complaint:
    """A district passes the case on to one of its towns or streets (and keeps it)."""
    c, roles = FLOW.act(
        complaint, actor=actor, action="transfer_down", expected_version=expected_version
    )
    if town.kind != UnitKind.TOWN or not any(
        town.path.startswith(u.path) for u in roles.handling if u.path
    ):
        raise ValidationError({"town": _("Choose a town or street of the handling district.")})
    ComplaintUnit.objects.get_or_create(
        complaint=c, unit=town, defaults={"role": UnitRole.TOWN, **unit_copies(c)}
    )
    fields = {}
    to = c.status
    if c.status == Status.TRANSFERRED:
        to = Status.INVESTIGATING
        fields["status_note"] = _note(gettext_lazy("Under investigation."))
    _transition(
        c,
        actor=actor,
        to=to,
        kind=EventKind.TRANSFERRED_DOWN,
        unit=roles.acting_unit(rules.ACTING),
        comment=comment.strip(),
        data={"town": town.pk},
        **fields,
    )
    return c


@transaction.atomic
def complaint_send_back(
    *, actor, complaint: Complaint, expected_version: int | None, reason: str
) -> Complaint:
    """Not this unit's responsibility: back to the office to transfer again (退回)."""
    c, roles = FLOW.act(
        complaint, actor=actor, action="send_back", expected_version=expected_version
    )
    reason = _require_text(reason, "reason", _("Say why the case is not yours to handle."))
    unit = roles.acting_unit(rules.ACTING)
    handling = [cu.unit_id for cu in c.units.filter(role=UnitRole.HANDLING)]
    if unit is not None and len(handling) > 1:
        # One of several units: it leaves the case; the others carry on.
        c.units.filter(unit=unit).delete()
        _record(c, actor=actor, kind=EventKind.SENT_BACK, unit=unit, comment=reason)
        _touch(c)
        return c
    c.units.all().delete()
    _transition(
        c,
        actor=actor,
        to=Status.RECEIVED,
        kind=EventKind.SENT_BACK,
        unit=unit,
        comment=reason,
        deadline=None,
        status_note="",
    )
    return c


@dataclass
class Handling:
    """The handling result (办理结果), in the columns districts publish."""

    finding: str
    investigation: str
    handling: str = ""
    accountability: str = ""
    ordered_rectify: bool = False
    cases_filed: int = 0
    fine_yuan: Decimal | int | str = 0
    police_referrals: int = 0
    detentions: int = 0
    interviews: int = 0
    people_held_accountable: int = 0


def _clean_handling(h: Handling) -> dict:
    errors: dict[str, str] = {}
    if h.finding not in Finding.values:
        errors["finding"] = _("Choose whether the report was substantiated.")
    investigation = (h.investigation or "").strip()
    if not investigation:
        errors["investigation"] = _("Describe what the investigation found.")
    handling = (h.handling or "").strip()
    if h.finding in (Finding.TRUE, Finding.PARTLY) and not handling:
        errors["handling"] = _("A substantiated report needs its handling and rectification.")
    try:
        fine = Decimal(str(h.fine_yuan or 0))
        if fine < 0 or not fine.is_finite() or fine >= Decimal("1e12"):
            raise InvalidOperation
    except InvalidOperation:
        errors["fine_yuan"] = _("Enter the fines in yuan, e.g. 20000 or 12500.50.")
        fine = Decimal(0)
    counts = {}
    for name in (
        "cases_filed",
        "police_referrals",
        "detentions",
        "interviews",
        "people_held_accountable",
    ):
        value = getattr(h, name) or 0
        if not isinstance(value, int) or value < 0 or value > 100000:
            errors[name] = _("Enter a whole number, 0 or more.")
        counts[name] = value if isinstance(value, int) else 0
    if fine > 0 and counts["cases_filed"] == 0:
        errors["cases_filed"] = _("Fines come from filed cases: enter how many were filed.")
    if counts["detentions"] and not counts["police_referrals"]:
        errors["police_referrals"] = _("Detentions follow a referral to the police.")
    if errors:
        raise ValidationError(errors)
    return {
        "finding": h.finding,
        "investigation": investigation,
        "handling": handling,
        "accountability": (h.accountability or "").strip(),
        "ordered_rectify": bool(h.ordered_rectify),
        "fine_yuan": fine.quantize(Decimal("0.01")),
        **counts,
    }


@transaction.atomic
def complaint_handle(
    *, actor, complaint: Complaint, expected_version: int | None, result: Handling
) -> Complaint:
    """Record the investigation finding and what was done (调查核实、处理整改、责任追究)."""
    c, roles = FLOW.act(complaint, actor=actor, action="handle", expected_version=expected_version)
    values = _clean_handling(result)
    note = _note(gettext_lazy("Handled: %(finding)s."), finding=Finding(values["finding"]).label)
    _transition(
        c,
        actor=actor,
        to=Status.HANDLED,
        kind=EventKind.HANDLED,
        unit=roles.acting_unit(rules.REPORTING),
        data={"finding": values["finding"]},
        handled_at=_now(),
        handled_by=actor,
        reviewed_at=None,
        reviewed_by=None,
        status_note=note,
        **values,
    )
    return c


@transaction.atomic
def complaint_review(
    *,
    actor,
    complaint: Complaint,
    expected_version: int | None,
    approve: bool,
    comment: str = "",
) -> Complaint:
    """The second review (复核) a 不属实 finding or a key case needs before closing."""
    c, _roles = FLOW.act(complaint, actor=actor, action="review", expected_version=expected_version)
    scope = scope_for(actor)
    unit = None if scope.sees_all else rules.CaseRoles(c, scope).acting_unit(rules.REVIEWING)
    if approve:
        c.reviewed_at = _now()
        c.reviewed_by = actor
        c.version += 1
        c.save()
        _record(c, actor=actor, kind=EventKind.REVIEWED, unit=unit, comment=comment.strip())
        return c
    comment = _require_text(comment, "comment", _("Say what the investigation must look at."))
    _transition(
        c,
        actor=actor,
        to=Status.INVESTIGATING,
        kind=EventKind.REVIEW_RETURNED,
        unit=unit,
        comment=comment,
        status_note=_note(gettext_lazy("Under investigation.")),
    )
    return c


@transaction.atomic
def complaint_close(
    *,
    actor,
    complaint: Complaint,
    expected_version: int | None,
    stage: bool = False,
    follow_up_due: dt.date | None = None,
    comment: str = "",
    reply: str = "",
) -> Complaint:
    """Close the case (办结), or close the stage with a follow-up deadline (阶段性办结).

    ``reply``: the reply (答复) to the reporter, required when they asked for one and none was
    written before; the reporter reads it on the tracking page."""
    c, roles = FLOW.act(complaint, actor=actor, action="close", expected_version=expected_version)
    unit = roles.acting_unit(rules.ACTING)
    if stage:
        if follow_up_due is None:
            raise ValidationError(
                {"follow_up_due": _("A stage-closed case needs its follow-up deadline.")}
            )
        if follow_up_due <= timezone.localdate():
            raise ValidationError({"follow_up_due": _("The follow-up deadline must be ahead.")})
    _reply(c, actor=actor, unit=unit, text=reply)
    if stage:
        _transition(
            c,
            actor=actor,
            to=Status.STAGE_CLOSED,
            kind=EventKind.STAGE_CLOSED,
            unit=unit,
            comment=comment.strip(),
            data={"follow_up_due": follow_up_due.isoformat()},
            closure=Closure.STAGE_CLOSED,
            follow_up_due=follow_up_due,
            closed_at=_now(),
            status_note=_note(
                gettext_lazy("Stage-closed; follow-up due %(date)s."),
                date=follow_up_due.isoformat(),
            ),
        )
    else:
        _transition(
            c,
            actor=actor,
            to=Status.CLOSED,
            kind=EventKind.CLOSED,
            unit=unit,
            comment=comment.strip(),
            closure=Closure.CLOSED,
            follow_up_due=None,
            closed_at=_now(),
            status_note=_note(gettext_lazy("Closed.")),
        )
    return c


def wants_reply(c: Complaint) -> bool:
    """Whether the reporter asked for a reply (要求答复)."""
    return ComplaintContact.objects.filter(complaint=c, wants_reply=True).exists()


def _reply(c: Complaint, *, actor, unit, text: str) -> None:
    """Record the reply before the case closes; refuse to close without one when asked."""
    text = (text or "").strip()
    if not text:
        if c.replied_at is None and wants_reply(c):
            raise ValidationError(
                {"reply": _("The reporter asked for a reply: write it before closing the case.")},
                code="required",
            )
        return
    text = _require_text(text, "reply", "")
    c.reply = text
    c.replied_at = _now()
    # The fact is public (the timeline says a reply was sent); the text only on the tracking page.
    _record(c, actor=actor, kind=EventKind.REPLIED, unit=unit)


@transaction.atomic
def complaint_complete_follow_up(
    *, actor, complaint: Complaint, expected_version: int | None, comment: str
) -> Complaint:
    c, roles = FLOW.act(
        complaint, actor=actor, action="complete_follow_up", expected_version=expected_version
    )
    comment = _require_text(comment, "comment", _("Describe the result of the follow-up."))
    to = Status.CLOSED if c.status == Status.STAGE_CLOSED else c.status
    _transition(
        c,
        actor=actor,
        to=to,
        kind=EventKind.FOLLOW_UP_DONE,
        unit=roles.acting_unit(rules.ACTING),
        comment=comment,
        closure=Closure.CLOSED,
        follow_up_due=None,
        status_note=_note(gettext_lazy("Closed.")),
    )
    return c


@transaction.atomic
def complaint_publish(*, actor, complaint: Complaint, expected_version: int | None) -> Complaint:
    """Publish the handling result (公开) on the batch's disclosure page and in Open311."""
    c, roles = FLOW.act(complaint, actor=actor, action="publish", expected_version=expected_version)
    _transition(
        c,
        actor=actor,
        to=Status.PUBLISHED,
        kind=EventKind.PUBLISHED,
        unit=roles.acting_unit(rules.ACTING),
        published_at=_now(),
    )
    return c


@transaction.atomic
def complaint_link(
    *, actor, complaint: Complaint, earlier: Complaint, kind: str = LinkKind.REPEAT
) -> ComplaintLink:
    """Link the case to an earlier one at the same site or enterprise (shown on both)."""
    c, roles = FLOW.act(complaint, actor=actor, action="link")
    if earlier.pk == c.pk:
        raise ValidationError({"earlier": _("A case cannot be linked to itself.")})
    if not visible_complaints(actor).filter(pk=earlier.pk).exists():
        raise ValidationError({"earlier": _("No such case in your data scope.")})
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Choose how the cases are related.")})
    link, created = ComplaintLink.objects.get_or_create(
        complaint=c, earlier=earlier, defaults={"kind": kind, "created_by": actor}
    )
    if not created:
        raise ValidationError({"earlier": _("These cases are already linked.")})
    _record(
        c,
        actor=actor,
        kind=EventKind.LINKED,
        unit=roles.acting_unit(rules.REPORTING),
        data={"earlier": earlier.pk, "code": earlier.code, "kind": kind},
    )
    _touch(c)
    return link


@transaction.atomic
def complaint_promote(
    *,
    actor,
    complaint: Complaint,
    expected_version: int | None,
    campaign: Campaign,
    code: str,
    title: str,
    deadline: dt.date | None,
    units: Sequence[ledger_services.UnitAssignment] = (),
    measures: Sequence[str] = (),
) -> Task:
    """Put the case on the rectification ledger as a draft task, linked both ways."""
    c, _roles = FLOW.act(
        complaint, actor=actor, action="promote", expected_version=expected_version
    )
    categories = [_TASK_CATEGORY.get(cat, "other") for cat in categories_of(c)]
    if not units:
        # Districts carry out the rectification (实施主体); a department leads and rechecks.
        units = [
            ledger_services.UnitAssignment(
                unit=cu.unit, role="implementing" if _territorial(cu.unit) else "lead"
            )
            for cu in c.units.filter(role=UnitRole.HANDLING).select_related("unit")
        ]
    task = ledger_services.task_create(
        actor=actor,
        campaign=campaign,
        code=code,
        title=title or c.summary,
        problem=c.description,
        measures=measures,
        categories=categories,
        deadline=deadline,
        units=units,
    )
    c.task = task
    c.version += 1
    c.save(update_fields=["task", "version", "updated_at"])
    _record(c, actor=actor, kind=EventKind.PROMOTED, data={"task": task.pk, "code": task.code})
    return task


# Complaint categories → ledger categories (大气 is the ledger's "air", etc.).
_TASK_CATEGORY = {
    "water": "water",
    "air": "air",
    "noise": "noise",
    "ecology": "ecology",
    "soil": "soil",
    "radiation": "radiation",
    "solid_waste": "solid_waste",
    "other": "other",
}


@transaction.atomic
def complaint_reopen_task(
    *, actor, complaint: Complaint, expected_version: int | None, reason: str
) -> Task:
    """A repeat of a signed-off ledger task: reopen the task (重复投诉 → 反弹重启)."""
    c, _roles = FLOW.act(
        complaint, actor=actor, action="reopen_task", expected_version=expected_version
    )
    task = rules.reopenable_task(c)
    reason = _require_text(reason, "reason", _("Describe what the repeat report found."))
    ledger_services.task_reopen(
        actor=actor,
        task=task,
        expected_version=None,
        trigger="repeat_complaint",
        reason=_("Repeat report %(code)s: %(reason)s") % {"code": c.code, "reason": reason},
    )
    if c.task_id is None:
        c.task = task
    c.version += 1
    c.save(update_fields=["task", "version", "updated_at"])
    _record(c, actor=actor, kind=EventKind.TASK_REOPENED, data={"task": task.pk})
    return task


# --- the reporter's follow-up (with the tracking code, no login) ------------------------------

MAX_ADDITIONS = 20  # per case: enough for a reporter, not a channel for a flood
MAX_COMMENT = 2000


def _as_reporter(complaint: Complaint, tracking_code: str) -> None:
    """The reporter proves who they are by the case's tracking code."""
    code = normalize_tracking_code(tracking_code)
    if not code or not secrets.compare_digest(code, complaint.tracking_code):
        raise PermissionDenied(_("Only the reporter, with the tracking code, may do this."))


@transaction.atomic
def complaint_add_info(*, complaint: Complaint, tracking_code: str, text: str) -> ComplaintAddition:
    """The reporter adds information to an open case (补充材料). It is never published: the
    handling units read it on the case page (and are told of it)."""
    _as_reporter(complaint, tracking_code)
    c, _roles = FLOW.act(complaint, actor=None, action="add_info")
    text = _require_text(text, "text", _("Write the information you want to add."))
    if ComplaintAddition.objects.filter(complaint=c).count() >= MAX_ADDITIONS:
        raise ValidationError(
            {
                "text": _("This case already has %(n)d additions; call 12369 for more.")
                % {"n": MAX_ADDITIONS}
            }
        )
    addition = ComplaintAddition.objects.create(complaint=c, text=text)
    _record(c, actor=None, kind=EventKind.INFO_ADDED, data={"addition": addition.pk})
    _touch(c)
    return addition


@transaction.atomic
def complaint_rate(
    *, complaint: Complaint, tracking_code: str, satisfaction: str, comment: str = ""
) -> Complaint:
    """The reporter says whether the reply satisfies them (满意/基本满意/不满意), once. 不满意
    flags the case for the office (its case list filters on it); the comment is never
    published."""
    _as_reporter(complaint, tracking_code)
    c, _roles = FLOW.act(complaint, actor=None, action="rate")
    if satisfaction not in Satisfaction.values:
        raise ValidationError(
            {"satisfaction": _("Choose whether you are satisfied with the reply.")},
            code="required",
        )
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(
            {"comment": _("At most %(n)d characters, please.") % {"n": MAX_COMMENT}}
        )
    c.satisfaction = satisfaction
    c.satisfaction_comment = comment
    c.rated_at = _now()
    c.version += 1
    c.save(
        update_fields=[
            "satisfaction",
            "satisfaction_comment",
            "rated_at",
            "version",
            "updated_at",
        ]
    )
    _record(c, actor=None, kind=EventKind.RATED, data={"satisfaction": satisfaction})
    return c


# --- moderation ------------------------------------------------------------------------------


@transaction.atomic
def moderate_text(*, actor, complaint: Complaint, hidden: bool, reason: str = "") -> Complaint:
    """Hide (or show again) the case's text on every public surface; the original stays."""
    c, _roles = FLOW.act(complaint, actor=actor, action="moderate")
    if hidden:
        reason = _require_text(reason, "reason", _("Say why the text is hidden."))
    c.description_hidden = hidden
    c.moderated_at = _now()
    c.version += 1
    c.save()
    _record(
        c,
        actor=actor,
        kind=EventKind.HIDDEN if hidden else EventKind.UNHIDDEN,
        comment=reason.strip(),
        data={"what": "description"},
    )
    return c


@transaction.atomic
def moderate_photo(*, actor, photo: Photo, hidden: bool, reason: str = "") -> Photo:
    c, _roles = FLOW.act(photo.complaint, actor=actor, action="moderate")
    if hidden:
        reason = _require_text(reason, "reason", _("Say why the photo is hidden."))
    photo = Photo.objects.select_for_update().get(pk=photo.pk)
    photo.hidden = hidden
    photo.save(update_fields=["hidden"])
    c.moderated_at = _now()
    c.version += 1
    c.save()
    _record(
        c,
        actor=actor,
        kind=EventKind.HIDDEN if hidden else EventKind.UNHIDDEN,
        comment=reason.strip(),
        data={"what": "photo", "photo": photo.pk},
    )
    return photo


@transaction.atomic
def moderate_approve(*, actor, complaint: Complaint, text: str | None = None) -> Complaint:
    """Approve the report for publication (先审后发; it leaves the moderation queue and becomes
    public). ``text``: the description as it is to be published, when the office edits it (the
    original stays for the handling units; the edit is an event of its own)."""
    c, _roles = FLOW.act(complaint, actor=actor, action="moderate")
    if c.moderated_at is not None:
        raise InvalidTransition(_("This case has already been checked."))
    edited = ""
    if text is not None and " ".join(text.split()) != " ".join(c.description.split()):
        edited = _require_text(text, "text", _("Write the text to publish, or hide it."))
    if edited:
        _record(
            c,
            actor=actor,
            kind=EventKind.TEXT_EDITED,
            data={"what": "description", "before": c.public_description, "after": edited},
        )
        c.public_description = edited
        c.search_text = c.compute_search_text()
    c.moderated_at = _now()
    c.version += 1
    c.save(
        update_fields=["public_description", "search_text", "moderated_at", "version", "updated_at"]
    )
    _record(c, actor=actor, kind=EventKind.MODERATED, data={"edited": bool(edited)})
    return c


@transaction.atomic
def moderate_many(
    *, actor, complaints: Sequence[Complaint], approve: bool, reason: str = ""
) -> int:
    """Approve (or hide the text of) several waiting reports at once, from the queue: all or
    none. Those someone has checked meanwhile are skipped; the number checked is returned."""
    if not approve:
        reason = _require_text(reason, "reason", _("Say why the text is hidden."))
    done = 0
    for c in complaints:
        c.refresh_from_db(fields=["moderated_at"])
        if c.moderated_at is not None:
            continue
        if approve:
            moderate_approve(actor=actor, complaint=c)
        else:
            moderate_text(actor=actor, complaint=c, hidden=True, reason=reason)
        done += 1
    return done


# --- API clients -----------------------------------------------------------------------------

KEY_PREFIX = "o311_"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_client_create(*, actor, name: str, contact: str = "") -> tuple[ApiClient, str]:
    """A new Open311 client and its key (shown once; only its hash is stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    client = ApiClient.objects.create(
        name=name.strip()[:120],
        contact=contact.strip()[:200],
        key_prefix=key[:12],
        key_hash=hash_key(key),
    )
    audit(actor=actor, action="complaints.api_client_create", obj=client, summary=client.name)
    return client, key


def api_client_rotate(*, actor, client: ApiClient) -> str:
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    client.key_prefix = key[:12]
    client.key_hash = hash_key(key)
    client.save(update_fields=["key_prefix", "key_hash"])
    audit(actor=actor, action="complaints.api_client_rotate", obj=client, summary=client.name)
    return key


def api_client_for_key(key: str) -> ApiClient | None:
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    client = ApiClient.objects.filter(key_hash=hash_key(key), is_active=True).first()
    if client is not None:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=_now())
    return client
