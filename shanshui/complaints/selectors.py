"""Read queries for the handlers' pages, always through the user's data scope
(services.visible_complaints)."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from shanshui.complaints import rules
from shanshui.complaints.models import (
    Channel,
    Closure,
    Complaint,
    ComplaintCategory,
    ComplaintUnit,
    Finding,
    Status,
    UnitRole,
)
from shanshui.complaints.services import visible_complaints
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for

OPEN_WORK = (Status.TRANSFERRED, Status.INVESTIGATING, Status.HANDLED)
CITIZEN_CHANNELS = (Channel.WEB, Channel.OPEN311)

SORTS = {
    # Each served by an index: complaints_recent, (status, deadline) / deadline, -updated_at.
    "received": ("-received_at", "-pk"),
    "deadline": (F("deadline").asc(nulls_last=True), "pk"),
    "updated": ("-updated_at", "-pk"),
}


def with_relations(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What a list row reads, in a fixed number of queries."""
    return qs.select_related("district", "batch__campaign").prefetch_related(
        "category_rows",
        Prefetch(
            "units",
            queryset=ComplaintUnit.objects.select_related("unit").order_by("role", "pk"),
        ),
    )


def cases(user, *, data: dict | None = None) -> QuerySet[Complaint]:
    """The case list with the filters of CaseFilterForm (already cleaned)."""
    data = data or {}
    qs = visible_complaints(user)
    if data.get("batch"):
        qs = qs.filter(batch=data["batch"])
    if data.get("district"):
        qs = qs.filter(district=data["district"])
    if data.get("category"):
        qs = qs.filter(
            Exists(
                ComplaintCategory.objects.filter(
                    complaint=OuterRef("pk"), category=data["category"]
                )
            )
        )
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    finding = data.get("finding")
    if finding == "none":
        qs = qs.filter(finding="")
    elif finding in Finding.values:
        qs = qs.filter(finding=finding)
    if data.get("key") in ("0", "1"):
        qs = qs.filter(is_key=data["key"] == "1")
    if data.get("overdue") == "1":
        qs = overdue(qs)
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    q = (data.get("q") or "").strip().lower()
    if q:
        # search_text is stored lower-cased, so a plain LIKE serves (and PostgreSQL's trigram
        # index can answer it).
        qs = qs.filter(search_text__contains=q)
    return qs.order_by(*SORTS.get(data.get("sort") or "received", SORTS["received"]))


def overdue(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Open cases past their handling deadline."""
    return qs.filter(status__in=OPEN_WORK, deadline__lt=timezone.localdate())


def _own_unit_ids(user) -> list[int]:
    """The user's own units and every unit below them (not everything the office sees)."""
    scope = scope_for(user)
    q = Q(pk__in=[])
    for unit in scope.root_units:
        q |= Q(path__startswith=unit.path) | Q(successor__path__startswith=unit.path)
    if not scope.root_units:
        return []
    return list(Unit.objects.filter(q).values_list("pk", flat=True))


def my_cases(user) -> QuerySet[Complaint]:
    """Open cases handled by one of the user's units (or a town below them), by deadline."""
    ids = _own_unit_ids(user)
    if not ids:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(
            pk__in=ComplaintUnit.objects.filter(unit_id__in=ids).values("complaint_id")
        )
        .filter(status__in=OPEN_WORK)
        .order_by(*SORTS["deadline"])
    )


def _role_unit_ids(scope, roles) -> list[int]:
    return list(scope.units_with_role(*roles).values_list("pk", flat=True))


def _on_units(unit_ids: list[int], *, handling_only: bool) -> Exists:
    rows = ComplaintUnit.objects.filter(complaint=OuterRef("pk"), unit_id__in=unit_ids)
    if handling_only:
        rows = rows.filter(role=UnitRole.HANDLING)
    return Exists(rows)


NEEDS_REVIEW = Q(finding=Finding.FALSE) | Q(is_key=True)

# Kinds of waiting work, in the order the page shows them, with the action each leads to.
WAITING_ACTIONS = {
    "to_transfer": "transfer",
    "to_start": "start",
    "to_handle": "handle",
    "to_review": "review",
    "to_close": "close",
    "to_publish": "publish",
    "to_follow_up": "complete_follow_up",
}


def waiting_for_me(user) -> dict[str, QuerySet[Complaint]]:
    """Cases waiting for the user's action, by kind, as rules.py allows them.

    The office may act on every case, but what waits for it is its own part of the workflow:
    transferring new cases and the second review. The units' steps wait for the units.
    """
    scope = scope_for(user)
    base = Complaint.objects.all()
    out: dict[str, QuerySet[Complaint]] = {}
    to_review = base.filter(NEEDS_REVIEW, status=Status.HANDLED, reviewed_at__isnull=True).exclude(
        handled_by=user
    )
    if scope.sees_all:
        out["to_transfer"] = base.filter(status=Status.RECEIVED).order_by("received_at", "pk")
        out["to_review"] = to_review.order_by(*SORTS["deadline"])
        return out
    if not scope.root_units:
        return out
    reporting = _role_unit_ids(scope, rules.REPORTING)
    acting = _role_unit_ids(scope, rules.ACTING)
    reviewing = _role_unit_ids(scope, rules.REVIEWING)
    by_deadline = SORTS["deadline"]
    if reporting:
        handler = _on_units(reporting, handling_only=False)
        out["to_start"] = base.filter(handler, status=Status.TRANSFERRED).order_by(*by_deadline)
        out["to_handle"] = base.filter(handler, status=Status.INVESTIGATING).order_by(*by_deadline)
    if reviewing:
        out["to_review"] = to_review.filter(_on_units(reviewing, handling_only=True)).order_by(
            *by_deadline
        )
    if acting:
        unit = _on_units(acting, handling_only=True)
        out["to_close"] = (
            base.filter(unit, status=Status.HANDLED)
            .filter(~NEEDS_REVIEW | Q(reviewed_at__isnull=False))
            .order_by(*by_deadline)
        )
        out["to_publish"] = base.filter(
            unit, status__in=[Status.CLOSED, Status.STAGE_CLOSED]
        ).order_by("closed_at", "pk")
        out["to_follow_up"] = base.filter(
            unit,
            closure=Closure.STAGE_CLOSED,
            status__in=[Status.STAGE_CLOSED, Status.PUBLISHED],
        ).order_by("follow_up_due", "pk")
    return out


def moderation_queue() -> QuerySet[Complaint]:
    """Citizens' reports nobody has checked yet, newest first (office only)."""
    return Complaint.objects.filter(
        channel__in=CITIZEN_CHANNELS, moderated_at__isnull=True
    ).order_by("-received_at", "-pk")
