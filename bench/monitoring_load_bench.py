"""Monitoring load benchmark: hourly air readings from CSV into PostgreSQL, through the same
service the upload page, the API and ``manage.py import_air`` use.

Generates a CSV of BENCH_MONITORING_ROWS rows (default 1,000,000; 10,000,000 works — about a
year of 1,142 stations — given ~600 MB of disk for the file) in the national platform's hourly
layout (站点编码,时间,SO2,NO2,PM10,PM2.5,CO,O3,AQI — AQI is ignored), one block of all stations per
hour, ~3 % missing values; then times

1. the import: the validation pass streaming into COPY (parse + check + stage), the comparison
   with the stored readings and the merge (``INSERT … ON CONFLICT``), and the daily recompute
   (station and district ``AirDaily`` rows of every touched day);
2. a dry run of the same file against the loaded data (validation + comparison, nothing written);
3. the idempotent re-import of the same file (nothing changes, nothing is written).

The stations live in a scratch set of codes (BMxxxxA) spread over the city's districts; earlier
runs' readings of those stations are deleted first. Peak memory (max RSS) is reported before and
after the import: it stays flat because nothing is held per row (shanshui/monitoring/loading/).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shanshui_bench \\
        .venv/bin/python bench/monitoring_load_bench.py
    BENCH_MONITORING_ROWS=10000000 make bench

Writes var/bench/monitoring_load.json and prints a table.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import multiprocessing
import os
import resource
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

import numpy as np  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from shanshui.monitoring import services  # noqa: E402
from shanshui.monitoring.models import AirDaily, AirHourly, Station, StationKind  # noqa: E402
from shanshui.orgs.demo import load_demo as load_people  # noqa: E402
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit  # noqa: E402

ROWS = int(os.environ.get("BENCH_MONITORING_ROWS", "1000000"))
YEAR = int(os.environ.get("BENCH_MONITORING_YEAR", "2025"))
SEED = int(os.environ.get("BENCH_MONITORING_SEED", "20250101"))
HOURS_PER_YEAR = 8760
CODE_PREFIX = "BM"


def rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def stations_for(rows: int) -> list[Station]:
    """As many stations as a year of hours needs for ``rows`` (at least one)."""
    count = max(1, math.ceil(rows / HOURS_PER_YEAR))
    districts = list(Unit.objects.filter(kind__in=TERRITORIAL_KINDS, valid_to__isnull=True))
    existing = {s.code: s for s in Station.objects.filter(code__startswith=CODE_PREFIX)}
    out = []
    new = []
    for i in range(count):
        code = f"{CODE_PREFIX}{i:04d}A"
        s = existing.get(code)
        if s is None:
            s = Station(
                code=code,
                name=f"基准站{i:04d}",
                kind=StationKind.AIR,
                district=districts[i % len(districts)],
            )
            new.append(s)
        out.append(s)
    Station.objects.bulk_create(new)
    return out


def write_csv(path: Path, codes: list[str], rows: int) -> dict:
    """The CSV file: hour by hour, every station in each hour, until ``rows`` rows."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    n = len(codes)
    hours = math.ceil(rows / n)
    start = dt.datetime(YEAR, 1, 1, 1)
    level = np.array([9.0, 30.0, 60.0, 35.0, 0.8, 75.0])
    station_level = rng.lognormal(0.0, 0.3, size=(n, 1))
    written = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write("站点编码,时间,SO2,NO2,PM10,PM2.5,CO,O3,AQI\n")
        for h in range(hours):
            take = min(n, rows - written)
            if take <= 0:
                break
            label = (start + dt.timedelta(hours=h)).strftime("%Y-%m-%d %H:%M")
            season = 1 + 0.4 * math.cos(2 * math.pi * h / HOURS_PER_YEAR)
            x = level * station_level[:take] * season * rng.lognormal(0, 0.3, size=(take, 6))
            x = np.round(x, 0)
            x[:, 4] = np.round(x[:, 4] / 10 + 0.05, 1)
            missing = rng.random((take, 6)) < 0.03
            cells = x.astype(str)
            cells[missing] = ""
            lines = [f"{codes[i]},{label},{','.join(cells[i])},\n" for i in range(take)]
            f.writelines(lines)
            written += take
    return {
        "rows": written,
        "stations": n,
        "hours": hours,
        "bytes": path.stat().st_size,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def run(actor, path: Path, *, dry_run: bool) -> dict:
    t0 = time.perf_counter()
    result = services.air_csv_import(
        actor=actor, fileobj=path, dry_run=dry_run, max_bytes=path.stat().st_size + 1
    )
    seconds = time.perf_counter() - t0
    if not result.ok:
        sys.exit(f"import failed: {result.errors[:5]}")
    rows = result.total_rows
    t = result.timings

    def rate(key):
        s = t.get(key)
        return round(rows / s) if s else None

    return {
        "seconds": round(seconds, 2),
        "rows": rows,
        "rows_per_s": round(rows / seconds),
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "validate_and_stage_s": round(t.get("parse_stage_s", 0), 2),
        "validate_and_stage_rows_per_s": rate("parse_stage_s"),
        "compare_s": round(t.get("compare_s", 0), 2),
        "merge_s": round(t.get("merge_s", 0), 2),
        "compare_and_merge_rows_per_s": (
            round(rows / (t.get("compare_s", 0) + t.get("merge_s", 0)))
            if t.get("compare_s", 0) + t.get("merge_s", 0)
            else None
        ),
        "daily_s": round(t.get("daily_s", 0), 2),
        "commit_s": round(t.get("commit_s", 0), 2),
        "daily_hourly_rows_per_s": rate("daily_s"),
        "station_days": result.station_days,
        "district_days": result.district_days,
        "max_rss_mb_after": rss_mb(),
        "timings": {k: round(v, 2) for k, v in t.items()},
    }


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The load benchmark runs on PostgreSQL: set DATABASE_URL (make bench does).")
    call_command("migrate", verbosity=0)
    load_people()
    actor = get_user_model().objects.get(username="office")
    stations = stations_for(ROWS)
    ids = [s.pk for s in stations]
    AirDaily.objects.filter(station_id__in=ids).delete()
    AirHourly.objects.filter(station_id__in=ids).delete()
    with connection.cursor() as cursor:  # no dead rows of an earlier run in the unique index
        cursor.execute("VACUUM monitoring_airhourly")
        cursor.execute("VACUUM monitoring_airdaily")
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "monitoring_load.csv"
    # The CSV is written by a child process: its numpy buffers must not count in the
    # import's peak memory below. (No database connection crosses the fork.)
    connection.close()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        generated = pool.apply(write_csv, (path, [s.code for s in stations], ROWS))
    report = {
        "when": timezone.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "max_rss_mb_before": rss_mb(),
        "generate": generated,
    }
    report["import"] = run(actor, path, dry_run=False)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE monitoring_airhourly")
    report["dry_run_against_loaded"] = run(actor, path, dry_run=True)
    report["reimport_idempotent"] = run(actor, path, dry_run=False)
    if report["reimport_idempotent"]["inserted"] or report["reimport_idempotent"]["updated"]:
        sys.exit("re-import changed rows: not idempotent")
    if os.environ.get("BENCH_KEEP_CSV") != "1":
        path.unlink()
    (out / "monitoring_load.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))

    buf = io.StringIO()
    g = report["generate"]
    print(
        f"CSV: {g['rows']:,} rows, {g['stations']:,} stations, {g['bytes'] / 2**20:.0f} MB, "
        f"written in {g['seconds']} s",
        file=buf,
    )
    print(f"{'step':<50} {'seconds':>8} {'rows/s':>10}", file=buf)
    imp = report["import"]
    merge_s = round(imp["compare_s"] + imp["merge_s"], 2)
    lines = [
        ("import: validate + stream into COPY", imp["validate_and_stage_s"],
         imp["validate_and_stage_rows_per_s"]),
        ("import: merge (INSERT … ON CONFLICT, counts)", merge_s,
         imp["compare_and_merge_rows_per_s"]),
        (f"import: daily recompute ({imp['station_days']:,} station-days)", imp["daily_s"],
         imp["daily_hourly_rows_per_s"]),
        ("import: commit (deferred foreign-key checks)", imp["commit_s"],
         round(imp["rows"] / imp["commit_s"]) if imp["commit_s"] else None),
        ("import: total", imp["seconds"], imp["rows_per_s"]),
        ("dry run against the loaded data", report["dry_run_against_loaded"]["seconds"],
         report["dry_run_against_loaded"]["rows_per_s"]),
        ("re-import, idempotent (nothing written)", report["reimport_idempotent"]["seconds"],
         report["reimport_idempotent"]["rows_per_s"]),
    ]  # fmt: skip
    for name, seconds, rate in lines:
        print(f"{name:<50} {seconds:>8} {rate or 0:>10,}", file=buf)
    print(
        f"max RSS: {report['max_rss_mb_before']} MB before, {imp['max_rss_mb_after']} MB after "
        f"the import",
        file=buf,
    )
    print(buf.getvalue())


if __name__ == "__main__":
    main()
