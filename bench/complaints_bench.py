"""Complaints benchmark: 1M cases on PostgreSQL, then the handler list, the public statistics
page, Open311 GET requests.json with filters, and Open311 POST throughput.

Run with `make bench` (after the ledger benchmark, in the same scratch database). Writes
var/bench/complaints.json and prints a table; docs/benchmarks.md records the numbers.

The public statistics are measured cold: every cache is cleared before each timed request, so
each one reads the summary (ComplaintStat) afresh. The cost the summary adds to a write is timed
on the office approving the reports posted through Open311 (each approval adds the case to
3–5 buckets).

    BENCH_COMPLAINTS=1000000 make bench

BENCH_REUSE=1 measures again on the cases an earlier run generated in the same database.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("CACHE_URL", "locmem://")  # one process
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from ledger_bench import copy_rows, timed  # noqa: E402

from shanshui.complaints import public, services, stats  # noqa: E402
from shanshui.complaints.models import (  # noqa: E402
    Category,
    Complaint,
    TransferBatch,
    category_bits,
)
from shanshui.ledger.models import Campaign  # noqa: E402
from shanshui.orgs.demo import load_demo as load_people  # noqa: E402
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit  # noqa: E402

N = int(os.environ.get("BENCH_COMPLAINTS", "1000000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
POSTS = int(os.environ.get("BENCH_POSTS", "300"))
TEXTS = [
    "企业夜间偷排废水，河水发黑发臭",
    "餐饮油烟直排，居民无法开窗",
    "工地夜间施工噪声扰民",
    "搅拌站扬尘污染严重",
    "河道非法采砂破坏生态",
    "工业固废随意倾倒",
    "化工园区夜间异味明显",
    "畜禽养殖粪污直排入河",
]
# status, weight, open?
STATUSES = [
    ("received", 5),
    ("transferred", 10),
    ("investigating", 15),
    ("handled", 5),
    ("closed", 20),
    ("stage_closed", 5),
    ("published", 38),
    ("rejected", 2),
]
CHANNELS = [("transfer", 60), ("web", 25), ("open311", 5), ("hotline", 8), ("letter", 2)]
FINDINGS = ["true", "true", "true", "partly", "false"]


def generate() -> dict:
    rng = random.Random(4242)
    load_people()
    districts = list(Unit.objects.current().filter(kind__in=TERRITORIAL_KINDS))
    campaign = Campaign.objects.order_by("pk").first() or Campaign.objects.create(
        code="bench-c", name="基准测试督察", kind="central"
    )
    today = timezone.localdate()
    batches = [
        TransferBatch.objects.create(
            campaign=campaign, number=n, date=today - dt.timedelta(days=3 * (40 - n))
        )
        for n in range(1, 41)
    ]
    now = timezone.now()
    status_pool = [s for s, w in STATUSES for _ in range(w)]
    channel_pool = [c for c, w in CHANNELS for _ in range(w)]
    categories = Category.values
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM complaints_complaint")
        base = cursor.fetchone()[0]
    t0 = time.perf_counter()
    plan = []  # (id, status, district, categories, received)

    def deadline_of(status, received):
        return (received + dt.timedelta(days=21)).date() if status != "received" else None

    def closing_of(status, received):
        """(closure, closed_at)."""
        if status not in ("closed", "stage_closed", "published", "rejected"):
            return "", None
        closure = "stage_closed" if status == "stage_closed" else "closed"
        return closure, received + dt.timedelta(days=15)

    def complaint_rows():
        for i in range(N):
            pk = base + i + 1
            status = rng.choice(status_pool)
            channel = rng.choice(channel_pool)
            district = rng.choice(districts)
            received = now - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60 * 2))
            batch = rng.choice(batches) if channel == "transfer" else None
            cats = rng.sample(categories, rng.choice([1, 1, 1, 2]))
            closed = status in ("closed", "stage_closed", "published", "rejected")
            handled = status in ("handled", "closed", "stage_closed", "published")
            text = f"{rng.choice(TEXTS)}，第{i}号线索，请尽快核查处理。"
            lat = 28.2 + rng.random() * 3.9
            lon = 105.3 + rng.random() * 4.8
            plan.append((pk, status, district.pk, cats, received))
            code = f"{received:%Y}{pk:07d}"
            yield (
                pk,
                code,
                secrets.token_hex(6).upper(),
                channel,
                batch.pk if batch else None,
                f"B{pk:09d}" if batch else "",
                None,
                batch is not None and batch.number % 5 == 0,
                text,
                district.pk,
                f"{district.name}某街道",
                lat,
                lon,
                "",
                "",
                cats[0] if len(cats) == 1 else min(cats, key=categories.index),
                category_bits(cats),
                "{}",
                "",
                status,
                received,
                deadline_of(status, received),
                rng.choice(FINDINGS) if handled else "",
                "经现场核查，情况属实。" if handled else "",
                "责令整改，已整改到位。" if handled else "",
                "",
                handled,
                0,
                0,
                0,
                0,
                0,
                0,
                received + dt.timedelta(days=10) if handled else None,
                None,
                None,
                None,
                *closing_of(status, received),
                None,
                received + dt.timedelta(days=16) if status == "published" else None,
                "insufficient" if status == "rejected" else "",
                "",
                None,
                False,
                "",
                # 先审后发: citizens' reports are public once the office checked them.
                received + dt.timedelta(hours=2) if channel in ("web", "open311") else None,
                f"{code} {text}".lower(),
                1,
                False,
                received,
                received + dt.timedelta(days=16) if closed else received,
                "",  # reply (答复)
                None,
                "",  # satisfaction
                "",
                None,
            )

    columns = [
        "id", "code", "tracking_code", "channel", "batch_id", "receipt_no", "seq", "is_key",
        "description", "district_id", "address", "lat", "lon", "enterprise", "enterprise_key",
        "category", "category_bits", "service_attributes", "media_url", "status", "received_at",
        "deadline",
        "finding", "investigation", "handling", "accountability", "ordered_rectify", "cases_filed",
        "fine_yuan", "police_referrals", "detentions", "interviews", "people_held_accountable",
        "handled_at", "handled_by_id", "reviewed_at", "reviewed_by_id", "closure", "closed_at",
        "follow_up_due", "published_at", "reject_reason", "status_note", "task_id",
        "description_hidden", "public_description", "moderated_at", "search_text", "version",
        "is_demo", "created_at", "updated_at", "reply", "replied_at", "satisfaction",
        "satisfaction_comment", "rated_at",
    ]  # fmt: skip
    copy_rows("complaints_complaint", columns, complaint_rows())

    def category_rows():
        for pk, _s, _d, cats, _r in plan:
            for cat in cats:
                yield (pk, cat)

    copy_rows("complaints_complaintcategory", ["complaint_id", "category"], category_rows())

    def unit_rows():
        # The case's status, deadline, closure, closing time and follow-up date (none), copied
        # as the services copy them (services.unit_copies).
        for pk, status, district, _c, received in plan:
            if status != "received":
                yield (
                    pk,
                    district,
                    "handling",
                    received,
                    status,
                    deadline_of(status, received),
                    *closing_of(status, received),
                    None,
                )

    copy_rows(
        "complaints_complaintunit",
        [
            "complaint_id", "unit_id", "role", "assigned_at", "status", "deadline", "closure",
            "closed_at", "follow_up_due",
        ],
        unit_rows(),
    )  # fmt: skip

    def event_rows():
        for pk, status, district, _c, received in plan:
            yield (pk, received, "submitted", "", "received", "", "{}", True, None)
            if status != "received":
                yield (
                    pk,
                    received + dt.timedelta(hours=3),
                    "transferred",
                    "received",
                    "transferred",
                    "",
                    "{}",
                    True,
                    None,
                )
            if status in ("closed", "published"):
                yield (
                    pk,
                    received + dt.timedelta(days=15),
                    "closed",
                    "handled",
                    "closed",
                    "",
                    "{}",
                    True,
                    district,
                )

    events = copy_rows(
        "complaints_complaintevent",
        [
            "complaint_id", "at", "kind", "from_status", "to_status", "comment", "data",
            "is_public", "unit_id",
        ],
        event_rows(),
    )  # fmt: skip
    with connection.cursor() as cursor:
        for table in (
            "complaints_complaint",
            "complaints_complaintcategory",
            "complaints_complaintunit",
            "complaints_complaintevent",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
            # As autovacuum would: statistics, and the visibility map for index-only scans.
            cursor.execute(f"VACUUM ANALYZE {table}")
    seconds = round(time.perf_counter() - t0, 1)
    # The cases were copied in behind the services: recount the statistics' summary, as
    # `manage.py rebuild_complaint_stats` does after a bulk load.
    t = time.perf_counter()
    buckets = stats.rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE complaints_complaintstat")
    return {
        "complaints": N,
        "events": events,
        "seconds": seconds,
        "stats_rebuild_seconds": round(time.perf_counter() - t, 1),
        "stats_buckets": buckets,
    }


def timed_cold(fn, n: int) -> dict:
    """Like ledger_bench.timed, with every cache cleared before each call (not timed)."""
    samples = []
    for _ in range(n):
        for cache in caches.all():
            cache.clear()
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "n": n,
        "cold": True,
    }


def measure() -> dict:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    office, wanzhou = User.objects.get(username="office"), User.objects.get(username="wanzhou")
    oc, wc, anon = Client(), Client(), Client()
    oc.force_login(office)
    wc.force_login(wanzhou)
    rng = random.Random(11)
    batch = TransferBatch.objects.order_by("number").values_list("pk", flat=True)[20]
    wanzhou_unit = Unit.objects.get(key="cq-wanzhou").pk
    now = timezone.localtime()

    def get(client, url, **params):
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.status_code)

    def w3c(t):
        return t.isoformat(timespec="seconds")

    results = {}
    results["case list, office, page 1"] = timed(lambda: get(oc, "/complaints/"), REQUESTS)
    results["case list, office, filtered (batch+status+category)"] = timed(
        lambda: get(oc, "/complaints/", batch=batch, status="published", category="water"),
        REQUESTS,
    )
    results["case list, office, overdue"] = timed(
        lambda: get(oc, "/complaints/", overdue="1"), REQUESTS
    )
    results["case list, office, search"] = timed(
        lambda: get(oc, "/complaints/", q=rng.choice(["偷排废水", "扬尘", "第4242号线索"])),
        REQUESTS,
    )
    results["case list, district user"] = timed(lambda: get(wc, "/complaints/"), REQUESTS)
    results["my cases, district user"] = timed(lambda: get(wc, "/complaints/my/"), REQUESTS)
    results["public statistics page, all years (cold)"] = timed_cold(
        lambda: get(anon, "/public/complaints/stats/"), REQUESTS
    )
    results["public statistics page, this year (cold)"] = timed_cold(
        lambda: get(anon, "/public/complaints/stats/", year=str(now.year)), REQUESTS
    )
    results["public statistics page, one district (cold)"] = timed_cold(
        lambda: get(anon, "/public/complaints/stats/", district=str(wanzhou_unit)), REQUESTS
    )
    results["statistics from the summary, all years (stats.compute)"] = timed_cold(
        lambda: stats.compute(stats.Filters()), REQUESTS
    )
    # What a cold page cost before the summary: the same numbers counted from the cases.
    results["statistics from the cases, all years (stats.recount, before)"] = timed_cold(
        lambda: stats.recount(stats.Filters()), 5
    )
    results["statistics from the cases, one district (stats.recount, before)"] = timed_cold(
        lambda: stats.recount(stats.Filters(district_id=wanzhou_unit)), 5
    )
    results["Open311 GET requests.json (default 90 days)"] = timed(
        lambda: get(anon, "/open311/v2/requests.json"), REQUESTS
    )
    results["Open311 GET requests.json (service_code+status+30 days)"] = timed(
        lambda: get(
            anon,
            "/open311/v2/requests.json",
            service_code="water,air",
            status="closed",
            start_date=w3c(now - dt.timedelta(days=30)),
            end_date=w3c(now),
        ),
        REQUESTS,
    )
    results["Open311 GET requests.xml (page 5 of 100)"] = timed(
        lambda: get(anon, "/open311/v2/requests.xml", page="5", page_size="100"), REQUESTS
    )
    ids = ",".join(
        Complaint.objects.filter(channel="web").values_list("code", flat=True)[:: N // 50][:20]
    )
    results["Open311 GET requests.json (20 ids)"] = timed(
        lambda: get(anon, "/open311/v2/requests.json", service_request_id=ids), REQUESTS
    )
    _client, key = services.api_client_create(actor=None, name="bench")
    settings.SHANSHUI_RATE_LIMITS = dict(
        settings.SHANSHUI_RATE_LIMITS, open311_post_ip="1000000/60", open311_post_key="1000000/60"
    )
    poster = Client()
    t = time.perf_counter()
    for i in range(POSTS):
        response = poster.post(
            "/open311/v2/requests.json",
            {
                "api_key": key,
                "service_code": rng.choice(Category.values),
                "lat": f"{29.5 + rng.random():.6f}",
                "long": f"{106.5 + rng.random():.6f}",
                "description": f"基准测试举报 {i}：河边有异味。",
                "email": "bench@example.org",
            },
        )
        assert response.status_code in (200, 201), response.content[:300]
    seconds = time.perf_counter() - t
    results["Open311 POST requests.json"] = {
        "posts": POSTS,
        "seconds": round(seconds, 2),
        "per_second": round(POSTS / seconds, 1),
    }
    results["moderation approvals (each adds the case to the summary)"] = _write_cost(office)
    return results


def _write_cost(office) -> dict:
    """Approve the reports waiting for review (the Open311 posts) one by one through the
    service, timing the whole action and the summary's part of it (stats.apply)."""
    spent = []
    apply = stats.apply

    def timed_apply(deltas):
        t = time.perf_counter()
        apply(deltas)
        spent.append((time.perf_counter() - t) * 1000)

    waiting = list(public.awaiting_review().order_by("pk")[:POSTS])
    stats.apply = timed_apply
    try:
        t = time.perf_counter()
        for c in waiting:
            services.moderate_approve(actor=office, complaint=c)
        seconds = time.perf_counter() - t
    finally:
        stats.apply = apply
    spent.sort()
    return {
        "posts": len(waiting),
        "seconds": round(seconds, 2),
        "per_second": round(len(waiting) / seconds, 1),
        "action_ms": round(seconds * 1000 / max(len(waiting), 1), 1),
        "summary_p50_ms": round(statistics.median(spent), 2) if spent else None,
        "summary_p95_ms": round(spent[int(0.95 * (len(spent) - 1))], 2) if spent else None,
    }


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The complaints benchmark runs on PostgreSQL: set DATABASE_URL (make bench does).")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    existing = Complaint.objects.count()
    if existing >= N and os.environ.get("BENCH_REUSE") == "1":
        # Measure again on the cases already generated (after a change to the pages).
        generated = {"complaints": existing, "events": 0, "seconds": 0.0, "reused": True}
    else:
        generated = generate()
    report = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "generate": generated,
    }
    report["results"] = measure()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "complaints.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    buf = io.StringIO()
    g = report["generate"]
    print(
        f"Generated {g['complaints']:,} cases and {g['events']:,} events in {g['seconds']} s",
        file=buf,
    )
    if "stats_rebuild_seconds" in g:
        print(
            f"Statistics summary rebuilt in {g['stats_rebuild_seconds']} s "
            f"({g['stats_buckets']:,} buckets)",
            file=buf,
        )
    print(f"{'measure':<58} {'p50 ms':>8} {'p95 ms':>8}", file=buf)
    for name, r in report["results"].items():
        if "p50_ms" in r:
            print(f"{name:<58} {r['p50_ms']:>8} {r['p95_ms']:>8}", file=buf)
        elif "summary_p50_ms" in r:
            print(
                f"{name:<58} {r['action_ms']:>8} ms an action; the summary's part "
                f"p50 {r['summary_p50_ms']} / p95 {r['summary_p95_ms']} ms",
                file=buf,
            )
        else:
            print(f"{name:<58} {r['per_second']:>8} posts/s ({r['posts']} posts)", file=buf)
    print(buf.getvalue())


if __name__ == "__main__":
    main()
