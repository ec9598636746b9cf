"""Read queries on the ledger, always through the user's data scope."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Case,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext as _

from shanshui.ledger.models import (
    Category,
    DeadlineKind,
    EventKind,
    ExtensionRequest,
    ExtensionStatus,
    Objection,
    ObjectionStatus,
    Status,
    Task,
    TaskCategory,
    TaskUnit,
    UnitRole,
    UrgeNotice,
    WarningLevel,
)
from shanshui.ledger.rules import ACTING, REVIEWING
from shanshui.orgs.models import Role, Unit
from shanshui.orgs.scope import scope_for


def visible_tasks(user):
    """Tasks in the user's scope: a unit of theirs holds a role on the task or on one of its
    shares (so a district sees the city task its share belongs to)."""
    scope = scope_for(user)
    qs = Task.objects.all()
    if scope.sees_all:
        return qs
    units = scope.unit_ids()
    direct = TaskUnit.objects.filter(unit__in=units).values_list("task_id", flat=True)
    via_share = TaskUnit.objects.filter(unit__in=units, task__parent__isnull=False).values_list(
        "task__parent_id", flat=True
    )
    # One semi-join on a UNION lets the database use the (unit, role) index and then the
    # primary key, instead of testing two OR-ed subqueries against every task.
    return qs.filter(pk__in=direct.union(via_share))


SHARE_PRIVATE_EVENTS = {
    EventKind.URGED,
    EventKind.URGE_ANSWERED,
    EventKind.EXTENSION_REQUESTED,
    EventKind.EXTENSION_APPROVED,
    EventKind.EXTENSION_REJECTED,
    EventKind.ACCOUNTABILITY,
    EventKind.OBJECTION,
    EventKind.OBJECTION_HANDLED,
}


def sees_task_directly(user, task: Task) -> bool:
    """Whether the user's units hold a role on the task itself — not only on one of its shares.

    A district sees the city task its share belongs to, but not what passed between the office
    and the other districts (their urge notices, extensions, objections, accountability).
    """
    scope = scope_for(user)
    return scope.sees_all or task.task_units.filter(unit_id__in=scope.unit_ids()).exists()


def events_for(user, task: Task):
    events = task.events.select_related("actor", "unit")
    if not sees_task_directly(user, task):
        events = events.exclude(kind__in=SHARE_PRIVATE_EVENTS)
    return events


def with_changes(events) -> list:
    """The events, each edit (修改) with ``changes``: what it changed, as (what, before, after)
    lines a person reads — "整改时限 2027-03-31 → 2027-06-30" — from the before and after the
    services keep in the event's data. Units are named with one query for the whole page."""
    events = list(events)
    edits = [e for e in events if e.kind == EventKind.EDITED]
    unit_ids = {
        row[0]
        for e in edits
        for side in ("before", "after")
        for row in (e.data or {}).get("units", {}).get(side, [])
    }
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "short_name"))
    for e in events:
        e.changes = _edit_lines(e.data or {}, names) if e.kind == EventKind.EDITED else []
    return events


def _edit_lines(data: dict, unit_names: dict[int, str]) -> list[tuple[str, str, str]]:
    lines = []
    for name, (old, new) in data.get("changes", {}).items():
        lines.append((_field_label(name), _field_value(name, old), _field_value(name, new)))
    for number, (old, new) in sorted(data.get("measures", {}).items(), key=lambda kv: int(kv[0])):
        lines.append((f"{_('Measures')} {number}", old or "—", new))
    categories = data.get("categories")
    if categories:
        label = dict(Category.choices)
        lines.append(
            (
                str(_("Categories")),
                "、".join(str(label.get(c, c)) for c in categories["before"]) or "—",
                "、".join(str(label.get(c, c)) for c in categories["after"]) or "—",
            )
        )
    units = data.get("units")
    if units:
        lines += _unit_lines(units, unit_names)
    return lines


def _unit_lines(units: dict, names: dict[int, str]) -> list[tuple[str, str, str]]:
    """One line per role whose units or leaders changed."""

    def by_role(rows):
        out: dict[str, list[str]] = {}
        for unit_id, role, leader, post in rows:
            who = names.get(unit_id, str(unit_id))
            if leader:
                who += f"（{leader}{'，' + post if post else ''}）"
            out.setdefault(role, []).append(who)
        return out

    before, after = by_role(units.get("before", [])), by_role(units.get("after", []))
    lines = []
    for role in UnitRole.values:
        old, new = before.get(role, []), after.get(role, [])
        if old != new:
            lines.append((str(UnitRole(role).label), "、".join(old) or "—", "、".join(new) or "—"))
    return lines


def _field_label(name: str) -> str:
    try:
        return str(Task._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _field_value(name: str, value: str) -> str:
    if name == "is_public":
        return str(_("Yes") if value == "True" else _("No"))
    if name == "deadline_kind":
        return str(dict(DeadlineKind.choices).get(value, value))
    return value if value not in ("", "None") else "—"


WARNING_RANK = Case(
    When(warning=WarningLevel.OVERDUE, then=Value(0)),
    When(warning=WarningLevel.RED, then=Value(1)),
    When(warning=WarningLevel.YELLOW, then=Value(2)),
    When(warning=WarningLevel.GREEN, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)

SORTS = {
    "code": ("campaign_id", "code"),
    "deadline": ("deadline", "code"),
    "-deadline": ("-deadline", "code"),
    "-updated": ("-updated_at",),
    "warning": ("warning_rank", "deadline", "code"),
    "progress": ("progress", "deadline", "code"),
}


def with_units(qs: QuerySet) -> QuerySet:
    return qs.select_related("campaign", "parent").prefetch_related(
        Prefetch("task_units", queryset=TaskUnit.objects.select_related("unit").order_by("role"))
    )


def ledger(user, *, data: dict | None = None) -> QuerySet:
    """The ledger list with the filters of LedgerFilterForm (already cleaned)."""
    data = data or {}
    qs = visible_tasks(user)
    if data.get("ids"):
        qs = qs.filter(pk__in=data["ids"])
    if data.get("campaign"):
        qs = qs.filter(campaign=data["campaign"])
    if data.get("category"):
        qs = qs.filter(
            Exists(TaskCategory.objects.filter(task=OuterRef("pk"), category=data["category"]))
        )
    if data.get("unit") or data.get("role"):
        tu = TaskUnit.objects.filter(task=OuterRef("pk"))
        if data.get("unit"):
            tu = tu.filter(unit=data["unit"])
        if data.get("role"):
            tu = tu.filter(role=data["role"])
        qs = qs.filter(Exists(tu))
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    if data.get("warning"):
        qs = qs.filter(warning=data["warning"])
    if data.get("deadline_from"):
        qs = qs.filter(deadline__gte=data["deadline_from"])
    if data.get("deadline_to"):
        qs = qs.filter(deadline__lte=data["deadline_to"])
    q = (data.get("q") or "").strip().lower()
    if q:
        qs = qs.filter(search__text__contains=q)
    sort = data.get("sort") or "code"
    if sort == "warning":
        qs = qs.annotate(warning_rank=WARNING_RANK)
    return qs.order_by(*SORTS.get(sort, SORTS["code"]))


def my_tasks(user) -> QuerySet:
    """Tasks on which one of the user's units holds a role (not everything the office sees)."""
    scope = scope_for(user)
    units = [m.unit for m in scope.memberships if m.unit.path]
    if not units:
        return Task.objects.none()
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(path__startswith=unit.path)
    unit_ids = list(Unit.objects.filter(q).values_list("pk", flat=True))
    direct = TaskUnit.objects.filter(unit_id__in=unit_ids).values("task_id")
    return Task.objects.filter(pk__in=direct).exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])


def waiting_for_me(user) -> dict[str, QuerySet]:
    """What is waiting for the user's action, by kind: the steps of the user's own units (the
    office's queue holds what waits for the office, not every district's step), and for the
    office the decisions only it takes."""
    scope = scope_for(user)
    # The office's own unit (督察整改办) acts and reviews through the office role.
    acting = list(
        scope.units_with_role(*ACTING, Role.OFFICE, own=True).values_list("pk", flat=True)
    )
    reviewing = list(
        scope.units_with_role(*REVIEWING, Role.OFFICE, own=True).values_list("pk", flat=True)
    )
    out: dict[str, QuerySet] = {}

    def having(role_filter: Q) -> QuerySet:
        return Task.objects.filter(
            Exists(TaskUnit.objects.filter(Q(task=OuterRef("pk")) & role_filter))
        )

    executing = Q(role__in=[UnitRole.IMPLEMENTING, UnitRole.RESPONSIBLE], unit__in=acting)
    out["to_accept_assignment"] = having(executing).filter(
        status__in=[Status.ASSIGNED, Status.REOPENED]
    )
    out["to_recheck"] = having(Q(role=UnitRole.LEAD, unit__in=reviewing)).filter(
        status=Status.ACCEPTANCE_APPLIED
    )
    out["to_accept"] = having(Q(role=UnitRole.ACCEPTING, unit__in=reviewing)).filter(
        status=Status.RECHECKED
    )
    out["urges"] = UrgeNotice.objects.filter(
        to_unit__in=acting, responded_at__isnull=True
    ).select_related("task", "to_unit")
    if scope.sees_all:
        out["extensions"] = ExtensionRequest.objects.filter(
            status=ExtensionStatus.PENDING
        ).select_related("task", "unit")
        out["objections"] = Objection.objects.filter(status=ObjectionStatus.OPEN).select_related(
            "task"
        )
        out["to_publish"] = Task.objects.filter(status=Status.ACCEPTED)
    return out


def leader_alerts(user) -> QuerySet:
    """Red and overdue tasks of the units where the user is a leader (党政同责, 一岗双责)."""
    scope = scope_for(user)
    units = [m.unit for m in scope.memberships if m.role == "leader" and m.unit.path]
    if not units:
        return Task.objects.none()
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(path__startswith=unit.path)
    unit_ids = list(Unit.objects.filter(q).values_list("pk", flat=True))
    return (
        Task.objects.filter(pk__in=TaskUnit.objects.filter(unit_id__in=unit_ids).values("task_id"))
        .filter(warning__in=[WarningLevel.RED, WarningLevel.OVERDUE])
        .annotate(warning_rank=WARNING_RANK)
        .order_by("warning_rank", "deadline")
    )


def public_tasks() -> QuerySet:
    """整改公示: public tasks in notice or signed off."""
    return (
        Task.objects.filter(is_public=True, status__in=[Status.IN_PUBLIC_NOTICE, Status.SIGNED_OFF])
        .select_related("campaign")
        .prefetch_related(Prefetch("task_units", queryset=TaskUnit.objects.select_related("unit")))
        .order_by("-notice_start", "campaign_id", "code")
    )


def objection_by_receipt(code: str):
    """The objection with this receipt code (回执码), for the objector's follow-up page (no
    login: the code is the proof); None for an unknown code."""
    if not code:
        return None
    return Objection.objects.select_related("task").filter(receipt_code=code).first()


def may_urge_some(user) -> bool:
    """Whether the ledger list offers the user 督办 in bulk: the office, and the people who act
    for a unit that leads a task (rules.role_allows says which task each may urge)."""
    scope = scope_for(user)
    if scope.sees_all:
        return True
    units = scope.units_with_role(*ACTING, own=True)
    return TaskUnit.objects.filter(role=UnitRole.LEAD, unit__in=units).exists()


# What 整改一张图 reads of a task: plain values for a compact JSON, no model instances.
MAP_POINT_FIELDS = ("pk", "code", "title", "status", "warning", "deadline", "site_lat", "site_lon")


def map_points(user, *, data: dict | None = None, cap: int) -> tuple[list[tuple], int, int]:
    """The filtered ledger (as :func:`ledger`) on the map: the tasks with a site as rows of
    MAP_POINT_FIELDS, worst warning and nearest deadline first, at most ``cap``; how many tasks
    have a site; how many have none."""
    tasks = ledger(user, data=data).order_by()
    sited = tasks.filter(site_lat__isnull=False, site_lon__isnull=False)
    rows = list(
        sited.annotate(map_rank=WARNING_RANK)
        .order_by("map_rank", "deadline", "pk")
        .values_list(*MAP_POINT_FIELDS)[:cap]
    )
    with_site = len(rows) if len(rows) < cap else sited.count()
    return rows, with_site, tasks.count() - with_site
