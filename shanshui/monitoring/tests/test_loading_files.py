"""The file as a whole: encodings, delimiters, a title above the header, and the files that are
refused with a reason (not CSV, a workbook, another extension, too large)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from shanshui.ledger.scenarios import png_bytes
from shanshui.monitoring.models import AirHourly
from shanshui.monitoring.tests.loading_helpers import AIR_HEADER, air_csv, day_rows, import_air

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_it_reads_utf8_with_or_without_bom_and_gbk(personas, stations, encoding):
    text = f"{AIR_HEADER},站点名称\n5001A,2026-01-01 01:00,5,20,40,30,0.6,50,万州天城\n"
    result = import_air(personas, text.encode(encoding))
    assert result.ok, result.errors
    assert AirHourly.objects.get().pm25 == 30
    assert result.ignored_columns == ["站点名称"]


def test_it_refuses_text_in_no_known_encoding(personas, stations):
    data = AIR_HEADER.encode() + b"\n5001A,2026-01-01 01:00,5,20,40,30,0.6,\xff\xfe\xff\n"
    result = import_air(personas, data)
    assert not result.ok and result.errors[0].row == 0
    assert "encoding" in result.errors[0].message


def test_a_header_below_a_title_and_a_tab_separated_file_are_read(personas, stations):
    text = "重庆市空气质量小时数据\n\n站点编码\t时间\tPM2.5\n5001A\t2026-01-01 01:00\t30\n"
    result = import_air(personas, text.encode())
    assert result.ok, result.errors
    assert AirHourly.objects.get().pm25 == 30


def test_files_that_are_not_csv_are_refused_with_a_reason(personas, stations):
    xlsx = b"PK\x03\x04" + b"\x00" * 100
    cases = [
        (png_bytes(), "not a CSV text file"),
        (b"%PDF-1.7\n" + b"x" * 100, "not a CSV text file"),
        (xlsx, "not a CSV text file"),
        (b"", "empty"),
    ]
    for data, fragment in cases:
        result = import_air(personas, data)
        assert not result.ok and result.errors[0].row == 0
        assert fragment in result.errors[0].message, result.errors[0].message


def test_an_excel_workbook_is_named_as_such(personas, stations, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["站点编码", "时间", "PM2.5"])
    path = tmp_path / "data.xlsx"
    book.save(path)
    result = import_air(personas, path)
    assert "Excel workbook" in result.errors[0].message


def test_a_csv_with_another_extension_is_refused(personas, stations):
    upload = io.BytesIO(air_csv(day_rows("5001A", DAY)))
    upload.name = "data.docx"
    result = import_air(personas, upload)
    assert "must end in .csv" in result.errors[0].message


def test_a_file_over_the_size_limit_is_refused(personas, stations, settings):
    data = air_csv(day_rows("5001A", DAY))
    result = import_air(personas, data, max_bytes=len(data) - 1)
    assert "larger than" in result.errors[0].message
    settings.SHANSHUI_MONITORING_CSV_MAX_BYTES = 100
    assert "larger than" in import_air(personas, data).errors[0].message
    assert AirHourly.objects.count() == 0
