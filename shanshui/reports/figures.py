"""Every number the dashboard and the bulletin show. 统计口径

One module, so that a figure on the dashboard, in a bulletin (通报) and in its Excel annex is the
same number computed the same way. Everything is an SQL aggregate (conditional ``Count(...,
filter=Q(...))`` over ``values().annotate()``); no function loops over tasks in Python.

Definitions (docs/reports.md repeats them for users):

- **Ledger items** (``items``): tasks in the user's data scope that are neither drafts nor
  withdrawn and are not a split city task — a task that has shares counts through its shares,
  once per share. A district (or department) user counts only the items its units hold a role on.
- **completed** (整改完成，通过验收): accepted, in public notice or signed off;
  **signed off** (已销号); **in progress**: every other item (assigned, in progress, reopened,
  acceptance applied, rechecked).
- **on schedule** (序时推进): in progress and not overdue; **overdue / red / yellow / green**: the
  task's warning colour as the ledger shows it (``shanshui.ledger.warnings``, refreshed daily).
- **due**: items with a deadline that has passed (deadline before today) or that are completed;
  **on time**: due items accepted (local date of ``accepted_at``, Asia/Shanghai) on or before
  their deadline. **On-time rate** (按时完成率) = on time / due.
- **A unit's items**: items on which the unit itself holds a lead, responsible or implementing
  role (once per unit, whatever the number of roles). Roles held by units below it (towns) or by
  merged-away predecessors are not added to it: each unit is counted as the ledger names it.

Units and dates: periods are inclusive local dates (Asia/Shanghai, the project's TIME_ZONE).

How they are computed: every measure is a function of four facts of an item — its status, its
warning colour, and whether it is due and on time (two conditions on its dates). The queries
group the items by those facts (and by whatever a figure is broken down by) and count each group
once; ``_tally`` then adds the groups up into the measures, with the same definitions as the
conditions the drill-down filters by (``_conditions``). A few hundred groups instead of eleven
conditional counts per item; on PostgreSQL the groups come from an index-only scan of
``ledger_task_status_cov``. Time series bucket timestamps by comparing them with the buckets'
boundaries (``_bucket``), never converting a row's timestamp to a local date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.db.models.lookups import LessThan, LessThanOrEqual
from django.utils import timezone

from shanshui.ledger.models import (
    CATEGORY_BITS,
    ITEM_ROLES,
    Campaign,
    Category,
    Event,
    EventKind,
    Status,
    Task,
    TaskCategory,
    TaskUnit,
    UnitRole,
    UrgeNotice,
    WarningLevel,
)
from shanshui.ledger.selectors import visible_tasks, with_units
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from shanshui.orgs.scope import scope_for

COMPLETED_STATUSES = (Status.ACCEPTED, Status.IN_PUBLIC_NOTICE, Status.SIGNED_OFF)
IN_PROGRESS_STATUSES = (
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.REOPENED,
    Status.ACCEPTANCE_APPLIED,
    Status.RECHECKED,
)
NOT_ITEMS = (Status.DRAFT, Status.WITHDRAWN)
# The same, said positively (an index can look up a list of statuses, not their complement).
ITEM_STATUSES = tuple(s for s in Status if s not in NOT_ITEMS)
GROUP_ANCHOR_ROLES = {
    # Which units get a row in a ranking: districts holding any item role, municipal
    # departments that lead or are responsible for at least one item.
    "district": ITEM_ROLES,
    "department": (UnitRole.LEAD, UnitRole.RESPONSIBLE),
}
MEASURES = (
    "total",
    "completed",
    "signed_off",
    "in_progress",
    "on_schedule",
    "overdue",
    "red",
    "yellow",
    "due",
    "on_time",
    "green",
)
# Events whose status change can move an item into or out of "completed" / "signed off".
# (Drafts become items through "assigned"; withdrawn tasks are not items at all.)
STATUS_EVENT_KINDS = (
    EventKind.ACCEPTED,
    EventKind.NOTICE_STARTED,
    EventKind.SIGNED_OFF,
    EventKind.RETURNED,
    EventKind.REOPENED,
    EventKind.WITHDRAWN,
)
STEPS = ("day", "week", "month")


@dataclass(frozen=True)
class Period:
    """Inclusive local dates (Asia/Shanghai); None = open-ended."""

    start: dt.date | None
    end: dt.date | None

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """Aware datetimes [start 00:00, day after end 00:00) for filtering timestamps."""
        tz = timezone.get_default_timezone()
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz) if self.start else None
        end = (
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            if self.end
            else None
        )
        return start, end


def percent(rate: float | None) -> str:
    """A rate as the dashboard, the bulletin and its annex print it: 87.5%, or — without one."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class Counts:
    """The measures of a set of items (see the module docstring): the dashboard's, and the
    bulletin's totals and unit lines."""

    total: int = 0
    completed: int = 0
    signed_off: int = 0
    in_progress: int = 0
    on_schedule: int = 0
    overdue: int = 0
    red: int = 0
    yellow: int = 0
    due: int = 0
    on_time: int = 0
    # Beyond the shared contract: the fourth warning colour, for "warnings by category".
    green: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.total if self.total else None

    # For pages: the rates as printed, and the completion as a bar's width.
    @property
    def completion_percent(self) -> str:
        return percent(self.completion_rate)

    @property
    def on_time_percent(self) -> str:
        return percent(self.on_time_rate)

    @property
    def completion_width(self) -> int:
        return round((self.completion_rate or 0) * 100)

    def as_dict(self) -> dict:
        """The counts and both rates, e.g. for ``Bulletin.figures`` or json_script."""
        return {
            **asdict(self),
            "on_time_rate": self.on_time_rate,
            "completion_rate": self.completion_rate,
        }


@dataclass(frozen=True)
class UnitCounts:
    unit: Unit
    counts: Counts


@dataclass(frozen=True)
class SeriesPoint:
    day: dt.date  # the bucket's last day (the period's end for the last bucket)
    completed: int
    signed_off: int
    total: int

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.total if self.total else None


# --- building blocks ---------------------------------------------------------------------------

# Planner settings for the figures' queries, for their own transaction (PostgreSQL). They group
# by computed facts whose number the planner cannot estimate (it expects tens of thousands of
# groups where there are hundreds): with the defaults it sorts them, on disk, instead of hashing
# them in a few megabytes, and expects no gain from aggregating in parallel workers.
PLANNER_SETTINGS = {
    "work_mem": "32MB",  # memory for one hash or sort (default 4MB)
    "parallel_setup_cost": "10",  # default 1000
    "parallel_tuple_cost": "0.001",  # default 0.1
}


def _planner_settings(function):
    """Run ``function`` with PLANNER_SETTINGS on PostgreSQL (SET LOCAL: its transaction only)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if connection.vendor != "postgresql":
            return function(*args, **kwargs)
        with transaction.atomic(savepoint=False):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT "
                    + ", ".join("set_config(%s, %s, true)" for _setting in PLANNER_SETTINGS),
                    [value for item in PLANNER_SETTINGS.items() for value in item],
                )
            return function(*args, **kwargs)

    return wrapper


def _tz():
    return timezone.get_default_timezone()


def _item_q(user, prefix: str = "", *, campaign=None, unit=None, category=None) -> Q:
    """The condition "is a ledger item for ``user``", on a model reaching Task by ``prefix``
    ("" on Task itself, "task__" on TaskUnit, TaskCategory and Event)."""
    p = prefix
    q = Q(**{f"{p}status__in": ITEM_STATUSES}) & ~Q(
        Exists(Task.objects.filter(parent_id=OuterRef(f"{p}pk"), parent_id__isnull=False))
    )
    scope = scope_for(user)
    if not scope.sees_all:
        q &= Q(**{f"{p}pk__in": visible_tasks(user).values("pk")})
    if campaign is not None:
        q &= Q(**{f"{p}campaign": campaign})
    if category:
        q &= Q(Exists(TaskCategory.objects.filter(task=OuterRef(f"{p}pk"), category=category)))
    if unit is not None:
        if not scope.can_see_unit(unit):
            # Defence in depth: the views answer 404 before asking.
            return Q(pk__in=[])
        q &= Q(
            Exists(TaskUnit.objects.filter(task=OuterRef(f"{p}pk"), unit=unit, role__in=ITEM_ROLES))
        )
    return q


# What the measures are made of: sets of statuses, warning colours, and two date conditions.
STATUS_MEASURES = {
    "completed": COMPLETED_STATUSES,
    "signed_off": (Status.SIGNED_OFF,),
    "in_progress": IN_PROGRESS_STATUSES,
}
WARNING_MEASURES = {
    "overdue": WarningLevel.OVERDUE,
    "red": WarningLevel.RED,
    "yellow": WarningLevel.YELLOW,
    "green": WarningLevel.GREEN,
}


def _conditions(prefix: str = "", today: dt.date | None = None) -> dict[str, Q | None]:
    """One condition per measure (None: every item), on a model reaching Task by ``prefix``.
    ``_membership`` is the same definition for grouped facts: keep the two in step."""
    p = prefix
    today = today or timezone.localdate()
    conditions: dict[str, Q | None] = {"total": None}
    for name, statuses in STATUS_MEASURES.items():
        conditions[name] = Q(**{f"{p}status__in": statuses})
    conditions["on_schedule"] = conditions["in_progress"] & ~Q(
        **{f"{p}warning": WarningLevel.OVERDUE}
    )
    for name, level in WARNING_MEASURES.items():
        conditions[name] = Q(**{f"{p}warning": level})
    completed = conditions["completed"]
    has_deadline = Q(**{f"{p}deadline__isnull": False})
    accepted_in_time = LessThanOrEqual(
        TruncDate(f"{p}accepted_at", tzinfo=_tz()), F(f"{p}deadline")
    )
    conditions["due"] = has_deadline & (Q(**{f"{p}deadline__lt": today}) | completed)
    conditions["on_time"] = has_deadline & completed & Q(accepted_in_time)
    return {name: conditions[name] for name in MEASURES}


@functools.cache
def _membership(status: str, warning: str, due: bool | None, on_time: bool | None) -> tuple:
    """1 for each measure (in MEASURES order) an item with these facts counts in, else 0: the
    definitions of ``_conditions``, for items grouped by their facts."""
    in_progress = status in IN_PROGRESS_STATUSES
    flags = {
        "total": True,
        **{name: status in statuses for name, statuses in STATUS_MEASURES.items()},
        "on_schedule": in_progress and warning != WarningLevel.OVERDUE,
        **{name: warning == level for name, level in WARNING_MEASURES.items()},
        "due": bool(due),  # NULL (unknown) is not counted, as in a FILTER clause
        "on_time": bool(on_time),
    }
    return tuple(int(flags[name]) for name in MEASURES)


def _facts(prefix: str = "") -> dict:
    """The facts every measure depends on, as ``values()`` expressions to group by."""
    conditions = _conditions(prefix)
    return {
        "f_status": F(f"{prefix}status"),
        "f_warning": F(f"{prefix}warning"),
        "f_due": ExpressionWrapper(conditions["due"], output_field=BooleanField()),
        "f_on_time": ExpressionWrapper(conditions["on_time"], output_field=BooleanField()),
    }


def _grouped(qs: QuerySet, *keys, prefix: str = "", count=None, **aggregates) -> list[dict]:
    """``qs`` grouped by ``keys`` and the facts, each group with its item count ``n``."""
    return list(
        qs.values(*keys, **_facts(prefix)).annotate(n=count or Count("pk"), **aggregates).order_by()
    )


def _tally(rows: Iterable[dict]) -> Counts:
    """The measures of grouped items (rows of ``_grouped``)."""
    sums = [0] * len(MEASURES)
    for r in rows:
        n = r["n"]
        for i, flag in enumerate(
            _membership(r["f_status"], r["f_warning"], r["f_due"], r["f_on_time"])
        ):
            if flag:
                sums[i] += n
    return Counts(**dict(zip(MEASURES, sums, strict=True)))


def _tally_by(rows: Iterable[dict], key) -> dict:
    """``_tally`` for each value of ``key(row)``."""
    groups: dict = defaultdict(list)
    for r in rows:
        groups[key(r)].append(r)
    return {k: _tally(rs) for k, rs in groups.items()}


# --- public API --------------------------------------------------------------------------------


def items(user, *, campaign=None) -> QuerySet[Task]:
    """The ledger items in ``user``'s scope (see the module docstring)."""
    return Task.objects.filter(_item_q(user, campaign=campaign))


def campaigns(user) -> QuerySet[Campaign]:
    """Campaigns with at least one ledger item in ``user``'s scope (for filters)."""
    # The first item of each campaign, rather than Exists: PostgreSQL stops at that item
    # instead of reading the campaign's whole index range (a semi-join).
    first_item = items(user).filter(campaign=OuterRef("pk")).values("pk")[:1]
    return Campaign.objects.alias(first_item=Subquery(first_item)).filter(first_item__isnull=False)


@_planner_settings
def counts(user, *, campaign=None, unit=None, category=None) -> Counts:
    qs = Task.objects.filter(_item_q(user, campaign=campaign, unit=unit, category=category))
    return _tally(_grouped(qs))


def drill(user, *, campaign=None, measure: str, unit=None, category=None) -> QuerySet[Task]:
    """The items behind one number: ``drill(...).count()`` equals that field of ``counts``."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    qs = Task.objects.filter(_item_q(user, campaign=campaign, unit=unit, category=category))
    cond = _conditions()[measure]
    return qs.filter(cond) if cond is not None else qs


def _municipal(units: Iterable[Unit]) -> set[int]:
    """Ids of the departments among ``units`` that are not below a district (a 区生态环境局 is a
    department, but not a 市级部门)."""
    units = list(units)
    ancestors = {int(part) for u in units for part in u.path.split("/")[:-2] if part}
    territorial = set(
        Unit.objects.filter(pk__in=ancestors, kind__in=TERRITORIAL_KINDS).values_list(
            "pk", flat=True
        )
    )
    return {
        u.pk
        for u in units
        if not any(int(part) in territorial for part in u.path.split("/")[:-2] if part)
    }


def _rank_key(row: UnitCounts):
    rate = row.counts.on_time_rate
    return (rate is None, -(rate or 0.0), row.counts.overdue, row.unit.display_name, row.unit.pk)


GROUP_KINDS = {"district": TERRITORIAL_KINDS, "department": (UnitKind.DEPARTMENT,)}


@_planner_settings
def rankings(user, *, campaign=None, groups=("district", "department")) -> dict[str, list]:
    """``by_unit`` for several groups at once, from one query: {group: [UnitCounts, ...]}."""
    for group in groups:
        if group not in GROUP_KINDS:
            raise ValueError(f"unknown group {group!r}")
    kinds = [kind for group in groups for kind in GROUP_KINDS[group]]
    units = Unit.objects.filter(kind__in=kinds)
    scope = scope_for(user)
    if not scope.sees_all:
        units = units.filter(pk__in=scope.unit_ids())
    units = units.in_bulk()
    # A unit's items through its one item row per task (TaskUnit.item_row): plain counts.
    rows = TaskUnit.objects.filter(
        _item_q(user, "task__", campaign=campaign), item_row=True, unit_id__in=list(units)
    )
    # Only groups anchored by fewer roles than every item role need counting their rows (an
    # item row's role is the unit's preferred one: lead, then responsible).
    anchors = {
        f"anchor_{group}": Count("pk", filter=Q(role__in=GROUP_ANCHOR_ROLES[group]))
        for group in groups
        if set(GROUP_ANCHOR_ROLES[group]) != set(ITEM_ROLES)
    }
    data = _grouped(rows, "unit_id", prefix="task__", **anchors)
    by_unit_id = _tally_by(data, lambda r: r["unit_id"])
    anchored = {
        group: (
            {r["unit_id"] for r in data if r[f"anchor_{group}"]}
            if f"anchor_{group}" in anchors
            else set(by_unit_id)
        )
        for group in groups
    }
    municipal = (
        _municipal(u for u in units.values() if u.kind == UnitKind.DEPARTMENT)
        if "department" in groups
        else set()
    )
    out: dict[str, list[UnitCounts]] = {}
    for group in groups:
        kept = [
            UnitCounts(unit=units[pk], counts=c)
            for pk, c in by_unit_id.items()
            if pk in anchored[group]
            and units[pk].kind in GROUP_KINDS[group]
            and (group != "department" or pk in municipal)
        ]
        out[group] = sorted(kept, key=_rank_key)
    return out


def by_unit(user, *, campaign=None, group: str) -> list[UnitCounts]:
    """One row per district (``group="district"``: territorial units) or municipal department
    (``group="department"``), ranked by on-time rate (highest first, no rate last), then fewest
    overdue, then name. A district or department user gets only the rows of its own units."""
    return rankings(user, campaign=campaign, groups=(group,))[group]


@_planner_settings
def by_category(user, *, campaign=None) -> list[tuple[str, str, Counts]]:
    """(code, label, counts) for every category that has items, in the ledger's category order.
    An item of several categories counts once in each; items without a category are not shown.
    (From the items' ``category_bits``, which the ledger services keep equal to their rows.)"""
    rows = _grouped(items(user, campaign=campaign), "category_bits")
    out = []
    for code, label in Category.choices:
        bit = CATEGORY_BITS[code]
        mine = [r for r in rows if r["category_bits"] & bit]
        if mine:
            out.append((code, str(label), _tally(mine)))
    return out


# --- completion over time ----------------------------------------------------------------------


def _bucket_ends(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    ends = []
    day = start
    while day <= end:
        if step == "day":
            last = day
        elif step == "week":
            last = day + dt.timedelta(days=6 - day.weekday())  # Sunday
        else:
            last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
        last = min(last, end)
        ends.append(last)
        day = last + dt.timedelta(days=1)
    return ends


def _bounds(ends: list[dt.date]) -> list[dt.datetime]:
    """The instant each bucket ends: local midnight after its last day."""
    return [Period(None, end).bounds()[1] for end in ends]


class _WidthBucket(Func):
    """PostgreSQL's width_bucket(operand, thresholds): how many of the ascending thresholds
    are at or before the operand, by a binary search over one array parameter."""

    function = "width_bucket"
    output_field = IntegerField()

    def __init__(self, expression, bounds: list[dt.datetime]):
        super().__init__(expression)
        self.bounds = list(bounds)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"width_bucket({sql}, %s::timestamptz[])", [*params, self.bounds]


def _bucket(expression, bounds: list[dt.datetime]):
    """The bucket of a timestamp: how many of the ascending ``bounds`` are at or before it (0:
    within the first bucket; len(bounds): after the last). Comparisons of timestamps only, so
    no row's timestamp is converted to a local date (the costly part on a large ledger):
    width_bucket on PostgreSQL, elsewhere the same binary search written as nested CASE."""
    if connection.vendor == "postgresql":
        return _WidthBucket(expression, bounds)

    def node(lo: int, hi: int):
        if lo == hi:
            return Value(lo)
        mid = (lo + hi) // 2
        return Case(
            When(LessThan(expression, Value(bounds[mid])), then=node(lo, mid)),
            default=node(mid + 1, hi),
            output_field=IntegerField(),
        )

    return node(0, len(bounds))


def _delta(statuses) -> Sum:
    """+1 for an event entering ``statuses``, -1 for one leaving them."""

    def one_if(cond: Q):
        return Case(When(cond, then=Value(1)), default=Value(0), output_field=IntegerField())

    return Sum(
        one_if(Q(to_status__in=statuses)) - one_if(Q(from_status__in=statuses)),
        output_field=IntegerField(),
    )


# When an item came onto the ledger: its creation, or its assignment when that is recorded as
# earlier (tasks loaded with their history, such as the demo round, are dated back that way).
_ON_LEDGER = Least("created_at", Coalesce("assigned_at", "created_at"))


def _first_day(user, *, campaign) -> dt.date | None:
    """The local day the first item came onto the ledger (for a period without a start)."""
    first = items(user, campaign=campaign).aggregate(first=Min(_ON_LEDGER))["first"]
    return timezone.localtime(first, _tz()).date() if first else None


def _ledger_rows(user, *, campaign, bounds: list[dt.datetime], period: Period) -> list[dict]:
    """The items grouped by campaign, by the bucket they came onto the ledger in (``b``), by
    whether they were signed off within ``period`` (``s``) and by their facts: one pass serves
    the counts of every campaign, the list of campaigns, the series' totals and the number
    signed off in the period."""
    start, end = period.bounds()
    signed = Q(status=Status.SIGNED_OFF)
    if start:
        signed &= Q(signed_off_at__gte=start)
    if end:
        signed &= Q(signed_off_at__lt=end)
    return _grouped(
        items(user, campaign=campaign),
        "campaign_id",
        b=_bucket(_ON_LEDGER, bounds),
        s=ExpressionWrapper(signed, output_field=BooleanField()),
    )


def _changes_q(user, *, campaign) -> Q:
    """On Event: "is a status change of a ledger item in ``user``'s scope" — ``_item_q``
    without joining the tasks: the tasks that are not items (drafts, withdrawn tasks, split
    city tasks) are few, so they are left out by anti-joins, and the campaign is the event's."""
    q = Q(
        ~Exists(Task.objects.filter(pk=OuterRef("task_id"), status__in=NOT_ITEMS)),
        ~Exists(Task.objects.filter(parent_id=OuterRef("task_id"), parent_id__isnull=False)),
    )
    if not scope_for(user).sees_all:
        q &= Q(task_id__in=visible_tasks(user).values("pk"))
    if campaign is not None:
        q &= Q(campaign=campaign)
    return q


def _event_rows(user, *, campaign, bounds: list[dt.datetime]) -> list[dict]:
    """Changes to "completed" and "signed off" by campaign and bucket, after the first
    bucket (earlier ones move no point of the series). Status changes only, so that they
    are read from the index ``ledger_event_status_changes``."""
    return list(
        Event.objects.filter(
            _changes_q(user, campaign=campaign),
            kind__in=STATUS_EVENT_KINDS,
            at__gte=bounds[0],
        )
        .exclude(to_status="")
        .values("campaign_id", b=_bucket(F("at"), bounds))
        .annotate(
            completed=_delta(COMPLETED_STATUSES),
            signed_off=_delta((Status.SIGNED_OFF,)),
        )
        .order_by()
    )


def _walk_back(
    now: tuple[int, int, int], changes: dict[int, list[int]], ends: list[dt.date]
) -> list[SeriesPoint]:
    """Cumulative completed / signed off / total at each bucket end, anchored at the present:
    today's numbers (``now``), minus every change (by bucket, as ``_bucket`` numbers them)
    dated after the bucket's end."""
    done, signed, total = now
    points = []
    for k in range(len(ends) - 1, -1, -1):
        later = changes.get(k + 1)
        if later:
            done -= later[0]
            signed -= later[1]
            total -= later[2]
        points.append(SeriesPoint(ends[k], max(done, 0), max(signed, 0), max(total, 0)))
    return points[::-1]


def _series_from(
    task_rows: list[dict], event_rows: list[dict], ends: list[dt.date]
) -> dict[int, list[SeriesPoint]]:
    """The series of each campaign in ``task_rows`` (rows of ``_ledger_rows``)."""
    now: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    changes: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    completed = set(COMPLETED_STATUSES)
    for r in task_rows:
        pk, n = r["campaign_id"], r["n"]
        done = n if r["f_status"] in completed else 0
        signed = n if r["f_status"] == Status.SIGNED_OFF else 0
        totals = now[pk]
        totals[0] += done
        totals[1] += signed
        totals[2] += n
        changes[pk][r["b"]][2] += n
    for r in event_rows:
        pk = r["campaign_id"]
        if pk in now:
            change = changes[pk][r["b"]]
            change[0] += r["completed"] or 0
            change[1] += r["signed_off"] or 0
    return {pk: _walk_back(tuple(totals), changes[pk], ends) for pk, totals in now.items()}


def _series_period(user, *, campaign, period: Period) -> tuple[dt.date, dt.date]:
    """The series' first and last day: the period, within what has happened (no later than
    today; without a start, from the first item)."""
    today = timezone.localdate()
    end = min(period.end or today, today)
    start = period.start
    if start is None:
        start = _first_day(user, campaign=campaign) or end
    return start, end


def _series(user, *, campaign, period: Period, step: str) -> dict[int | None, list[SeriesPoint]]:
    """Cumulative completed / signed off / total at each bucket end, per campaign.

    Anchored at the present: the value at day D is today's count (the same aggregate as
    ``counts``) minus the status changes recorded after D in the Event table (accepted, public
    notice, signed off, returned, reopened, withdrawn — each event carries the statuses it
    moved between), and the total is today's items minus those that came onto the ledger after
    D (created, or assigned if that is recorded as earlier). So the point for today always
    equals ``counts()``, and only events after the period's first bucket are read.

    Approximations: the history is that of *today's* items (a task withdrawn later is left out
    of the past too); an item created directly in a completed state without a status event
    (e.g. by a future import) moves the past by one, clamped at zero.
    """
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    start, end = _series_period(user, campaign=campaign, period=period)
    if start > end:
        return {}
    ends = _bucket_ends(start, end, step)
    bounds = _bounds(ends)
    task_rows = _ledger_rows(user, campaign=campaign, bounds=bounds, period=period)
    if not task_rows:
        return {}
    event_rows = _event_rows(user, campaign=campaign, bounds=bounds)
    return _series_from(task_rows, event_rows, ends)


@_planner_settings
def completion_series(
    user, *, campaign=None, period: Period, step: str = "month"
) -> list[SeriesPoint]:
    """Cumulative completed, signed off and total items at the end of each day, week (ending
    Sunday) or month of the period (the last bucket ends with the period, or today if the period
    runs into the future). The last point of a period ending today equals ``counts()``."""
    series = _series(user, campaign=campaign, period=period, step=step)
    if series:
        return _combine(list(series.values()))
    return _flat(period, step)


def _flat(period: Period, step: str) -> list[SeriesPoint]:
    """No items: a flat line of zeros, so the chart still has its axis."""
    today = timezone.localdate()
    end = min(period.end or today, today)
    start = period.start or end
    return [SeriesPoint(day, 0, 0, 0) for day in _bucket_ends(start, end, step)]


def _by_campaign(series: dict, campaigns: dict) -> list[tuple[Campaign, list[SeriesPoint]]]:
    rows = [(campaigns[pk], points) for pk, points in series.items() if pk in campaigns]
    return sorted(rows, key=lambda r: (-(r[1][-1].total if r[1] else 0), r[0].pk))


@_planner_settings
def completion_series_by_campaign(
    user, *, period: Period, step: str = "month"
) -> list[tuple[Campaign, list[SeriesPoint]]]:
    """``completion_series`` for each campaign with items in scope (largest first)."""
    series = _series(user, campaign=None, period=period, step=step)
    return _by_campaign(series, Campaign.objects.in_bulk(list(series)))


def auto_step(period: Period) -> str:
    """Monthly points, or weekly / daily ones when the period is too short for months."""
    today = timezone.localdate()
    end = min(period.end or today, today)
    if period.start is None:
        return "month"
    days = (end - period.start).days
    if days <= 45:
        return "day"
    if days <= 120:
        return "week"
    return "month"


@dataclass(frozen=True)
class Overview:
    """What the dashboard's top half shows, from one pass over the items and one over events."""

    period: Period  # the period used (its start filled in when none was given)
    step: str
    counts: Counts  # of the campaign chosen, or of all
    campaigns: list[tuple[Campaign, Counts]]  # every campaign with items in scope
    series: list[SeriesPoint]
    series_by_campaign: list[tuple[Campaign, list[SeriesPoint]]]  # only for all campaigns
    signed_off_in_period: int


@_planner_settings
def overview(user, *, campaign=None, period: Period, step: str | None = None) -> Overview:
    """``counts``, ``campaigns`` (with their counts, newest feedback first),
    ``completion_series`` (and, for all campaigns, ``completion_series_by_campaign``) and
    ``newly_signed_off(...).count()`` at once: the same numbers as those functions, from one
    aggregate query over the items and one over the events instead of a dozen passes over the
    ledger.

    A period without a start runs from the campaign's feedback date (the earliest of the
    campaigns with items for all campaigns; else from the first item); without an end, to
    today. ``step`` None: chosen from the period's length (``auto_step``). A campaign without
    items in scope has zero counts and a flat series.
    """
    today = timezone.localdate()
    campaign_objects = {c.pk: c for c in campaigns(user)}
    chosen_pk = getattr(campaign, "pk", campaign)
    if campaign is not None and chosen_pk not in campaign_objects:
        chosen_pk = None  # nothing of it in scope: zero counts, a flat series
    if period.start is None:
        feedback = [
            c.feedback_date
            for pk, c in campaign_objects.items()
            if c.feedback_date and (campaign is None or pk == chosen_pk)
        ]
        start = min(feedback, default=None)
        if start is None and (campaign is None or chosen_pk is not None):
            start = _first_day(user, campaign=campaign)
        start = start or period.end or today
        period = Period(min(start, period.end or today), period.end or today)
    step = step or auto_step(period)
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    end = min(period.end or today, today)
    ends = _bucket_ends(period.start, end, step) if period.start <= end else []
    rows = (
        _ledger_rows(user, campaign=None, bounds=_bounds(ends), period=period)
        if campaign_objects
        else []
    )
    by_campaign = _tally_by(rows, lambda r: r["campaign_id"])
    chosen = rows if campaign is None else [r for r in rows if r["campaign_id"] == chosen_pk]
    series = {}
    if chosen and ends:
        event_rows = _event_rows(
            user, campaign=campaign if chosen_pk else None, bounds=_bounds(ends)
        )
        series = _series_from(chosen, event_rows, ends)
    listed = sorted(
        ((campaign_objects[pk], c) for pk, c in by_campaign.items()),
        key=lambda cc: (cc[0].feedback_date or dt.date.min, cc[0].pk),
        reverse=True,
    )
    return Overview(
        period=period,
        step=step,
        counts=_tally(chosen),
        campaigns=listed,
        series=_combine(list(series.values())) if series else _flat(period, step),
        series_by_campaign=_by_campaign(series, campaign_objects) if campaign is None else [],
        signed_off_in_period=sum(r["n"] for r in chosen if r["s"]),
    )


def _combine(series: list[list[SeriesPoint]]) -> list[SeriesPoint]:
    """Point by point sums of series with the same bucket ends."""
    return [
        SeriesPoint(
            points[0].day,
            sum(p.completed for p in points),
            sum(p.signed_off for p in points),
            sum(p.total for p in points),
        )
        for points in zip(*series, strict=True)
    ]


# --- lists for the bulletin --------------------------------------------------------------------


def overdue_and_red(user, *, campaign=None) -> QuerySet[Task]:
    """Overdue, then red items, each by deadline, with campaign and units prefetched."""
    return (
        with_units(items(user, campaign=campaign))
        .filter(warning__in=[WarningLevel.OVERDUE, WarningLevel.RED])
        # "overdue" sorts before "red": the order of the index ledger_task_overdue_red, which
        # serves the first rows without sorting every overdue and red task.
        .order_by("warning", "deadline", "campaign_id", "code")
    )


def newly_signed_off(user, *, campaign=None, period: Period) -> QuerySet[Task]:
    """Items signed off within the period (local dates), in order of sign-off."""
    start, end = period.bounds()
    qs = items(user, campaign=campaign).filter(status=Status.SIGNED_OFF)
    if start:
        qs = qs.filter(signed_off_at__gte=start)
    if end:
        qs = qs.filter(signed_off_at__lt=end)
    return with_units(qs).order_by("signed_off_at", "campaign_id", "code")


def urges_issued(user, *, campaign=None, period: Period) -> QuerySet[UrgeNotice]:
    """Urge notices (督办单) issued within the period on tasks the user sees directly.

    The office sees all of them (also those sent about a split city task as a whole); another
    user sees those on tasks its units hold a role on — not what passed between the office and
    other districts about a city task it sees through its share (as on the task page).
    """
    scope = scope_for(user)
    qs = UrgeNotice.objects.all()
    if not scope.sees_all:
        qs = qs.filter(
            Exists(TaskUnit.objects.filter(task=OuterRef("task_id"), unit_id__in=scope.unit_ids()))
        )
    if campaign is not None:
        qs = qs.filter(task__campaign=campaign)
    start, end = period.bounds()
    if start:
        qs = qs.filter(issued_at__gte=start)
    if end:
        qs = qs.filter(issued_at__lt=end)
    return qs.select_related("task", "task__campaign", "to_unit").order_by("issued_at", "pk")


__all__ = [
    "MEASURES",
    "Counts",
    "Overview",
    "Period",
    "SeriesPoint",
    "UnitCounts",
    "by_category",
    "by_unit",
    "campaigns",
    "completion_series",
    "completion_series_by_campaign",
    "counts",
    "drill",
    "items",
    "newly_signed_off",
    "overdue_and_red",
    "overview",
    "percent",
    "rankings",
    "urges_issued",
]
