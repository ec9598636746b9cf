"""The public front door: what a visitor not logged in sees at ``/``. 公众首页

Report a problem, follow a report, the published rectification results, the statistics and a
map of the public cases, and the way in for staff (登录). It reads only what the public pages
read — cases through :mod:`shanshui.complaints.public` (approved by the office: 先审后发), tasks
through the ledger's public selector (in public notice or signed off) — and shows the cases in
their public representation, so nothing waiting for review or internal reaches it.
orgs' home view hands over to it for anonymous visitors (``SHANSHUI_FRONT_DOOR``).

What it shows is the same for every visitor, so it is read once per :data:`CACHE_SECONDS` (per
language: the results carry translated labels) instead of on every visit: a case hidden or
published shows on it at most that long after, as on the statistics it shows (cached as long).
"""

from __future__ import annotations

from django.core.cache import cache
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from shanshui.complaints import public, stats
from shanshui.complaints.models import Complaint, Status
from shanshui.complaints.views_public import represent
from shanshui.ledger import selectors as ledger_selectors
from shanshui.lib import maps

LATEST = 5  # cases with a published result, and rectification results, listed on the page
MAP_POINTS = 500  # the most recent public cases with a point; the public list has them all
CACHE_SECONDS = 60  # as the statistics (complaints.stats)
CACHE_VERSION = 1


def map_points() -> list[list]:
    """``[code, lat, lon, open]`` of the most recent public cases that have a point (WGS84)."""
    rows = (
        public.public_complaints()
        .filter(lat__isnull=False, lon__isnull=False)
        .order_by("-received_at", "-pk")
        .values_list("code", "lat", "lon", "status")[:MAP_POINTS]
    )
    return [[code, lat, lon, status != Status.PUBLISHED] for code, lat, lon, status in rows]


def latest_results() -> list:
    """The most recent cases whose handling result is published, in their public
    representation (newest reports first: the index of the recent cases serves it at 1M)."""
    ids = list(
        public.public_complaints()
        .filter(status=Status.PUBLISHED)
        .order_by("-received_at", "-pk")
        .values_list("pk", flat=True)[:LATEST]
    )
    rows = {c.pk: c for c in public.with_public_relations(Complaint.objects.filter(pk__in=ids))}
    return [represent(rows[i], photos=False) for i in ids if i in rows]


def published() -> dict:
    """What the front door lists: the latest results and rectification results, their total
    and the map's points — the same for every visitor, cached briefly (per language)."""
    key = f"complaints:front:v{CACHE_VERSION}:{get_language()}"
    found = cache.get(key)
    if found is not None:
        return found
    tasks = ledger_selectors.public_tasks()
    found = {
        "results": latest_results(),
        "tasks": list(tasks[:LATEST]),  # with their campaign and units (pickled with them)
        "tasks_total": tasks.count(),
        "points": map_points(),
    }
    cache.set(key, found, CACHE_SECONDS)
    return found


@require_safe
def front_door(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "complaints/public/front.html",
        {
            "stats": stats.get(stats.Filters()),
            **published(),
            "map_attrs": flatatt(maps.map_data_attrs()),
        },
    )
