"""Monitoring compute benchmark: daily AQI and annual air statistics for a city-scale network.

Generates one year of hourly readings (8,760 h) for BENCH_MONITORING_STATIONS stations (default
2,000) and six pollutants (SO2, NO2, PM10, PM2.5, CO, O3 — ≈17.5M readings per pollutant at the
default size, ~3 % missing), then times the vectorised path of ``shanshui.monitoring.airstats``
(daily statistics with validity rules, daily AQI, annual statistics; target < 10 s) against a
straightforward per-reading pure-Python loop run on BENCH_MONITORING_SAMPLE stations (default 20)
and extrapolated to the full network. The two must agree exactly on the sample.

Also the bulk hourly AQI (``aqi.compute_aqi_arrays`` on CNEMC's six 1-h indicators) on the first
1M readings and on all of them (17.5M per pollutant at the default size): time per reading and the
peak memory the call allocates beyond its outputs (tracemalloc, on a separate run).
BENCH_MONITORING_AQI_CHUNK overrides its block size (a huge value: one block, as before blocks).

No Django, no database:

    .venv/bin/python bench/monitoring_compute_bench.py
    BENCH_MONITORING_STATIONS=200 BENCH_MONITORING_SAMPLE=5 .venv/bin/python bench/...

Writes var/bench/monitoring_compute.json and prints a table. Exits non-zero on any disagreement.
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import json
import math
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shanshui.monitoring import airstats  # noqa: E402
from shanshui.monitoring import aqi as aqi_module  # noqa: E402
from shanshui.monitoring.aqi import DAILY_INDICATORS, compute_aqi, standard_for  # noqa: E402

STATIONS = int(os.environ.get("BENCH_MONITORING_STATIONS", "2000"))
SAMPLE = int(os.environ.get("BENCH_MONITORING_SAMPLE", "20"))
YEAR = int(os.environ.get("BENCH_MONITORING_YEAR", "2025"))
SEED = int(os.environ.get("BENCH_MONITORING_SEED", "20250101"))
TARGET_S = 10.0
if os.environ.get("BENCH_MONITORING_AQI_CHUNK"):
    aqi_module._AQI_CHUNK = int(os.environ["BENCH_MONITORING_AQI_CHUNK"])

# Typical levels of a Chinese city network (µg/m³; CO mg/m³), winter/summer contrast and the hour
# of the diurnal peak (local time).
PROFILE = {
    #        level  seasonal amplitude  peak hour  diurnal amplitude  hourly noise sigma
    "SO2": (9.0, 0.35, 10, 0.25, 0.35),
    "NO2": (30.0, 0.30, 20, 0.30, 0.30),
    "PM10": (60.0, 0.35, 21, 0.15, 0.30),
    "PM25": (35.0, 0.45, 22, 0.15, 0.30),
    "CO": (0.8, 0.30, 8, 0.15, 0.25),
    "O3": (75.0, -0.45, 15, 0.60, 0.25),  # O3 peaks in summer afternoons
}


# --- data -----------------------------------------------------------------------------------------


def generate(stations: int, year: int, seed: int) -> tuple[dict[str, np.ndarray], dict]:
    """Hourly series shaped (stations, hours) per pollutant, rounded as published, NaN = missing."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    days = 366 if calendar.isleap(year) else 365
    hours = days * 24
    h = np.arange(hours)
    day_of_year = h / 24.0
    hour_of_day = h % 24
    # Missing data: isolated hours (~2.3 %), six-hour outages (1 % of station-days) and whole days
    # lost (0.4 %), the last two shared by all pollutants of a station.
    shared = np.zeros((stations, days, 24), dtype=bool)
    shared[rng.random((stations, days)) < 0.004] = True
    outage = rng.random((stations, days)) < 0.01
    first = rng.integers(0, 19, size=(stations, days))
    for k in range(6):
        s_idx, d_idx = np.nonzero(outage)
        shared[s_idx, d_idx, first[s_idx, d_idx] + k] = True
    shared = shared.reshape(stations, hours)

    out: dict[str, np.ndarray] = {}
    missing = 0
    for p, (level, season, peak, diurnal, sigma) in PROFILE.items():
        station_level = level * rng.lognormal(0.0, 0.35, size=(stations, 1)).astype(np.float32)
        seasonal = 1 + season * np.cos(2 * np.pi * day_of_year / days)  # max at 1 January
        daily_cycle = 1 + diurnal * np.cos(2 * np.pi * (hour_of_day - peak) / 24)
        shape = (seasonal * daily_cycle).astype(np.float32)[np.newaxis, :]
        # Synoptic variation: a smoothed random factor per station and day.
        weather = rng.normal(0.0, 0.45, size=(stations, days + 2)).astype(np.float32)
        weather = (weather[:, :-2] + weather[:, 1:-1] + weather[:, 2:]) / np.float32(math.sqrt(3))
        weather = np.repeat(np.exp(weather * np.float32(0.6)), 24, axis=1)
        noise = rng.standard_normal((stations, hours), dtype=np.float32)
        x = station_level * shape * weather * np.exp(noise * np.float32(sigma))
        x = np.round(x.astype(np.float64), 1 if p == "CO" else 0)
        lost = shared | (rng.random((stations, hours), dtype=np.float32) < 0.023)
        x[lost] = np.nan
        missing += int(lost.sum())
        out[p] = x
    readings = stations * hours * len(PROFILE)
    info = {
        "stations": stations,
        "hours": hours,
        "pollutants": len(PROFILE),
        "readings": readings,
        "readings_per_pollutant": stations * hours,
        "missing_share": round(missing / readings, 4),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return out, info


# --- the per-reading loop -------------------------------------------------------------------------


def _rhe(num: int, den: int) -> int:
    """round-half-even(num / den) for integers (GB/T 8170 on the exact value)."""
    q, r = divmod(num, den)
    return q + (2 * r > den or (2 * r == den and q % 2 == 1))


def _daily_value(total: int, n: int, valid: bool, decimals: int) -> float:
    return _rhe(total * 10**decimals, n * 1_000_000) / 10**decimals if valid else math.nan


def loop_daily(cols: dict[str, list[float]]) -> dict[str, list[float]]:
    """Daily statistics of one station, reading by reading (rules of airstats' docstring)."""
    days = len(cols["SO2"]) // 24
    out: dict[str, list[float]] = {code: [] for code in DAILY_INDICATORS}
    for p in airstats.POLLUTANTS:
        dec = airstats.DECIMALS[p]
        series = cols[p]
        for day in range(days):
            q: list[int | None] = []
            for x in series[day * 24 : day * 24 + 24]:
                q.append(
                    round(x * 1e6) if math.isfinite(x) and 0 <= x <= airstats.MAX_HOURLY else None
                )
            valid = [v for v in q if v is not None]
            if p != "O3":
                out[f"{p}_24H"].append(_daily_value(sum(valid), len(valid), len(valid) >= 20, dec))
                continue
            out["O3_1H"].append(_daily_value(max(valid, default=0), 1, len(valid) >= 20, dec))
            best: tuple[int, int] | None = None
            windows = 0
            for w in range(17):  # 8-h windows ending 08:00 … 24:00
                win = [v for v in q[w : w + 8] if v is not None]
                if len(win) >= 6:
                    windows += 1
                    if best is None or sum(win) * best[1] > best[0] * len(win):
                        best = (sum(win), len(win))
            total, n = best or (0, 1)
            out["O3_8H"].append(_daily_value(total, n, windows >= 14, dec))
    return out


def loop_station(cols: dict[str, list[float]], year: int) -> dict:
    """Daily AQI and annual statistics of one station, one value at a time."""
    daily = loop_daily(cols)
    days = len(daily["SO2_24H"])
    start = dt.date(year, 1, 1)
    aqi, level, primary, complete = [], [], [], []
    for d in range(days):
        values = {c: (None if math.isnan(v[d]) else v[d]) for c, v in daily.items()}
        res = compute_aqi(values, standard=standard_for(start + dt.timedelta(days=d)))
        aqi.append(res.aqi)
        level.append(res.level_number or 0)
        primary.append(res.primary_pollutants)
        have = {c.rsplit("_", 1)[0] for c, v in values.items() if v is not None}
        complete.append(have == set(airstats.POLLUTANTS))

    limits = airstats.LIMITS_GB3095_2012[2]
    month_of_day = [(start + dt.timedelta(days=d)).month for d in range(days)]
    annual: dict[str, dict] = {"mean": {}, "percentile": {}, "valid": {}}
    for p in airstats.POLLUTANTS:
        dec = airstats.DECIMALS[p]
        values = daily[airstats.STATISTIC_OF[p]]
        units = [round(v * 10**dec) for v in values if not math.isnan(v)]
        per_month = [0] * 13
        for d, v in enumerate(values):
            if not math.isnan(v):
                per_month[month_of_day[d]] += 1
        ok = len(units) >= 324 and all(per_month[m] >= (25 if m == 2 else 27) for m in range(1, 13))
        annual["valid"][p] = ok
        if not ok:
            annual["mean"][p] = annual["percentile"][p] = math.nan
            continue
        annual["mean"][p] = _rhe(sum(units), len(units)) / 10**dec
        xs = sorted(units)
        pos = (len(xs) - 1) * airstats.PERCENTILE_OF[p]
        s, r = pos // 100, pos % 100
        hi = xs[min(s + 1, len(xs) - 1)]
        annual["percentile"][p] = _rhe(100 * xs[s] + (hi - xs[s]) * r, 100) / 10**dec
    counted = [a for a, c in zip(aqi, complete, strict=True) if c]
    annual["aqi_days"] = len(counted)
    annual["good_days"] = sum(1 for a in counted if a <= 100)
    annual["heavy_days"] = sum(1 for a in counted if a > 200)
    annual["exceed_days"] = {
        code: sum(1 for v in daily[code] if not math.isnan(v) and v > limits[code])
        for code in airstats.DAILY_LIMIT_CODES
    }
    compliance = {}
    for p in airstats.POLLUTANTS:
        stat = airstats.STATISTIC_OF[p]
        checks = []
        if f"{p}_ANNUAL" in limits:
            checks.append((f"{p}_ANNUAL", annual["mean"][p], limits[f"{p}_ANNUAL"]))
        key = f"{stat if p == 'O3' else p}_P{airstats.PERCENTILE_OF[p]}"
        checks.append((key, annual["percentile"][p], limits[stat]))
        for name, value, limit in checks:
            compliance[name] = -1 if not annual["valid"][p] else int(value <= limit)
    annual["compliance"] = compliance
    return {"daily": daily, "aqi": aqi, "level": level, "primary": primary, "annual": annual}


# --- comparison -----------------------------------------------------------------------------------


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def compare(
    s: int, loop: dict, daily: airstats.DailyStats, year_stats: airstats.PeriodStats
) -> tuple[int, int]:
    """(values compared, mismatches) between the loop and the arrays for station ``s``."""
    checked = mismatches = 0

    def check(ok: bool) -> None:
        nonlocal checked, mismatches
        checked += 1
        mismatches += not ok

    for code, values in loop["daily"].items():
        for d, v in enumerate(values):
            check(_same(v, float(daily.values[code][s, d])))
    for d, a in enumerate(loop["aqi"]):
        check(_same(math.nan if a is None else float(a), float(daily.aqi[s, d])))
        check(loop["level"][d] == int(daily.level[s, d]))
        check(loop["primary"][d] == daily.primary_pollutants(s, d))
    ann = loop["annual"]
    for p in airstats.POLLUTANTS:
        check(_same(ann["mean"][p], float(year_stats.mean[p][s])))
        check(_same(ann["percentile"][p], float(year_stats.percentile[p][s])))
        check(ann["valid"][p] == bool(year_stats.valid[p][s]))
    check(ann["aqi_days"] == int(year_stats.aqi_days[s]))
    check(ann["good_days"] == int(year_stats.good_days[s]))
    check(ann["heavy_days"] == int(year_stats.heavy_days[s]))
    for code, n in ann["exceed_days"].items():
        check(n == int(year_stats.exceed_days[code][s]))
    assert year_stats.compliance is not None
    for key, value in ann["compliance"].items():
        check(value == int(year_stats.compliance[key][s]))
    return checked, mismatches


# --- main -----------------------------------------------------------------------------------------


def main() -> int:
    if YEAR >= 2026:
        sys.exit("BENCH_MONITORING_YEAR must be before 2026 (GB 3095-2026 limits are not built in)")
    hourly, gen = generate(STATIONS, YEAR, SEED)
    daily, year_stats, times = time_vectorised(hourly, dt.date(YEAR, 1, 1))
    loop = time_loop(hourly, daily, year_stats)
    report = make_report(gen, daily, year_stats, times, loop)
    report["hourly_aqi"] = time_hourly_aqi(hourly)
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "monitoring_compute.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print_report(report)
    if loop["mismatches"]:
        print("The vectorised path and the loop disagree.", file=sys.stderr)
        return 1
    return 0


def time_vectorised(hourly, start: dt.date):
    """Daily statistics and AQI, the annual statistics and the twelve months, timed."""
    t = time.perf_counter()
    daily = airstats.daily_statistics_batch(hourly, start=start)
    t_daily = time.perf_counter() - t
    t = time.perf_counter()
    year_stats = airstats.annual_statistics(daily, year=YEAR)
    t_annual = time.perf_counter() - t
    t = time.perf_counter()
    for month in range(1, 13):
        airstats.monthly_statistics(daily, year=YEAR, month=month)
    t_monthly = time.perf_counter() - t
    return daily, year_stats, {"daily": t_daily, "annual": t_annual, "monthly": t_monthly}


def time_hourly_aqi(hourly) -> dict:
    """Bulk hourly AQI on the first 1M readings and on all of them: best wall time, CPU time and
    ns per reading; then, on another run, the peak it allocates beyond its outputs."""
    flat = {f"{p}_1H": hourly[p].reshape(-1) for p in airstats.POLLUTANTS}
    total = next(iter(flat.values())).size
    out = {"chunk": aqi_module._AQI_CHUNK}
    for label, n, runs in (("1M", min(1_000_000, total), 3), ("all", total, 1)):
        values = {code: a[:n] for code, a in flat.items()}
        aqi_module.compute_aqi_arrays(values)  # warm
        best = cpu = math.inf
        for _ in range(runs):
            t, c = time.perf_counter(), time.process_time()
            aqi_module.compute_aqi_arrays(values)
            best = min(best, time.perf_counter() - t)
            cpu = min(cpu, time.process_time() - c)
        tracemalloc.start()
        res = aqi_module.compute_aqi_arrays(values)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        outputs = sum(a.nbytes for a in res.iaqi.values()) + sum(
            a.nbytes
            for a in (res.aqi, res.level, res.primary, res.exceeding, res.above_table)
            if a is not None
        )
        del res
        out[label] = {
            "readings": n,
            "seconds": round(best, 3),
            "cpu_seconds": round(cpu, 3),
            "ns_per_reading": round(best / n * 1e9, 1),
            "cpu_ns_per_reading": round(cpu / n * 1e9, 1),
            "outputs_mb": round(outputs / 1e6, 1),
            "temporaries_mb": round((peak - outputs) / 1e6, 1),
        }
    return out


def time_loop(hourly, daily, year_stats) -> dict:
    """The plain-Python loop on a sample of stations, timed, and compared value by value."""
    sample = min(SAMPLE, STATIONS)
    lists = [{p: hourly[p][s].tolist() for p in airstats.POLLUTANTS} for s in range(sample)]
    t = time.perf_counter()
    loops = [loop_station(cols, YEAR) for cols in lists]
    t_loop = time.perf_counter() - t
    checked = mismatches = 0
    for s, loop in enumerate(loops):
        c, m = compare(s, loop, daily, year_stats)
        checked += c
        mismatches += m
    return {"sample": sample, "seconds": t_loop, "checked": checked, "mismatches": mismatches}


def make_report(gen: dict, daily, year_stats, times: dict, loop: dict) -> dict:
    vectorised = times["daily"] + times["annual"]
    loop_full = loop["seconds"] / max(loop["sample"], 1) * STATIONS
    with np.errstate(invalid="ignore"):
        good_ratio = float(np.nanmean(year_stats.good_ratio))
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "year": YEAR,
        "seed": SEED,
        "generate": gen,
        "vectorised": {
            "daily_statistics_and_aqi_s": round(times["daily"], 3),
            "annual_statistics_s": round(times["annual"], 3),
            "total_s": round(vectorised, 3),
            "monthly_statistics_12_months_s": round(times["monthly"], 3),
            "target_s": TARGET_S,
            "meets_target": vectorised < TARGET_S,
            "readings_per_s": round(gen["readings"] / vectorised),
        },
        "loop": {
            "sample_stations": loop["sample"],
            "sample_s": round(loop["seconds"], 3),
            "extrapolated_s": round(loop_full, 1),
            "ratio_loop_to_vectorised": round(loop_full / vectorised, 1),
        },
        "agreement": {"values_compared": loop["checked"], "mismatches": loop["mismatches"]},
        "results": {
            "station_days": int(daily.aqi.size),
            "complete_days_share": round(float(daily.complete.mean()), 4),
            "mean_good_day_ratio": round(good_ratio, 4),
            "stations_compliant": int((year_stats.compliant == 1).sum()),
            "stations_not_compliant": int((year_stats.compliant == 0).sum()),
            "stations_not_assessable": int((year_stats.compliant == -1).sum()),
        },
    }


def print_report(report: dict) -> None:
    buf = io.StringIO()
    gen, v, lp = report["generate"], report["vectorised"], report["loop"]
    agreement = report["agreement"]
    print(
        f"Generated {STATIONS:,} stations × {gen['hours']:,} h × {gen['pollutants']} pollutants "
        f"= {gen['readings']:,} readings ({gen['missing_share']:.1%} missing) in "
        f"{gen['seconds']} s",
        file=buf,
    )
    rows = [
        ("vectorised: daily statistics + daily AQI", f"{v['daily_statistics_and_aqi_s']:.2f} s"),
        ("vectorised: annual statistics", f"{v['annual_statistics_s']:.2f} s"),
        ("vectorised: total (target < 10 s)", f"{v['total_s']:.2f} s"),
        ("vectorised: 12 monthly statistics", f"{v['monthly_statistics_12_months_s']:.2f} s"),
        (f"loop: {lp['sample_stations']} stations", f"{lp['sample_s']:.2f} s"),
        (f"loop: extrapolated to {STATIONS:,} stations", f"{lp['extrapolated_s']:.1f} s"),
        ("loop / vectorised", f"{lp['ratio_loop_to_vectorised']:.1f} ×"),
        (
            "agreement on the sample",
            f"{agreement['mismatches']} of {agreement['values_compared']:,} values differ",
        ),
    ]
    hourly = report.get("hourly_aqi")
    for label in ("1M", "all") if hourly else ():
        h = hourly[label]
        rows.append(
            (
                f"hourly AQI, {h['readings']:,} readings (block {hourly['chunk']:,})",
                f"{h['ns_per_reading']:.0f} ns ({h['cpu_ns_per_reading']:.0f} CPU)/reading",
            )
        )
        rows.append(
            (
                f"  temporaries beyond its {h['outputs_mb']:.0f} MB of outputs",
                f"{h['temporaries_mb']:.0f} MB",
            )
        )
    print(f"{'measure':<50} {'value':>28}", file=buf)
    for name, value in rows:
        print(f"{name:<50} {value:>28}", file=buf)
    print(buf.getvalue())


if __name__ == "__main__":
    sys.exit(main())
