"""Read queries for the handlers' pages, always through the user's data scope
(visible_complaints)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.complaints import public, rules
from shanshui.complaints.models import (
    CATEGORY_BITS,
    Category,
    Channel,
    Closure,
    Complaint,
    ComplaintUnit,
    Finding,
    Status,
    UnitRole,
)
from shanshui.lib import geo
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from shanshui.orgs.scope import scope_for


def visible_complaints(user):
    """Cases the user may see: the office all; others those on which a unit in scope holds a
    role (handling or town)."""
    scope = scope_for(user)
    qs = Complaint.objects.all()
    if scope.sees_all:
        return qs
    ids = scope.unit_ids()
    if not ids:
        return qs.none()
    return qs.filter(pk__in=ComplaintUnit.objects.filter(unit_id__in=ids).values("complaint_id"))


def categories_of(c: Complaint) -> list[str]:
    order = {v: i for i, v in enumerate(Category.values)}
    return sorted((row.category for row in c.category_rows.all()), key=order.__getitem__)


def possible_repeats(c: Complaint, *, user, limit: int = 10) -> list[tuple[Complaint, str]]:
    """Earlier cases the handler should look at: the same enterprise, or within the configured
    distance, open or closed within the window. Each with the reason it matched."""
    window = timezone.now() - dt.timedelta(days=settings.SHANSHUI_COMPLAINT_REPEAT_WINDOW_DAYS)
    base = (
        visible_complaints(user)
        .exclude(pk=c.pk)
        .filter(received_at__lte=c.received_at)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=window))
        .exclude(status=Status.REJECTED)
        .select_related("task", "district")
    )
    found: dict[int, tuple[Complaint, str]] = {}
    if c.enterprise_key:
        for other in base.filter(enterprise_key=c.enterprise_key).order_by("-received_at")[:limit]:
            found[other.pk] = (other, _("same enterprise"))
    if c.lat is not None and c.lon is not None:
        radius = settings.SHANSHUI_COMPLAINT_REPEAT_RADIUS_M
        min_lat, max_lat, min_lon, max_lon = geo.bbox(c.lat, c.lon, radius)
        nearby = base.filter(
            lat__gte=min_lat, lat__lte=max_lat, lon__gte=min_lon, lon__lte=max_lon
        ).order_by("-received_at")[: limit * 5]
        for other in nearby:
            distance = geo.haversine_m(c.lat, c.lon, other.lat, other.lon)
            if distance <= radius and other.pk not in found:
                found[other.pk] = (other, _("%(m)d m away") % {"m": round(distance)})
    linked = set(c.links_out.values_list("earlier_id", flat=True))
    return [pair for pk, pair in found.items() if pk not in linked][:limit]


def linked_cases(c: Complaint, *, user) -> list[tuple[Complaint, str]]:
    visible = visible_complaints(user)
    out = [
        (link.earlier, link.get_kind_display())
        for link in c.links_out.select_related("earlier").filter(earlier__in=visible)
    ]
    out += [
        (link.complaint, link.get_kind_display())
        for link in c.links_in.select_related("complaint").filter(complaint__in=visible)
    ]
    return out


def units_for_transfer() -> Iterable[Unit]:
    today = timezone.localdate()
    return (
        Unit.objects.filter(kind__in=(*TERRITORIAL_KINDS, UnitKind.DEPARTMENT))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .order_by("kind", "admin_code", "name")
    )


OPEN_WORK = (Status.TRANSFERRED, Status.INVESTIGATING, Status.HANDLED)
CITIZEN_CHANNELS = (Channel.WEB, Channel.OPEN311)

# For short id lists (my cases, what waits for me): the same order as SORTS["deadline"], as an
# expression no index serves, so the database fetches the listed rows and sorts them instead of
# walking the whole deadline index in search of them.
DEADLINE_IN_LIST = (Coalesce(F("deadline"), Value(dt.date(9999, 12, 31))).asc(), "pk")
# The same order on the case units' copies, served by their (unit, status, deadline) index.
UNITS_BY_DEADLINE = (F("deadline").asc(nulls_last=True), "complaint_id")

SORTS = {
    # Each served by an index: complaints_recent, (status, deadline) / deadline, -updated_at.
    "received": ("-received_at", "-pk"),
    "deadline": (F("deadline").asc(nulls_last=True), "pk"),
    "updated": ("-updated_at", "-pk"),
}


# Long texts no list row shows (_case_table.html, the moderation queue).
LIST_DEFERRED = ("search_text", "investigation", "handling", "accountability", "service_attributes")


def with_relations(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """What a list row reads, in a fixed number of queries (and nothing it does not)."""
    return (
        qs.select_related("district", "batch")
        .prefetch_related("category_rows")
        .defer(*LIST_DEFERRED)
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
        qs = with_category(qs, data["category"])
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
    if data.get("satisfaction"):
        # 不满意: the cases whose reporter was not satisfied with the reply, for the office.
        qs = qs.filter(satisfaction=data["satisfaction"])
    q = (data.get("q") or "").strip().lower()
    if q:
        # search_text is stored lower-cased, so a plain LIKE serves (and PostgreSQL's trigram
        # index can answer it).
        qs = qs.filter(search_text__contains=q)
    return qs.order_by(*SORTS.get(data.get("sort") or "received", SORTS["received"]))


def with_category(qs: QuerySet[Complaint], category: str) -> QuerySet[Complaint]:
    """The cases of ``qs`` with ``category`` among their types (a ComplaintCategory row), read
    from the bits each case carries of them: no join, and inside the (batch, status, …, bits)
    index."""
    bit = CATEGORY_BITS.get(category)
    if bit is None:
        return qs.none()
    return qs.filter(Exact(F("category_bits").bitand(bit), bit))


FILTERS = (
    "batch",
    "district",
    "category",
    "status",
    "finding",
    "key",
    "overdue",
    "channel",
    "satisfaction",
    "q",
)


def scope_count(user, data: dict) -> int | None:
    """The exact size of an unfiltered list, cheaply: for a unit's user, the distinct cases on
    the (unit, case) index. None when filters apply or for the office (the caller then counts
    with a cap)."""
    if any(data.get(name) not in (None, "", False) for name in FILTERS):
        return None
    scope = scope_for(user)
    if scope.sees_all:
        return None
    # COUNT(DISTINCT …): PostgreSQL sorts the index's case ids, several times faster than
    # hashing them for a DISTINCT subquery.
    return ComplaintUnit.objects.filter(unit_id__in=scope.unit_ids() or []).aggregate(
        n=Count("complaint_id", distinct=True)
    )["n"]


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


def own_unit_ids(user) -> list[int]:
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
    ids = own_unit_ids(user)
    if not ids:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(pk__in=_unit_rows(ids, OPEN_WORK).values("complaint_id"))
        .filter(status__in=OPEN_WORK)
        .order_by(*DEADLINE_IN_LIST)
    )


def my_case_ids(user, *, unit_ids: list[int] | None = None) -> QuerySet:
    """The ids of :func:`my_cases` in the same order, read from the case units' (unit, status,
    deadline) index alone — a page of them costs no scan of the cases. ``unit_ids``: the
    user's own_unit_ids(), when the caller has them already."""
    ids = own_unit_ids(user) if unit_ids is None else unit_ids
    return (
        _unit_rows(ids, OPEN_WORK)
        .order_by(*UNITS_BY_DEADLINE)
        .values_list("complaint_id", flat=True)
        .distinct()
    )


def my_counts(user, *, unit_ids: list[int] | None = None) -> tuple[int, int]:
    """(open, overdue) cases of the user's units, counted on the case units' index."""
    ids = own_unit_ids(user) if unit_ids is None else unit_ids
    if not ids:
        return 0, 0
    counts = _unit_rows(ids, OPEN_WORK).aggregate(
        open=Count("complaint_id", distinct=True),
        overdue=Count("complaint_id", distinct=True, filter=Q(deadline__lt=timezone.localdate())),
    )
    return counts["open"], counts["overdue"]


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


@dataclass
class Waiting:
    """What waits of one kind. ``cases``: every such case, in the order the page shows them.

    ``rows``, when set: the case units the same cases are read from, filtered on the fields the
    services copy onto them (services.unit_copies); ``key`` is the copied field the cases are
    ordered by and ``order`` that order on the rows (then the case's id). A page then lists the
    first few cases and counts the rest from the units' indexes alone, without reading
    thousands of cases.
    """

    cases: QuerySet[Complaint]
    rows: QuerySet[ComplaintUnit] | None = None
    key: str = ""
    order: tuple = ()

    def ids(self) -> QuerySet:
        """The cases' ids, in order."""
        if self.rows is None:
            return self.cases.values_list("pk", flat=True)
        return self.rows.order_by(*self.order).values_list("complaint_id", flat=True).distinct()

    def head(self, n: int, *, cap: int = 1000) -> tuple[list[int], int]:
        """The ids of the first ``n`` cases, and their count as :func:`count_upto` gives it,
        in one query."""
        if self.rows is None:
            # Joining the cases is the costly part, not a thousand ids.
            pks = list(self.ids()[: cap + 1])
            return pks[:n], CappedCount(cap) if len(pks) > cap else len(pks)
        # One row per case (its unit rows grouped), each with the number of cases (a window
        # count over the groups): the sort reads every row anyway, so the count comes with it.
        first = list(
            self.rows.values("complaint_id", self.key)
            .annotate(unit_rows=Count("pk"))
            .annotate(total=Window(Count("complaint_id")))
            .order_by(*self.order)
            .values_list("complaint_id", "total")[:n]
        )
        total = first[0][1] if first else 0
        return [pk for pk, _total in first], CappedCount(cap) if total > cap else total

    def count(self, cap: int = 1000) -> int:
        return count_upto(self.ids(), cap)


def first_cases(heads: dict[str, list[int]]) -> dict[str, list[Complaint]]:
    """The cases of several groups' ids (Waiting.head), with their district, in one query."""
    found = (
        Complaint.objects.select_related("district")
        .defer(*LIST_DEFERRED)
        .in_bulk([pk for pks in heads.values() for pk in pks])
    )
    return {kind: [found[pk] for pk in pks if pk in found] for kind, pks in heads.items()}


def _waiting_on_units(rows: QuerySet, cases: QuerySet[Complaint], key: str) -> Waiting:
    """The ``cases`` on the case-unit ``rows`` (filtered alike, the rows on the copied fields),
    ordered by the field ``key`` (the cases on theirs, the rows on their copies), then id."""
    if key == "deadline":
        case_order, unit_order = DEADLINE_IN_LIST, UNITS_BY_DEADLINE
    else:
        case_order, unit_order = (key, "pk"), (key, "complaint_id")
    return Waiting(
        cases=cases.filter(pk__in=rows.values("complaint_id")).order_by(*case_order),
        rows=rows,
        key=key,
        order=unit_order,
    )


def waiting_for_me(user) -> dict[str, Waiting]:
    """Cases waiting for the user's action, by kind, as rules.py allows them.

    The office may act on every case, but what waits for it is its own part of the workflow:
    transferring new cases and the second review. The units' steps wait for the units.
    """
    scope = scope_for(user)
    base = Complaint.objects.all()
    out: dict[str, Waiting] = {}
    to_review = base.filter(NEEDS_REVIEW, status=Status.HANDLED, reviewed_at__isnull=True).exclude(
        handled_by=user
    )
    if scope.sees_all:
        out["to_transfer"] = Waiting(
            base.filter(status=Status.RECEIVED).order_by("received_at", "pk")
        )
        out["to_review"] = Waiting(to_review.order_by(*SORTS["deadline"]))
        return out
    if not scope.root_units:
        return out
    reporting = _role_unit_ids(scope, rules.REPORTING)
    acting = _role_unit_ids(scope, rules.ACTING)
    reviewing = _role_unit_ids(scope, rules.REVIEWING)
    if reporting:
        for kind, status in (("to_start", Status.TRANSFERRED), ("to_handle", Status.INVESTIGATING)):
            out[kind] = _waiting_on_units(
                _unit_rows(reporting, [status]), base.filter(status=status), "deadline"
            )
    if reviewing:
        out["to_review"] = Waiting(
            to_review.filter(_on_units(reviewing, [Status.HANDLED], handling_only=True)).order_by(
                *DEADLINE_IN_LIST
            )
        )
    if acting:
        out["to_close"] = Waiting(
            base.filter(
                _on_units(acting, [Status.HANDLED], handling_only=True), status=Status.HANDLED
            )
            .filter(~NEEDS_REVIEW | Q(reviewed_at__isnull=False))
            .order_by(*DEADLINE_IN_LIST)
        )
        closed = [Status.CLOSED, Status.STAGE_CLOSED]
        out["to_publish"] = _waiting_on_units(
            _unit_rows(acting, closed, handling_only=True),
            base.filter(status__in=closed),
            "closed_at",
        )
        following = [Status.STAGE_CLOSED, Status.PUBLISHED]
        out["to_follow_up"] = _waiting_on_units(
            _unit_rows(acting, following, handling_only=True).filter(closure=Closure.STAGE_CLOSED),
            base.filter(closure=Closure.STAGE_CLOSED, status__in=following),
            "follow_up_due",
        )
    return out


def moderation_queue(user) -> QuerySet[Complaint]:
    """Citizens' reports nobody has checked yet, the longest waiting first (office only):
    none of them is public until checked (先审后发). The same set as Open311's "waiting"
    (public.awaiting_review): a report already rejected as abusive is not waiting."""
    scope_for(user).require_office()
    return public.awaiting_review().order_by("received_at", "pk")
