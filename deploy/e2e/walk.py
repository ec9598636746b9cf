"""The two-host walk through nginx (run by deploy/e2e/run.sh against deploy/e2e/stack.sh).

1. A citizen reports a problem through host A (nginx's port pinned to A), in Chromium.
2. The office logs in through host B and transfers the case to 万州区: B reads what A wrote.
3. A rate limit holds across both hosts: tracking-code look-ups alternate A, B, A, B …; the
   limit counts them together (Redis), not per host.
4. A login lockout holds across both: wrong passwords alternate A and B; after the limit, the
   right password is refused on either host.
5. A burst of 200 concurrent requests through the balanced port: no 5xx, and PostgreSQL never
   sees more connections than PgBouncer's pool (no "too many clients").
6. /metrics is not reachable through the proxy; /healthz through it answers the verdict, and
   on the host (an address of SHANSHUI_METRICS_ALLOW) every part.

Every step prints one line; a failure prints what it saw and exits non-zero.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import sync_playwright

BALANCED = f"http://127.0.0.1:{os.environ['NGINX_PORT']}"
HOST_A = f"http://127.0.0.1:{os.environ['NGINX_A_PORT']}"
HOST_B = f"http://127.0.0.1:{os.environ['NGINX_B_PORT']}"
APP_A = f"127.0.0.1:{os.environ['APP_A_PORT']}"
APP_B = f"127.0.0.1:{os.environ['APP_B_PORT']}"
PASSWORD = "shanshui-demo"
SHOTS = os.environ.get("E2E_SHOTS", "")
# A busy machine (CI on two cores) takes a while for the first pages of each process.
TIMEOUT_MS = 60_000


def step(text: str) -> None:
    print(f"[walk {time.strftime('%H:%M:%S')}] {text}", flush=True)


def fail(text: str) -> None:
    print(f"[walk] FAILED: {text}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(condition: bool, text: str) -> None:
    if not condition:
        fail(text)


def served_by(response) -> str:
    return response.headers.get("x-upstream", "")


def citizen_reports_through_a(browser) -> tuple[str, int]:
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    response = page.goto(HOST_A + "/report/")
    check(response.status == 200, f"report form: {response.status}")
    check(served_by(response) == APP_A, f"report form served by {served_by(response)}, not A")
    page.locator("input[name=categories][value=water]").check(force=True)
    page.fill("textarea[name=description]", "两江交汇处排污口夜间排放浑浊污水，有刺鼻气味。")
    page.select_option("select[name=district]", label="重庆市万州区")
    page.fill("input[name=address]", "万州区高笋塘街道滨江路 18 号")
    page.fill("input[name=lat]", "30.8079")
    page.fill("input[name=lon]", "108.3891")
    time.sleep(3.2)  # the form refuses submissions faster than a person can type
    with page.expect_navigation() as navigation:
        page.locator("#report-form button[type=submit]").click()
    done = navigation.value
    check("/report/done/" in page.url, f"report not accepted: {page.url}\n{page.content()[:1500]}")
    check(served_by(done) == APP_A, f"report saved by {served_by(done)}, not A")
    code = page.locator("#tracking-code").inner_text().replace("-", "").strip()
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "e2e-report-done.png"), full_page=True)
    # The tracking page names the case (its code is the year and the case number).
    page.goto(HOST_A + f"/report/track/?code={code}")
    found = re.search(r"\b(20\d{2})(\d{7})\b", page.title())
    check(found is not None, f"no case number on the tracking page: {page.title()}")
    page.context.close()
    return code, int(found.group(2))


def office_transfers_through_b(browser, code: str, pk: int) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(HOST_B + "/login/")
    page.fill("#id_username", "office")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    check("/login/" not in page.url, "the office could not log in through B")
    response = page.goto(HOST_B + "/complaints/")
    check(served_by(response) == APP_B, f"case list served by {served_by(response)}, not B")
    check(
        f"/complaints/cases/{pk}/" in page.content(), "the case posted through A is not in B's list"
    )
    response = page.goto(HOST_B + f"/complaints/cases/{pk}/")
    check(response.status == 200 and served_by(response) == APP_B, "case page not from B")
    page.wait_for_load_state("networkidle")  # the action cards' script has run
    card = page.locator("#action-transfer")
    if card.get_attribute("open") is None:
        card.locator("summary").click()
    page.locator("#transfer-units label", has_text="万州区").first.locator("input").check()
    with page.expect_navigation() as navigation:
        page.locator("#form-transfer button[type=submit]").click()
    check(navigation.value.status == 200, f"transfer answered {navigation.value.status}")
    check(served_by(navigation.value) == APP_B, "transfer not handled by B")
    check(
        "已转办" in page.content() or "transferred" in page.content().lower(), "no transfer shown"
    )
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, "e2e-office-transfer.png"), full_page=True)
    # The citizen, back on host A, sees the new state.
    track = page.context.request.get(HOST_A + f"/report/track/?code={code}")
    check(track.status == 200, f"tracking on A after the transfer: {track.status}")
    page.context.close()


def get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return (
                response.status,
                dict(response.headers),
                response.read().decode("utf-8", "replace"),
            )
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8", "replace")


def rate_limit_holds_across_hosts(limit: int) -> None:
    """Look-ups alternate A and B until both refuse. Counted per host, B (which has served no
    look-up so far) would allow ``limit`` by itself; counted together (Redis), the look-ups the
    citizen already made on A leave B fewer, and once one host refuses, both do."""
    statuses: list[tuple[str, int]] = []
    for i in range(2 * limit + 2):
        name, base = ("A", HOST_A) if i % 2 == 0 else ("B", HOST_B)
        # Unknown codes still count: the limit is against guessing.
        status, _headers, _body = get(f"{base}/report/track/?code=ZZZZ{i:04d}ZZ")
        statuses.append((name, status))
        if len(statuses) >= 2 and all(s == 429 for _n, s in statuses[-2:]):
            break
    first = next((k for k, (_n, s) in enumerate(statuses) if s == 429), None)
    check(first is not None, f"no refusal after {len(statuses)} look-ups: {statuses}")
    check(all(s == 429 for _n, s in statuses[first:]), f"a host let one through: {statuses}")
    allowed_on_b = sum(1 for n, s in statuses if n == "B" and s != 429)
    check(allowed_on_b < limit, f"B allowed {allowed_on_b}: counted per host? {statuses}")
    check({n for n, s in statuses if s == 429} == {"A", "B"}, f"not both refused: {statuses}")


def login(context, base: str, username: str, password: str) -> int:
    page = context.request.get(base + "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text())
    check(token is not None, "no CSRF token on the login page")
    response = context.request.post(
        base + "/login/",
        form={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": base + "/login/"},
        max_redirects=0,
    )
    return response.status


def lockout_holds_across_hosts(browser, attempts: int) -> None:
    context = browser.new_context()
    for i in range(attempts):
        base = HOST_A if i % 2 == 0 else HOST_B
        status = login(context, base, "yuzhong", "wrong-password-" + str(i))
        check(status == 200, f"wrong password {i + 1} answered {status}")
    for base in (HOST_A, HOST_B):
        status = login(context, base, "yuzhong", PASSWORD)
        check(status == 200, f"the right password logged in on {base} after the lockout ({status})")
    context.close()


def burst(n: int) -> None:
    urls = ["/healthz", "/public/complaints/", "/login/", "/report/", "/open311/v2/services.json"]

    def one(i: int) -> int:
        status, _h, _b = get(BALANCED + urls[i % len(urls)])
        return status

    peak = [0]
    done = threading.Event()

    def watch() -> None:  # PostgreSQL's connections while the burst runs
        while not done.is_set():
            peak[0] = max(peak[0], database_connections())
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
            statuses = list(pool.map(one, range(n)))
    finally:
        done.set()
        watcher.join()
    seconds = time.monotonic() - started
    bad = [s for s in statuses if s >= 500]
    check(not bad, f"{len(bad)} of {n} concurrent requests failed: {sorted(set(bad))}")
    limit = int(os.environ.get("STACK_POOL_SIZE", "20")) + 10
    check(peak[0] <= limit, f"{peak[0]} server connections during the burst (PgBouncer: {limit})")
    step(
        f"burst: {n} concurrent requests in {seconds:.1f} s, none failed; PostgreSQL held at "
        f"most {peak[0]} connections (PgBouncer's limit {limit}, max_connections 100)"
    )


def database_connections() -> int:
    out = subprocess.run(
        [
            os.environ.get("PSQL", "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            os.environ["PG_PORT"],
            "-U",
            "postgres",
            "-d",
            "shanshui",
            "-Atc",
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'shanshui'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def main() -> None:
    rate_limit = int(os.environ.get("E2E_TRACK_LIMIT", "6"))
    lockout = int(os.environ.get("E2E_LOCKOUT_ATTEMPTS", "5"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            code, pk = citizen_reports_through_a(browser)
            step(f"a citizen reported through host A ({APP_A}): case {pk}, tracking code {code}")
            office_transfers_through_b(browser, code, pk)
            step(f"the office transferred it through host B ({APP_B}); A shows the new state")
            rate_limit_holds_across_hosts(rate_limit)
            step(f"rate limit ({rate_limit} look-ups): counted across A and B, then both refuse")
            lockout_holds_across_hosts(browser, lockout)
            step(f"lockout: {lockout} wrong passwords alternating A and B lock the account on both")
        finally:
            browser.close()
    burst(int(os.environ.get("E2E_BURST", "200")))
    status, _h, _b = get(BALANCED + "/metrics")
    check(status == 404, f"/metrics answered {status} through the public proxy")
    status, _h, body = get(f"http://{APP_A}/metrics")
    check(status == 200 and "shanshui_http_requests_total" in body, "/metrics on host A")
    status, _h, body = get(BALANCED + "/healthz")
    check(status == 200 and json.loads(body)["status"] == "ok", f"/healthz: {status} {body}")
    # The parts, from an allowed address: loopback on the host itself, as a monitor would ask.
    for app in (APP_A, APP_B):
        status, _h, body = get(f"http://{app}/healthz")
        parts = json.loads(body) if status in (200, 503) else {}
        check(
            status == 200 and all(parts.get(p) == "ok" for p in ("database", "cache", "storage")),
            f"/healthz on {app}: {status} {body}",
        )
        check(parts.get("worker") in ("ok", "unknown"), f"/healthz on {app}: {body}")
    step(f"/metrics internal only; /healthz through the proxy ok, on each host {body}")
    _s, _h, page = get(BALANCED + "/login/")
    asset = re.search(r'(/static/[^"]+\.[0-9a-f]{12}\.css)"', page)
    check(asset is not None, "no hashed stylesheet on the login page")
    status, headers, _b = get(BALANCED + asset.group(1))
    lowered = {k.lower(): v for k, v in headers.items()}
    check(status == 200 and "x-upstream" not in lowered, f"{asset.group(1)} not from nginx")
    check("immutable" in lowered.get("cache-control", ""), f"{asset.group(1)}: {lowered}")
    step(f"static files from nginx with hashed names, cached for ever ({asset.group(1)})")


if __name__ == "__main__":
    main()
