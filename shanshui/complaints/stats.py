"""Public statistics of cases: by type, district, finding, month and channel. 举报统计

Only public cases count (:func:`public.public_complaints`); findings only where the handling
result is published. Every number is one SQL aggregate (``values().annotate(Count)``, months
with ``TruncMonth`` in Asia/Shanghai): no row is loaded into Python, so a million cases cost a
few grouped scans. The result holds codes and numbers only (labels are translated when shown),
and is cached briefly under its filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from shanshui.complaints import public
from shanshui.complaints.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Category,
    ComplaintCategory,
    Status,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CACHE_SECONDS = 60
CACHE_VERSION = 1


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


def _months(first: dt.date, last: dt.date) -> list[str]:
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def compute(filters: Filters) -> Stats:
    qs = cases(filters)
    totals = qs.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        closed=Count("pk", filter=Q(status__in=CLOSED_STATUSES)),
        published=Count("pk", filter=Q(status=Status.PUBLISHED)),
    )
    stats = Stats(**totals)
    if not stats.total:
        return stats

    order = {code: i for i, code in enumerate(public_category_order())}
    rows = (
        ComplaintCategory.objects.filter(complaint__in=qs)
        .values("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    stats.by_category = sorted(
        ((r["category"], r["n"]) for r in rows), key=lambda p: (-p[1], order.get(p[0], 99))
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

    rows = (
        qs.filter(status=Status.PUBLISHED)
        .values("finding")
        .annotate(n=Count("pk"))
        .order_by("finding")
    )
    finding_order = {"true": 0, "partly": 1, "false": 2, "": 3}
    stats.by_finding = sorted(
        ((r["finding"], r["n"]) for r in rows), key=lambda p: finding_order.get(p[0], 9)
    )

    rows = (
        qs.annotate(month=TruncMonth("received_at", tzinfo=SHANGHAI))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    counts = {}
    for r in rows:  # one row per month, not per case
        month = r["month"]
        if timezone.is_aware(month):
            month = timezone.localtime(month, SHANGHAI)
        counts[f"{month:%Y-%m}"] = r["n"]
    if counts:
        keys = sorted(counts)
        first = dt.date(int(keys[0][:4]), int(keys[0][5:]), 1)
        last = dt.date(int(keys[-1][:4]), int(keys[-1][5:]), 1)
        if filters.year:
            first, last = dt.date(filters.year, 1, 1), max(last, dt.date(filters.year, 1, 1))
        stats.by_month = [(m, counts.get(m, 0)) for m in _months(first, last)]

    rows = qs.values("channel").annotate(n=Count("pk")).order_by("-n", "channel")
    stats.by_channel = [(r["channel"], r["n"]) for r in rows]
    return stats


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
    span = public.public_complaints().aggregate(first=Min("received_at"), last=Max("received_at"))
    if span["first"] is None:
        out = [timezone.localdate().year]
    else:
        first = timezone.localtime(span["first"], SHANGHAI).year
        last = timezone.localtime(span["last"], SHANGHAI).year
        out = list(range(last, first - 1, -1))
    cache.set(key, out, CACHE_SECONDS)
    return out
