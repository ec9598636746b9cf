"""The users' side of the worker and media drills: a browser session through nginx on loopback.

    python deploy/drills/web.py import-until-writing STATE SHEET CAMPAIGN FRACTION TIMEOUT
    python deploy/drills/web.py wait-failed STATE TIMEOUT
    python deploy/drills/web.py import-all STATE SHEET CAMPAIGN TIMEOUT
    python deploy/drills/web.py media PHASE STATE TASK          # PHASE: before, down, after

Every command prints what it saw as Markdown list lines, keeps what the next command needs in
STATE (a JSON file) and exits non-zero when an assertion fails. Times are epoch seconds.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

BASE = f"http://127.0.0.1:{os.environ.get('NGINX_PORT', '0')}"
PASSWORD = "shanshui-demo"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STEPS = re.compile(r"第 (\d+) / (\d+) 步")
JOB_URL = re.compile(r"/reports/import/(\d+)/$")
# The messages the users must see (locale/zh_Hans): the import's lost worker, the store down.
LOST = "导入中断：后台进程在运行中停止"
STORE_SAVE = "文件存储暂时无法访问"
STORE_READ = "文件存储暂时无法访问，请过几分钟再试"

failures: list[str] = []


def check(ok: bool, what: str) -> bool:
    print(f"- {'ok' if ok else 'FAILED'}: {what}")
    if not ok:
        failures.append(what)
    return ok


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Session:
    """A user's cookies and CSRF token; answers as (status, headers, text)."""

    def __init__(self, username: str):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        status, _h, page = self.get("/login/")
        token = CSRF.search(page)
        assert status == 200 and token, f"login form: {status}"
        status, _h, _t = self.post(
            "/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
        )
        assert status == 302, f"login of {username}: {status}"

    def request(self, method, path, body=None, headers=None, timeout=120):
        request = urllib.request.Request(
            BASE + path,
            data=body,
            method=method,
            headers={"Referer": BASE + path, **(headers or {})},
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()

    def get(self, path, raw=False):
        status, headers, body = self.request("GET", path)
        return status, headers, body if raw else body.decode("utf-8", "replace")

    def post(self, path, data, files=None):
        if files:
            body, ctype = multipart(data, files)
        else:
            body, ctype = (
                urllib.parse.urlencode(data, doseq=True).encode(),
                ("application/x-www-form-urlencoded"),
            )
        status, headers, raw = self.request("POST", path, body, {"Content-Type": ctype})
        return status, headers, raw.decode("utf-8", "replace")

    def token(self, path) -> str:
        status, _h, page = self.get(path)
        found = CSRF.search(page)
        assert status == 200 and found, f"no form at {path}: {status}"
        return found.group(1)


def multipart(data: dict, files: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in data.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for field, filename, content, ctype in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def load(state: str) -> dict:
    try:
        with open(state, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return {}


def save(state: str, values: dict) -> None:
    merged = {**load(state), **values}
    with open(state, "w", encoding="utf-8") as fh:
        json.dump(merged, fh, indent=1)


# --- the import ------------------------------------------------------------------------------


def job_of(headers) -> int:
    found = JOB_URL.search(headers.get("Location", ""))
    assert found, f"no job page in {headers.get('Location')!r}"
    return int(found.group(1))


def progress(office: Session, job: int) -> tuple[str, int, int]:
    """("running", done, total) while the job runs, ("finished", 0, 0) after."""
    status, _h, text = office.get(f"/reports/import/{job}/progress/")
    if status == 204:
        return "finished", 0, 0
    assert status == 200, f"progress of job {job}: {status}"
    found = STEPS.search(text)
    return ("running", int(found.group(1)), int(found.group(2))) if found else ("running", 0, 0)


def wait_finished(office: Session, job: int, timeout: float) -> float:
    stop = time.time() + timeout
    while time.time() < stop:
        if progress(office, job)[0] == "finished":
            return time.time()
        time.sleep(0.5)
    raise AssertionError(f"job {job} still running after {timeout:.0f} s")


def upload_and_check(office: Session, sheet: str, campaign: str, timeout: float) -> int:
    """Upload the sheet and wait for its check (a dry run, in the background); the check job."""
    with open(sheet, "rb") as fh:
        content = fh.read()
    token = office.token("/reports/import/")
    status, headers, text = office.post(
        "/reports/import/",
        {"campaign": campaign, "csrfmiddlewaretoken": token},
        [("file", "故障演练整改台账.xlsx", content, XLSX)],
    )
    assert status == 302, f"upload: {status} {text[:300]}"
    job = job_of(headers)
    wait_finished(office, job, timeout)
    status, _h, page = office.get(f"/reports/import/{job}/")
    assert status == 200 and "导入" in page, f"check page: {status}"
    return job


def start_import(office: Session, checked: int) -> int:
    token = office.token(f"/reports/import/{checked}/")
    status, headers, text = office.post(
        f"/reports/import/{checked}/again/", {"do": "import", "csrfmiddlewaretoken": token}
    )
    assert status == 302, f"import refused: {status} {text[:300]}"
    return job_of(headers)


def import_until_writing(state, sheet, campaign, fraction, timeout) -> None:
    """Upload, check, import; return once the import is writing (past FRACTION of its rows,
    inside its transaction): the moment the shell kills the worker."""
    office = Session("office")
    started = time.time()
    checked = upload_and_check(office, sheet, campaign, float(timeout))
    checked_at = time.time()
    job = start_import(office, checked)
    import_at = time.time()
    stop = import_at + float(timeout)
    seen = (0, 0)
    while time.time() < stop:
        phase, done, total = progress(office, job)
        if phase == "finished":
            save(state, {"job": job, "too_fast": True})
            raise AssertionError("the import finished before the worker could be killed")
        if total and done > total // 2 + float(fraction) * total / 2:
            seen = (done - total // 2, total // 2)
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the import did not reach its writing phase in {timeout} s")
    save(
        state,
        {
            "job": job,
            "checked_job": checked,
            "upload_at": started,
            "checked_at": checked_at,
            "import_at": import_at,
            "writing_seen_at": time.time(),
            "rows_written_seen": seen[0],
            "rows_total": seen[1],
        },
    )
    print(
        f"- check (dry run) of the sheet: {checked_at - started:.1f} s; import job {job} "
        f"writing, {seen[0]:,} of {seen[1]:,} rows written (uncommitted) "
        f"{time.time() - import_at:.1f} s after it was started"
    )


def wait_failed(state, timeout) -> None:
    """Poll the office's job page (which follows the job's task) until the job has failed."""
    values = load(state)
    office = Session("office")
    job = values["job"]
    stop = time.time() + float(timeout)
    running_seen = False
    while time.time() < stop:
        phase, _done, _total = progress(office, job)
        if phase == "finished":
            break
        running_seen = True
        time.sleep(1)
    else:
        check(False, f"job {job} failed within {timeout} s of the kill")
        sys.exit(1)
    failed_at = time.time()
    save(state, {"failed_at": failed_at})
    status, _h, page = office.get(f"/reports/import/{job}/")
    check(running_seen, "the job page showed the job running until the worker was found lost")
    check(status == 200 and LOST in page, f"the office's job page says: “{LOST}……”")
    listing = office.get("/reports/import/")[2]
    check(LOST in listing or "失败" in listing, "the import list shows the job failed")
    sys.exit(1 if failures else 0)


def import_all(state, sheet, campaign, timeout) -> None:
    office = Session("office")
    started = time.time()
    checked = upload_and_check(office, sheet, campaign, float(timeout))
    checked_at = time.time()
    job = start_import(office, checked)
    done_at = wait_finished(office, job, float(timeout))
    status, _h, page = office.get(f"/reports/import/{job}/")
    check(status == 200 and LOST not in page, f"the second import (job {job}) finished")
    save(
        state,
        {
            "again_job": job,
            "again_check_s": checked_at - started,
            "again_import_s": done_at - checked_at,
        },
    )
    print(f"- re-upload: check {checked_at - started:.1f} s, import {done_at - checked_at:.1f} s")
    sys.exit(1 if failures else 0)


# --- media -----------------------------------------------------------------------------------

EVIDENCE_LINK = re.compile(r"/ledger/evidence/(\d+)/")


def evidence_ids(user: Session, task: str) -> set[int]:
    status, _h, page = user.get(f"/ledger/tasks/{task}/")
    assert status == 200, f"task page: {status}"
    return {int(x) for x in EVIDENCE_LINK.findall(page)}


def add_evidence(user: Session, task: str, content: bytes, name: str):
    token = user.token(f"/ledger/tasks/{task}/")
    started = time.time()
    status, _h, text = user.post(
        f"/ledger/tasks/{task}/add_evidence/",
        {"comment": "故障演练补充材料", "csrfmiddlewaretoken": token},
        [("files", name, content, "application/pdf")],
    )
    return status, text, time.time() - started


def pdf(text: str) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text.encode() + b"\n%%EOF\n"
    )


def media(phase: str, state: str, task: str) -> None:
    district = Session("wanzhou")
    values = load(state)
    if phase == "before":
        content = pdf(f"drill-before-{uuid.uuid4().hex}")
        before = evidence_ids(district, task)
        status, _t, seconds = add_evidence(district, task, content, "演练材料-停机前.pdf")
        new = evidence_ids(district, task) - before
        check(
            status == 302 and len(new) == 1, f"store up: evidence added ({status}, {seconds:.2f} s)"
        )
        evidence = max(new) if new else 0
        status, _h, body = district.get(f"/ledger/evidence/{evidence}/", raw=True)
        check(
            status == 200 and body == content, f"store up: evidence {evidence} downloads ({status})"
        )
        save(state, {"evidence": evidence, "content": content.decode("latin-1")})
    elif phase == "down":
        before = evidence_ids(district, task)
        status, text, seconds = add_evidence(
            district, task, pdf("drill-down"), "演练材料-停机中.pdf"
        )
        check(
            status == 400 and STORE_SAVE in text,
            f"store down: adding evidence is {status} in {seconds:.2f} s with “{STORE_SAVE}……”",
        )
        check(evidence_ids(district, task) == before, "store down: no evidence row shown")
        started = time.time()
        status, headers, text = district.get(f"/ledger/evidence/{values['evidence']}/")
        seconds = time.time() - started
        check(
            status == 503 and STORE_READ in text,
            f"store down: downloading evidence {values['evidence']} is {status} in "
            f"{seconds:.2f} s with “{STORE_READ}”, Retry-After {headers.get('Retry-After')}",
        )
        status, _h, _t = district.get("/ledger/")
        check(status == 200, f"store down: the task list is {status}")
        status, _h, _t = district.get(f"/ledger/tasks/{task}/")
        check(status == 200, f"store down: the task page is {status}")
        status, _h, text = district.get("/healthz")
        report = json.loads(text) if text.startswith("{") else {}
        check(
            status == 503 and report.get("storage") not in (None, "ok"),
            f"store down: /healthz is {status}, storage “{report.get('storage')}”"
            f" ({report.get('storage_detail', '')})",
        )
    else:
        status, _h, text = district.get("/healthz")
        report = json.loads(text) if text.startswith("{") else {}
        check(status == 200 and report.get("storage") == "ok", f"store back: /healthz {status}")
        status, _h, body = district.get(f"/ledger/evidence/{values['evidence']}/", raw=True)
        check(
            status == 200 and body == values["content"].encode("latin-1"),
            f"store back: the earlier evidence {values['evidence']} downloads unchanged ({status})",
        )
        before = evidence_ids(district, task)
        status, _t, seconds = add_evidence(
            district, task, pdf("drill-after"), "演练材料-恢复后.pdf"
        )
        new = evidence_ids(district, task) - before
        check(
            status == 302 and len(new) == 1,
            f"store back: evidence added ({status}, {seconds:.2f} s)",
        )
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    try:
        if command == "import-until-writing":
            import_until_writing(*args)
        elif command == "wait-failed":
            wait_failed(*args)
        elif command == "import-all":
            import_all(*args)
        elif command == "media":
            media(*args)
        else:
            sys.exit(f"unknown command {command}")
    except AssertionError as exc:
        print(f"- FAILED: {exc}")
        sys.exit(1)
