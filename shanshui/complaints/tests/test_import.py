"""Importing a transfer list (交办件清单) from Excel: parsing, all or nothing, page, command."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from openpyxl.styles import Border, Side

from shanshui.complaints import importer, selectors, services
from shanshui.complaints.models import (
    Channel,
    Complaint,
    ComplaintEvent,
    EventKind,
    HandlingPolicy,
    Status,
    TransferBatch,
    UnitRole,
)
from shanshui.ledger import services as ledger_services
from shanshui.ledger.scenarios import make_campaign
from shanshui.lib import sheets
from shanshui.orgs.models import Unit, UnitKind
from shanshui.orgs.services import unit_reindex_names

pytestmark = pytest.mark.django_db

BATCH_DATE = dt.date(2024, 5, 10)  # a Friday; Saturday 2024-05-11 was a make-up working day
TITLE = "中央第五生态环境保护督察组交办问题清单（第3批）"
TOP = [
    "序号",
    "受理编号",
    "交办问题\n基本情况",
    "行政区域",
    "污染类型",
    "是否重点",
    "责任单位",
    None,
    "涉及企业",
    "具体地址",
    "调查核实情况",
]
SUB = [None, None, None, None, None, None, "牵头", "配合", None, None, None]
ROWS = [
    [
        1,
        "D2024051001",
        "万州区某化工厂夜间排放刺鼻废气，周边居民反映强烈。",
        "重庆市万州区",
        "大气、噪声",
        "是",
        None,
        None,
        "重庆某化工有限公司",
        "万州区高笋塘街道白岩路8号",
        None,
    ],
    [
        2,
        "D2024051002",
        "解放碑某餐馆油烟直排，楼上住户无法开窗。",
        "渝中区",
        "油烟",
        "否",
        "渝中区",
        None,
        "某餐馆",
        None,
        None,
    ],
    [
        3,
        "D2024051003",
        "两江新区某工地夜间施工，噪音扰民。",
        "两江新区",
        "噪音",
        None,
        None,
        None,
        None,
        "两江新区礼嘉街道",
        None,
    ],
    [
        4,
        "D2024051004",
        "長江支流有污水直排，河面漂浮垃圾。",
        "萬州區",
        "水；生态、固废/垃圾",
        "√",
        "萬州區",
        "市生态环境局\n市水利局",
        None,
        None,
        None,
    ],
    [
        5,
        20240510005,
        "万盛某煤矿矸石堆场扬尘。",
        "万盛经开区",
        "扬尘 土壤",
        "否",
        None,
        None,
        "某煤矿",
        None,
        None,
    ],
]
RECEIPTS = ["D2024051001", "D2024051002", "D2024051003", "D2024051004", "20240510005"]
FIRST_DATA_ROW = 5  # title, date, two header rows


def xlsx(rows, *, merges=(), blank_rows=0, styled_blanks=0, title="交办清单") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    for rng in merges:
        ws.merge_cells(rng)
    last = len(rows)
    thin = Side(style="thin")
    for r in range(last + 1, last + 1 + styled_blanks):  # formatted but empty rows
        for c in range(1, 12):
            ws.cell(row=r, column=c).border = Border(top=thin, bottom=thin)
    for r in range(last + 1 + styled_blanks, last + 1 + styled_blanks + blank_rows):
        ws.cell(row=r, column=2, value="  ")  # whitespace only: still blank
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def transfer_list(data=ROWS, *, top=TOP, sub=SUB, footer=True) -> bytes:
    """The list as a team sends it: title, date line, two merged header rows, data, blanks."""
    rows = [[TITLE], ["交办时间：2024年5月10日"], list(top), list(sub), *[list(r) for r in data]]
    merges = ["A1:K1", "A2:K2", "G3:H3"]
    merges += [f"{col}3:{col}4" for col in "ABCDEFIJK"]
    if footer:
        rows += [[6], [7], [], ["注：本批共交办信访件5件，其中重点件2件。"]]  # numbered, empty
    return xlsx(rows, merges=merges, styled_blanks=4, blank_rows=3)


def upload(content: bytes, name: str = "第3批交办清单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(personas):
    return make_campaign(personas.office)


@pytest.fixture
def batch(personas, campaign):
    return services.batch_create(
        actor=personas.office, campaign=campaign, number=3, date=BATCH_DATE
    )


def run(personas, batch, content, *, dry_run=False, name="第3批交办清单.xlsx"):
    return importer.import_batch(
        actor=personas.office, batch=batch, fileobj=upload(content, name), dry_run=dry_run
    )


def unit(key: str) -> Unit:
    return Unit.objects.get(key=key)


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


# --- a realistic list ------------------------------------------------------------------------


def test_realistic_list_creates_the_cases(personas, batch):
    HandlingPolicy.objects.create(
        campaign=batch.campaign, handle_workdays=15, key_handle_workdays=10
    )
    result = run(personas, batch, transfer_list())
    assert result.ok, errors_of(result)
    assert result.created == RECEIPTS
    assert result.unchanged == []
    assert result.total_rows == 5
    assert not result.dry_run

    cases = {c.receipt_no: c for c in Complaint.objects.filter(batch=batch)}
    assert set(cases) == set(RECEIPTS)
    wanzhou, yuzhong = unit("cq-wanzhou"), unit("cq-yuzhong")
    liangjiang, wansheng = unit("cq-liangjiang"), unit("cq-wansheng-zone")
    sthjj, water = unit("cq-ecology-environment"), unit("cq-water")

    first = cases["D2024051001"]
    assert first.channel == Channel.TRANSFER
    assert first.seq == 1
    assert first.description == ROWS[0][2]
    assert first.district == wanzhou
    assert first.enterprise == "重庆某化工有限公司"
    assert first.address == "万州区高笋塘街道白岩路8号"
    assert first.is_key is True
    assert first.status == Status.TRANSFERRED
    assert selectors.categories_of(first) == ["air", "noise"]
    assert list(first.units.values_list("unit", "role")) == [(wanzhou.pk, UnitRole.HANDLING)]
    calendar = ledger_services.work_calendar()
    assert first.deadline == calendar.add_workdays(BATCH_DATE, 10)  # key case
    kinds = list(first.events.values_list("kind", flat=True))
    assert kinds == [EventKind.IMPORTED, EventKind.TRANSFERRED]

    second = cases["D2024051002"]
    assert second.is_key is False
    assert second.district == yuzhong
    assert selectors.categories_of(second) == ["air"]  # 油烟
    assert second.deadline == calendar.add_workdays(BATCH_DATE, 15)
    # Working days, not calendar days: the make-up Saturday counts, weekends do not.
    assert second.deadline == dt.date(2024, 5, 30)

    third = cases["D2024051003"]
    assert third.district == liangjiang
    assert selectors.categories_of(third) == ["noise"]  # 噪音
    assert third.is_key is False  # blank 是否重点

    fourth = cases["D2024051004"]  # traditional characters, several types and units
    assert fourth.district == wanzhou
    assert fourth.is_key is True  # √
    assert selectors.categories_of(fourth) == ["water", "ecology", "solid_waste"]
    handling = set(fourth.units.filter(role=UnitRole.HANDLING).values_list("unit", flat=True))
    assert handling == {wanzhou.pk, sthjj.pk, water.pk}

    fifth = cases["20240510005"]  # a numeric cell, not "20240510005.0"
    assert fifth.district == wansheng
    assert selectors.categories_of(fifth) == ["air", "soil"]

    assert ComplaintEvent.objects.filter(complaint__batch=batch).count() == 10


def test_synonyms_single_header_row_and_traditional_headers(personas, batch):
    header = [
        "举报内容",
        "編 號",  # traditional, with a space
        "所属区县",
        "举报类型",
        "重点",
        "承办单位",
        "企业名称",
        "地址",
        "序　号",  # ideographic space
    ]
    rows = [
        header,
        ["某小区旁河道黑臭。", "X-001", "万州", "水环境", "否", "万州区、市生态环境局", "", "", 1],
        ["夜间KTV噪声扰民。", "X-002", "渝中", "噪声污染", "重点", "", "某KTV", "较场口", 2],
    ]
    result = run(personas, batch, xlsx(rows))
    assert result.ok, errors_of(result)
    assert result.created == ["X-001", "X-002"]
    one = Complaint.objects.get(receipt_no="X-001")
    assert selectors.categories_of(one) == ["water"]
    assert set(one.units.values_list("unit__key", flat=True)) == {
        "cq-wanzhou",
        "cq-ecology-environment",
    }
    two = Complaint.objects.get(receipt_no="X-002")
    assert two.is_key and two.enterprise == "某KTV" and two.address == "较场口" and two.seq == 2


def test_group_header_above_the_column_headers_and_a_cover_sheet(personas, batch):
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "填表说明"
    cover["A1"] = "本表由督察组填写，请勿改动表头。"
    ws = wb.create_sheet("第3批")
    ws.append([TITLE])
    ws.append(["序号", "基本信息", None, None, None, "举报方式", None])
    ws.append([None, "受理编号", "交办问题基本情况", "行政区域", "污染类型", "电话", "来信"])
    ws.append([1, "G-1", "河道排污。", "渝中区", "水", "√", None])
    ws.append([2, "G-2", "工地扬尘。", "两江新区", "扬尘", None, "√"])
    for rng in ("A1:G1", "A2:A3", "B2:E2", "F2:G2"):
        ws.merge_cells(rng)
    out = io.BytesIO()
    wb.save(out)
    result = run(personas, batch, out.getvalue())
    assert result.ok, errors_of(result)
    assert result.created == ["G-1", "G-2"]
    assert Complaint.objects.get(receipt_no="G-2").seq == 2


def test_key_batch_makes_every_case_key(personas, campaign):
    batch = services.batch_create(
        actor=personas.office, campaign=campaign, number=9, date=BATCH_DATE, is_key=True
    )
    result = run(personas, batch, transfer_list())
    assert result.ok
    assert set(Complaint.objects.filter(batch=batch).values_list("is_key", flat=True)) == {True}
    again = run(personas, batch, transfer_list())  # is_key from the batch is not a "change"
    assert again.ok and again.unchanged == RECEIPTS


def test_merged_away_district_goes_to_its_successor(personas, campaign):
    batch = services.batch_create(
        actor=personas.office, campaign=campaign, number=30, date=dt.date(2026, 3, 2)
    )
    rows = [list(ROWS[0])]
    rows[0][3] = "江北区"
    result = run(personas, batch, transfer_list(rows))
    assert result.ok, errors_of(result)
    case = Complaint.objects.get(batch=batch)
    assert case.district == unit("cq-liangjiang")
    assert result.rows[0].notes  # the preview says why


# --- all or nothing --------------------------------------------------------------------------


def test_one_bad_row_writes_nothing(personas, batch):
    data = [list(r) for r in ROWS]
    data[2][4] = "光污染"  # row 7 in the sheet
    result = run(personas, batch, transfer_list(data))
    assert not result.ok
    assert result.created == []
    assert errors_of(result) == [
        (FIRST_DATA_ROW + 2, "污染类型", result.errors[0].message),
    ]
    assert "“光污染”" in result.errors[0].message
    assert "Unknown pollution type" in result.errors[0].message
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_a_service_refusal_rolls_back_every_row(personas, batch, monkeypatch):
    real = services.batch_add_case

    def flaky(*, actor, batch, case, memo=None):
        if case.receipt_no == "D2024051003":
            raise ValidationError({"units": "refused by the service"})
        return real(actor=actor, batch=batch, case=case, memo=memo)

    monkeypatch.setattr(services, "batch_add_case", flaky)
    result = run(personas, batch, transfer_list())
    assert errors_of(result) == [(FIRST_DATA_ROW + 2, "", "refused by the service")]
    assert result.created == []
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


# --- every kind of error ---------------------------------------------------------------------


def test_missing_column(personas, batch):
    top = [t if t != "污染类型" else "备注" for t in TOP]
    result = run(personas, batch, transfer_list(top=top))
    assert len(result.errors) == 1
    error = result.errors[0]
    assert error.row == 4 and error.column == ""
    assert "“污染类型”" in error.message and "missing" in error.message
    assert not Complaint.objects.exists()


def test_no_header_at_all(personas, batch):
    result = run(personas, batch, xlsx([[TITLE], ["随便写的内容", "没有表头"]]))
    assert [e.row for e in result.errors] == [0]
    assert "No header row" in result.errors[0].message


def test_unknown_and_ambiguous_district(personas, batch):
    for parent in (unit("cq-wanzhou"), unit("cq-yuzhong")):
        town = Unit.objects.create(name="新华街道", kind=UnitKind.TOWN, parent=parent)
        unit_reindex_names(town)
    data = [list(r) for r in ROWS[:3]]
    data[0][3] = "火星区"
    data[1][3] = "新华街道"
    data[2][3] = "市生态环境局"  # a department is not a district
    result = run(personas, batch, transfer_list(data))
    rows = {e.row: e for e in result.errors}
    assert set(rows) == {5, 6, 7}
    assert all(e.column == "行政区域" for e in result.errors)
    assert "“火星区”" in rows[5].message and "No unit" in rows[5].message
    assert "several units" in rows[6].message and "万州区·新华街道" in rows[6].message
    assert "not a district" in rows[7].message


def test_bad_handling_units(personas, batch):
    data = [list(r) for r in ROWS[:2]]
    data[0][6] = "市不存在局"
    unit_reindex_names(personas.unit_town_a)
    data[1][7] = "高笋塘街道"  # a town does not take transferred cases itself
    result = run(personas, batch, transfer_list(data))
    assert [(e.row, e.column) for e in result.errors] == [(5, "责任单位"), (6, "责任单位")]
    assert "市不存在局" in result.errors[0].message
    assert "cannot handle cases" in result.errors[1].message


def test_duplicate_receipt_number_is_reported_on_the_second_row(personas, batch):
    data = [list(r) for r in ROWS[:3]]
    data[2][1] = "D2024051001"
    result = run(personas, batch, transfer_list(data))
    assert [(e.row, e.column) for e in result.errors] == [(7, "受理编号")]
    assert "row 5" in result.errors[0].message
    assert not Complaint.objects.exists()


def test_empty_required_cells(personas, batch):
    data = [list(r) for r in ROWS[:2]]
    data[0][1] = None
    data[0][2] = "   "
    data[1][3] = None
    data[1][4] = None
    result = run(personas, batch, transfer_list(data))
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "受理编号"),
        (5, "交办问题 基本情况"),  # the header as written, its line break shown as a space
        (6, "行政区域"),
        (6, "污染类型"),
    ]
    assert all("empty" in e.message for e in result.errors)


def test_bad_key_flag(personas, batch):
    data = [list(ROWS[0])]
    data[0][5] = "也许"
    result = run(personas, batch, transfer_list(data))
    assert [(e.row, e.column) for e in result.errors] == [(5, "是否重点")]
    assert "也许" in result.errors[0].message


def test_too_long_cells(personas, batch):
    data = [list(ROWS[0])]
    data[0][1] = "N" * 41
    data[0][9] = "地" * 301
    result = run(personas, batch, transfer_list(data))
    assert [(e.row, e.column) for e in result.errors] == [(5, "受理编号"), (5, "具体地址")]


def test_too_many_rows(personas, batch, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    result = run(personas, batch, transfer_list())
    assert [e.row for e in result.errors] == [0]
    assert "more than 3 rows" in result.errors[0].message


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (
            b"\xe5\x8f\x97\xe7\x90\x86\xe7\xbc\x96\xe5\x8f\xb7,abc\n1,2\n",
            "清单.xlsx",
            "not an Excel",
        ),
        ("受理编号\t内容\nA1\t废气\n".encode(), "清单.txt", "not an Excel"),
        (b"", "清单.xlsx", "empty"),
        ("pdf", "清单.xlsx", "not an Excel"),
        ("truncated", "清单.xlsx", "not an Excel"),
        ("corrupt", "清单.xlsx", "damaged"),
        ("real", "清单.txt", "must end in .xlsx"),
    ],
    ids=[
        "text-renamed-xlsx",
        "text-file",
        "empty",
        "pdf",
        "truncated",
        "corrupt-sheet",
        "xlsx-renamed-txt",
    ],
)
def test_files_that_are_not_workbooks(personas, batch, content, name, expected):
    if content == "pdf":
        content = b"%PDF-1.4\n%%EOF\n"
    elif content == "truncated":
        content = transfer_list()[:3000]
    elif content == "corrupt":
        content = _corrupt_sheet(transfer_list())
    elif content == "real":
        content = transfer_list()
    result = run(personas, batch, content, name=name)
    assert [(e.row, e.column) for e in result.errors] == [(0, "")]
    assert expected in result.errors[0].message
    assert not Complaint.objects.exists()


def _corrupt_sheet(good: bytes) -> bytes:
    """A valid zip and workbook manifest whose worksheet XML is garbage."""
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>99"
            target.writestr(info.filename, data)
    return out.getvalue()


def test_too_large_file(personas, batch, monkeypatch):
    monkeypatch.setattr(importer, "MAX_BYTES", 1000)
    result = run(personas, batch, transfer_list())
    assert "larger than" in result.errors[0].message


def test_zip_bomb_is_refused(personas, batch, monkeypatch):
    monkeypatch.setattr(sheets, "UNPACK_FACTOR", 0.0005)  # 10 kB for the 20 MB limit
    result = run(personas, batch, transfer_list())
    assert [e.row for e in result.errors] == [0]
    assert "unpacks" in result.errors[0].message


def test_only_the_office_imports(personas, batch):
    with pytest.raises(PermissionDenied):
        importer.import_batch(
            actor=personas.district_a, batch=batch, fileobj=upload(transfer_list()), dry_run=True
        )


# --- idempotence, changes, dry run -----------------------------------------------------------


def test_reimporting_the_same_list_changes_nothing(personas, batch):
    assert run(personas, batch, transfer_list()).ok
    events = ComplaintEvent.objects.count()
    versions = dict(Complaint.objects.values_list("receipt_no", "version"))
    again = run(personas, batch, transfer_list())
    assert again.ok
    assert again.created == []
    assert again.unchanged == RECEIPTS
    assert ComplaintEvent.objects.count() == events
    assert dict(Complaint.objects.values_list("receipt_no", "version")) == versions


def test_reimport_after_the_office_retransferred_a_case_is_unchanged(personas, batch):
    assert run(personas, batch, transfer_list()).ok
    case = Complaint.objects.get(receipt_no="D2024051002")
    services.complaint_transfer(
        actor=personas.office,
        complaint=case,
        expected_version=None,
        units=[unit("cq-yuzhong"), unit("cq-ecology-environment")],
    )
    again = run(personas, batch, transfer_list())
    assert again.ok, errors_of(again)
    assert again.unchanged == RECEIPTS


def test_new_rows_are_added_to_an_imported_batch(personas, batch):
    assert run(personas, batch, transfer_list(ROWS[:2])).ok
    result = run(personas, batch, transfer_list())
    assert result.ok
    assert result.unchanged == RECEIPTS[:2]
    assert result.created == RECEIPTS[2:]
    assert Complaint.objects.filter(batch=batch).count() == 5


def test_changed_content_is_an_error_and_changes_nothing(personas, batch):
    assert run(personas, batch, transfer_list()).ok
    events = ComplaintEvent.objects.count()
    data = [list(r) for r in ROWS]
    data[1][2] = "解放碑某餐馆油烟直排（内容已更正）。"
    data[3][4] = "水"
    data.append(
        [6, "D2024051006", "新的一件。", "万州区", "水", "否", None, None, None, None, None]
    )
    result = run(personas, batch, transfer_list(data))
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(6, "受理编号"), (8, "受理编号")]
    assert "different content" in result.errors[0].message
    assert "description" in result.errors[0].message
    assert "pollution type" in result.errors[1].message
    assert result.created == []
    assert not Complaint.objects.filter(receipt_no="D2024051006").exists()
    assert Complaint.objects.get(receipt_no="D2024051002").description == ROWS[1][2]
    assert ComplaintEvent.objects.count() == events


def test_dry_run_writes_nothing(personas, batch):
    result = run(personas, batch, transfer_list(), dry_run=True)
    assert result.ok and result.dry_run
    assert result.created == RECEIPTS
    assert [r.receipt_no for r in result.rows] == RECEIPTS
    assert result.rows[3].category_labels == ["Water", "Ecology", "Solid waste"]
    assert not Complaint.objects.exists()
    assert not ComplaintEvent.objects.exists()


def test_dry_run_with_errors_creates_nothing_but_previews_the_good_rows(personas, batch):
    data = [list(r) for r in ROWS]
    data[0][3] = "火星区"
    result = run(personas, batch, transfer_list(data), dry_run=True)
    assert not result.ok
    assert result.created == []
    assert [r.receipt_no for r in result.rows] == RECEIPTS[1:]


def test_read_transfer_sheet_alone(personas):
    rows, errors = importer.read_transfer_sheet(io.BytesIO(transfer_list()))
    assert errors == []
    assert [r.row for r in rows] == [5, 6, 7, 8, 9]
    assert rows[3].units[0].key == "cq-wanzhou" and len(rows[3].units) == 3
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected", "unknown"),
    [
        ("水、大气", ["water", "air"], []),
        ("水污染，大气污染；噪声", ["water", "air", "noise"], []),
        ("大氣 噪音", ["air", "noise"], []),
        ("废气/扬尘/恶臭/异味", ["air"], []),
        ("危险废物、固体废物", ["solid_waste"], []),
        ("电磁辐射", ["radiation"], []),
        ("生态破坏、土壤", ["ecology", "soil"], []),
        ("其它", ["other"], []),
        ("大气（油烟）", ["air"], []),
        ("光污染、水", ["water"], ["光污染"]),
    ],
)
def test_categories(text, expected, unknown):
    assert importer.parse_categories(text) == (expected, unknown)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("是", True), ("√", True), ("重点", True), ("是（重点）", True), ("否", False), ("", False)],
)
def test_key_flag(text, expected):
    assert importer.parse_yes_no(text) is expected
    assert importer.parse_yes_no("也许") is None


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("受理编号", "receipt_no"),
        ("受 理\n编 号", "receipt_no"),
        ("信访举报受理编号", "receipt_no"),
        ("交办问题基本情况（举报内容）", "description"),
        ("信访问题基本情况", "description"),
        ("区（县）", "region"),
        ("所在地", "region"),
        ("所在地址", "address"),
        ("是否重点", "is_key"),
        ("*污染类型", "category"),
        (TITLE, None),
        ("是否属实", None),
    ],
)
def test_header_matching(header, field):
    found = importer.match_header(header)
    assert (found[0] if found else None) == field


# --- the page --------------------------------------------------------------------------------


def _url(batch) -> str:
    return reverse("complaints:batch_import", args=[batch.pk])


@pytest.fixture
def client_en(client_as):
    """A logged-in client whose pages are in English (the Chinese catalogue comes later)."""

    def make(user):
        client = client_as(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def test_page_office_sees_the_form(personas, batch, client_as):
    response = client_as(personas.office).get(_url(batch))
    assert response.status_code == 200
    assert b'name="file"' in response.content
    assert b'name="dry_run"' in response.content and b"checked" in response.content


def test_page_is_for_the_office_only(personas, batch, client_as, client):
    assert client_as(personas.district_a).get(_url(batch)).status_code == 403
    assert client_as(personas.department).get(_url(batch)).status_code == 403
    response = client.get(_url(batch))
    assert response.status_code == 302 and "/login/" in response["Location"]
    missing = reverse("complaints:batch_import", args=[batch.pk + 100])
    assert client_as(personas.office).get(missing).status_code == 404


def test_page_dry_run_shows_the_preview(personas, batch, client_as):
    response = client_as(personas.office).post(
        _url(batch), {"file": upload(transfer_list()), "dry_run": "on"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="import-preview"' in body
    for receipt in RECEIPTS:
        assert receipt in body
    assert "市水利局" in body  # the handling units of row 8
    assert not Complaint.objects.exists()
    # The form is ready for the real import: dry run now off.
    assert response.context["form"].initial == {"dry_run": False}


def test_page_real_import_redirects_to_the_batch(personas, batch, client_en):
    client = client_en(personas.office)
    response = client.post(_url(batch), {"file": upload(transfer_list())})
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:batch", args=[batch.pk])
    assert Complaint.objects.filter(batch=batch).count() == 5
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["5 cases imported, 0 unchanged."]


def test_page_errors_are_a_400_with_the_table(personas, batch, client_en):
    data = [list(r) for r in ROWS]
    data[1][3] = "火星区"
    response = client_en(personas.office).post(_url(batch), {"file": upload(transfer_list(data))})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="import-errors"' in body and "火星区" in body
    assert not Complaint.objects.exists()


def test_page_not_a_workbook_and_no_file(personas, batch, client_as):
    client = client_as(personas.office)
    response = client.post(_url(batch), {"file": upload(b"hello", "清单.xlsx"), "dry_run": "on"})
    assert response.status_code == 400
    assert 'id="import-errors"' in response.content.decode()
    response = client.post(_url(batch), {"dry_run": "on"})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


# --- the command -----------------------------------------------------------------------------


def _command(tmp_path, content, *args):
    path = tmp_path / "第3批.xlsx"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_complaints", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_command_creates_the_batch_and_imports(personas, campaign, tmp_path):
    out = _command(
        tmp_path,
        transfer_list(),
        "--campaign",
        campaign.code,
        "--batch",
        "3",
        "--date",
        "2024-05-10",
        "--key",
        "--user",
        personas.office.username,
    )
    batch = TransferBatch.objects.get(campaign=campaign, number=3)
    assert batch.date == BATCH_DATE and batch.is_key
    assert Complaint.objects.filter(batch=batch).count() == 5
    assert "5 cases imported, 0 unchanged (5 rows)." in out
    again = _command(
        tmp_path, transfer_list(), "--campaign", campaign.code, "--batch", "3", "--user", "p_office"
    )
    assert "0 cases imported, 5 unchanged" in again


def test_command_errors_write_nothing(personas, campaign, tmp_path):
    data = [list(r) for r in ROWS]
    data[0][4] = "光污染"
    data[2][1] = "D2024051002"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(transfer_list(data))
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 errors"):
        call_command(
            "import_complaints",
            str(path),
            "--campaign",
            campaign.code,
            "--batch",
            "4",
            "--user",
            "p_office",
            stdout=out,
        )
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Row 5, column 污染类型: ")
    assert lines[1].startswith("Row 7, column 受理编号: ")
    assert not TransferBatch.objects.exists()  # the new batch is rolled back too
    assert not Complaint.objects.exists()


def test_command_dry_run_and_users(personas, campaign, tmp_path, django_user_model):
    assert not django_user_model.objects.filter(is_superuser=True).exists()
    with pytest.raises(CommandError, match="superuser"):
        _command(tmp_path, transfer_list(), "--campaign", campaign.code, "--batch", "5")
    with pytest.raises(CommandError, match="office role"):
        _command(
            tmp_path,
            transfer_list(),
            "--campaign",
            campaign.code,
            "--batch",
            "5",
            "--user",
            personas.district_a.username,
        )
    django_user_model.objects.create_superuser("root", "root@example.org", "x")
    out = _command(
        tmp_path, transfer_list(), "--campaign", campaign.code, "--batch", "5", "--dry-run"
    )
    assert "Dry run: 5 cases would be imported, 0 unchanged (5 rows)." in out
    assert not TransferBatch.objects.exists()
    assert not Complaint.objects.exists()
    with pytest.raises(CommandError, match="No campaign"):
        _command(tmp_path, transfer_list(), "--campaign", "nope", "--batch", "5")
