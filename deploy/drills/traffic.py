"""Steady traffic for a fault drill, and the verdict afterwards (deploy/drills/postgres_restart.sh).

    python deploy/drills/traffic.py run OUT SECONDS THREADS   # writes OUT (one JSON line a request)
    python deploy/drills/traffic.py judge OUT EVENTS          # EVENTS: "down_at up_at" (epoch s)

Each thread loops for SECONDS through nginx's balanced port on loopback: an Open311 POST (a
write: a case with its categories, unit rows and first event, in one transaction), the public
case list and /healthz. The verdict: no answer other than 2xx/4xx/503 (no 500 pages, no proxy
502/504), every write the client saw succeed is in the database, and the app answered again
without being restarted.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = f"http://127.0.0.1:{os.environ.get('NGINX_PORT', '0')}"
KEY = "o311_demo-key-for-local-testing-only"


def call(method: str, path: str, data: dict | None = None, limit: int = 400) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(BASE + path, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(limit).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(limit).decode("utf-8", "replace")
    except Exception as exc:  # connection refused, reset, timeout
        return 0, exc.__class__.__name__


def run(out: str, seconds: float, threads: int) -> None:
    lock = threading.Lock()
    stop_at = time.time() + seconds
    status, body = call("GET", "/open311/v2/services.json", limit=1_000_000)
    service = json.loads(body if status == 200 else "[]")
    service_code = service[0]["service_code"] if service else "water"

    def worker(n: int) -> None:
        i = 0
        with open(out, "a", encoding="utf-8") as sink:
            while time.time() < stop_at:
                i += 1
                marker = f"drill-{n}-{i}"
                for kind, method, path, data in (
                    (
                        "write",
                        "POST",
                        "/open311/v2/requests.json",
                        {
                            "api_key": KEY,
                            "jurisdiction_id": "cq.gov.cn",
                            "service_code": service_code,
                            "lat": "29.56301",
                            "long": "106.55156",
                            "description": f"故障演练 {marker}：排污口夜间排放污水。",
                        },
                    ),
                    ("read", "GET", "/public/complaints/", None),
                    ("health", "GET", "/healthz", None),
                ):
                    started = time.time()
                    status, text = call(method, path, data)
                    line = {
                        "t": started,
                        "ms": round((time.time() - started) * 1000),
                        "kind": kind,
                        "status": status,
                        "marker": marker if kind == "write" else None,
                    }
                    if status >= 500 or status == 0:
                        line["body"] = text[:160]
                    with lock:
                        sink.write(json.dumps(line, ensure_ascii=False) + "\n")
                time.sleep(0.2)

    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(worker, range(threads)))


def judge(out: str, events: str) -> int:
    down_at, up_at = (float(x) for x in events.split())
    with open(out, encoding="utf-8") as source:
        lines = [json.loads(x) for x in source]
    by_phase: dict[str, dict[int, int]] = {"before": {}, "during": {}, "after": {}}
    for line in lines:
        phase = "before" if line["t"] < down_at else "during" if line["t"] < up_at else "after"
        by_phase[phase][line["status"]] = by_phase[phase].get(line["status"], 0) + 1
    print("| phase | answers by status |")
    print("|---|---|")
    for phase, counts in by_phase.items():
        text = ", ".join(f"{k or 'no answer'}: {v}" for k, v in sorted(counts.items()))
        print(f"| {phase} | {text} |")
    bad = [x for x in lines if (x["status"] >= 500 and x["status"] != 503) or x["status"] == 0]
    recovered = [x for x in lines if x["t"] >= up_at and x["status"] == 200 and x["kind"] == "read"]
    first_ok = min((x["t"] for x in recovered), default=None)
    written = sorted(
        {x["marker"] for x in lines if x["kind"] == "write" and x["status"] in (200, 201)}
    )
    with open(out + ".ok-markers", "w", encoding="utf-8") as sink:
        sink.write("\n".join(written) + "\n")
    slowest = max((x["ms"] for x in lines), default=0)
    print()
    print(
        f"- requests: {len(lines)}; writes acknowledged: {len(written)}; "
        f"slowest answer {slowest} ms"
    )
    print(f"- answers other than 2xx/4xx/503 (500 pages, proxy errors, no answer): {len(bad)}")
    for x in bad[:5]:
        print(f"  - {x['status']} {x['kind']}: {x.get('body', '')}")
    if first_ok is None:
        print("- the app did NOT answer again after PostgreSQL came back")
        return 1
    print(
        f"- first good answer {first_ok - up_at:.1f} s after PostgreSQL accepted connections again"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(judge(sys.argv[2], sys.argv[3]))
