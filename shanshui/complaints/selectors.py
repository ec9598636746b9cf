"""Read queries for the handlers' pages, always through the user's data scope
(services.visible_complaints)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
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

# For short id lists (my cases, what waits for me): the same order as SORTS["deadline"], as an
# expression no index serves, so the database fetches the listed rows and sorts them instead of
# walking the whole deadline index in search of them.
DEADLINE_IN_LIST = (Coalesce(F("deadline"), Value(dt.date(9999, 12, 31))).asc(), "pk")

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


FILTERS = ("batch", "district", "category", "status", "finding", "key", "overdue", "channel", "q")


def scope_count(user, data: dict) -> int | None:
    """The exact size of an unfiltered list, cheaply: for a unit's user, the distinct cases on
    the (unit, case) index. None when filters apply or for the office (the caller then counts
    with a cap)."""
    if any(data.get(name) not in (None, "", False) for name in FILTERS):
        return None
    scope = scope_for(user)
    if scope.sees_all:
        return None
    return (
        ComplaintUnit.objects.filter(unit_id__in=scope.unit_ids() or [])
        .values("complaint_id")
        .distinct()
        .count()
    )


class CappedCount(int):
    """A count that stopped at its cap: shown as "1000+"."""

    def __str__(self) -> str:
        return f"{int(self)}+"


def count_upto(qs: QuerySet, cap: int = 1000) -> int:
    """``qs.count()``, but never counting past ``cap`` rows (counts on the home and *my
    cases* pages must not scan half a million open cases)."""
    n = qs.order_by()[: cap + 1].count()
    return CappedCount(cap) if n > cap else n


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
        Complaint.objects.filter(pk__in=_unit_rows(ids, OPEN_WORK).values("complaint_id"))
        .filter(status__in=OPEN_WORK)
        .order_by(*DEADLINE_IN_LIST)
    )


def my_case_ids(user) -> QuerySet:
    """The ids of :func:`my_cases` in the same order, read from the case units' (unit, status,
    deadline) index alone — a page of them costs no scan of the cases."""
    ids = _own_unit_ids(user)
    return (
        _unit_rows(ids, OPEN_WORK)
        .order_by(F("deadline").asc(nulls_last=True), "complaint_id")
        .values_list("complaint_id", flat=True)
        .distinct()
    )


def my_counts(user) -> tuple[int, int]:
    """(open, overdue) cases of the user's units, counted on the case units' index."""
    ids = _own_unit_ids(user)
    if not ids:
        return 0, 0
    rows = _unit_rows(ids, OPEN_WORK)
    n_open = rows.values("complaint_id").distinct().count()
    n_overdue = (
        rows.filter(deadline__lt=timezone.localdate()).values("complaint_id").distinct().count()
    )
    return n_open, n_overdue


def _role_unit_ids(scope, roles) -> list[int]:
    return list(scope.units_with_role(*roles).values_list("pk", flat=True))


def _unit_rows(unit_ids: list[int], statuses, *, handling_only: bool = False) -> QuerySet:
    """The case-unit rows of ``unit_ids`` whose case is in ``statuses`` (the status is copied
    onto them by the services), from the (unit, status, …) indexes."""
    rows = ComplaintUnit.objects.filter(unit_id__in=unit_ids, status__in=list(statuses))
    if handling_only:
        rows = rows.filter(role=UnitRole.HANDLING)
    return rows


def _on_units(unit_ids: list[int], statuses, *, handling_only: bool) -> Q:
    rows = _unit_rows(unit_ids, statuses, handling_only=handling_only)
    return Q(pk__in=rows.values("complaint_id"))


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
    by_deadline = DEADLINE_IN_LIST
    if reporting:
        out["to_start"] = base.filter(
            _on_units(reporting, [Status.TRANSFERRED], handling_only=False),
            status=Status.TRANSFERRED,
        ).order_by(*by_deadline)
        out["to_handle"] = base.filter(
            _on_units(reporting, [Status.INVESTIGATING], handling_only=False),
            status=Status.INVESTIGATING,
        ).order_by(*by_deadline)
    if reviewing:
        out["to_review"] = to_review.filter(
            _on_units(reviewing, [Status.HANDLED], handling_only=True)
        ).order_by(*by_deadline)
    if acting:
        out["to_close"] = (
            base.filter(
                _on_units(acting, [Status.HANDLED], handling_only=True), status=Status.HANDLED
            )
            .filter(~NEEDS_REVIEW | Q(reviewed_at__isnull=False))
            .order_by(*by_deadline)
        )
        closed = [Status.CLOSED, Status.STAGE_CLOSED]
        out["to_publish"] = base.filter(
            _on_units(acting, closed, handling_only=True), status__in=closed
        ).order_by("closed_at", "pk")
        following = [Status.STAGE_CLOSED, Status.PUBLISHED]
        out["to_follow_up"] = base.filter(
            _on_units(acting, following, handling_only=True),
            closure=Closure.STAGE_CLOSED,
            status__in=following,
        ).order_by("follow_up_due", "pk")
    return out


def moderation_queue() -> QuerySet[Complaint]:
    """Citizens' reports nobody has checked yet, newest first (office only)."""
    return Complaint.objects.filter(
        channel__in=CITIZEN_CHANNELS, moderated_at__isnull=True
    ).order_by("-received_at", "-pk")
