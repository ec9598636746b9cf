"""The office's pages: take in, review (field errors in Chinese, nothing saved), commit; every
other user is refused on every page and post."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from shanshui.directives import services
from shanshui.directives.models import Directive, Document, Meeting
from shanshui.directives.tests.seed import seed_text
from shanshui.ledger.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(personas):
    meeting = services.meeting_create(
        actor=personas.office, name="推进会", date=dt.date(2022, 2, 23), kind="inspection"
    )
    return services.document_ingest(
        actor=personas.office,
        meeting=meeting,
        title="讲话",
        text="张三强调，要抓好“双碳”工作，调整优化产业结构。要加快建设。\n李四指出，要治理噪声。",
    )


def test_take_in_a_pasted_document_with_a_new_meeting(personas, client_as):
    client = client_as(personas.office)
    assert client.get(reverse("directives:new")).status_code == 200
    response = client.post(
        reverse("directives:new"),
        {
            "meeting_name": "全市生态环境保护工作会议",
            "meeting_date": "2022-02-23",
            "meeting_kind": "work",
            "text": seed_text(),
            "mode": "full",
        },
    )
    document = Document.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "directives:document", args=[document.pk]
    )
    page = client.get(response.url).content.decode()
    assert "要更大力度抓好“双碳”工作" in page and "陈敏尔" in page
    diff = client.get(response.url + "?view=diff").content.decode()
    assert '<del class="diff-pinyin"' in diff and '<ins class="diff-t2s">态</ins>' in diff


def test_upload_in_big5(personas, client_as):
    client = client_as(personas.office)
    meeting = Meeting.objects.create(name="会", date=dt.date(2022, 1, 1), kind="work")
    upload = SimpleUploadedFile("talk.txt", "張三強調，要抓好整改。".encode("big5"))
    response = client.post(
        reverse("directives:new"),
        {"meeting": meeting.pk, "upload": upload, "mode": "full", "meeting_kind": "work"},
    )
    assert response.status_code == 302
    assert Document.objects.get().directives.get().text == "要抓好整改。"


def test_form_errors_field_by_field_in_chinese_and_nothing_saved(personas, client_as):
    client = client_as(personas.office)
    response = client.post(reverse("directives:new"), {"mode": "full", "meeting_kind": "work"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写会议名称，或在上面选择会议。" in page
    assert "请粘贴文本或选择文件。" in page
    bad = SimpleUploadedFile("x.txt", b"\x00\x01\x02" * 50)
    response = client.post(
        reverse("directives:new"),
        {
            "meeting_name": "会",
            "meeting_date": "2022-01-01",
            "meeting_kind": "work",
            "upload": bad,
            "mode": "full",
        },
    )
    assert response.status_code == 400
    assert "不是文本" in response.content.decode()
    assert not Document.objects.exists() and not Meeting.objects.exists()


def test_review_then_commit(personas, client_as, document, ordinary_day):
    client = client_as(personas.office)
    for d in document.directives.all():
        response = client.post(
            reverse("directives:edit", args=[d.pk]),
            {
                f"d{d.pk}-text": d.text,
                f"d{d.pk}-lead": personas.unit_department.pk,
                f"d{d.pk}-responsible": [personas.unit_a.pk],
                f"d{d.pk}-categories": ["carbon"],
                f"d{d.pk}-deadline_kind": "dated",
                f"d{d.pk}-deadline": "2026-12-31",
            },
        )
        assert response.status_code == 302
    response = client.post(reverse("directives:commit", args=[document.pk]))
    assert response.status_code == 302
    assert Task.objects.count() == 3
    task = Directive.objects.get(number=1).task
    page = client.get(reverse("directives:document", args=[document.pk])).content.decode()
    assert task.code in page and "草稿" in page
    # The task page says where the task came from; the document link is the office's only.
    page = client.get(reverse("ledger:task", args=[task.pk])).content.decode()
    assert "来源：会议部署事项" in page and "张三" in page
    assert reverse("directives:document", args=[document.pk]) in page
    services_assign = __import__("shanshui.ledger.services", fromlist=["task_assign"])
    services_assign.task_assign(actor=personas.office, task=task, expected_version=None)
    district = client_as(personas.district_a).get(reverse("ledger:task", args=[task.pk]))
    assert district.status_code == 200
    assert "要抓好“双碳”工作，调整优化产业结构。" in district.content.decode()
    assert reverse("directives:document", args=[document.pk]) not in district.content.decode()


def test_review_errors_show_on_the_directive(personas, client_as, document):
    client = client_as(personas.office)
    d = document.directives.get(number=1)
    response = client.post(
        reverse("directives:edit", args=[d.pk]),
        {f"d{d.pk}-text": "", f"d{d.pk}-deadline_kind": "dated", f"d{d.pk}-lead": "999999"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写此项。" in page and "is-invalid" in page
    d.refresh_from_db()
    assert d.text.startswith("要抓好")


def test_commit_refused_until_complete(personas, client_as, document):
    client = client_as(personas.office)
    response = client.post(reverse("directives:commit", args=[document.pk]))
    assert response.status_code == 400
    assert "没有生成任何任务" in response.content.decode()
    assert not Task.objects.exists()


def test_split_and_merge_from_the_page(personas, client_as, document):
    client = client_as(personas.office)
    d = document.directives.get(number=1)
    response = client.post(reverse("directives:split", args=[d.pk]), {f"s{d.pk}-before_clause": 2})
    assert response.status_code == 302
    assert document.directives.count() == 4
    second = document.directives.get(number=2)
    assert second.text == "调整优化产业结构。"
    response = client.post(reverse("directives:merge", args=[second.pk]))
    assert response.status_code == 302 and document.directives.count() == 3


@pytest.mark.parametrize("who", ["district_a", "department", "leader", "citizen"])
def test_everyone_but_the_office_is_refused(personas, client_as, document, who):
    client = client_as(getattr(personas, who))
    d = document.directives.first()
    for url in (
        reverse("directives:documents"),
        reverse("directives:new"),
        reverse("directives:document", args=[document.pk]),
    ):
        assert client.get(url).status_code == 403, url
    for url in (
        reverse("directives:commit", args=[document.pk]),
        reverse("directives:edit", args=[d.pk]),
        reverse("directives:merge", args=[d.pk]),
        reverse("directives:split", args=[d.pk]),
    ):
        assert client.post(url, {}).status_code == 403, url
    assert not Task.objects.exists()


def test_anonymous_is_sent_to_log_in(client, document):
    response = client.get(reverse("directives:document", args=[document.pk]))
    assert response.status_code == 302 and "/login/" in response.url


def test_unknown_document_is_404(personas, client_as):
    assert client_as(personas.office).get("/directives/999999/").status_code == 404
