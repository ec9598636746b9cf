"""Prometheus metrics at an internal /metrics. 运行指标

Two kinds of numbers, counted two ways:

- **Requests** (count by view, method and status; latency by view and method) are counted in the
  process that served them, by ``shanshui.lib.observability.RequestMiddleware``. Under gunicorn
  every worker is its own process, so they use prometheus_client's *multiprocess mode*: with
  ``PROMETHEUS_MULTIPROC_DIR`` set (before the app starts) each worker writes its counters to
  memory-mapped files in that directory and a scrape adds them up across the workers, including
  workers that have since exited (``deploy/gunicorn.conf.py`` marks them dead and empties the
  directory at start). Counting in the process costs nothing per request; counting in Redis or
  the database would add a round trip to every request, and these counters need no sharing
  beyond the host — Prometheus scrapes each host and sums.
- **State** (jobs waiting and the age of the oldest, jobs running and failed, login lockouts) is
  read from the database at scrape time, so every host reports the same, true number however
  many processes wrote it.

Without ``PROMETHEUS_MULTIPROC_DIR`` (development, tests, a single process) the counters live in
the process and /metrics shows that process's.

/metrics is not public: it answers only clients in ``SHANSHUI_METRICS_ALLOW`` (addresses or
networks; loopback by default) or with ``Authorization: Bearer <SHANSHUI_METRICS_TOKEN>``.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time

from django.apps import apps
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from shanshui.lib.request import client_ip

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "shanshui_http_requests_total",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "shanshui_http_request_duration_seconds",
    "Time from the request reaching the app to the response leaving it, by view and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
DATABASE_UNAVAILABLE = Counter(
    "shanshui_database_unavailable_total",
    "Requests answered 503 because the database could not be reached.",
)

# Methods outside these are counted as "other", so a client cannot grow the label set.
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in _METHODS else "other"
    REQUESTS.labels(view=view, method=method, status=str(status)).inc()
    LATENCY.labels(view=view, method=method).observe(seconds)


class StateCollector:
    """Numbers read from the database at scrape time (the same on every host)."""

    def collect(self):
        try:
            yield from self._jobs()
            yield from self._lockouts()
        except Exception:  # a scrape must answer even with the database down
            log.warning("metrics: the database could not be read", exc_info=True)
            up = GaugeMetricFamily(
                "shanshui_metrics_database_up", "Whether the database answered this scrape."
            )
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily(
            "shanshui_metrics_database_up", "Whether the database answered this scrape."
        )
        up.add_metric([], 1)
        yield up

    def _jobs(self):
        """Django's task queue (django-tasks' database backend), when it is installed."""
        if not apps.is_installed("django_tasks_db"):
            return
        from django.db.models import Count, Min
        from django_tasks_db.models import DBTaskResult

        now = time.time()
        queued = GaugeMetricFamily(
            "shanshui_jobs_queued", "Jobs waiting for a worker, by queue.", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "shanshui_jobs_oldest_queued_age_seconds",
            "Age of the oldest job waiting for a worker (0 when none waits), by queue.",
            labels=["queue"],
        )
        running = GaugeMetricFamily(
            "shanshui_jobs_running", "Jobs a worker is running now, by queue.", labels=["queue"]
        )
        failed = CounterMetricFamily(
            "shanshui_jobs_failed",
            "Jobs that ended failed and are still kept, by queue.",
            labels=["queue"],
        )
        rows = (
            DBTaskResult.objects.values("queue_name", "status")
            .annotate(n=Count("id"), first=Min("enqueued_at"))
            .order_by()
        )
        seen: dict[str, dict] = {}
        for row in rows:
            seen.setdefault(row["queue_name"], {})[row["status"]] = row
        for queue, by_status in sorted(seen.items()):
            ready = by_status.get("READY")
            queued.add_metric([queue], ready["n"] if ready else 0)
            oldest.add_metric([queue], max(0.0, now - ready["first"].timestamp()) if ready else 0)
            running.add_metric([queue], by_status.get("RUNNING", {}).get("n", 0))
            failed.add_metric([queue], by_status.get("FAILED", {}).get("n", 0))
        yield queued
        yield oldest
        yield running
        yield failed

    def _lockouts(self):
        """From the audit trail: accounts locked, and attempts refused while locked."""
        from django.db.models import Count

        AuditEntry = apps.get_model("orgs", "AuditEntry")
        counts = dict(
            AuditEntry.objects.filter(action__in=("login.locked", "login.refused_locked"))
            .values_list("action")
            .annotate(n=Count("id"))
            .order_by()
        )
        locked = CounterMetricFamily(
            "shanshui_login_lockouts", "Accounts locked after repeated failed logins."
        )
        locked.add_metric([], counts.get("login.locked", 0))
        refused = CounterMetricFamily(
            "shanshui_login_refused_locked",
            "Login attempts refused because the account was locked.",
        )
        refused.add_metric([], counts.get("login.refused_locked", 0))
        yield locked
        yield refused


def render() -> bytes:
    state = CollectorRegistry()
    state.register(StateCollector())
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every worker's files added up (the process's own registry holds only its share).
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    return generate_latest(counted) + generate_latest(state)


def allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "SHANSHUI_METRICS_TOKEN", "")
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), token):
            return True
    if request.META.get("HTTP_X_FORWARDED_FOR") and not getattr(settings, "TRUSTED_PROXIES", 0):
        # Forwarded by a proxy the app was not told about: the real client is unknown, and the
        # proxy's own (often loopback) address must not open the door.
        return False
    ip = client_ip(request)
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for entry in getattr(settings, "SHANSHUI_METRICS_ALLOW", []):
        try:
            if address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        # As if there were nothing here: the endpoint is not advertised.
        return HttpResponse(status=404)
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
