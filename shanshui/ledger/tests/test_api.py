"""The ledger's JSON API (/api/v1/): auth, data scope, the lifecycle, refusals, uploads,
downloads and the public notice. Through the test client, except the lifecycle and the exact
bytes of a download, which go over real HTTP to a live server (see shanshui.testing.http)."""

import datetime as dt
import hashlib
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from shanshui.ledger import services
from shanshui.ledger.models import ChecklistItem, Evidence, Objection, ProgressReport, Status, Task
from shanshui.ledger.scenarios import pdf_bytes, png_bytes
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import Api, ClientApi

pytestmark = pytest.mark.django_db

HTML_AS_PDF = ("files", "整改报告.pdf", b"<!DOCTYPE html><html><script>alert(1)</script>", "")
PHOTO = ("files", "现场.png", png_bytes(), "image/png")
NAMES = ("office", "district_a", "district_a_staff", "district_b", "department")


def tokens_for(personas):
    return {n: api_token_create(user=getattr(personas, n), name="t")[1] for n in NAMES}


@pytest.fixture
def api(personas):
    return ClientApi(tokens_for(personas))


@pytest.fixture
def live_api(live_server, personas):
    """Real HTTP: bearer tokens through a WSGI server, multipart bodies and downloads on a
    socket. Only for the tests marked ``django_db(transaction=True)`` below."""
    return Api(live_server.url, tokens_for(personas))


def snapshot(task):
    """Everything an action could change on a task."""
    task.refresh_from_db()
    related = ("events", "evidence", "reports", "urges", "extensions", "applications")
    return (task.status, task.version, *(getattr(task, r).count() for r in related))


def checklist_form(version):
    fields = {"summary": "已按方案完成整改。", "version": version}
    fields |= {i.value: f"{i.label}：已落实。" for i in ChecklistItem}
    files = [(f"files_{i}", f"{i}.pdf", pdf_bytes(i), "application/pdf") for i in ChecklistItem]
    return fields, files


def in_days(n):
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def test_it_refuses_requests_without_a_token(api):
    status, body = api.get(None, "/tasks")
    assert status == 401 and body["code"] == "unauthorized"
    status, body = api.get("ssk_not-a-real-token", "/tasks")
    assert status == 401 and body["code"] == "unauthorized"


def test_it_refuses_a_post_without_a_valid_token_with_401(api, task_in):
    task = task_in(Status.DRAFT)
    for who in (None, "ssk_not-a-real-token"):
        status, body = api.post(who, f"/tasks/{task.pk}/assign", version=1)
        assert (status, body["code"]) == (401, "unauthorized"), body


def test_it_still_checks_csrf_for_a_browser_session(personas, task_in):
    task = task_in(Status.DRAFT)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.office)
    response = browser.post(f"/api/v1/tasks/{task.pk}/assign", {}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.json()["message"]
    assert snapshot(task)[:2] == (Status.DRAFT, 1)


def test_it_lists_only_the_tasks_where_the_users_units_hold_roles(api, personas, campaign, task_in):
    wanzhou = {task_in(Status.DRAFT).pk, task_in(Status.IN_PROGRESS).pk}
    yuzhong = services.task_create(
        actor=personas.office, campaign=campaign, code="YZ1", title="渝中区餐饮油烟扰民",
        problem="油烟直排。", deadline=timezone.localdate() + dt.timedelta(days=30),
        units=[services.UnitAssignment(personas.unit_b, "implementing")],
    )  # fmt: skip
    status, body = api.get("district_a", "/tasks")
    assert status == 200 and body["count"] == 2
    assert {t["id"] for t in body["items"]} == wanzhou
    assert [t["id"] for t in api.get("district_b", "/tasks")[1]["items"]] == [yuzhong.pk]
    assert {t["id"] for t in api.get("office", "/tasks")[1]["items"]} == {*wanzhou, yuzhong.pk}
    status, body = api.get("district_a", f"/tasks/{yuzhong.pk}")
    assert (status, body["code"]) == (404, "not_found")


def test_it_never_lets_another_district_see_or_touch_a_task(api, personas, task_in):
    task = task_in(Status.ACCEPTANCE_APPLIED)
    evidence = Evidence.objects.filter(task=task).first()
    urge = services.task_urge(
        actor=personas.office, task=task, expected_version=None, to_unit=personas.unit_a,
        text="限期整改", response_due=task.deadline,
    )  # fmt: skip
    before = snapshot(task)
    t, v = task.pk, task.version
    for path in (f"/tasks/{t}", f"/tasks/{t}/events", f"/tasks/{t}/reports",
                 f"/evidence/{evidence.pk}"):  # fmt: skip
        status, body = api.get("district_b", path)
        assert (status, body["code"]) == (404, "not_found"), path
    json_actions = {
        "assign": {"version": v},
        "accept-assignment": {"version": v},
        "urges": {"to_unit_id": personas.unit_a.pk, "text": "限期整改", "response_due": in_days(9)},
        "extensions": {"requested_deadline": in_days(200), "reason": "工程量大"},
        "recheck": {"version": v, "passed": True, "opinion": "试探"},
        "accept": {"version": v, "accepted_by_name": "冒名", "opinion": "试探"},
        "start-notice": {"version": v},
        "sign-off": {"version": v},
        "return": {"version": v, "reason": "试探"},
        "reopen": {"version": v, "reason": "试探", "trigger": "relapse"},
        "withdraw": {"version": v, "reason": "试探"},
        "accountability": dict(
            person_name="张三", post="科长", unit_id=personas.unit_a.pk, measure="criticism",
            reason="整改不力", decided_on="2025-01-02",
        ),
    }  # fmt: skip
    missing = 2**31 - 1  # guessing ids: a task in another district looks like no task at all
    for action, payload in json_actions.items():
        for task_id in (t, missing):
            status, body = api.post("district_b", f"/tasks/{task_id}/{action}", **payload)
            assert (status, body["code"]) == (404, "not_found"), (action, task_id)
    multipart = {
        "reports": ({"text": "已完成", "percent": 100}, [PHOTO]),
        "evidence": ({"comment": "补充"}, [PHOTO]),
        "apply-acceptance": checklist_form(v),
    }
    for action, (fields, files) in multipart.items():
        status, body = api.upload("district_b", f"/tasks/{t}/{action}", fields, files)
        assert (status, body["code"]) == (404, "not_found"), action
    status, body = api.post("district_b", f"/urges/{urge.pk}/answer", response="已办")
    assert (status, body["code"]) == (404, "not_found")
    assert snapshot(task) == before


@pytest.mark.django_db(transaction=True)
def test_it_walks_a_task_from_campaign_to_sign_off(live_api, personas):
    api = live_api
    status, campaign = api.post(
        "office", "/campaigns", code="city-2025-1", name="2025年市级生态环境保护督察",
        kind="city", notice_days=10,
    )  # fmt: skip
    assert status == 201 and campaign["notice_days"] == 10
    units = [
        {"unit_id": personas.unit_department.pk, "role": "lead"},
        {"unit_id": personas.unit_a.pk, "role": "implementing", "leader_name": "周强"},
        {"unit_id": personas.unit_office.pk, "role": "accepting"},
    ]
    status, task = api.post(
        "office", "/tasks", campaign_id=campaign["id"], code="SJ-01", title="苎溪河沿岸污水直排",
        problem="沿岸3处排口污水直排。", measures=["截污纳管", "清淤"], categories=["water"],
        deadline=in_days(90), units=units,
    )  # fmt: skip
    assert status == 201, task
    assert (task["status"], task["version"], task["campaign_id"]) == ("draft", 1, campaign["id"])
    assert "assign" in task["allowed_actions"]
    assert sorted((u["unit_id"], u["role"]) for u in task["units"]) == sorted(
        (u["unit_id"], u["role"]) for u in units
    )
    tid = task["id"]

    def step(who, action, expect_status, version, **extra):
        status, body = api.post(who, f"/tasks/{tid}/{action}", version=version, **extra)
        assert status == 200, (action, body)
        assert (body["id"], body["status"], body["version"]) == (tid, expect_status, version + 1)

    step("office", "assign", "assigned", 1, comment="请按期整改")
    step("district_a", "accept-assignment", "in_progress", 2)
    image = png_bytes(colour=(10, 20, 30))
    fields = {"text": "两项措施均已完成。", "percent": 100, "version": 3,
              "measure_status": json.dumps({"1": "done", "2": "done"})}  # fmt: skip
    files = [("files", "现场照片.png", image, "image/png")]
    status, report = api.upload("district_a", f"/tasks/{tid}/reports", fields, files)
    assert status == 201, report
    assert report["percent"] == 100 and report["measure_status"] == {"1": "done", "2": "done"}
    assert [e["sha256"] for e in report["evidence"]] == [hashlib.sha256(image).hexdigest()]
    status, task = api.get("district_a", f"/tasks/{tid}")
    assert (task["version"], task["progress"]) == (4, 100)
    assert [m["status"] for m in task["measures"]] == ["done", "done"]
    assert "apply_acceptance" in task["allowed_actions"]
    status, body = api.upload("district_a", f"/tasks/{tid}/apply-acceptance", *checklist_form(4))
    assert status == 200, body
    assert (body["status"], body["version"]) == ("acceptance_applied", 5)
    assert Evidence.objects.filter(task_id=tid).exclude(checklist_item="").count() == 6
    step("department", "recheck", "rechecked", 5, passed=True, opinion="复查属实")
    step("office", "accept", "accepted", 6, accepted_by_name="李验收", opinion="同意验收")
    step("office", "start-notice", "in_public_notice", 7)
    status, body = api.post("office", f"/tasks/{tid}/sign-off", version=8)
    assert (status, body["code"]) == (409, "invalid_state")  # the notice is still running
    Task.objects.filter(pk=tid).update(notice_end=timezone.localdate() - dt.timedelta(days=1))
    step("office", "sign-off", "signed_off", 8)
    status, events = api.get("district_a", f"/tasks/{tid}/events")
    assert status == 200
    assert [e["kind"] for e in events["items"]] == [
        "created", "assigned", "assignment_accepted", "reported", "acceptance_applied",
        "rechecked", "accepted", "notice_started", "signed_off",
    ]  # fmt: skip
    accepted = events["items"][2]
    assert (accepted["actor"], accepted["unit_id"]) == ("p_wanzhou", personas.unit_a.pk)
    assert [e["to_status"] for e in events["items"]][-1] == "signed_off"


def test_it_refuses_the_wrong_role_with_403(api, task_in):
    draft = task_in(Status.DRAFT)
    status, body = api.get("district_a", f"/tasks/{draft.pk}")
    assert status == 200 and "assign" not in body["allowed_actions"]
    before_draft = snapshot(draft)
    status, body = api.post("district_a", f"/tasks/{draft.pk}/assign", version=draft.version)
    assert (status, body["code"]) == (403, "forbidden")
    assigned = task_in(Status.ASSIGNED)
    before = snapshot(assigned)
    path = f"/tasks/{assigned.pk}/accept-assignment"  # the lead unit does not carry it out
    status, body = api.post("department", path, version=assigned.version)
    assert (status, body["code"]) == (403, "forbidden")
    assert snapshot(draft) == before_draft and snapshot(assigned) == before


def test_it_refuses_an_action_the_state_does_not_allow_with_409(api, task_in):
    task = task_in(Status.IN_PROGRESS)
    before = snapshot(task)
    status, body = api.post("office", f"/tasks/{task.pk}/recheck", version=task.version)
    assert (status, body["code"]) == (409, "invalid_state")
    status, body = api.post("office", f"/tasks/{task.pk}/assign")
    assert (status, body["code"]) == (409, "invalid_state")
    assert snapshot(task) == before


def test_it_refuses_a_stale_version_with_409_and_changes_nothing(api, task_in):
    task = task_in(Status.ASSIGNED)
    before = snapshot(task)
    path = f"/tasks/{task.pk}/accept-assignment"
    status, body = api.post("district_a", path, version=task.version - 1)
    assert (status, body["code"]) == (409, "conflict")
    fields = {"text": "进展", "percent": 10, "version": task.version + 5}
    status, body = api.upload("district_a", f"/tasks/{task.pk}/reports", fields)
    assert (status, body["code"]) == (409, "conflict")
    assert snapshot(task) == before


def test_it_rejects_invalid_input_as_json(api, task_in):
    task = task_in(Status.IN_PROGRESS)
    before = snapshot(task)
    path = f"/tasks/{task.pk}/reports"
    status, body = api.upload("district_a", path, {"text": "进展", "percent": 150})
    assert (status, body["code"]) == (422, "validation_error")
    fields = {"text": "进展", "percent": 50, "measure_status": "[1, 2]"}
    status, body = api.upload("district_a", path, fields)
    assert (status, body["code"]) == (400, "invalid") and "measure_status" in body["fields"]
    fields = {"summary": "完成", "measures_done": "已完成"}
    status, body = api.upload("district_a", f"/tasks/{task.pk}/apply-acceptance", fields)
    assert (status, body["code"]) == (400, "invalid")
    assert {"measures_done", "standards_met", "files_complete"} <= set(body["fields"])
    applied = task_in(Status.ACCEPTANCE_APPLIED)
    before_applied = snapshot(applied)
    for reason, expected in (("", (422, "validation_error")), ("   ", (400, "invalid"))):
        status, body = api.post("office", f"/tasks/{applied.pk}/return", reason=reason)
        assert (status, body["code"]) == expected
    assert snapshot(task) == before and snapshot(applied) == before_applied


def test_it_rejects_html_disguised_as_a_pdf_and_stores_nothing(api, task_in, settings):
    task = task_in(Status.IN_PROGRESS)
    before = snapshot(task)
    counts = Evidence.objects.count(), ProgressReport.objects.count()
    status, body = api.upload("district_a", f"/tasks/{task.pk}/evidence", {}, [HTML_AS_PDF])
    assert (status, body["code"]) == (400, "invalid") and "files" in body["fields"]
    fields = {"text": "进展", "percent": 40}
    status, body = api.upload("district_a", f"/tasks/{task.pk}/reports", fields, [HTML_AS_PDF])
    assert (status, body["code"]) == (400, "invalid")
    assert (Evidence.objects.count(), ProgressReport.objects.count()) == counts
    assert snapshot(task) == before
    sha = hashlib.sha256(HTML_AS_PDF[2]).hexdigest()
    folder = settings.MEDIA_ROOT / "evidence" / sha[:2]
    assert not (folder.exists() and any(p.name.startswith(sha) for p in folder.iterdir()))


@pytest.mark.django_db(transaction=True)
def test_it_returns_the_exact_bytes_uploaded(live_api, task_in):
    api = live_api
    task = task_in(Status.IN_PROGRESS)
    content = pdf_bytes("现场核查记录 " + uuid.uuid4().hex)
    files = [("files", "核查记录.pdf", content, "application/pdf")]
    status, body = api.upload("district_a_staff", f"/tasks/{task.pk}/evidence", {}, files)
    assert status == 201, body
    [stored] = body
    assert (stored["size"], stored["original_name"]) == (len(content), "核查记录.pdf")
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    for who in ("district_a", "district_a_staff", "department", "office"):
        status, headers, raw = api.send(who, f"/evidence/{stored['id']}")
        assert status == 200 and raw == content, who
        assert headers["Content-Type"] == "application/pdf"
        assert headers["Content-Disposition"].startswith("attachment")
    status, _, raw = api.send("district_b", f"/evidence/{stored['id']}")
    assert status == 404 and raw != content


def test_it_publishes_only_public_tasks_in_notice_or_signed_off(api, personas, task_in):
    notice = task_in(Status.IN_PUBLIC_NOTICE)
    signed = task_in(Status.SIGNED_OFF)
    task_in(Status.IN_PROGRESS)
    private = task_in(Status.ACCEPTED, is_public=False)
    services.task_sign_off(actor=personas.office, task=private, expected_version=None)
    path = f"/public/rectification/{notice.pk}/objections"
    status, body = api.post(None, path, text="河道仍有异味。", name="王秘密", contact="13800138000")
    assert (status, body["received"]) == (201, True)
    objection = Objection.objects.get(task=notice)
    assert (objection.name, objection.contact) == ("王秘密", "13800138000")
    status, _, raw = api.send(None, "/public/rectification")
    assert status == 200
    items = json.loads(raw)["items"]
    assert sorted((t["id"], t["status"]) for t in items) == sorted(
        [(notice.pk, "in_public_notice"), (signed.pk, "signed_off")]
    )
    text = raw.decode()
    assert "13800138000" not in text and "王秘密" not in text and "contact" not in text


def test_it_takes_objections_only_during_the_notice(api, task_in):
    signed = task_in(Status.SIGNED_OFF)
    working = task_in(Status.IN_PROGRESS)
    before = snapshot(signed)
    status, body = api.post(None, f"/public/rectification/{signed.pk}/objections", text="仍在")
    assert (status, body["code"]) == (409, "invalid_state")
    status, body = api.post(None, f"/public/rectification/{working.pk}/objections", text="不公开")
    assert (status, body["code"]) == (404, "not_found")
    assert Objection.objects.count() == 0 and snapshot(signed) == before
