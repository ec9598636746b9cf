"""Public statistics of cases: by type, district, finding, month and channel. 举报统计

Only public cases count (:func:`public.public_complaints`); findings only where the handling
result is published. The page reads a summary the services keep, never the cases: each
:class:`ComplaintStat` row counts the public cases of one (Chongqing month, district) by one
facet value — a status, a channel, a finding, a type — so the statistics of a million cases are
three grouped queries over a few thousand rows, whatever the cache holds.

How the summary stays exact:

- every action locks its case first (``services.FLOW.lock``); :func:`remember` notes there what
  the locked row counts under (:func:`contributions`, a set of bucket keys);
- every event the action writes calls :func:`follow` (``FLOW.after_record``), which compares the
  case as it is now with what it was counted under and moves it: ``n = n - 1`` on the buckets it
  leaves, ``n = n + 1`` on those it joins, in the action's transaction. ``UPDATE … SET n = n + 1``
  is safe under concurrency (the second writer waits for the row); a bucket not there yet is
  first inserted with ``ON CONFLICT DO NOTHING`` on the unique key, then incremented;
- paths that write cases in bulk behind the services (the demo loader, the benchmark, data
  repairs) call :func:`rebuild`, which recounts from the cases — also ``manage.py
  rebuild_complaint_stats`` and the migration that created the table. :func:`recount` computes
  the statistics straight from the cases, for ``rebuild_complaint_stats --check`` and the tests.

The result holds codes and numbers only (labels are translated when shown), and is cached
briefly under its filters (it is cheap without the cache; the cache spares a busy front page).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, DateField, F, Max, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shanshui.complaints import public
from shanshui.complaints.models import (
    CATEGORY_BITS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    Complaint,
    ComplaintCategory,
    ComplaintStat,
    StatFacet,
    Status,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CACHE_SECONDS = 60
CACHE_VERSION = 2


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    district_id: int | None = None

    @property
    def cache_key(self) -> str:
        return f"complaints:stats:v{CACHE_VERSION}:{self.year or '-'}:{self.district_id or '-'}"


@dataclass
class Stats:
    total: int = 0
    open: int = 0
    closed: int = 0
    published: int = 0
    by_category: list[tuple[str, int]] = field(default_factory=list)  # (category code, n)
    by_district: list[tuple[int | None, str, int]] = field(default_factory=list)  # (pk, name, n)
    by_finding: list[tuple[str, int]] = field(default_factory=list)  # ("" = not recorded)
    by_month: list[tuple[str, int]] = field(default_factory=list)  # ("2025-03", n), no gaps
    by_channel: list[tuple[str, int]] = field(default_factory=list)


_FINDING_ORDER = {"true": 0, "partly": 1, "false": 2, "": 3}


# --- the summary's buckets --------------------------------------------------------------------

# (month's first day in Chongqing, district id or None, facet, value)
Bucket = tuple[dt.date, int | None, str, str]


def month_of(when: dt.datetime) -> dt.date:
    return timezone.localtime(when, SHANGHAI).date().replace(day=1)


def contributions(c: Complaint) -> frozenset[Bucket]:
    """The buckets a case counts in: none unless public; else its status and channel, its
    finding once published, and each of its types."""
    if not public.is_public(c):
        return frozenset()
    month, district = month_of(c.received_at), c.district_id
    out = {
        (month, district, StatFacet.STATUS.value, c.status),
        (month, district, StatFacet.CHANNEL.value, c.channel),
    }
    if c.status == Status.PUBLISHED:
        out.add((month, district, StatFacet.FINDING.value, c.finding))
    for code, bit in CATEGORY_BITS.items():
        if c.category_bits & bit:
            out.add((month, district, StatFacet.CATEGORY.value, str(code)))
    return frozenset(out)


def bucket_key(b: Bucket) -> str:
    month, district, facet, value = b
    return f"{month:%Y-%m}/{district or '-'}/{facet}/{value}"


def remember(c: Complaint, *, new: bool = False) -> None:
    """Note what the locked case counts under before the action changes it (``new``: a case
    just inserted, counted nowhere yet)."""
    c._stats_counted = frozenset() if new else contributions(c)


def follow(c: Complaint, _event=None) -> None:
    """Move the case to the buckets it counts in now (called with every event it gets)."""
    try:
        before = c._stats_counted
    except AttributeError:
        raise RuntimeError(
            "A case changed without the workflow lock: its statistics cannot follow it."
        ) from None
    now = contributions(c)
    if now == before:
        return
    deltas = Counter({b: -1 for b in before - now})
    deltas.update({b: 1 for b in now - before})
    apply(deltas)
    c._stats_counted = now


def apply(deltas: Counter) -> None:
    """Add each delta to its bucket, creating the buckets not there yet. In key order, so two
    actions touching the same buckets lock them in the same order (no deadlock)."""
    for key, bucket, d in sorted((bucket_key(b), b, d) for b, d in deltas.items() if d):
        if ComplaintStat.objects.filter(key=key).update(n=F("n") + d):
            continue
        month, district, facet, value = bucket
        ComplaintStat.objects.bulk_create(
            [
                ComplaintStat(
                    key=key, month=month, district_id=district, facet=facet, value=value, n=0
                )
            ],
            ignore_conflicts=True,
        )
        ComplaintStat.objects.filter(key=key).update(n=F("n") + d)


def recounted_buckets(complaint_model=Complaint) -> Counter:
    """Every bucket's count straight from the cases (grouped in SQL: one pass per facet)."""
    qs = public.public_complaints(complaint_model).annotate(
        month=TruncMonth("received_at", tzinfo=SHANGHAI, output_field=DateField())
    )
    counts: Counter = Counter()
    facets = (
        (StatFacet.STATUS, qs, "status"),
        (StatFacet.CHANNEL, qs, "channel"),
        (StatFacet.FINDING, qs.filter(status=Status.PUBLISHED), "finding"),
    )
    for facet, rows, name in facets:
        for r in rows.values("month", "district", name).annotate(n=Count("pk")).order_by():
            counts[(r["month"], r["district"], facet.value, r[name])] += r["n"]
    rows = qs.values("month", "district", "category_bits").annotate(n=Count("pk")).order_by()
    for r in rows:
        for code, bit in CATEGORY_BITS.items():
            if r["category_bits"] & bit:
                counts[(r["month"], r["district"], StatFacet.CATEGORY.value, str(code))] += r["n"]
    return counts


def rebuild(*, complaint_model=Complaint, stat_model=ComplaintStat) -> int:
    """Recount the whole summary from the cases (idempotent); returns the number of buckets.

    On PostgreSQL the summary is locked against the services' increments while it is rebuilt:
    an action that already moved its case has committed before the recount reads the cases,
    and one that has not yet waits and then applies its change to the recounted numbers.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {stat_model._meta.db_table} IN EXCLUSIVE MODE")
        counts = recounted_buckets(complaint_model)
        stat_model.objects.all().delete()
        stat_model.objects.bulk_create(
            (
                stat_model(
                    key=bucket_key(b), month=b[0], district_id=b[1], facet=b[2], value=b[3], n=n
                )
                for b, n in counts.items()
                if n
            ),
            batch_size=2000,
        )
    return sum(1 for n in counts.values() if n)


def summary_buckets() -> Counter:
    """The summary as it stands, as :func:`recounted_buckets` gives it (zero rows left out)."""
    return Counter(
        {
            (r.month, r.district_id, r.facet, r.value): r.n
            for r in ComplaintStat.objects.exclude(n=0)
        }
    )


# --- reading ----------------------------------------------------------------------------------


def cases(filters: Filters) -> QuerySet:
    """The public cases the statistics count, with the filters applied."""
    qs = public.public_complaints()
    if filters.year:
        start = dt.datetime(filters.year, 1, 1, tzinfo=SHANGHAI)
        end = dt.datetime(filters.year + 1, 1, 1, tzinfo=SHANGHAI)
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    if filters.district_id:
        qs = qs.filter(district_id=filters.district_id)
    return qs


def _buckets(filters: Filters) -> QuerySet:
    qs = ComplaintStat.objects.filter(n__gt=0)
    if filters.year:
        qs = qs.filter(
            month__gte=dt.date(filters.year, 1, 1), month__lt=dt.date(filters.year + 1, 1, 1)
        )
    if filters.district_id:
        qs = qs.filter(district_id=filters.district_id)
    return qs


def _months(first: dt.date, last: dt.date) -> list[str]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _month_series(counts: dict[str, int], filters: Filters) -> list[tuple[str, int]]:
    if not counts:
        return []
    keys = sorted(counts)
    first = dt.date(int(keys[0][:4]), int(keys[0][5:]), 1)
    last = dt.date(int(keys[-1][:4]), int(keys[-1][5:]), 1)
    if filters.year:
        first, last = dt.date(filters.year, 1, 1), max(last, dt.date(filters.year, 1, 1))
    return [(m, counts.get(m, 0)) for m in _months(first, last)]


def _assemble(
    stats: Stats,
    filters: Filters,
    *,
    status: dict[str, int],
    category: dict[str, int],
    finding: dict[str, int],
    channel: dict[str, int],
    months: dict[str, int],
) -> Stats:
    stats.total = sum(status.values())
    stats.open = sum(n for s, n in status.items() if s in OPEN_STATUSES)
    stats.closed = sum(n for s, n in status.items() if s in CLOSED_STATUSES)
    stats.published = status.get(Status.PUBLISHED, 0)
    order = {code: i for i, code in enumerate(public_category_order())}
    stats.by_category = sorted(
        ((c, n) for c, n in category.items() if n), key=lambda p: (-p[1], order.get(p[0], 99))
    )
    stats.by_finding = sorted(
        ((f, n) for f, n in finding.items() if n), key=lambda p: _FINDING_ORDER.get(p[0], 9)
    )
    stats.by_channel = sorted(
        ((c, n) for c, n in channel.items() if n), key=lambda p: (-p[1], p[0])
    )
    stats.by_month = _month_series(months, filters)
    return stats


def compute(filters: Filters) -> Stats:
    """The statistics from the summary: three grouped queries over its rows."""
    rows = _buckets(filters)
    facets: dict[str, dict[str, int]] = {f.value: {} for f in StatFacet}
    for r in rows.values("facet", "value").annotate(total=Sum("n")).order_by():
        facets[r["facet"]][r["value"]] = r["total"]
    stats = Stats()
    if not sum(facets[StatFacet.STATUS].values()):
        return stats
    statuses = rows.filter(facet=StatFacet.STATUS)
    by_district = (
        statuses.values("district", "district__short_name", "district__name")
        .annotate(total=Sum("n"))
        .order_by("-total", "district__admin_code", "district__name")
    )
    stats.by_district = [
        (r["district"], r["district__short_name"] or r["district__name"] or "", r["total"])
        for r in by_district
    ]
    months = {
        f"{r['month']:%Y-%m}": r["total"]
        for r in statuses.values("month").annotate(total=Sum("n")).order_by()
    }
    return _assemble(
        stats,
        filters,
        status=facets[StatFacet.STATUS],
        category=facets[StatFacet.CATEGORY],
        finding=facets[StatFacet.FINDING],
        channel=facets[StatFacet.CHANNEL],
        months=months,
    )


def recount(filters: Filters) -> Stats:
    """The same statistics counted from the cases themselves (slow at scale: for checking the
    summary, never for a page)."""
    qs = cases(filters)
    status = dict(qs.values_list("status").annotate(n=Count("pk")).order_by())
    stats = Stats()
    if not sum(status.values()):
        return stats
    category = dict(
        ComplaintCategory.objects.filter(complaint__in=qs)
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = (
        qs.values("district", "district__short_name", "district__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "district__admin_code", "district__name")
    )
    stats.by_district = [
        (r["district"], r["district__short_name"] or r["district__name"] or "", r["n"])
        for r in rows
    ]
    finding = dict(
        qs.filter(status=Status.PUBLISHED).values_list("finding").annotate(n=Count("pk")).order_by()
    )
    channel = dict(qs.values_list("channel").annotate(n=Count("pk")).order_by())
    months = {
        f"{r['month']:%Y-%m}": r["n"]
        for r in qs.annotate(
            month=TruncMonth("received_at", tzinfo=SHANGHAI, output_field=DateField())
        )
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    }
    return _assemble(
        stats,
        filters,
        status=status,
        category=category,
        finding=finding,
        channel=channel,
        months=months,
    )


def public_category_order() -> list[str]:
    return list(Category.values)


def get(filters: Filters) -> Stats:
    """:func:`compute`, cached for :data:`CACHE_SECONDS` under the filters."""
    found = cache.get(filters.cache_key)
    if isinstance(found, Stats):
        return found
    stats = compute(filters)
    cache.set(filters.cache_key, stats, CACHE_SECONDS)
    return stats


def years() -> list[int]:
    """The years with public cases, newest first (for the year filter)."""
    key = f"complaints:stats:v{CACHE_VERSION}:years"
    found = cache.get(key)
    if found is not None:
        return found
    span = ComplaintStat.objects.filter(facet=StatFacet.STATUS, n__gt=0).aggregate(
        first=Min("month"), last=Max("month")
    )
    if span["first"] is None:
        out = [timezone.localdate().year]
    else:
        out = list(range(span["last"].year, span["first"].year - 1, -1))
    cache.set(key, out, CACHE_SECONDS)
    return out
