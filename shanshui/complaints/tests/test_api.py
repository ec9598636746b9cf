"""Cases in /api/v1/: scope, the workflow, refusals, the import and the public endpoints.
Through the test client; real HTTP is covered by the ledger's and Open311's live-server tests."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from shanshui.complaints.models import Complaint, ComplaintContact, Status
from shanshui.complaints.scenarios import make_batch, make_report, make_transferred
from shanshui.ledger.scenarios import make_campaign
from shanshui.orgs.models import Role
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi
from shanshui.testing.personas import make_user

pytestmark = pytest.mark.django_db
NAMES = ("office", "district_a", "district_a_staff", "district_b", "department", "leader")


@pytest.fixture
def api(personas):
    tokens = {n: api_token_create(user=getattr(personas, n), name="t")[1] for n in NAMES}
    viewer = make_user("p_viewer", unit=personas.unit_a, role=Role.VIEWER)
    tokens["viewer"] = api_token_create(user=viewer, name="t")[1]
    return ClientApi(tokens)


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


@pytest.fixture
def case(personas, campaign):
    batch = make_batch(personas.office, campaign)
    c = make_transferred(personas.office, batch, personas.unit_a)
    ComplaintContact.objects.filter(complaint=c).update(name="举报人甲", phone="13600001234")
    return c


def state(c):
    c.refresh_from_db()
    return c.status, c.version, c.events.count()


def test_scope_on_every_case_endpoint(api, case):
    before = state(case)
    for who in ("district_b", "department"):
        assert api.get(who, f"/complaints/{case.pk}")[0] == 404
        assert api.get(who, f"/complaints/{case.pk}/events")[0] == 404
        assert api.get(who, f"/complaints/{case.pk}/repeats")[0] == 404
        status, body = api.get(who, "/complaints")
        assert status == 200 and body["count"] == 0
        for path, payload in [
            ("start", {}),
            ("handle", {"finding": "true", "investigation": "x", "handling": "y"}),
            ("close", {}),
            ("publish", {}),
            ("send-back", {"reason": "x"}),
            ("transfer", {"unit_ids": [1]}),
            ("moderate-text", {"hidden": True, "reason": "x"}),
        ]:
            status, body = api.post(who, f"/complaints/{case.pk}/{path}", **payload)
            assert status == 404, (who, path, body)
    assert state(case) == before


def test_contact_only_for_roles_that_handle_the_case(api, case):
    for who in ("office", "district_a", "district_a_staff", "leader"):
        status, body = api.get(who, f"/complaints/{case.pk}")
        assert status == 200 and body["contact"]["phone"] == "13600001234", who
    status, body = api.get("viewer", f"/complaints/{case.pk}")
    assert status == 200 and body["contact"] is None
    assert "13600001234" not in str(body)
    assert body["allowed_actions"] == []


def test_the_workflow_through_the_api(api, personas, case):
    status, body = api.get("district_a", f"/complaints/{case.pk}")
    assert body["allowed_actions"][:1] == ["start"]
    version = body["version"]
    status, body = api.post("district_a", f"/complaints/{case.pk}/start", version=version - 1)
    assert (status, body["code"]) == (409, "conflict")
    status, body = api.post("district_a", f"/complaints/{case.pk}/start", version=version)
    assert status == 200 and body["status"] == Status.INVESTIGATING
    status, body = api.post(
        "district_a_staff",
        f"/complaints/{case.pk}/handle",
        version=body["version"],
        finding="false",
        investigation="现场未发现问题",
    )
    assert status == 200 and body["status"] == Status.HANDLED
    status, body = api.post("district_a", f"/complaints/{case.pk}/close", version=body["version"])
    assert (status, body["code"]) == (409, "invalid_state")  # needs the second review
    status, body = api.post("district_a_staff", f"/complaints/{case.pk}/review", approve=True)
    assert status == 403
    status, body = api.post("leader", f"/complaints/{case.pk}/review", approve=True)
    assert status == 200
    status, body = api.post(
        "district_a",
        f"/complaints/{case.pk}/close",
        stage=True,
        follow_up_due=(timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    )
    assert status == 200 and body["status"] == Status.STAGE_CLOSED
    status, body = api.post("district_a", f"/complaints/{case.pk}/publish")
    assert status == 200 and body["status"] == Status.PUBLISHED
    status, body = api.post(
        "district_a", f"/complaints/{case.pk}/complete-follow-up", reason="已建立长效机制"
    )
    assert status == 200
    status, body = api.get("office", f"/complaints/{case.pk}/events")
    kinds = [e["kind"] for e in body["items"]]
    assert kinds[-6:] == [
        "started",
        "handled",
        "reviewed",
        "stage_closed",
        "published",
        "follow_up_done",
    ]


def test_validation_errors_change_nothing(api, personas, case):
    api.post("district_a", f"/complaints/{case.pk}/start")
    before = state(case)
    status, body = api.post(
        "district_a",
        f"/complaints/{case.pk}/handle",
        finding="true",
        investigation="属实",
        handling="",
        fine_yuan="100",
    )
    assert status == 400 and set(body["fields"]) == {"handling", "cases_filed"}
    status, body = api.post("district_a", f"/complaints/{case.pk}/handle", finding="maybe")
    assert status == 422
    assert state(case) == before


def test_office_registers_transfers_promotes(api, personas, campaign):
    status, body = api.post(
        "office",
        "/complaints",
        channel="hotline",
        description="12369 来电：某厂夜间偷排。",
        categories=["water"],
        district_id=personas.unit_a.pk,
        contact_phone="13500000000",
    )
    assert status == 201 and body["channel"] == "hotline" and body["status"] == "received"
    pk = body["id"]
    status, _ = api.post(
        "district_a",
        "/complaints",
        channel="hotline",
        description="x",
        categories=["water"],
        district_id=personas.unit_a.pk,
    )
    assert status == 403
    status, body = api.post(
        "office", f"/complaints/{pk}/transfer", unit_ids=[personas.unit_a.pk, personas.unit_b.pk]
    )
    assert status == 200 and body["status"] == "transferred"
    assert api.get("district_b", f"/complaints/{pk}")[0] == 200  # multi-district case
    status, body = api.post(
        "office",
        f"/complaints/{pk}/promote",
        campaign_id=campaign.pk,
        code="TS-9",
        deadline=(timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    )
    assert status == 201 and body["task_code"] == "TS-9"
    assert Complaint.objects.get(pk=pk).task_id == body["task_id"]


def _sheet(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["中央生态环境保护督察组交办问题清单（第1批）"])
    sheet.append(["序号", "受理编号", "交办问题基本情况", "行政区域", "污染类型", "调查核实情况"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_import_endpoint_all_or_nothing(api, personas, campaign):
    batch = make_batch(personas.office, campaign, number=3)
    good = [1, "X500000202411290101", "某厂废水直排。", "万州区", "水", ""]
    bad = [2, "X500000202411290102", "某工地扬尘。", "火星区", "大气", ""]
    status, body = api.upload(
        "office",
        f"/complaint-batches/{batch.pk}/import",
        {"dry_run": "false"},
        [("file", "清单.xlsx", _sheet([good, bad]), XLSX)],
    )
    assert status == 400 and not body["ok"] and body["created"] == []
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(4, "行政区域")]
    assert not Complaint.objects.exists()
    status, body = api.upload(
        "district_a",
        f"/complaint-batches/{batch.pk}/import",
        {},
        [("file", "清单.xlsx", _sheet([good]), XLSX)],
    )
    assert status == 403
    status, body = api.upload(
        "office",
        f"/complaint-batches/{batch.pk}/import",
        {},
        [("file", "清单.xlsx", _sheet([good]), XLSX)],
    )
    assert status == 200 and body["created"] == ["X500000202411290101"]
    status, body = api.upload(
        "office",
        f"/complaint-batches/{batch.pk}/import",
        {},
        [("file", "清单.xlsx", _sheet([good]), XLSX)],
    )
    assert status == 200 and body["created"] == [] and body["unchanged"] == ["X500000202411290101"]


def test_public_endpoints_need_no_login_and_hide_people(api, personas):
    c = make_report(
        district=personas.unit_a,
        description="油烟直排，我的电话 13812345678",
        moderator=personas.office,
    )
    ComplaintContact.objects.filter(complaint=c).update(name="隐私姓名", email="p@example.org")
    status, body = api.get(None, "/public/complaints")
    assert status == 200 and body["count"] == 1
    item = body["items"][0]
    assert item["code"] == c.code and item["finding"] is None
    assert "13812345678" not in str(body) and "隐私姓名" not in str(body)
    status, body = api.get(None, f"/public/complaints/{c.code}")
    assert status == 200 and "138******78" in body["description"]
    hotline = make_report(district=personas.unit_a, channel="hotline", actor=personas.office)
    assert api.get(None, f"/public/complaints/{hotline.code}")[0] == 404
