"""The checks behind /healthz: database, cache, storage and the background worker. 健康检查

Each check returns ``(state, detail)``: state ``"ok"``, ``"unknown"`` (nothing to judge by; not a
failure) or a failure word (``"unavailable"``, ``"stale"``); detail is a short note for operators
(an exception's class name, the worker's last sign of life), never a secret.

/healthz is public (load balancers ask it through the proxy), so a call costs only reads: the
database answers ``SELECT 1``, the cache a read of one known key (written when it is missing,
so at most once per its timeout), the media store one existence check (``mediastore.ping``),
the worker a look at its heartbeat. Nothing is remembered between calls, so an outage and a
recovery show at once. Who sees the details is the view's business (orgs.views.healthz).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from shanshui.lib import mediastore

Check = tuple[str, str | None]


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy"
        return "unavailable", exc.__class__.__name__
    return "ok", connection.vendor


CACHE_KEY = "healthz:probe"
CACHE_TIMEOUT = 3600


def check_cache() -> Check:
    """A shared cache that is down loses rate limits and lockouts: one read of a known key,
    written only when it is missing (the first call, an eviction, a restarted cache)."""
    try:
        if cache.get(CACHE_KEY) == "1":
            return "ok", None
        cache.set(CACHE_KEY, "1", timeout=CACHE_TIMEOUT)
        ok = cache.get(CACHE_KEY) == "1"
    except Exception as exc:
        return "unavailable", exc.__class__.__name__
    return ("ok", None) if ok else ("unavailable", "read back failed")


def check_storage() -> Check:
    """The media store answers one existence check (a HEAD on a bucket); nothing is written."""
    try:
        ok = mediastore.ping()
    except Exception as exc:  # anything ping does not expect is still "not healthy"
        return "unavailable", exc.__class__.__name__
    return ("ok", None) if ok else ("unavailable", "no answer")


def worker_heartbeat() -> datetime | None:
    """The worker's last sign of life, or None when nothing tells.

    ``SHANSHUI_WORKER_HEARTBEAT`` may name a function returning it (the worker's own heartbeat
    row or cache key); otherwise, with django-tasks' database backend, the last time a worker
    started or finished a job.
    """
    path = getattr(settings, "SHANSHUI_WORKER_HEARTBEAT", "")
    if path:
        return import_string(path)()
    if not apps.is_installed("django_tasks_db"):
        return None
    from django.db.models import Max
    from django_tasks_db.models import DBTaskResult

    seen = DBTaskResult.objects.aggregate(started=Max("started_at"), finished=Max("finished_at"))
    times = [t for t in seen.values() if t is not None]
    return max(times) if times else None


def _jobs_waiting_since(cutoff: datetime) -> bool:
    """Whether a job due before ``cutoff`` is still waiting for a worker."""
    if not apps.is_installed("django_tasks_db"):
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(status="READY", run_after__lt=cutoff).exists()


def check_worker(now: datetime | None = None) -> Check:
    """``stale`` when jobs have waited longer than SHANSHUI_WORKER_STALE_SECONDS and the worker
    gave no sign of life in that time; ``ok`` with its last sign of life otherwise; ``unknown``
    when there is no worker to ask (the immediate backend, or nothing ever ran)."""
    now = now or timezone.now()
    stale_after = timedelta(seconds=getattr(settings, "SHANSHUI_WORKER_STALE_SECONDS", 300))
    try:
        last = worker_heartbeat()
        waiting = _jobs_waiting_since(now - stale_after)
    except Exception as exc:
        return "unknown", exc.__class__.__name__
    if last is None:
        return ("stale", None) if waiting else ("unknown", None)
    if waiting and now - last > stale_after:
        return "stale", last.isoformat()
    if getattr(settings, "SHANSHUI_WORKER_HEARTBEAT", "") and now - last > stale_after:
        # A real heartbeat beats while idle too: silence means the worker is gone.
        return "stale", last.isoformat()
    return "ok", last.isoformat()


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "worker": check_worker,
}


def run_checks() -> tuple[bool, dict]:
    """(healthy, report): healthy unless a check failed; "unknown" does not fail."""
    report: dict = {}
    healthy = True
    for name, check in CHECKS.items():
        state, detail = check()
        report[name] = state
        if detail:
            report[f"{name}_detail"] = detail
        if state not in ("ok", "unknown"):
            healthy = False
    report["status"] = "ok" if healthy else "fail"
    return healthy, report
