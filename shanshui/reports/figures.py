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
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from shanshui.ledger.models import (
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
from shanshui.ledger.selectors import WARNING_RANK, with_units
from shanshui.ledger.services import visible_tasks
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
# The roles that make an item "a unit's item" (a lead, responsible or implementing unit).
ITEM_ROLES = (UnitRole.LEAD, UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)
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


@dataclass(frozen=True)
class Counts:
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


def _tz():
    return timezone.get_default_timezone()


def _item_q(user, prefix: str = "", *, campaign=None, unit=None, category=None) -> Q:
    """The condition "is a ledger item for ``user``", on a model reaching Task by ``prefix``
    ("" on Task itself, "task__" on TaskUnit, TaskCategory and Event)."""
    p = prefix
    q = ~Q(**{f"{p}status__in": NOT_ITEMS}) & ~Q(
        Exists(Task.objects.filter(parent_id=OuterRef(f"{p}pk")))
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


def _conditions(prefix: str = "", today: dt.date | None = None) -> dict[str, Q | None]:
    """One condition per measure (None: every item), on a model reaching Task by ``prefix``."""
    p = prefix
    today = today or timezone.localdate()
    completed = Q(**{f"{p}status__in": COMPLETED_STATUSES})
    in_progress = Q(**{f"{p}status__in": IN_PROGRESS_STATUSES})
    has_deadline = Q(**{f"{p}deadline__isnull": False})
    due = has_deadline & (Q(**{f"{p}deadline__lt": today}) | completed)
    accepted_in_time = LessThanOrEqual(
        TruncDate(f"{p}accepted_at", tzinfo=_tz()), F(f"{p}deadline")
    )
    return {
        "total": None,
        "completed": completed,
        "signed_off": Q(**{f"{p}status": Status.SIGNED_OFF}),
        "in_progress": in_progress,
        "on_schedule": in_progress & ~Q(**{f"{p}warning": WarningLevel.OVERDUE}),
        "overdue": Q(**{f"{p}warning": WarningLevel.OVERDUE}),
        "red": Q(**{f"{p}warning": WarningLevel.RED}),
        "yellow": Q(**{f"{p}warning": WarningLevel.YELLOW}),
        "green": Q(**{f"{p}warning": WarningLevel.GREEN}),
        "due": due,
        "on_time": has_deadline & completed & Q(accepted_in_time),
    }


def _count_aggregates(prefix: str = "", *, field: str = "pk", distinct: bool = False) -> dict:
    return {
        name: Count(field, filter=cond, distinct=distinct)
        for name, cond in _conditions(prefix).items()
    }


def _counts_from(row: dict) -> Counts:
    return Counts(**{name: int(row.get(name) or 0) for name in MEASURES})


# --- public API --------------------------------------------------------------------------------


def items(user, *, campaign=None) -> QuerySet[Task]:
    """The ledger items in ``user``'s scope (see the module docstring)."""
    return Task.objects.filter(_item_q(user, campaign=campaign))


def campaigns(user) -> QuerySet[Campaign]:
    """Campaigns with at least one ledger item in ``user``'s scope (for filters)."""
    return Campaign.objects.filter(pk__in=items(user).values("campaign_id"))


def counts(user, *, campaign=None, unit=None, category=None) -> Counts:
    row = Task.objects.filter(
        _item_q(user, campaign=campaign, unit=unit, category=category)
    ).aggregate(**_count_aggregates())
    return _counts_from(row)


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


def rankings(user, *, campaign=None, groups=("district", "department")) -> dict[str, list]:
    """``by_unit`` for several groups at once, from one query: {group: [UnitCounts, ...]}."""
    for group in groups:
        if group not in GROUP_KINDS:
            raise ValueError(f"unknown group {group!r}")
    kinds = [kind for group in groups for kind in GROUP_KINDS[group]]
    rows = TaskUnit.objects.filter(
        _item_q(user, "task__", campaign=campaign),
        role__in=ITEM_ROLES,
        unit__kind__in=kinds,
    )
    scope = scope_for(user)
    if not scope.sees_all:
        rows = rows.filter(unit_id__in=scope.unit_ids())
    anchors = {
        f"anchor_{group}": Count("pk", filter=Q(role__in=GROUP_ANCHOR_ROLES[group]))
        for group in groups
    }
    data = list(
        rows.values("unit_id")
        # Distinct tasks: a unit holding two roles on one task counts it once.
        .annotate(**_count_aggregates("task__", field="task_id", distinct=True), **anchors)
        .order_by()
    )
    units = Unit.objects.in_bulk([r["unit_id"] for r in data])
    municipal = (
        _municipal(u for u in units.values() if u.kind == UnitKind.DEPARTMENT)
        if "department" in groups
        else set()
    )
    out: dict[str, list[UnitCounts]] = {}
    for group in groups:
        kept = [
            UnitCounts(unit=units[r["unit_id"]], counts=_counts_from(r))
            for r in data
            if r[f"anchor_{group}"]
            and units[r["unit_id"]].kind in GROUP_KINDS[group]
            and (group != "department" or r["unit_id"] in municipal)
        ]
        out[group] = sorted(kept, key=_rank_key)
    return out


def by_unit(user, *, campaign=None, group: str) -> list[UnitCounts]:
    """One row per district (``group="district"``: territorial units) or municipal department
    (``group="department"``), ranked by on-time rate (highest first, no rate last), then fewest
    overdue, then name. A district or department user gets only the rows of its own units."""
    return rankings(user, campaign=campaign, groups=(group,))[group]


def by_category(user, *, campaign=None) -> list[tuple[str, str, Counts]]:
    """(code, label, counts) for every category that has items, in the ledger's category order.
    An item of several categories counts once in each; items without a category are not shown."""
    data = {
        r["category"]: r
        for r in TaskCategory.objects.filter(_item_q(user, "task__", campaign=campaign))
        .values("category")
        .annotate(**_count_aggregates("task__", field="task_id"))
        .order_by()
    }
    return [
        (code, str(label), _counts_from(data[code]))
        for code, label in Category.choices
        if code in data and data[code]["total"]
    ]


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
SERIES_MEASURES = ("total", "completed", "signed_off")


def _task_rows(user, *, campaign, measures=MEASURES) -> list[dict]:
    """Items grouped by campaign and by the local day they came onto the ledger, with the
    ``measures`` counted in each group. One pass over the items serves the counts, the list of
    campaigns and the series' totals."""
    every = _count_aggregates()
    return list(
        Task.objects.filter(_item_q(user, campaign=campaign))
        .annotate(day=TruncDate(_ON_LEDGER, tzinfo=_tz()))
        .values("campaign_id", "day")
        .annotate(**{name: every[name] for name in measures})
        .order_by()
    )


def _event_rows(user, *, campaign, since: dt.date) -> list[dict]:
    """Changes to "completed" and "signed off" by campaign and local day, since ``since``."""
    start, _end = Period(since, None).bounds()
    return list(
        Event.objects.filter(
            _item_q(user, "task__", campaign=campaign), kind__in=STATUS_EVENT_KINDS, at__gte=start
        )
        .annotate(day=TruncDate("at", tzinfo=_tz()), campaign_id=F("task__campaign_id"))
        .values("campaign_id", "day")
        .annotate(
            completed=_delta(COMPLETED_STATUSES),
            signed_off=_delta((Status.SIGNED_OFF,)),
        )
        .order_by()
    )


def _sum_counts(rows: Iterable[dict]) -> Counts:
    totals = dict.fromkeys(MEASURES, 0)
    for r in rows:
        for name in MEASURES:
            totals[name] += r.get(name) or 0
    return Counts(**totals)


def _walk_back(
    task_rows: list[dict], event_rows: list[dict], ends: list[dt.date]
) -> list[SeriesPoint]:
    """Cumulative completed / signed off / total at each bucket end, anchored at the present:
    today's numbers, minus every change dated after the bucket's end."""
    done = sum(r["completed"] for r in task_rows)
    signed = sum(r["signed_off"] for r in task_rows)
    total = sum(r["total"] for r in task_rows)
    changes: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in event_rows:
        changes[r["day"]][0] += r["completed"] or 0
        changes[r["day"]][1] += r["signed_off"] or 0
    for r in task_rows:
        changes[r["day"]][2] += r["total"]
    days = sorted(changes.items(), reverse=True)
    points, i = [], 0
    for bucket_end in reversed(ends):
        while i < len(days) and days[i][0] > bucket_end:
            done -= days[i][1][0]
            signed -= days[i][1][1]
            total -= days[i][1][2]
            i += 1
        points.append(SeriesPoint(bucket_end, max(done, 0), max(signed, 0), max(total, 0)))
    return points[::-1]


def _series_range(task_rows: list[dict], period: Period) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    end = min(period.end or today, today)
    start = period.start
    if start is None:
        start = min((r["day"] for r in task_rows if r["day"]), default=end)
    return start, end


def _series(
    user, *, campaign, period: Period, step: str, by_campaign: bool
) -> dict[int | None, list[SeriesPoint]]:
    """Cumulative completed / signed off / total at each bucket end, per campaign or overall.

    Anchored at the present: the value at day D is today's count (the same aggregate as
    ``counts``) minus the status changes recorded after D in the Event table (accepted, public
    notice, signed off, returned, reopened, withdrawn — each event carries the statuses it
    moved between), and the total is today's items minus those that came onto the ledger after
    D (created, or assigned if that is recorded as earlier). So the point for today always
    equals ``counts()``, and only events after the period's start are read.

    Approximations: the history is that of *today's* items (a task withdrawn later is left out
    of the past too); an item created directly in a completed state without a status event
    (e.g. by a future import) moves the past by one, clamped at zero.
    """
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    task_rows = _task_rows(user, campaign=campaign, measures=SERIES_MEASURES)
    return _series_from(
        task_rows, user, campaign=campaign, period=period, step=step, by_campaign=by_campaign
    )


def _series_from(
    task_rows, user, *, campaign, period: Period, step: str, by_campaign: bool
) -> dict[int | None, list[SeriesPoint]]:
    start, end = _series_range(task_rows, period)
    if start > end or not task_rows:
        return {}
    event_rows = _event_rows(user, campaign=campaign, since=start)
    ends = _bucket_ends(start, end, step)
    if not by_campaign:
        return {None: _walk_back(task_rows, event_rows, ends)}
    tasks_by, events_by = defaultdict(list), defaultdict(list)
    for r in task_rows:
        tasks_by[r["campaign_id"]].append(r)
    for r in event_rows:
        events_by[r["campaign_id"]].append(r)
    return {pk: _walk_back(rows, events_by[pk], ends) for pk, rows in tasks_by.items()}


def completion_series(
    user, *, campaign=None, period: Period, step: str = "month"
) -> list[SeriesPoint]:
    """Cumulative completed, signed off and total items at the end of each day, week (ending
    Sunday) or month of the period (the last bucket ends with the period, or today if the period
    runs into the future). The last point of a period ending today equals ``counts()``."""
    series = _series(user, campaign=campaign, period=period, step=step, by_campaign=False)
    if None in series:
        return series[None]
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


def completion_series_by_campaign(
    user, *, period: Period, step: str = "month"
) -> list[tuple[Campaign, list[SeriesPoint]]]:
    """``completion_series`` for each campaign with items in scope (largest first)."""
    series = _series(user, campaign=None, period=period, step=step, by_campaign=True)
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


def overview(user, *, campaign=None, period: Period, step: str | None = None) -> Overview:
    """``counts``, ``campaigns`` (with their counts, newest feedback first),
    ``completion_series`` (and, for all campaigns, ``completion_series_by_campaign``) and
    ``newly_signed_off(...).count()`` at once: the same numbers as those functions, from three
    aggregate queries instead of a dozen passes over the ledger.

    A period without a start runs from the campaign's feedback date (the earliest of the
    campaigns with items for all campaigns; else from the first item); without an end, to
    today. ``step`` None: chosen from the period's length (``auto_step``). A campaign without
    items in scope has zero counts and a flat series.
    """
    today = timezone.localdate()
    rows = _task_rows(user, campaign=None)
    by_pk: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        by_pk[r["campaign_id"]].append(r)
    campaign_objects = Campaign.objects.in_bulk(list(by_pk))
    chosen_pk = getattr(campaign, "pk", campaign)
    chosen = rows if campaign is None else by_pk.get(chosen_pk, [])
    if period.start is None:
        feedback = [
            c.feedback_date
            for pk, c in campaign_objects.items()
            if c.feedback_date and (campaign is None or pk == chosen_pk)
        ]
        start = min(feedback, default=None) or _series_range(chosen, period)[0]
        period = Period(min(start, period.end or today), period.end or today)
    step = step or auto_step(period)
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    in_period = (
        newly_signed_off(user, campaign=campaign, period=period).order_by().count() if chosen else 0
    )
    series = _series_from(
        chosen, user, campaign=campaign, period=period, step=step, by_campaign=True
    )
    listed = sorted(
        ((campaign_objects[pk], _sum_counts(rs)) for pk, rs in by_pk.items()),
        key=lambda cc: (cc[0].feedback_date or dt.date.min, cc[0].pk),
        reverse=True,
    )
    return Overview(
        period=period,
        step=step,
        counts=_sum_counts(chosen),
        campaigns=listed,
        series=_combine(list(series.values())) if series else _flat(period, step),
        series_by_campaign=_by_campaign(series, campaign_objects) if campaign is None else [],
        signed_off_in_period=in_period,
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
        .annotate(warning_rank=WARNING_RANK)
        .order_by("warning_rank", "deadline", "campaign_id", "code")
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
    "rankings",
    "urges_issued",
]
