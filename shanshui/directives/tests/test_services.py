"""Ingest → review → commit through the services: the seed article becomes ledger tasks that
link back to their sentences; only the office works here; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from shanshui.directives import services
from shanshui.directives.models import Directive, Document, Meeting
from shanshui.directives.tests.seed import seed_text
from shanshui.ledger.models import CampaignKind, DeadlineKind, Event, EventKind, Task, UnitRole
from shanshui.orgs.models import AuditEntry

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 12, 31)


@pytest.fixture
def meeting(personas):
    return services.meeting_create(
        actor=personas.office,
        name="中央生态环境保护督察整改推进会议",
        date=dt.date(2022, 2, 23),
        kind="inspection",
    )


@pytest.fixture
def seed_document(personas, meeting):
    return services.document_ingest(
        actor=personas.office, meeting=meeting, title="", text=seed_text()
    )


def test_the_seed_is_kept_raw_cleaned_and_its_directives_found(seed_document):
    doc = seed_document
    assert doc.raw_text == seed_text().replace("\r\n", "\n")
    assert doc.text.startswith("中央生态环境保护督察整改推进会议暨全市生态环境保护工作会议召开")
    assert doc.title == doc.text.split("\n", 1)[0] != doc.raw_text.split("\n", 1)[0]
    assert doc.change_counts["pinyin"] == 353
    directives = list(doc.directives.order_by("number"))
    assert len(directives) == 27
    assert {d.speaker for d in directives} == {"陈敏尔", "胡衡华"}
    carbon = next(d for d in directives if "双碳”工作，调整优化" in d.text)
    assert carbon.lead.name.endswith("发展和改革委员会") or "发展改革" in carbon.lead.name
    assert carbon.categories == ["carbon"]
    follow = next(d for d in directives if d.text.startswith("强化政治担当"))
    assert follow.continues.text == "要持续深入抓好生态环保督察整改。"
    assert AuditEntry.objects.filter(action="directives.document_ingest").count() == 1


def test_only_the_office_ingests(personas, meeting):
    with pytest.raises(PermissionDenied):
        services.document_ingest(
            actor=personas.district_a, meeting=meeting, title="x", text="要抓好整改。"
        )
    with pytest.raises(PermissionDenied):
        services.meeting_create(
            actor=personas.department, name="x", date=dt.date(2026, 1, 1), kind="work"
        )
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("gb18030", "张三强调，要抓好生态环境保护督察整改。"),
        ("big5", "張三強調，要抓好生態環境保護督察整改。"),
        ("utf-8", "张三强调，要抓好生态环境保护督察整改。"),
    ],
)
def test_text_files_in_any_common_encoding(personas, meeting, encoding, text):
    upload = SimpleUploadedFile("speech.doc.txt", text.encode(encoding))
    doc = services.document_ingest(
        actor=personas.office, meeting=meeting, title="讲话", upload=upload
    )
    assert doc.raw_text == text and doc.encoding.replace("_", "").startswith(encoding[:3])
    assert doc.text == "张三强调，要抓好生态环境保护督察整改。"
    assert doc.directives.get().text == "要抓好生态环境保护督察整改。"


def test_word_and_web_documents(personas, meeting):
    buffer = io.BytesIO()
    word = docx.Document()
    word.add_paragraph("张三强调，要抓好“双碳”工作。")
    word.save(buffer)
    doc = services.document_ingest(
        actor=personas.office,
        meeting=meeting,
        title="",
        upload=SimpleUploadedFile("讲话.docx", buffer.getvalue()),
    )
    assert doc.source_kind == "docx" and doc.directives.get().text == "要抓好“双碳”工作。"
    page = (
        "<html><head><meta charset='gbk'><title>t</title><script>var a='要删除';</script></head>"
        "<body><p>李四指出，<b>要</b>加快建设。</p></body></html>"
    ).encode("gbk")
    doc = services.document_ingest(
        actor=personas.office,
        meeting=meeting,
        title="网页",
        upload=SimpleUploadedFile("page.html", page),
    )
    assert doc.source_kind == "html" and "var a" not in doc.raw_text
    assert doc.directives.get().text == "要加快建设。"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x00\x01\x02binary" * 10, "不是文本"),
        (b"PK\x03\x04broken", "Word"),
        (b"   ", "没有文字"),
    ],
)
def test_unreadable_files_are_refused_and_nothing_is_kept(personas, meeting, payload, message):
    with pytest.raises(ValidationError) as info:
        services.document_ingest(
            actor=personas.office,
            meeting=meeting,
            title="x",
            upload=SimpleUploadedFile("x.txt", payload),
        )
    assert "upload" in info.value.message_dict
    assert not Document.objects.exists()


def _review_all(personas, document, deadline=DUE):
    for d in document.directives.all():
        services.directive_update(
            actor=personas.office,
            directive=d,
            text=d.text,
            lead=d.lead or personas.unit_department,
            responsible=[personas.unit_a],
            categories=d.categories or ["other"],
            deadline_kind=DeadlineKind.DATED,
            deadline=deadline,
        )


def test_commit_makes_one_task_per_directive_linked_to_its_sentence(
    personas, seed_document, ordinary_day
):
    doc = seed_document
    first = doc.directives.order_by("number").first()
    services.directive_update(
        actor=personas.office,
        directive=doc.directives.order_by("number").last(),
        text="要更大力度促进生态环境治理现代化。",
        lead=None,
        responsible=[],
        categories=[],
        deadline_kind=DeadlineKind.DATED,
        deadline=None,
        dropped=True,
    )
    _review_all_but_dropped = [d for d in doc.directives.all() if not d.dropped]
    for d in _review_all_but_dropped:
        services.directive_update(
            actor=personas.office,
            directive=d,
            text=d.text,
            lead=d.lead or personas.unit_department,
            responsible=[personas.unit_a],
            categories=d.categories or ["other"],
            deadline_kind=DeadlineKind.DATED,
            deadline=DUE,
        )
    tasks = services.document_commit(actor=personas.office, document=doc)
    assert len(tasks) == 26
    doc.refresh_from_db()
    assert doc.committed_at and doc.meeting.campaign.kind == CampaignKind.MEETING
    first.refresh_from_db()
    task = first.task
    assert task.problem == first.text and task.title == "深学笃用习近平生态文明思想"
    assert task.deadline == DUE and task.status == "draft"
    roles = set(task.task_units.values_list("unit_id", "role"))
    assert (personas.unit_a.pk, UnitRole.RESPONSIBLE) in roles
    created = Event.objects.get(task=task, kind=EventKind.CREATED)
    assert created.data["source"]["sentence"] == first.sentence
    assert created.data["source"]["speaker"] == "陈敏尔"
    with pytest.raises(ValidationError):  # nothing left to commit
        services.document_commit(actor=personas.office, document=doc)
    with pytest.raises(ValidationError):  # a directive that is a task is changed as the task
        services.directive_update(
            actor=personas.office,
            directive=first,
            text="改",
            lead=None,
            responsible=[],
            categories=[],
            deadline_kind=DeadlineKind.ONGOING,
            deadline=None,
        )


def test_commit_is_all_or_nothing(personas, seed_document, ordinary_day):
    _review_all(personas, seed_document)
    last = seed_document.directives.order_by("number").last()
    last.deadline = None
    last.save()
    with pytest.raises(ValidationError) as info:
        services.document_commit(actor=personas.office, document=seed_document)
    assert f"{last.number}" in str(info.value)
    assert not Task.objects.exists()
    assert not Meeting.objects.get().campaign_id


def test_a_past_deadline_is_refused_at_commit(personas, seed_document, ordinary_day):
    _review_all(personas, seed_document, deadline=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="已过"):
        services.document_commit(actor=personas.office, document=seed_document)


def test_merge_and_split(personas, seed_document):
    doc = seed_document
    steer = doc.directives.get(text="要持续深入抓好生态环保督察整改。")
    follow = doc.directives.get(continues=steer)
    merged = services.directive_merge_up(actor=personas.office, directive=follow)
    assert merged.pk == steer.pk and merged.text.startswith("要持续深入抓好生态环保督察整改。强化")
    assert not Directive.objects.filter(pk=follow.pk).exists()
    clauses = len(merged.clauses)
    second = services.directive_split(actor=personas.office, directive=merged, before_clause=2)
    merged.refresh_from_db()
    assert merged.clauses == ["要持续深入抓好生态环保督察整改。强化政治担当"]
    assert len(second.clauses) == clauses - 1 and second.number == merged.number + 1
    numbers = list(doc.directives.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 27 - 1 + 1
    with pytest.raises(ValidationError):
        services.directive_split(actor=personas.office, directive=second, before_clause=1)
    first = doc.directives.order_by("number").first()
    with pytest.raises(ValidationError):
        services.directive_merge_up(actor=personas.office, directive=first)
    assert AuditEntry.objects.filter(action__startswith="directives.directive_").count() == 2


def test_the_demo_takes_in_the_seed_ready_to_become_tasks(personas, ordinary_day):
    from django.contrib.auth import get_user_model

    from shanshui.directives.demo import MEETING, load_demo
    from shanshui.orgs.models import Membership, Role, Unit

    seed_text()  # skips (or fails in CI) without the article
    office = get_user_model().objects.create_user(username="office")
    Membership.objects.create(
        user=office, unit=Unit.objects.get(key="cq-inspection-office"), role=Role.OFFICE
    )
    created = load_demo()
    assert created and load_demo() == []  # a second run changes nothing
    document = Document.objects.get(meeting__name=MEETING)
    assert document.meeting.is_demo and document.directives.count() == 27
    tasks = services.document_commit(actor=office, document=document)
    assert len(tasks) == 27


def test_the_keyword_tables_are_the_offices(personas, meeting, settings):
    settings.SHANSHUI_DIRECTIVE_UNIT_KEYWORDS = {"噪声": ["万州区"]}
    settings.SHANSHUI_DIRECTIVE_CATEGORY_KEYWORDS = {"噪声": "noise"}
    doc = services.document_ingest(
        actor=personas.office, meeting=meeting, title="x", text="张三强调，要治理噪声和碳排放。"
    )
    d = doc.directives.get()
    assert d.lead == personas.unit_a and d.categories == ["noise"]
    assert d.suggested_units == ["万州区"]
