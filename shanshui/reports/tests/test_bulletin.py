"""Bulletins (通报): the figures printed are the ledger's, read back from the .docx and .xlsx."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import threading
import zipfile
from urllib.parse import unquote

import docx
import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from openpyxl import load_workbook

from shanshui.ledger import services as ledger
from shanshui.ledger.models import Status, Task, UrgeNotice
from shanshui.ledger.scenarios import drive, make_campaign, make_task
from shanshui.orgs.models import Unit
from shanshui.reports import bulletin as document
from shanshui.reports import services
from shanshui.reports.demo import load_bulletin_templates
from shanshui.reports.docx_chart import read_chart
from shanshui.reports.figures import Period
from shanshui.reports.models import Bulletin, BulletinRequest, BulletinTemplate
from shanshui.testing.personas import make_user

COMPLETED = (Status.ACCEPTED, Status.IN_PUBLIC_NOTICE, Status.SIGNED_OFF)
IN_PROGRESS = (
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.REOPENED,
    Status.ACCEPTANCE_APPLIED,
    Status.RECHECKED,
)
ITEM_ROLES = ("lead", "responsible", "implementing")
# The issue date, the period and the tasks' deadlines are all "today": on one fixed working day
# they cannot disagree when a run crosses midnight in Beijing.
pytestmark = pytest.mark.usefixtures("ordinary_day")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def period(today):
    return Period(today - dt.timedelta(days=7), today)


@pytest.fixture
def units(personas):
    return {
        "wanzhou": personas.unit_a,
        "yuzhong": personas.unit_b,
        "fuling": Unit.objects.get(key="cq-fuling"),
        "sthjj": personas.unit_department,
        "housing": Unit.objects.get(key="cq-housing"),
    }


@pytest.fixture
def ledger_round(personas, units, today):
    """A campaign with tasks in several districts and departments: signed off in and before the
    period, accepted, overdue, red, on schedule, a draft; urge notices in and out of the period,
    one answered; and a second campaign whose overdue task must not be counted."""
    office = personas.office
    campaign = make_campaign(office)
    other = make_campaign(office, code="city-2025", name="2025年市级生态环境保护督察")
    executors = {
        "wanzhou": personas.district_a,
        "yuzhong": personas.district_b,
        # Every district signs and reports for itself: the office oversees, it never acts
        # for a district.
        "fuling": make_user("fuling", unit=units["fuling"], role="unit_admin"),
    }
    reviewers = {"sthjj": personas.department, "housing": None}

    def task(code, district, department, state, *, deadline=None, camp=campaign, title=None):
        t = make_task(
            office,
            camp,
            code=code,
            implementing=units[district],
            lead=units[department],
            accepting=personas.unit_office,
            deadline=deadline,
            title=title or f"{units[district].display_name}整改任务{code}",
        )
        return drive(
            t,
            state,
            office=office,
            executor=executors[district] or office,
            lead_reviewer=reviewers[department] or office,
        )

    past = today - dt.timedelta(days=20)
    tasks = {
        "S1": task("S1", "wanzhou", "sthjj", Status.SIGNED_OFF),
        "S2": task("S2", "yuzhong", "housing", Status.SIGNED_OFF),
        "S-old": task("S-old", "wanzhou", "sthjj", Status.SIGNED_OFF),
        "A1": task("A1", "fuling", "sthjj", Status.ACCEPTED),
        "O1": task("O1", "yuzhong", "sthjj", Status.IN_PROGRESS, deadline=past),
        "O2": task("O2", "fuling", "housing", Status.ASSIGNED, deadline=past),
        "R1": task(
            "R1", "wanzhou", "housing", Status.IN_PROGRESS, deadline=today + dt.timedelta(3)
        ),
        "G1": task("G1", "yuzhong", "sthjj", Status.IN_PROGRESS),
        "D1": task("D1", "wanzhou", "sthjj", Status.DRAFT),
        "X1": task("X1", "wanzhou", "sthjj", Status.IN_PROGRESS, deadline=past, camp=other),
    }
    # Signed off before the period: not "newly" signed off.
    Task.objects.filter(pk=tasks["S-old"].pk).update(
        signed_off_at=timezone.now() - dt.timedelta(days=40)
    )
    urge = ledger.task_urge(
        actor=office,
        task=tasks["O1"],
        expected_version=None,
        to_unit=units["yuzhong"],
        text="请于3日内报送超期原因。",
        response_due=today + dt.timedelta(days=3),
    )
    answered = ledger.task_urge(
        actor=office,
        task=tasks["G1"],
        expected_version=None,
        to_unit=units["yuzhong"],
        text="加快推进。",
        response_due=today + dt.timedelta(days=5),
    )
    ledger.urge_answer(actor=personas.district_b, urge=answered, response="已部署。")
    old = ledger.task_urge(
        actor=office,
        task=tasks["R1"],
        expected_version=None,
        to_unit=units["wanzhou"],
        text="上月督办。",
        response_due=today + dt.timedelta(days=5),
    )
    UrgeNotice.objects.filter(pk=old.pk).update(issued_at=timezone.now() - dt.timedelta(days=30))
    for t in Task.objects.all():
        ledger.refresh_warning(t)
    return {"campaign": campaign, "other": other, "tasks": tasks, "urges": [urge, answered, old]}


# --- reading the document back ----------------------------------------------------------------


def read_docx(data: bytes):
    """(paragraph texts, {caption: rows}) in document order; rows are lists of cell texts."""
    d = docx.Document(io.BytesIO(data))
    paragraphs, tables, caption = [], {}, None
    for child in d.element.body.iterchildren():
        tag = etree.QName(child).localname
        if tag == "p":
            p = Paragraph(child, d)
            paragraphs.append(p.text)
            if p.style is not None and p.style.name == "GW Caption":
                caption = p.text.split("\u3000", 1)[-1]
        elif tag == "tbl":
            rows = [[c.text for c in row.cells] for row in Table(child, d).rows]
            tables[caption or f"table{len(tables)}"] = rows
            caption = None
    return d, paragraphs, tables


def as_dicts(rows):
    header, *body = rows
    return [dict(zip(header, r, strict=True)) for r in body]


# --- the ledger, counted directly -------------------------------------------------------------


def ledger_items(campaign):
    return (
        Task.objects.filter(campaign=campaign)
        .exclude(status__in=[Status.DRAFT, Status.WITHDRAWN])
        .exclude(shares__isnull=False)
    )


def expected(qs, today):
    in_progress = qs.filter(status__in=IN_PROGRESS)
    due = qs.filter(deadline__isnull=False).filter(Q(deadline__lt=today) | Q(status__in=COMPLETED))
    on_time = [
        t
        for t in due.filter(status__in=COMPLETED)
        if t.accepted_at and timezone.localdate(t.accepted_at) <= t.deadline
    ]
    rate = f"{len(on_time) / due.count() * 100:.1f}%" if due.count() else "—"
    return {
        "total": qs.count(),
        "completed": qs.filter(status__in=COMPLETED).count(),
        "signed_off": qs.filter(status=Status.SIGNED_OFF).count(),
        "in_progress": in_progress.count(),
        "on_schedule": in_progress.exclude(warning="overdue").count(),
        "overdue": qs.filter(warning="overdue").count(),
        "on_time_rate": rate,
    }


def unit_items(campaign, unit):
    return (
        ledger_items(campaign)
        .filter(task_units__unit=unit, task_units__role__in=ITEM_ROLES)
        .distinct()
    )


def issue(personas, ledger_round, period, **kwargs):
    return services.bulletin_issue(
        actor=personas.office, campaign=ledger_round["campaign"], period=period, **kwargs
    )


# --- the figures ------------------------------------------------------------------------------


def test_the_bulletins_figures_equal_the_ledgers(personas, units, ledger_round, period, today):
    bulletin = issue(personas, ledger_round, period)
    campaign = ledger_round["campaign"]
    _d, paragraphs, tables = read_docx(bulletin.docx.read())
    want = expected(ledger_items(campaign), today)
    assert want["total"] == 8 and want["overdue"] == 2  # the seed is what the test thinks

    (overall,) = as_dicts(tables["整改任务总体情况"])
    assert int(overall["任务总数"]) == want["total"]
    assert int(overall["已完成"]) == want["completed"]
    assert int(overall["其中已销号"]) == want["signed_off"]
    assert int(overall["正在整改"]) == want["in_progress"]
    assert int(overall["其中序时推进"]) == want["on_schedule"]
    assert int(overall["其中超期"]) == want["overdue"]
    assert overall["完成率"] == f"{want['completed'] / want['total'] * 100:.1f}%"
    assert overall["按时完成率"] == want["on_time_rate"]
    prose = next(p for p in paragraphs if p.startswith("截至"))
    assert f"共有整改任务{want['total']}项" in prose
    assert f"超期{want['overdue']}项" in prose

    for caption, keys, column in (
        ("各区县整改任务进展情况", ("wanzhou", "yuzhong", "fuling"), "区县"),
        ("市级部门整改任务进展情况", ("sthjj", "housing"), "市级部门"),
    ):
        rows = {r[column]: r for r in as_dicts(tables[caption])}
        assert set(rows) == {units[k].display_name for k in keys}
        for key in keys:
            row, mine = (
                rows[units[key].display_name],
                expected(unit_items(campaign, units[key]), today),
            )
            assert int(row["任务总数"]) == mine["total"]
            assert int(row["已完成"]) == mine["completed"]
            assert int(row["已销号"]) == mine["signed_off"]
            assert int(row["超期"]) == mine["overdue"]
            assert row["按时完成率"] == mine["on_time_rate"]

    overdue = as_dicts(tables["超期和红色预警任务"])
    want_codes = ledger_items(campaign).filter(warning__in=["overdue", "red"])
    assert {r["编号"] for r in overdue} == set(want_codes.values_list("code", flat=True))
    assert {r["编号"] for r in overdue} == {"O1", "O2", "R1"}  # X1 is another campaign's
    assert [r["预警"] for r in overdue] == ["超期", "超期", "红色"]  # overdue first
    r1 = next(r for r in overdue if r["编号"] == "R1")
    assert "市住房城乡建委" in r1["牵头单位/责任单位"] and "万州区" in r1["牵头单位/责任单位"]
    assert "周强（副区长）" in r1["责任领导"]

    signed = as_dicts(tables["本期销号任务"])
    start, end = period.bounds()
    want_signed = ledger_items(campaign).filter(
        status=Status.SIGNED_OFF, signed_off_at__gte=start, signed_off_at__lt=end
    )
    assert {r["编号"] for r in signed} == set(want_signed.values_list("code", flat=True))
    assert {r["编号"] for r in signed} == {"S1", "S2"}  # S-old was signed off before

    urges = as_dicts(tables["本期督办情况"])
    want_urges = UrgeNotice.objects.filter(
        task__campaign=campaign, issued_at__gte=start, issued_at__lt=end
    )
    assert {r["督办单编号"] for r in urges} == set(want_urges.values_list("number", flat=True))
    assert len(urges) == 2
    replied = {r["督办单编号"]: r["是否回复"] for r in urges}
    assert replied[ledger_round["urges"][1].number] == "已回复"
    assert replied[ledger_round["urges"][0].number] == "未回复"

    # What was printed is on record.
    assert bulletin.figures["totals"]["total"] == want["total"]
    assert [r["code"] for r in bulletin.figures["signed_off"]] == [r["编号"] for r in signed]
    assert bulletin.figures["number"] == bulletin.number


def test_the_annex_reads_back_the_same_numbers(personas, units, ledger_round, period, today):
    bulletin = issue(personas, ledger_round, period)
    campaign = ledger_round["campaign"]
    wb = load_workbook(io.BytesIO(bulletin.xlsx.read()))
    assert wb.sheetnames == [
        "总体情况",
        "区县进展",
        "部门进展",
        "超期和红色预警任务",
        "本期销号任务",
        "督办情况",
    ]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
    overall = {r[0]: r[1] for r in wb["总体情况"].iter_rows(min_row=2, values_only=True)}
    want = expected(ledger_items(campaign), today)
    for label, key in (
        ("任务总数", "total"),
        ("已完成", "completed"),
        ("其中已销号", "signed_off"),
        ("其中序时推进", "on_schedule"),
        ("其中超期", "overdue"),
    ):
        assert overall[label] == want[key], label
    assert overall["统计期间起"].date() == period.start  # a real date, not text

    districts = {r[1]: r for r in wb["区县进展"].iter_rows(min_row=2, values_only=True)}
    for key in ("wanzhou", "yuzhong", "fuling"):
        mine = expected(unit_items(campaign, units[key]), today)
        row = districts[units[key].display_name]
        assert (row[2], row[3], row[4], row[7]) == (
            mine["total"],
            mine["completed"],
            mine["signed_off"],
            mine["overdue"],
        )

    ws = wb["超期和红色预警任务"]
    rows = list(ws.iter_rows(min_row=2))
    assert {r[0].value for r in rows} == {"O1", "O2", "R1"}
    fills = {r[0].value: r[6].fill.fgColor.rgb[-6:] for r in rows}
    assert fills["O1"] == document.XLSX_OVERDUE_FILL
    assert fills["R1"] == document.XLSX_RED_FILL
    assert isinstance(rows[0][5].value, dt.datetime)
    assert {r[0] for r in wb["本期销号任务"].iter_rows(min_row=2, values_only=True)} == {
        "S1",
        "S2",
    }
    assert len(list(wb["督办情况"].iter_rows(min_row=2))) == 2


def test_the_chart_part_holds_the_district_figures(personas, units, ledger_round, period):
    bulletin = issue(personas, ledger_round, period)
    data = bulletin.docx.read()
    d, _paragraphs, tables = read_docx(data)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))
        assert "word/charts/chart1.xml" in z.namelist()
    (part,) = [r.target_part for r in d.part.rels.values() if r.reltype == RT.CHART]
    chart = read_chart(part)
    rows = as_dicts(tables["各区县整改任务进展情况"])
    assert chart["categories"] == [r["区县"] for r in rows]  # same order as the table
    assert chart["series"]["已完成"] == [float(r["已完成"]) for r in rows]
    assert chart["series"]["整改中"] == [float(int(r["任务总数"]) - int(r["已完成"])) for r in rows]


def test_the_document_follows_the_official_layout(personas, ledger_round, period, today):
    template = BulletinTemplate.objects.create(name="t", copy_to="市委办公厅，市政府办公厅")
    bulletin = issue(personas, ledger_round, period, template=template)
    d, paragraphs, _tables = read_docx(bulletin.docx.read())
    section = d.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [
        round(getattr(section, f"{s}_margin").mm) for s in ("top", "bottom", "left", "right")
    ] == [
        37,
        35,
        28,
        26,
    ]
    assert paragraphs[0] == template.issuer
    assert paragraphs[1] == bulletin.number
    assert paragraphs[2] == f"关于{ledger_round['campaign'].name}整改工作进展情况的通报"
    for heading in (
        "一、总体情况",
        "二、各区县和市级部门进展",
        "（一）各区县",
        "（二）市级部门",
        "三、超期和红色预警任务",
        "四、本期销号任务",
        "五、本期督办情况",
        "六、下一步工作要求",
    ):
        assert heading in paragraphs
    date = f"{today.year}年{today.month}月{today.day}日"
    assert date in paragraphs  # 落款, in Chinese
    header = d.paragraphs[0].runs[0]
    assert header.font.color.rgb == document.RED
    body = next(p for p in d.paragraphs if p.text.startswith("截至"))
    fonts = body.style.element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == (
        "仿宋"
    )
    assert body.style.font.size.pt == 16
    footer = d.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert "PAGE" in footer._p.xml
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "抄送：市委办公厅，市政府办公厅。" in cells


# --- numbering --------------------------------------------------------------------------------


def test_the_document_number_increments_within_the_year(personas, ledger_round, period, today):
    Bulletin.objects.create(
        campaign=ledger_round["campaign"],
        year=today.year - 1,
        serial=9,
        period_start=period.start,
        period_end=period.end,
        created_by=personas.office,
    )
    first = issue(personas, ledger_round, period)
    second = issue(personas, ledger_round, period)
    assert (first.year, first.serial) == (today.year, 1)
    assert (second.year, second.serial) == (today.year, 2)
    assert second.number == f"渝督改办〔{today.year}〕2号"
    _d, paragraphs, _t = read_docx(second.docx.read())
    assert second.number in paragraphs


def test_a_number_taken_meanwhile_is_retried_and_the_loser_files_removed(
    personas, ledger_round, period, monkeypatch
):
    """Two bulletins issued at once: the one that loses the unique number takes the next."""
    real = document.render_docx
    calls = []

    def racing(data, template, *, number, issued_on):
        calls.append(number)
        if len(calls) == 1:
            # Someone else commits this very number while we render.
            year = issued_on.year
            Bulletin.objects.create(
                campaign=ledger_round["campaign"],
                year=year,
                serial=1,
                period_start=period.start,
                period_end=period.end,
                created_by=personas.office,
            )
        return real(data, template, number=number, issued_on=issued_on)

    monkeypatch.setattr(document, "render_docx", racing)
    bulletin = issue(personas, ledger_round, period)
    assert len(calls) == 2
    assert Bulletin.objects.get(pk=bulletin.pk).docx.read()[:2] == b"PK"


# --- permissions ------------------------------------------------------------------------------


def test_only_the_office_may_issue(personas, ledger_round, period):
    for user in (personas.district_a, personas.department, personas.leader, personas.citizen):
        with pytest.raises(PermissionDenied):
            services.bulletin_issue(actor=user, campaign=ledger_round["campaign"], period=period)
    assert not Bulletin.objects.exists()


def test_a_district_user_gets_403_on_the_pages(personas, ledger_round, period, client_as):
    client = client_as(personas.district_a)
    assert client.get(reverse("reports:bulletins")).status_code == 403
    query = {
        "campaign": ledger_round["campaign"].pk,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
    }
    assert client.get(reverse("reports:bulletin_new"), query).status_code == 403
    assert client.post(reverse("reports:bulletin_new"), query).status_code == 403
    assert not Bulletin.objects.exists()


def test_others_cannot_download_a_bulletin(personas, ledger_round, period, client_as, client):
    bulletin = issue(personas, ledger_round, period)
    for user in (personas.district_a, personas.department, personas.citizen):
        other = client_as(user)
        for kind in ("docx", "xlsx"):
            url = reverse("reports:bulletin_download", args=[bulletin.pk, kind])
            assert other.get(url).status_code == 404
        assert other.get(reverse("reports:bulletin_detail", args=[bulletin.pk])).status_code == 404
    anonymous = client.get(reverse("reports:bulletin_download", args=[bulletin.pk, "docx"]))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


def test_the_office_downloads_both_files(personas, ledger_round, period, client_as):
    bulletin = issue(personas, ledger_round, period)
    office = client_as(personas.office)
    response = office.get(reverse("reports:bulletin_download", args=[bulletin.pk, "docx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    docx.Document(io.BytesIO(content))  # opens
    response = office.get(reverse("reports:bulletin_download", args=[bulletin.pk, "xlsx"]))
    load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert (
        office.get(reverse("reports:bulletin_download", args=[bulletin.pk, "pdf"])).status_code
        == 404
    )


def test_a_bulletin_download_is_a_private_file(personas, ledger_round, period, client_as):
    """Served like every other download: no sniffing, sandboxed, never cached; a file gone
    from the store is a 404 and a store that fails is a clear 503, not a 500."""
    bulletin = issue(personas, ledger_round, period)
    office = client_as(personas.office)
    url = reverse("reports:bulletin_download", args=[bulletin.pk, "docx"])
    response = office.get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert "sandbox" in response["Content-Security-Policy"]
    assert f"{bulletin.number}.docx" in unquote(response["Content-Disposition"])
    b"".join(response.streaming_content)

    path = bulletin.docx.path
    os.remove(path)
    os.mkdir(path)  # the store answers, but reading fails (IsADirectoryError, an OSError)
    response = office.get(url)
    assert response.status_code == 503
    assert "文件存储暂时无法访问" in response.content.decode()
    assert response["Retry-After"] == "60"
    os.rmdir(path)
    assert office.get(url).status_code == 404  # gone from the store


# --- empty sections ---------------------------------------------------------------------------


def test_an_empty_period_says_so_instead_of_empty_tables(personas, ledger_round, today):
    quiet = Period(today - dt.timedelta(days=400), today - dt.timedelta(days=380))
    bulletin = issue(personas, ledger_round, quiet)
    _d, paragraphs, tables = read_docx(bulletin.docx.read())
    assert document.EMPTY_SIGNED_OFF in paragraphs
    assert document.EMPTY_URGES in paragraphs
    assert "本期销号任务" not in tables and "本期督办情况" not in tables
    assert "超期和红色预警任务" in tables  # the ledger's state, not the period's


def test_a_campaign_without_items_says_so_everywhere(personas, period):
    campaign = make_campaign(personas.office, code="empty", name="空批次")
    make_task(personas.office, campaign, code="D-1", implementing=personas.unit_a)  # a draft
    bulletin = services.bulletin_issue(actor=personas.office, campaign=campaign, period=period)
    _d, paragraphs, tables = read_docx(bulletin.docx.read())
    for sentence in (
        document.EMPTY_DISTRICTS,
        document.EMPTY_DEPARTMENTS,
        document.EMPTY_OVERDUE,
        document.EMPTY_SIGNED_OFF,
        document.EMPTY_URGES,
    ):
        assert sentence in paragraphs
    assert "截至" in next(p for p in paragraphs if "暂无整改任务" in p)
    # No figure table at all (the one table left is the 版记 with its rules), and no chart.
    assert list(tables) == ["table0"]
    assert "chart" not in str(bulletin.docx.read())
    wb = load_workbook(io.BytesIO(bulletin.xlsx.read()))
    assert wb["区县进展"].max_row == 1


def test_the_period_must_be_in_order(personas, ledger_round, today):
    with pytest.raises(ValidationError):
        issue(personas, ledger_round, Period(today, today - dt.timedelta(days=1)))


# --- template texts ---------------------------------------------------------------------------


def test_the_templates_placeholders_are_filled(personas, ledger_round, period):
    template = BulletinTemplate.objects.create(
        name="自定义",
        number_prefix="渝督办",
        title="{campaign}进展通报",
        opening="共{total}项，超期{overdue}项，完成率{completion_rate}，{unknown}照原样。",
        closing="（一）抓紧整改。按时完成率{on_time_rate}。\n第二段。",
    )
    bulletin = issue(personas, ledger_round, period, template=template)
    _d, paragraphs, _t = read_docx(bulletin.docx.read())
    figures = bulletin.figures["totals"]
    assert bulletin.number.startswith("渝督办〔")
    assert f"{ledger_round['campaign'].name}进展通报" in paragraphs
    completion = document.percent(figures["completion_rate"])
    assert (
        f"共{figures['total']}项，超期{figures['overdue']}项，完成率{completion}，{{unknown}}照原样。"
        in paragraphs
    )
    assert "第二段。" in paragraphs
    assert bulletin.template == template


def test_without_any_template_the_built_in_texts_are_used(personas, ledger_round, period):
    assert not BulletinTemplate.objects.exists()
    bulletin = issue(personas, ledger_round, period)
    _d, paragraphs, _t = read_docx(bulletin.docx.read())
    assert bulletin.template is None
    assert bulletin.number.startswith("渝督改办〔")
    assert any(p.startswith("（一）压紧压实整改责任。") for p in paragraphs)


def test_the_default_template_is_loaded_once(db):
    assert load_bulletin_templates() != []
    assert load_bulletin_templates() == []
    (template,) = BulletinTemplate.objects.all()
    assert template.is_default and template.opening == document.DEFAULT_OPENING


# --- pages ------------------------------------------------------------------------------------


def test_the_office_previews_then_issues(
    personas, ledger_round, period, client_as, today, django_capture_on_commit_callbacks
):
    office = client_as(personas.office)
    query = {
        "campaign": ledger_round["campaign"].pk,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
    }
    page = office.get(reverse("reports:bulletin_new"), query)
    assert page.status_code == 200
    want = expected(ledger_items(ledger_round["campaign"]), today)
    html = page.content.decode()
    assert f'data-figure="total">{want["total"]}<' in html
    assert f'data-figure="overdue">{want["overdue"]}<' in html
    assert f"渝督改办〔{today.year}〕1号" in html
    assert 'data-confirm="通报将以下一个文号印发' in html  # issuing asks first (confirm.js)
    assert not Bulletin.objects.exists()  # a preview issues nothing

    # The task is queued when the request commits (here: when the block ends; the immediate
    # backend then issues it), so the request's page is where the office lands first.
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("reports:bulletin_new"), query)
    bulletin = Bulletin.objects.get()
    order = BulletinRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:bulletin_request", args=[order.pk])
    response = office.get(response["Location"])
    assert response["Location"] == reverse("reports:bulletin_detail", args=[bulletin.pk])
    detail = office.get(response["Location"]).content.decode()
    assert bulletin.number in detail and f'data-figure="total">{want["total"]}<' in detail
    listing = office.get(reverse("reports:bulletins")).content.decode()
    assert bulletin.number in listing
    assert reverse("reports:bulletin_download", args=[bulletin.pk, "xlsx"]) in listing


def test_a_reversed_period_is_an_error_on_the_form(personas, ledger_round, client_as, today):
    office = client_as(personas.office)
    query = {
        "campaign": ledger_round["campaign"].pk,
        "period_start": today.isoformat(),
        "period_end": (today - dt.timedelta(days=3)).isoformat(),
    }
    page = office.get(reverse("reports:bulletin_new"), query)
    assert page.status_code == 200 and "data-figure" not in page.content.decode()
    assert office.post(reverse("reports:bulletin_new"), query).status_code == 200
    assert not Bulletin.objects.exists()


def test_the_office_edits_templates_in_the_administration(personas, client_as):
    assert BulletinTemplate in admin.site._registry
    url = reverse("admin:reports_bulletintemplate_add")
    assert client_as(personas.office).get(url).status_code == 200
    assert client_as(personas.district_a).get(url).status_code == 302  # to the admin login
    response = client_as(personas.office).post(
        url,
        {
            "name": "错字",
            "issuer": "办公室",
            "number_prefix": "渝督改办",
            "title": "关于{campain}的通报",
            "addressees": "",
            "opening": "",
            "closing": "",
            "copy_to": "",
        },
    )
    assert response.status_code == 200 and "{campain}" in response.content.decode()
    assert not BulletinTemplate.objects.exists()


# --- LibreOffice ------------------------------------------------------------------------------


SOFFICE_MISSING = not (shutil.which("soffice") and shutil.which("pdftotext"))
if SOFFICE_MISSING and os.environ.get("SHANSHUI_REQUIRE_SOFFICE") == "1":  # CI installs them
    raise RuntimeError("LibreOffice (soffice) or pdftotext is not installed.")


@pytest.mark.skipif(
    SOFFICE_MISSING,
    reason="LibreOffice (soffice) or pdftotext is not installed: "
    "apt-get install libreoffice-writer-nogui poppler-utils fonts-wqy-microhei",
)
def test_libreoffice_opens_the_bulletin_and_prints_its_figures(
    personas, ledger_round, period, tmp_path
):
    bulletin = issue(personas, ledger_round, period)
    source = tmp_path / "bulletin.docx"
    source.write_bytes(bulletin.docx.read())
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "bulletin.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    compact = "".join(text.split())
    totals = bulletin.figures["totals"]
    assert "整改工作进展情况的通报" in compact
    assert bulletin.number in compact
    assert f"共有整改任务{totals['total']}项" in compact
    assert f"超期{totals['overdue']}项" in compact
    for code in ("O1", "O2", "R1", "S1", "S2"):
        assert code in text
    assert "各区县整改任务完成情况" in compact  # the chart's title, drawn by LibreOffice


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_bulletins_issued_at_the_same_moment_get_distinct_numbers(personas, period):
    campaign = make_campaign(personas.office)
    task = make_task(personas.office, campaign, code="C-1", implementing=personas.unit_a)
    drive(
        task,
        Status.IN_PROGRESS,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.office,
    )
    barrier = threading.Barrier(3)
    results = []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(
                services.bulletin_issue(actor=personas.office, campaign=campaign, period=period)
            )
        except Exception as exc:  # collected for the assertion
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(isinstance(r, Bulletin) for r in results), results
    assert sorted(r.serial for r in results) == [1, 2, 3]
