"""CPU per request, by page type of the load test (deploy/load/locustfile.py). 单请求 CPU

`make load` showed the pages to be CPU-bound in Python: at 25 requests/s on two cores, ~55 ms of
CPU per request. This measures that number page type by page type, in one process, without the
stack: Django's test client against a PostgreSQL database holding the demo data, with the
production settings (DEBUG off, the cached template loader, every middleware, the JSON request
log, Prometheus in multiprocess mode, the cache of CACHE_URL), logged in as the locustfile's
personas. For each page type it prints the CPU time (``time.process_time``) and the wall time
per request — the best of BENCH_CPU_ROUNDS (3) rounds of BENCH_CPU_REQUESTS (30) — and the
queries per request; "mix" weighs them by the requests of the load run recorded in
docs/benchmarks.md (to compare with the ~55 ms, of which the app is one part).

Prepare a database once (migrate and the demo data) and collect the static files (pages with
DEBUG off name the hashed files of the manifest: the same STATIC_ROOT for both), then run:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/shanshui_cpu
    DEBUG=true .venv/bin/python manage.py migrate --no-input
    DEBUG=true .venv/bin/python manage.py load_demo
    SECRET_KEY=$(python3 -c 'print("x" * 60)') ALLOWED_HOSTS=localhost CACHE_URL=locmem:// \
        .venv/bin/python manage.py collectstatic --no-input -v 0      (DEBUG off: the manifest)
    CACHE_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/request_cpu.py
    .venv/bin/python bench/request_cpu.py --only "ledger: task page" --only home
    .venv/bin/python bench/request_cpu.py --profile "ledger: task page"   (cProfile of CPU time)
    BENCH_CPU_PROFILE_FILTER=shanshui .venv/bin/python bench/request_cpu.py --profile home

The citizen and Open311 posts add cases to that database (the load run does the same).
Writes var/bench/request_cpu.json.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("CACHE_URL", "locmem://")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
os.environ.setdefault("LOG_FORMAT", "json")
# As the load stack (deploy/e2e/stack.sh): behind PgBouncer, no server-side cursors.
os.environ.setdefault("SHANSHUI_DB_PGBOUNCER", "true")
# As deploy/load/run.sh: the public limits far above the benchmark's rate (one client address).
for _name in ("COMPLAINT_WEB", "OPEN311_IP", "OPEN311_KEY", "TRACK", "NEARBY"):
    os.environ.setdefault(f"SHANSHUI_RATE_{_name}", "1000000/3600")
# As under gunicorn: every request's counters go to the memory-mapped files of multiprocess mode.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="shanshui-metrics-"))

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set DATABASE_URL to a PostgreSQL database holding the demo data (see the docstring).")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from shanshui.complaints.forms_public import form_token  # noqa: E402

PASSWORD = "shanshui-demo"
OPEN311_KEY = "o311_demo-key-for-local-testing-only"
REQUESTS = int(os.environ.get("BENCH_CPU_REQUESTS", "30"))
ROUNDS = int(os.environ.get("BENCH_CPU_ROUNDS", "3"))
WARMUP = int(os.environ.get("BENCH_CPU_WARMUP", "5"))
LOGINS = int(os.environ.get("BENCH_CPU_LOGINS", "3"))
TASK_LINK = re.compile(r'href="/ledger/tasks/(\d+)/"')
CASE_LINK = re.compile(r'href="/complaints/cases/(\d+)/"')
DISTRICT = re.compile(r'<option value="(\d+)"[^>]*>重庆市[^<]*区</option>')
DESCRIPTIONS = [
    "河道旁排污口夜间排放浑浊污水，有刺鼻气味，附近居民反映强烈。",
    "工地夜间施工噪声扰民，持续到凌晨两点。",
    "餐馆油烟直排，没有安装净化设施，影响楼上住户。",
]
# Requests of each page type in the load run of docs/benchmarks.md (200 users, 10 minutes): the
# weights of the "mix" line.
LOAD_RUN_REQUESTS = {
    "citizen: post report": 1021,
    "citizen: report form": 1023,
    "complaints: case page": 1129,
    "complaints: list": 406,
    "complaints: my cases": 817,
    "home": 841,
    "ledger: list": 1206,
    "ledger: my tasks": 1175,
    "ledger: search": 212,
    "ledger: task page": 2324,
    "login: form": 109,
    "login: post": 109,
    "open311: post request": 391,
    "open311: requests": 1242,
    "open311: services": 18,
    "public: cases": 1580,
    "public: rectification": 515,
    "public: statistics": 509,
    "reports: dashboard": 432,
}


class Queries:
    """Counts the queries run while installed (connection.execute_wrapper)."""

    def __init__(self):
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def login(username: str) -> Client:
    client = Client()
    client.get("/login/")
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    if response.status_code != 302:
        sys.exit(f"login as {username} failed ({response.status_code})")
    return client


def ids(client: Client, path: str, pattern: re.Pattern) -> list[int]:
    response = client.get(path)
    return [int(x) for x in pattern.findall(response.content.decode())][:50]


def scenarios() -> dict[str, tuple[int, callable]]:
    """Page type → (expected status, a function making one request as the locustfile does)."""
    office, district, department = login("office"), login("wanzhou"), login("sthjj")
    # One client per visitor kind, as one handler per process: a new Client builds the
    # middleware chain again (a cost a server pays once). A new visitor: its cookies cleared.
    citizen, anonymous, visitor = Client(), Client(), Client()

    def new_visitor() -> Client:
        visitor.cookies.clear()
        return visitor

    task_ids = ids(office, "/ledger/", TASK_LINK) + ids(district, "/ledger/my/", TASK_LINK)
    district_tasks = set(ids(district, "/ledger/my/", TASK_LINK))
    case_ids = ids(district, "/complaints/my/", CASE_LINK) or ids(office, "/complaints/", CASE_LINK)
    form = citizen.get("/report/").content.decode()
    districts = DISTRICT.findall(form) or [""]
    services = [s["service_code"] for s in citizen.get("/open311/v2/services.json").json()]
    rnd = random.Random(17)

    def task_page():
        pk = rnd.choice(task_ids)
        who = district if pk in district_tasks and rnd.random() < 0.5 else office
        return who.get(f"/ledger/tasks/{pk}/")

    def case_page():
        return rnd.choice([office, district]).get(f"/complaints/cases/{rnd.choice(case_ids)}/")

    def post_report():
        return citizen.post(
            "/report/",
            {
                # A form opened a minute ago (the form refuses faster submissions).
                "started": form_token(time.time() - 60),
                "categories": rnd.choice(["water", "air", "noise", "solid_waste"]),
                "description": rnd.choice(DESCRIPTIONS),
                "district": rnd.choice(districts),
                "address": "高笋塘街道滨江路 8 号",
                "lat": f"{29.5 + rnd.random():.5f}",
                "lon": f"{106.4 + rnd.random():.5f}",
                "coord_system": "wgs84",
            },
            follow=True,  # locust follows the redirect to the "done" page
        )

    def post_open311():
        return citizen.post(
            "/open311/v2/requests.json",
            {
                "api_key": OPEN311_KEY,
                "jurisdiction_id": "cq.gov.cn",
                "service_code": rnd.choice(services),
                "lat": f"{29.5 + rnd.random():.5f}",
                "long": f"{106.4 + rnd.random():.5f}",
                "description": rnd.choice(DESCRIPTIONS),
            },
        )

    def login_post():
        fresh = new_visitor()
        fresh.get("/login/")
        return fresh.post(
            "/login/", {"username": rnd.choice(["office", "wanzhou"]), "password": PASSWORD}
        )

    return {
        "ledger: task page": (200, task_page),
        "ledger: list": (200, lambda: rnd.choice([office, department]).get("/ledger/")),
        "ledger: my tasks": (200, lambda: district.get("/ledger/my/")),
        "ledger: search": (200, lambda: office.get("/ledger/", {"q": "整改"})),
        "home": (200, lambda: rnd.choice([office, district, department]).get("/")),
        "complaints: case page": (200, case_page),
        "complaints: list": (200, lambda: office.get("/complaints/")),
        "complaints: my cases": (200, lambda: district.get("/complaints/my/")),
        "citizen: report form": (200, lambda: citizen.get("/report/")),
        "citizen: post report": (200, post_report),
        "open311: requests": (200, lambda: citizen.get("/open311/v2/requests.json")),
        "open311: services": (200, lambda: citizen.get("/open311/v2/services.json")),
        "open311: post request": (201, post_open311),
        "public: cases": (200, lambda: citizen.get("/public/complaints/")),
        "public: statistics": (200, lambda: citizen.get("/public/complaints/stats/")),
        "public: rectification": (200, lambda: citizen.get("/public/rectification/")),
        "reports: dashboard": (200, lambda: office.get("/reports/")),
        "front door": (200, lambda: anonymous.get("/")),
        "login: form": (200, lambda: new_visitor().get("/login/")),
        "login: post": (302, login_post),
    }


def measure(name: str, expected: int, request, n: int) -> dict:
    """``ROUNDS`` rounds of ``n`` requests; the best round's mean, as timeit does: other work on
    the machine only ever adds to a round (the CPU time of this process grows too when its
    caches are shared), so the fastest round is the closest to the page's own cost."""
    for _ in range(WARMUP if name != "login: post" else 0):
        request()
    counter = Queries()
    rounds = []
    with connection.execute_wrapper(counter):
        for _ in range(ROUNDS if name != "login: post" else 1):
            cpu, wall = [], []
            for _ in range(n):
                c0, w0 = time.process_time(), time.perf_counter()
                response = request()
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
                if response.status_code not in (expected, 200):
                    sys.exit(f"{name}: status {response.status_code}, expected {expected}")
            rounds.append((statistics.fmean(cpu), statistics.fmean(wall)))
    best_cpu, best_wall = min(rounds)
    return {
        "page": name,
        "requests": n * len(rounds),
        "cpu_ms": round(best_cpu * 1000, 1),
        "cpu_ms_rounds": [round(c * 1000, 1) for c, _w in rounds],
        "wall_ms": round(best_wall * 1000, 1),
        "queries": round(counter.n / (n * len(rounds)), 1),
    }


def profile(name: str, request, n: int) -> None:
    for _ in range(WARMUP):
        request()
    # CPU time, not wall time: waiting for the database is not what is being cut here.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(n):
        request()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(order)
        stats.print_stats(os.environ.get("BENCH_CPU_PROFILE_FILTER", ""), 40)
        print(f"--- {name}: {n} requests, by {order}")
        print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append", help="page type(s) to measure")
    parser.add_argument("--profile", help="profile this page type instead of measuring")
    args = parser.parse_args()
    # The request log's JSON lines are formatted as in production, then dropped.
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(open(os.devnull, "w"))  # noqa: SIM115
    pages = scenarios()
    if args.profile:
        profile(args.profile, pages[args.profile][1], REQUESTS)
        return
    rows = []
    for name, (expected, request) in pages.items():
        if args.only and name not in args.only:
            continue
        n = LOGINS if name == "login: post" else REQUESTS
        rows.append(measure(name, expected, request, n))
        print(
            f"{name:24} {rows[-1]['cpu_ms']:7.1f} ms CPU  {rows[-1]['wall_ms']:7.1f} ms wall  "
            f"{rows[-1]['queries']:5.1f} queries",
            flush=True,
        )
    weighted = [
        (r["cpu_ms"], LOAD_RUN_REQUESTS[r["page"]]) for r in rows if r["page"] in LOAD_RUN_REQUESTS
    ]
    mix = sum(c * w for c, w in weighted) / max(1, sum(w for _c, w in weighted))
    print(f"{'mix (load-run weights)':24} {mix:7.1f} ms CPU per request")
    print("\n| page type | ms CPU | ms wall | queries |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['page']} | {r['cpu_ms']} | {r['wall_ms']} | {r['queries']} |")
    print(f"| **mix (load-run weights)** | **{mix:.1f}** | | |")
    out = Path(settings.VAR_DIR) / "bench" / "request_cpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"rows": rows, "mix_cpu_ms": round(mix, 1)}, indent=2))


if __name__ == "__main__":
    main()
