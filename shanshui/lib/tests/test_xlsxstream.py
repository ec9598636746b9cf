"""The streaming .xlsx writer: what it writes, openpyxl (as Excel would) reads back."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from xml.etree import ElementTree

import openpyxl

from shanshui.lib.xlsxstream import XlsxWriter, _column


def build() -> bytes:
    out = io.BytesIO()
    with XlsxWriter(out) as book:
        sheet = book.sheet("整改台账/2026", widths=[6, 40, 12], freeze_rows=2)
        sheet.row([("台账", "title")])
        sheet.row([("序号", "header"), ("问题", "header"), ("时限", "header")])
        sheet.row(
            [(1, "center"), ("污水<直排>&“异味”\x0b", "wrap"), (dt.date(2026, 6, 30), "date")]
        )
        sheet.row([(2, "center"), ("", "wrap"), (None, "date"), ("超期", "overdue")])
        second = book.sheet("第二页", widths=[10])
        second.row([(True, "plain"), (2.5, "plain")])
    return out.getvalue()


def test_values_styles_and_layout_read_back():
    data = build()
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["整改台账2026", "第二页"]
    ws = wb["整改台账2026"]
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["B"].width == 40
    assert ws["A1"].value == "台账" and ws["A1"].font.b
    assert ws["B2"].value == "问题" and ws["B2"].font.b
    assert ws["B2"].fill.fgColor.rgb == "FFDDE6F0"
    assert ws["A3"].value == 1
    assert ws["B3"].value == "污水<直排>&“异味”"  # the control character is dropped
    assert ws["B3"].alignment.wrap_text and ws["B3"].border.left.style == "thin"
    assert ws["C3"].is_date and ws["C3"].value == dt.datetime(2026, 6, 30)
    assert ws["B4"].value is None and ws["C4"].value is None
    assert ws["D4"].value == "超期" and ws["D4"].fill.fgColor.rgb == "FFC0392B"
    assert ws["D4"].font.color.rgb == "FFFFFFFF"
    other = wb["第二页"]
    assert other["A1"].value is True and other["B1"].value == 2.5


def test_every_part_is_well_formed_xml():
    with zipfile.ZipFile(io.BytesIO(build())) as archive:
        names = archive.namelist()
        assert "[Content_Types].xml" in names and "xl/styles.xml" in names
        for name in names:
            ElementTree.fromstring(archive.read(name))


def test_an_empty_workbook_still_opens():
    out = io.BytesIO()
    XlsxWriter(out).close()
    assert openpyxl.load_workbook(io.BytesIO(out.getvalue())).sheetnames == ["Sheet"]


def test_column_letters():
    assert [_column(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA",
    ]  # fmt: skip
