"""Summarise a locust run (deploy/load/run.sh): p95 per page type, error rate, machine load.

python deploy/load/report.py DIR  — DIR holds locust_stats.csv, locust_failures.csv, loadavg.txt.
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def main(directory: str) -> None:
    out = Path(directory)
    rows = list(csv.DictReader((out / "locust_stats.csv").open(encoding="utf-8")))
    print("| page type | requests | failures | median ms | p95 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total = None
    for row in sorted(rows, key=lambda r: r["Name"]):
        line = (
            f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
        if row["Name"] == "Aggregated":
            total = row
            continue
        print(line)
    if total:
        n, failed = int(total["Request Count"]), int(total["Failure Count"])
        print(
            f"| **all** | {n} | {failed} | {total['50%']} | {total['95%']} | {total['99%']} | "
            f"{float(total['Max Response Time']):.0f} |"
        )
        print()
        print(
            f"Error rate {100 * failed / max(n, 1):.3f} % ({failed} of {n}); "
            f"throughput {float(total['Requests/s']):.1f} requests/s."
        )
    loads = []
    load_file = out / "loadavg.txt"
    if load_file.exists():
        for line in load_file.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2:
                loads.append(float(parts[1]))
    if loads:
        mean = sum(loads) / len(loads)
        print(
            f"Machine load (1-min average, /proc/loadavg, every 10 s): mean {mean:.1f}, "
            f"max {max(loads):.1f}."
        )
    failures = out / "locust_failures.csv"
    if failures.exists():
        failed_rows = list(csv.DictReader(failures.open(encoding="utf-8")))
        if failed_rows:
            print()
            print("Failures:")
            for row in failed_rows[:10]:
                print(
                    f"- {row['Method']} {row['Name']}: {row['Error'][:160]} × {row['Occurrences']}"
                )


if __name__ == "__main__":
    main(sys.argv[1])
