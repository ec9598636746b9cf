"""The streaming .xlsx writer: what it writes, openpyxl (as Excel would) reads back."""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from shanshui.lib.xlsxstream import MAX_CELL_TEXT, XlsxWriter, _column, clean_text

# Hypothesis caches data in ./.hypothesis by default; keep the shared working tree clean.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "shanshui-hypothesis")


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


def write(rows: list[list[tuple[object, str]]], *, sheets: tuple[str, ...] = ("Sheet",)) -> bytes:
    """A workbook with ``rows`` on each of ``sheets``, checked well-formed part by part."""
    out = io.BytesIO()
    with XlsxWriter(out) as book:
        for name in sheets:
            sheet = book.sheet(name, widths=[10])
            for row in rows:
                sheet.row(row)
    data = out.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))
    return data


def read_back(values: list[object], style: str = "center") -> list[object]:
    """``values`` written as one row, as openpyxl reads them back."""
    book = openpyxl.load_workbook(io.BytesIO(write([[(v, style) for v in values]])))
    return [cell.value for cell in book.active[1]][: len(values)]


def test_nan_and_infinity_leave_the_cell_empty_with_its_style():
    values = [
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("sNaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
    ]
    book = openpyxl.load_workbook(io.BytesIO(write([[(v, "overdue") for v in values]])))
    cells = list(book.active[1])
    assert [c.value for c in cells] == [None] * len(values)
    assert all(c.fill.fgColor.rgb == "FFC0392B" for c in cells)


def test_decimals_are_numbers():
    values = [Decimal("0.1"), Decimal("12345678901.25"), Decimal("-0.50"), Decimal("100")]
    values += [Decimal("1E+3"), Decimal("0E-7"), Decimal("1E-400")]
    read = read_back(values)
    assert read == [0.1, 12345678901.25, -0.5, 100, 1000, 0, 0]
    assert all(isinstance(v, int | float) for v in read)
    # Finite but beyond a double: the digits are kept, as text, rather than lost.
    assert read_back([Decimal("1E+400")]) == ["1E+400"]


def test_booleans_and_integers():
    assert read_back([True, False, 0, -7]) == [True, False, 0, -7]
    # Up to 15 digits Excel holds an integer exactly; from 16 on it is text (an ID, in practice).
    assert read_back([999_999_999_999_999, -999_999_999_999_999]) == [
        999_999_999_999_999,
        -999_999_999_999_999,
    ]
    assert read_back([10**15, -(10**15), 110101199003077777]) == [
        "1000000000000000",
        "-1000000000000000",
        "110101199003077777",
    ]


def test_characters_xml_cannot_carry_are_dropped():
    values = [
        "a\ufffeb\uffffc",
        "lone\ud800 high",
        "\udc00lone low",
        "paired \ud83d\ude00",  # a surrogate pair held as two code points: its character
        "\x00\x01\x08c\x0b\x0c\x0e\x1fd\x7f",  # DEL is legal XML and is kept
        "tab\tand\nnewline",
        "crlf\r\nand\rcr",
        "\x00\ufffe\ud800",  # nothing left: an empty cell
    ]
    assert read_back(values) == [
        "abc",
        "lone high",
        "lone low",
        "paired 😀",
        "cd\x7f",
        "tab\tand\nnewline",
        "crlf\nand\ncr",
        None,
    ]


def test_text_is_cut_at_excels_limit_counted_in_utf16_units():
    emoji = "😀"  # outside the BMP: two UTF-16 code units, as Excel counts
    values = [
        "a" * MAX_CELL_TEXT,
        "a" * (MAX_CELL_TEXT + 10),
        "a" + emoji * 16383,  # exactly 32,767 units: kept whole
        "ab" + emoji * 16383,  # one unit over: the last emoji goes, not half of it
        "\x00" + "a" * MAX_CELL_TEXT,  # cleaned first, then measured
    ]
    assert read_back(values) == [
        "a" * MAX_CELL_TEXT,
        "a" * MAX_CELL_TEXT,
        "a" + emoji * 16383,
        "ab" + emoji * 16382,
        "a" * MAX_CELL_TEXT,
    ]


def test_sheet_names_are_made_acceptable_and_unique():
    names = ("a:b", "A[B]", "'quoted'", "\x00\ufffe", "Sheet", "长" * 40, "长" * 40)
    book = openpyxl.load_workbook(io.BytesIO(write([[("x", "plain")]], sheets=names)))
    assert book.sheetnames == [
        "ab",
        "AB (2)",
        "quoted",
        "Sheet",
        "Sheet (2)",
        "长" * 31,
        "长" * 27 + " (2)",
    ]


# Any character at all, lone surrogates included, and more often the awkward ones.
_AWKWARD = ["\r", "\r\n", "\t", "\n", "\x00", "\x0b", "\ud800", "\udfff", "\ufffe", "\uffff"]
_AWKWARD += ["😀", "\ud83d\ude00", " ", "<", "&", "]]>", '"', "'"]
_PIECES = st.characters(exclude_categories=()) | st.characters(categories=["Cs"])
_PIECES |= st.sampled_from(_AWKWARD)
_TEXTS = st.lists(_PIECES, max_size=30).map("".join)


@settings(max_examples=150, deadline=None, database=None)
@given(st.lists(_TEXTS, min_size=1, max_size=8))
def test_any_text_reads_back_as_cleaned(texts):
    assert read_back(texts, "wrap") == [clean_text(t) or None for t in texts]
