"""/api/v1/directives: the pure tools for any signed-in user; documents for the office only."""

from __future__ import annotations

import pytest

from shanshui.directives.models import Document, Meeting
from shanshui.directives.tests.seed import seed_text
from shanshui.ledger.models import Task
from shanshui.orgs.services import api_token_create
from shanshui.testing.http import ClientApi

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(personas):
    names = ("office", "district_a", "department")
    return ClientApi({n: api_token_create(user=getattr(personas, n), name="t")[1] for n in names})


def test_normalize_and_extract_the_seed(api):
    status, body = api.post("district_a", "/directives/normalize", text=seed_text(), mode="t2s")
    assert status == 200 and body["text"].startswith("中央生态环境保护督察")
    assert {c["reason"] for c in body["changes"]} == {"pinyin", "t2s"}
    first = body["changes"][0]
    assert seed_text()[first["start"] : first["end"]] == first["before"]
    status, found = api.post("district_a", "/directives/extract", text=seed_text())
    assert status == 200 and len(found) == 27
    assert found[0]["speaker"] == "陈敏尔" and found[0]["explicit"] is True
    assert found[0]["clauses"][0] == "要深学笃用习近平生态文明思想"


def test_bad_mode_and_anonymous(api):
    status, _ = api.post("office", "/directives/normalize", text="x", mode="s2t")
    assert status == 422
    status, _ = api.post(None, "/directives/normalize", text="x")
    assert status == 401


def test_office_takes_in_reviews_and_commits(api, personas, ordinary_day):
    status, doc = api.post(
        "office",
        "/directives/documents",
        meeting={"name": "推进会", "date": "2022-02-23", "kind": "inspection"},
        text="张三强调，要抓好“双碳”工作。",
    )
    assert status == 201 and doc["directives"][0]["text"] == "要抓好“双碳”工作。"
    status, again = api.get("office", f"/directives/documents/{doc['id']}")
    assert status == 200 and again["title"] == "张三强调，要抓好“双碳”工作。"
    status, body = api.post("office", f"/directives/documents/{doc['id']}/commit")
    assert status == 400 and "第 1 条" in str(body["fields"])  # no deadline yet
    assert not Task.objects.exists()
    directive = Document.objects.get().directives.get()
    directive.deadline = ordinary_day.date().replace(year=2027)
    directive.save()
    status, body = api.post("office", f"/directives/documents/{doc['id']}/commit")
    assert status == 200 and len(body["task_ids"]) == 1
    status, rows = api.get("office", "/directives/documents")
    assert status == 200 and rows[0]["committed_at"]


@pytest.mark.parametrize("who", ["district_a", "department"])
def test_documents_are_the_offices(api, personas, who):
    status, doc = api.post(
        "office",
        "/directives/documents",
        meeting={"name": "会", "date": "2022-02-23"},
        text="张三强调，要抓好整改。",
    )
    assert status == 201
    assert api.get(who, "/directives/documents")[0] == 403
    assert api.get(who, f"/directives/documents/{doc['id']}")[0] == 403
    assert api.post(who, f"/directives/documents/{doc['id']}/commit")[0] == 403
    status, _ = api.post(
        who, "/directives/documents", meeting={"name": "x", "date": "2022-01-01"}, text="要做。"
    )
    assert status == 403
    assert Meeting.objects.count() == 1


def test_a_document_needs_a_meeting_and_text(api):
    status, body = api.post("office", "/directives/documents", text="要做。")
    assert status == 400 and "meeting" in body["fields"]
    status, _ = api.post("office", "/directives/documents", meeting_id=99999, text="要做。")
    assert status == 404
    status, _ = api.post(
        "office", "/directives/documents", meeting={"name": "x", "date": "2022-01-01"}, text=""
    )
    assert status == 422
