"""Dashboard benchmark: the dashboard and drill-down pages and the figures behind them.

``measure_dashboard(users)`` times them on whatever database Django is configured for, with
whatever ledger it holds; the reports benchmark calls it after generating 100k tasks with
``ledger_bench.generate()``. Run alone:

    DATABASE_URL=postgres://… .venv/bin/python bench/reports_dashboard_bench.py [--generate]

``--generate`` first fills an empty PostgreSQL database with ledger_bench's generator
(BENCH_TASKS, BENCH_EVENTS_PER_TASK) and then ``add_completion_history()`` (``--history`` runs
only the latter); without either, the database's current ledger is measured.
Target (issue 5): p95 under 300 ms for the dashboard's aggregates at 100k tasks.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger_bench  # sets up Django (settings from the environment)
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from ledger_bench import ROOT, timed

from shanshui.ledger.models import Campaign
from shanshui.ledger.sweep import sweep_warnings
from shanshui.reports import figures

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))


def _figure_calls(user, since: figures.Period) -> dict:
    """The figures alone, without the page around them; a fresh user object each time, so that
    the scope is looked up as in a request."""

    def fresh():
        return type(user)._default_manager.get(pk=user.pk)

    return {
        "counts": lambda: figures.counts(fresh()),
        "rankings (districts and departments)": lambda: figures.rankings(fresh()),
        "by_category": lambda: figures.by_category(fresh()),
        "overview 24 months": lambda: figures.overview(fresh(), period=since),
        "completion_series 24 months": lambda: figures.completion_series(fresh(), period=since),
        "completion_series_by_campaign 24 months": lambda: figures.completion_series_by_campaign(
            fresh(), period=since
        ),
        "overdue_and_red (first 200)": lambda: list(figures.overdue_and_red(fresh())[:200]),
    }


def measure_dashboard(users: dict, *, n: int = REQUESTS) -> dict:
    """p50/p95 (ms) of the dashboard pages and figures calls, for each user given.

    ``users``: name → user, e.g. {"office": <office>, "district": <万州区 admin>}; every page is
    requested as each of them. Returns {"<what>, <name>": {"p50_ms", "p95_ms", "n"}}.
    """
    today = timezone.localdate()
    year = figures.Period(today.replace(month=1, day=1), today)
    since = figures.Period(today - dt.timedelta(days=730), today)
    campaign = Campaign.objects.order_by("pk").first()
    results: dict[str, dict] = {}

    def get(client, url, headers=None, **params):
        response = client.get(url, params, headers=headers)
        assert response.status_code == 200, (url, params, response.status_code)

    for name, user in users.items():
        client = Client()
        client.force_login(user)
        results[f"dashboard page, {name}"] = timed(lambda c=client: get(c, "/reports/"), n)
        if campaign is not None:
            results[f"dashboard page, one campaign, {name}"] = timed(
                lambda c=client: get(c, "/reports/", campaign=campaign.pk), n
            )
        results[f"dashboard page, this year, {name}"] = timed(
            lambda c=client: get(
                c, "/reports/", start=year.start.isoformat(), end=today.isoformat()
            ),
            n,
        )
        # Loaded by the page through htmx once it is shown.
        results[f"rankings (htmx part of the page), {name}"] = timed(
            lambda c=client: get(c, "/reports/rankings/", headers={"HX-Request": "true"}), n
        )
        results[f"warnings by category (htmx part of the page), {name}"] = timed(
            lambda c=client: get(c, "/reports/categories/", headers={"HX-Request": "true"}), n
        )
        results[f"drill-down, overdue, page 1, {name}"] = timed(
            lambda c=client: get(c, "/reports/tasks/", measure="overdue"), n
        )
        results[f"drill-down, all items, page 20, {name}"] = timed(
            lambda c=client: get(c, "/reports/tasks/", measure="total", page=20), n
        )
        for what, fn in _figure_calls(user, since).items():
            results[f"figures.{what}, {name}"] = timed(fn, n)
    return results


def add_completion_history() -> dict:
    """Give ledger_bench's generated tasks what the dashboard reads and its generator leaves out
    (PostgreSQL): acceptance and sign-off times, the status events of the completed tasks
    (accepted, notice started, signed off, with their from/to statuses, as the services write
    them), and warning colours from the daily sweep. Idempotent."""
    completed = "('accepted', 'in_public_notice', 'signed_off')"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_task SET accepted_at = LEAST(now() - interval '1 day', "
            "assigned_at + (id % 300) * interval '1 day') "
            f"WHERE status IN {completed} AND accepted_at IS NULL"
        )
        cursor.execute(
            "UPDATE ledger_task SET signed_off_at = LEAST(now(), accepted_at + interval '20 days') "
            "WHERE status = 'signed_off' AND signed_off_at IS NULL"
        )
        inserted = 0
        for kind, at, before, after, statuses in (
            ("accepted", "accepted_at", "rechecked", "accepted", completed),
            (
                "notice_started",
                "accepted_at + interval '1 hour'",
                "accepted",
                "in_public_notice",
                "('in_public_notice', 'signed_off')",
            ),
            ("signed_off", "signed_off_at", "in_public_notice", "signed_off", "('signed_off')"),
        ):
            cursor.execute(
                "INSERT INTO ledger_event (task_id, campaign_id, at, kind, from_status, "
                f"to_status, comment, data) SELECT t.id, t.campaign_id, {at}, %s, %s, %s, '', "
                "'{}' FROM ledger_task t "
                f"WHERE t.status IN {statuses} AND NOT EXISTS (SELECT 1 FROM ledger_event e "
                "WHERE e.task_id = t.id AND e.kind = %s)",
                [kind, before, after, kind],
            )
            inserted += cursor.rowcount
    swept = sweep_warnings()
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE ledger_task")
        cursor.execute("VACUUM ANALYZE ledger_event")
    return {"status_events": inserted, "warnings_changed": swept.changed}


def main() -> None:
    if "--generate" in sys.argv:
        if connection.vendor != "postgresql":
            sys.exit("--generate needs PostgreSQL (COPY): set DATABASE_URL.")
        call_command("migrate", verbosity=0)
        print("generated", ledger_bench.generate())
    if "--generate" in sys.argv or "--history" in sys.argv:
        print("history", add_completion_history())
    User = get_user_model()
    users = {
        name: User.objects.get(username=username)
        for name, username in (("office", "office"), ("district", "wanzhou"))
        if User.objects.filter(username=username).exists()
    }
    if not users:
        sys.exit("No users 'office' / 'wanzhou': load the demo people first (load_demo).")
    report = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "results": measure_dashboard(users),
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports_dashboard.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(f"{'measure':<62} {'p50 ms':>8} {'p95 ms':>8}")
    for name, r in report["results"].items():
        print(f"{name:<62} {r['p50_ms']:>8} {r['p95_ms']:>8}")


if __name__ == "__main__":
    main()
