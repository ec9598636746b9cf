"""Ledger benchmark: 100k tasks with 2M events, then page latencies and the warning sweep.

Run with `make bench` (PostgreSQL, a scratch database it recreates). Writes the numbers to
var/bench/ledger.json and prints a table; docs/benchmarks.md records them.

    BENCH_TASKS=100000 BENCH_EVENTS_PER_TASK=20 make bench
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from shanshui.ledger.models import CATEGORY_BITS, Campaign, Task  # noqa: E402
from shanshui.ledger.sweep import sweep_warnings  # noqa: E402
from shanshui.orgs.demo import load_demo as load_people  # noqa: E402
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind  # noqa: E402

N_TASKS = int(os.environ.get("BENCH_TASKS", "100000"))
EVENTS_PER_TASK = int(os.environ.get("BENCH_EVENTS_PER_TASK", "20"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "60"))
TITLES = [
    "入河排污口整治不到位",
    "城镇污水管网雨污混流",
    "建筑工地扬尘管控不力",
    "餐饮油烟扰民",
    "危险废物非法转移",
    "自然保护区违规建设",
    "矿山生态修复滞后",
    "畜禽养殖污染",
    "黑臭水体反弹",
    "挥发性有机物治理不到位",
    "噪声扰民",
    "固废堆场三防不到位",
]
STATUSES = [
    ("in_progress", 50),
    ("assigned", 8),
    ("signed_off", 20),
    ("acceptance_applied", 6),
    ("rechecked", 3),
    ("accepted", 3),
    ("in_public_notice", 4),
    ("draft", 4),
    ("reopened", 2),
]
KINDS = [
    "created",
    "assigned",
    "assignment_accepted",
    "reported",
    "evidence_added",
    "urged",
    "urge_answered",
    "reported",
    "reported",
    "reported",
]


def copy_rows(table: str, columns: list[str], rows) -> int:
    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


def generate() -> dict:
    rng = random.Random(42)
    load_people()
    office = Unit.objects.get(key="cq-inspection-office")
    districts = list(Unit.objects.current().filter(kind__in=TERRITORIAL_KINDS))
    departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT, parent__key="cq-gov"))
    now = timezone.now()
    today = timezone.localdate()
    campaigns = [
        Campaign.objects.create(
            code=f"bench-{i}",
            name=f"基准测试督察批次 {i}",
            kind="central",
            feedback_date=today - dt.timedelta(days=400 - 30 * i),
        )
        for i in range(10)
    ]
    status_pool = [s for s, w in STATUSES for _ in range(w)]
    # Each task's category (its TaskCategory row and its Task.category_bits).
    categories = [
        random.Random(7 + i).choice(["water", "air", "soil", "ecology"]) for i in range(N_TASKS)
    ]
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_task")
        base = cursor.fetchone()[0]

    def task_rows():
        for i in range(N_TASKS):
            status = rng.choice(status_pool)
            deadline = today + dt.timedelta(days=rng.randint(-90, 500))
            assigned = now - dt.timedelta(days=rng.randint(10, 400))
            title = rng.choice(TITLES)
            problem = f"督察发现{title}问题，第{i}号点位群众反映强烈，需限期整改到位。"
            yield (
                base + i + 1,
                campaigns[i % 10].pk,
                f"B{i:06d}",
                title,
                problem,
                "整改到位",
                "dated",
                deadline,
                deadline,
                status,
                True,
                rng.randint(0, 100),
                "none",
                "",
                assigned,
                assigned + dt.timedelta(days=rng.randint(0, 60)),
                "",
                1,
                now,
                now,
                CATEGORY_BITS[categories[i]],
            )

    copy_rows(
        "ledger_task",
        [
            "id",
            "campaign_id",
            "code",
            "title",
            "problem",
            "target",
            "deadline_kind",
            "deadline",
            "original_deadline",
            "status",
            "is_public",
            "progress",
            "warning",
            "warning_reason",
            "assigned_at",
            "last_report_at",
            "accepted_by_name",
            "version",
            "created_at",
            "updated_at",
            "category_bits",
        ],
        task_rows(),
    )
    ids = range(base + 1, base + N_TASKS + 1)
    # The search text as Task.compute_search_text writes it (number, title, problem); read
    # before the COPY, which holds the connection.
    texts = list(Task.objects.filter(pk__gt=base).values_list("pk", "code", "title", "problem"))
    copy_rows(
        "ledger_tasksearch",
        ["task_id", "text"],
        ((tid, f"{code} {title} {problem}".lower()) for tid, code, title, problem in texts),
    )
    copy_rows(
        "ledger_taskunit",
        ["task_id", "unit_id", "role", "leader_name", "leader_post", "item_row"],
        (
            (tid, *row)
            for tid in ids
            for row in (
                (departments[tid % len(departments)].pk, "lead", "", "", True),
                (districts[tid % len(districts)].pk, "implementing", "", "", True),
                (office.pk, "accepting", "", "", False),
            )
        ),
    )
    copy_rows(
        "ledger_measure",
        ["task_id", "number", "text", "status"],
        ((tid, n, f"整改措施{n}", "in_progress") for tid in ids for n in (1, 2, 3)),
    )
    copy_rows(
        "ledger_taskcategory",
        ["task_id", "category"],
        ((tid, categories[tid - base - 1]) for tid in ids),
    )
    events = copy_rows(
        "ledger_event",
        ["task_id", "campaign_id", "at", "kind", "from_status", "to_status", "comment", "data"],
        (
            (
                tid,
                campaigns[(tid - base - 1) % 10].pk,
                now - dt.timedelta(days=EVENTS_PER_TASK - k),
                KINDS[k % len(KINDS)],
                "",
                "",
                "按计划推进整改工作。",
                "{}",
            )
            for tid in ids
            for k in range(EVENTS_PER_TASK)
        ),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('ledger_task', 'id'), "
            "(SELECT MAX(id) FROM ledger_task))"
        )
    # A live database is vacuumed by autovacuum; do it now so plans match production.
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"tasks": N_TASKS, "events": events, "seconds": round(time.perf_counter() - t0, 1)}


def timed(fn, n: int) -> dict:
    fn()  # warm up
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 1),
        "n": n,
    }


def measure() -> dict:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    office, wanzhou = User.objects.get(username="office"), User.objects.get(username="wanzhou")
    oc, wc = Client(), Client()
    oc.force_login(office)
    wc.force_login(wanzhou)
    rng = random.Random(7)
    task_ids = list(Task.objects.values_list("pk", flat=True)[:: max(1, N_TASKS // 500)])
    wanzhou_ids = list(
        Task.objects.filter(task_units__unit__key="cq-wanzhou").values_list("pk", flat=True)[:500]
    )
    campaign = Campaign.objects.filter(code="bench-3").values_list("pk", flat=True).first()

    def get(client, url, **params):
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.status_code)

    results = {}
    results["ledger list, office, page 1"] = timed(lambda: get(oc, "/ledger/"), REQUESTS)
    results["ledger list, office, page 1000"] = timed(
        lambda: get(oc, "/ledger/", page=1000), REQUESTS
    )
    results["ledger list, office, filtered (campaign+status+warning)"] = timed(
        lambda: get(oc, "/ledger/", campaign=campaign, status="in_progress", warning="red"),
        REQUESTS,
    )
    results["ledger list, office, full-text search"] = timed(
        lambda: get(oc, "/ledger/", q=rng.choice(["排污口", "扬尘", "第4242号", "B012345"])),
        REQUESTS,
    )
    results["ledger list, district user, sorted by warning"] = timed(
        lambda: get(wc, "/ledger/", sort="warning"), REQUESTS
    )
    results["task detail (20 events), office"] = timed(
        lambda: get(oc, f"/ledger/tasks/{rng.choice(task_ids)}/"), REQUESTS
    )
    results["task detail, district user"] = timed(
        lambda: get(wc, f"/ledger/tasks/{rng.choice(wanzhou_ids)}/"), REQUESTS
    )
    results["my tasks, district user"] = timed(lambda: get(wc, "/ledger/my/"), REQUESTS)
    results["API /api/v1/tasks, district user"] = timed(
        lambda: get(wc, "/api/v1/tasks", limit=50), REQUESTS
    )
    t = time.perf_counter()
    swept = sweep_warnings()
    results["warning sweep, all tasks"] = {
        "seconds": round(time.perf_counter() - t, 2),
        "checked": swept.checked,
        "changed": swept.changed,
    }
    return results


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The ledger benchmark runs on PostgreSQL: set DATABASE_URL (make bench does).")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    report = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "generate": generate(),
    }
    report["results"] = measure()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ledger.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    buf = io.StringIO()
    g = report["generate"]
    print(
        f"Generated {g['tasks']:,} tasks and {g['events']:,} events in {g['seconds']} s", file=buf
    )
    print(f"{'measure':<58} {'p50 ms':>8} {'p95 ms':>8}", file=buf)
    for name, r in report["results"].items():
        if "p50_ms" in r:
            print(f"{name:<58} {r['p50_ms']:>8} {r['p95_ms']:>8}", file=buf)
        else:
            print(
                f"{name:<58} {r['seconds']:>8} s  ({r['checked']:,} tasks, "
                f"{r['changed']:,} changed)",
                file=buf,
            )
    print(buf.getvalue())


if __name__ == "__main__":
    main()
