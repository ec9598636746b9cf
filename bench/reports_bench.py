"""Reports benchmark: import of a 10k-row rectification plan, export of the whole ledger
(100k rows) with its memory, and the dashboard's aggregate queries on 100k tasks.

Run by `make bench` after the ledger benchmark, in the same database (it needs the 100k tasks
that ledger_bench.py generates). Writes var/bench/reports.json and prints a table;
docs/benchmarks.md records the numbers.

    BENCH_IMPORT_ROWS=10000 make bench
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("CACHE_URL", "locmem://")  # one process
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from reports_dashboard_bench import add_completion_history, measure_dashboard  # noqa: E402

from shanshui.ledger.models import Campaign, Task  # noqa: E402
from shanshui.ledger.services import campaign_create  # noqa: E402
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind  # noqa: E402
from shanshui.reports import ledger_export, ledger_import  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
DEADLINES = [
    lambda r: dt.datetime(2026, r.randint(1, 12), r.randint(1, 28)),
    lambda r: f"{r.choice([2026, 2027])}年{r.randint(1, 12)}月底前",
    lambda r: f"{r.choice([2026, 2027])}年{r.randint(1, 12)}月",
    lambda r: "立行立改",
    lambda r: "长期坚持",
    lambda r: "立行立改，长期坚持",
    lambda r: "2027年底前",
]
PROBLEMS = [
    "部分区县污水管网建设滞后，雨污混流问题突出",
    "工业园区挥发性有机物治理设施运行不正常",
    "长江干流部分岸线非法码头整治不彻底",
    "建筑工地扬尘管控不到位",
    "垃圾填埋场渗滤液外溢",
    "自然保护区内违规建设未整改到位",
]


def make_sheet(n: int) -> bytes:
    """A plan of ``n`` rows in the layout offices send: title, merged two-row header."""
    rng = random.Random(5)
    districts = list(
        Unit.objects.filter(kind__in=TERRITORIAL_KINDS, valid_to__isnull=True).values_list(
            "name", flat=True
        )
    )
    departments = list(
        Unit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("short_name", flat=True)
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["基准测试整改方案"])
    ws.append(
        ["序号", "反馈问题", "整改目标", "整改措施", "责任单位", None, "责任领导", "整改时限"]
    )
    ws.append([None, None, None, None, "牵头单位", "责任单位", None, None])
    for i in range(1, n + 1):
        ws.append(
            [
                i,
                f"{rng.choice(PROBLEMS)}（第{i}项）。",
                "问题全部整改到位。",
                "1.排查问题清单；2.实施整治工程；3.建立长效机制。",
                rng.choice(departments),
                "、".join(rng.sample(districts, rng.randint(1, 3))),
                f"张{i % 100}（副局长）",
                rng.choice(DEADLINES)(rng),
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def measure_import(office) -> dict:
    code = f"bench-import-{int(time.time())}"
    campaign = campaign_create(
        actor=office, code=code, name="基准导入", kind="city", feedback_date=dt.date(2026, 1, 5)
    )
    data = make_sheet(ROWS)
    out = {"rows": ROWS, "file_kb": len(data) // 1024}
    for label, dry_run in (("check (dry run)", True), ("import", False), ("re-import", False)):
        t = time.perf_counter()
        result = ledger_import.run_import(
            actor=office, campaign=campaign, fileobj=io.BytesIO(data), dry_run=dry_run
        )
        seconds = time.perf_counter() - t
        assert result.ok, result.errors[:5]
        out[label] = {
            "seconds": round(seconds, 2),
            "created": len(result.created),
            "unchanged": result.unchanged,
        }
    assert Task.objects.filter(campaign=campaign).count() == ROWS
    return out


def measure_export() -> dict:
    tasks = Task.objects.order_by("campaign_id", "code")
    n = tasks.count()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    fileobj = ledger_export.write_ledger(tasks, heading="基准导出")
    seconds = time.perf_counter() - t
    size = fileobj.seek(0, io.SEEK_END)
    fileobj.close()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Python's own peak, traced on a second run of the first 10,000 rows (tracing slows the
    # export several times over, so the timing above runs untraced).
    tracemalloc.start()
    ledger_export.write_ledger(
        Task.objects.filter(pk__in=list(tasks.values_list("pk", flat=True)[:10000])),
        heading="基准导出",
    ).close()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": n,
        "seconds": round(seconds, 1),
        "rows_per_second": round(n / seconds),
        "max_rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "python_peak_mb_10k_rows": round(peak / 2**20, 1),
        "file_mb": round(size / 2**20, 1),
    }


def measure_dashboard_pages() -> dict:
    # ledger_bench's generator leaves out acceptance times and status events: add them, so the
    # dashboard's completion history and on-time rates have something to count.
    add_completion_history()
    User = get_user_model()
    users = {
        "office": User.objects.get(username="office"),
        "district": User.objects.get(username="wanzhou"),
    }
    return measure_dashboard(users)


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The reports benchmark runs on PostgreSQL: set DATABASE_URL (make bench does).")
    if Task.objects.count() < 1000:
        sys.exit("Run bench/ledger_bench.py first (make bench does): it generates the ledger.")
    office = get_user_model().objects.get(username="office")
    report = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "tasks": Task.objects.count(),
        "campaigns": Campaign.objects.count(),
    }
    report["dashboard"] = measure_dashboard_pages()
    report["export"] = measure_export()
    report["import"] = measure_import(office)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
