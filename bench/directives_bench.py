"""Directives benchmark: the text normaliser's throughput (MB/s of input, UTF-8) per mode, and
the directive extractor's, on the seed article repeated to BENCH_DIRECTIVES_MB (default 10 MB).

The seed (../shared/seed/) is the worst realistic case: one pinyin annotation every eight
characters, every character Traditional, half-width punctuation. Without the seed, a synthetic
text of the same make is used. ``normalize()`` cleans; its ``changes`` (the reviewable diff) are
worked out when asked for, timed separately on the seed itself (8 kB, what a page shows).

No Django, no database:

    .venv/bin/python bench/directives_bench.py

Writes var/bench/directives.json and prints a table. Target: full ≥ 50 MB/s. Besides wall time,
the CPU time of the process (the normaliser is single-threaded): on a machine shared with other
work, wall time measures the load as much as the code.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shanshui.directives.extract import extract_directives  # noqa: E402
from shanshui.directives.normalize import normalize  # noqa: E402

SIZE_MB = float(os.environ.get("BENCH_DIRECTIVES_MB", "10"))
RUNS = int(os.environ.get("BENCH_DIRECTIVES_RUNS", "5"))
TARGET_MBS = 50.0
SEED_DIR = Path(os.environ.get("SHANSHUI_SEED_DIR", ROOT.parent / "shared" / "seed"))


def seed() -> str:
    files = sorted(SEED_DIR.glob("000_*.txt")) if SEED_DIR.is_dir() else []
    if files:
        return files[0].read_text(encoding="utf-8")
    sentence = "陳敏爾強(qiáng)調(diào),要持續(xù)深入抓好生態(tài)環(huán)保督察整改。"
    return (sentence + "\n") * 200


def best_of(fn, runs: int = RUNS) -> tuple[float, float, float]:
    """(best wall, median wall, best CPU) seconds."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(times), statistics.median(times), min(cpu)


def main() -> int:
    text = seed()
    unit = len(text.encode("utf-8"))
    big = text * max(1, int(SIZE_MB * 1e6 / unit))
    mb = len(big.encode("utf-8")) / 1e6
    normalize(text)  # the readings table and OpenCC's dictionaries load once per process
    rows = []
    for mode in ("strip", "t2s", "full"):
        best, median, cpu = best_of(lambda mode=mode: normalize(big, mode=mode))
        rows.append((f"normalize {mode}", mb / best, mb / median, mb / cpu))
    # The same article as other inputs arrive: already Simplified and clean, and Traditional
    # without the pinyin artifact (OpenCC's share of the work).
    for label, variant in (
        ("full, Simplified input", normalize(text).text),
        ("full, Traditional, no pinyin", normalize(text, mode="strip").text),
    ):
        other = variant * max(1, int(SIZE_MB * 1e6 / len(variant.encode("utf-8"))))
        other_mb = len(other.encode("utf-8")) / 1e6
        best, median, cpu = best_of(lambda other=other: normalize(other))
        rows.append((f"normalize {label}", other_mb / best, other_mb / median, other_mb / cpu))
    clean = normalize(big).text
    best, median, cpu = best_of(lambda: extract_directives(clean), runs=3)
    rows.append(("extract_directives (cleaned)", mb / best, mb / median, mb / cpu))
    diff_best, _, diff_cpu = best_of(lambda: len(normalize(text).changes))
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "input_mb": round(mb, 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "rows": {
            name: {"best_mb_s": round(b, 1), "median_mb_s": round(m, 1), "cpu_mb_s": round(c, 1)}
            for name, b, m, c in rows
        },
        "seed_changes_ms": round(diff_best * 1000, 1),
        "seed_changes_cpu_ms": round(diff_cpu * 1000, 1),
        "target_full_mb_s": TARGET_MBS,
    }
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "directives.json").write_text(json.dumps(result, indent=2))
    print(f"input {mb:.1f} MB ({'seed' if SEED_DIR.is_dir() else 'synthetic'})")
    print(f"load average {result['load_average_1min']} on {os.cpu_count()} CPUs")
    print(f"{'measure':<42} {'best MB/s':>10} {'median MB/s':>12} {'CPU MB/s':>9}")
    for name, b, m, c in rows:
        print(f"{name:<42} {b:>10.1f} {m:>12.1f} {c:>9.1f}")
    print(
        f"changes of the seed (8 kB, the page's diff): {diff_best * 1000:.1f} ms "
        f"({diff_cpu * 1000:.1f} ms CPU)"
    )
    full = result["rows"]["normalize full"]
    print(
        f"full pipeline: {full['best_mb_s']} MB/s, {full['cpu_mb_s']} MB/s of CPU time "
        f"(target {TARGET_MBS})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
