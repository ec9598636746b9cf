"""Loading hourly air readings and water samples from CSV: time formats, encodings, missing
values, row errors by row and column, all or nothing, idempotent re-imports, file checks, the
import commands."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from shanshui.monitoring import loading, services, water
from shanshui.monitoring.loading import TimeProblem, parse_date, parse_hour
from shanshui.monitoring.models import AirDaily, AirHourly, WaterSample
from shanshui.monitoring.tests.loading_helpers import (
    AIR_HEADER,
    air_csv,
    day_rows,
    hour_text,
    make_stations,
)
from shanshui.testing.ledger import png_bytes

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2025, 6, 1)


@pytest.fixture
def stations(db):
    return make_stations()


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English here; the Chinese catalogue is tested separately."""
    with translation.override("en"):
        yield


def import_air(personas, data, *, dry_run=False, **kwargs):
    return services.air_csv_import(actor=personas.office, fileobj=data, dry_run=dry_run, **kwargs)


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


# --- times ---------------------------------------------------------------------------------------


def test_it_reads_every_time_format_as_the_same_hour():
    expected = parse_hour("2026-01-01 01:00")
    for text in (
        "2026/1/1 1:00",
        "2026-01-01 01:00:00",
        "2026-01-01T01:00:00+08:00",
        "2026-01-01T01:00:00",
        "2025-12-31T17:00:00Z",
        "2026-01-01T02:00:00+09:00",
        " 2026-01-01 1:00 ",
        "2026年1月1日 1时",
    ):
        assert parse_hour(text) == expected, text
    # 24:00 is the next day's 00:00 (the label of a day's last reading).
    assert parse_hour("2026-01-01 24:00") == parse_hour("2026-01-02 00:00")
    assert loading.hour_label(expected) == dt.datetime(2026, 1, 1, 1)


def test_it_refuses_times_it_cannot_read_or_that_are_not_on_the_hour():
    for text, code in (
        ("2026-01-01 01:30", "not_on_hour"),
        ("2026-01-01T01:00:00+05:30", "not_on_hour"),
        ("2026-02-30 01:00", "date"),
        ("2026-01-01", "no_hour"),
        ("yesterday", "format"),
        ("2026-01-01 25:00", "format"),
        ("1899-01-01 01:00", "year"),
    ):
        with pytest.raises(TimeProblem) as exc:
            parse_hour(text)
        assert exc.value.code == code, text


def test_it_reads_dates_in_the_usual_forms():
    for text in (
        "2026-01-15",
        "2026/1/15",
        "20260115",
        "2026.1.15",
        "2026年1月15日",
        "2026-01-15 10:30",
    ):
        assert parse_date(text) == dt.date(2026, 1, 15), text
    with pytest.raises(TimeProblem):
        parse_date("15/01/2026")


def test_it_stores_the_hour_as_the_labelled_beijing_time(personas, stations):
    rows = [("5001A", "2026-01-01T01:00:00+08:00", 5, 20, 40, 30, 0.6, 50)]
    result = import_air(personas, air_csv(rows))
    assert result.ok, result.errors
    stored = AirHourly.objects.get()
    assert stored.hour == dt.datetime(2026, 1, 1, 1, tzinfo=BEIJING)
    assert stored.hour == dt.datetime(2025, 12, 31, 17, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "header,cells",
    [
        ("站点编码,时间,PM2.5", ["5001A", "2026/1/1 1:00", "30"]),
        ("code,datetime,PM2_5", ["5001A", "2026-01-01T01:00:00+08:00", "30"]),
        ("监测点编码,监测时间,PM25", ["5001A", "2025-12-31T17:00:00Z", "30"]),
        ("站点编码,日期,小时,PM2.5", ["5001A", "2026-01-01", "1", "30"]),
        ("station_code,date,hour,pm2.5", ["5001A", "20260101", "1:00", "30"]),
        ("时间,站点编码,PM2.5(μg/m³)", ["2026-01-01 01:00", "5001A", "30"]),
    ],
)
def test_each_layout_of_the_time_gives_the_same_reading(personas, stations, header, cells):
    result = import_air(personas, air_csv([cells], header=header))
    assert result.ok, result.errors
    stored = AirHourly.objects.get()
    assert stored.hour == dt.datetime(2026, 1, 1, 1, tzinfo=BEIJING)
    assert (stored.pm25, stored.so2) == (30.0, None)


def test_the_date_and_hour_layout_takes_hour_24_as_the_days_last_reading(personas, stations):
    rows = [("5001A", "2026-01-01", h, 30) for h in range(1, 25)]
    result = import_air(personas, air_csv(rows, header="站点编码,日期,小时,PM2.5"))
    assert result.ok, result.errors
    last = AirHourly.objects.order_by("hour").last()
    assert last.hour == dt.datetime(2026, 1, 2, 0, tzinfo=BEIJING)
    assert result.layout == "date_hour"


# --- columns, encodings, missing values ------------------------------------------------------


def test_it_reads_the_cnemc_archive_columns_and_lists_the_ignored_ones(personas, stations):
    header = (
        "timepoint,stationcode,longitude,latitude,area,positionname,primarypollutant,aqi,pm10,"
        "pm10_24h,pm2_5,pm2_5_24h,o3,o3_24h,o3_8h,o3_8h_24h,no2,no2_24h,so2,so2_24h,co,co_24h"
    )
    row = (
        "2022-01-01T12:00:00,5001A,116.3621,39.8784,北京市,万寿西宫,细颗粒物(PM2.5),72,90,64,52,"
        "36,34,11,3,3,70,70,11,8,1.3,1.1"
    )
    result = import_air(personas, f"{header}\n{row}\n".encode())
    assert result.ok, result.errors
    r = AirHourly.objects.get()
    assert (r.pm10, r.pm25, r.o3, r.no2, r.so2, r.co) == (90, 52, 34, 70, 11, 1.3)
    assert {"aqi", "pm2_5_24h", "o3_8h", "o3_24h", "positionname"} <= set(result.ignored_columns)
    assert result.columns["pm25"] == "pm2_5"


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


def test_missing_values_are_stored_as_missing(personas, stations):
    rows = [
        ("5001A", hour_text(DAY, 1), "", "—", "-", "NA", "NaN", "70"),
        ("5001A", hour_text(DAY, 2), " ", "n/a", "--", "nan", "null", "71"),
    ]
    result = import_air(personas, air_csv(rows))
    assert result.ok, result.errors
    for r in AirHourly.objects.all():
        assert (r.so2, r.no2, r.pm10, r.pm25, r.co) == (None,) * 5
        assert r.o3 in (70, 71)


def test_a_header_below_a_title_and_a_tab_separated_file_are_read(personas, stations):
    text = "重庆市空气质量小时数据\n\n站点编码\t时间\tPM2.5\n5001A\t2026-01-01 01:00\t30\n"
    result = import_air(personas, text.encode())
    assert result.ok, result.errors
    assert AirHourly.objects.get().pm25 == 30


def test_a_file_without_a_station_or_time_column_is_refused(personas, stations):
    result = import_air(personas, b"name,PM2.5\nx,30\n")
    assert errors_of(result) == [(0, "", result.errors[0].message)]
    assert "station code" in result.errors[0].message
    result = import_air(personas, b"code,time\n5001A,2026-01-01 01:00\n")
    assert "No pollutant column" in result.errors[0].message


def test_two_columns_for_one_pollutant_are_an_error(personas, stations):
    result = import_air(personas, b"code,time,PM2.5,PM25\n5001A,2026-01-01 01:00,30,31\n")
    assert errors_of(result) == [(1, "PM25", "Two columns are “PM2.5”; keep one.")]


# --- row errors and all or nothing -----------------------------------------------------------


def test_it_lists_row_errors_by_row_and_column_and_writes_nothing(personas, stations):
    good = day_rows("5001A", DAY)
    rows = [
        *good,
        ("9999A", hour_text(DAY, 3), 5, 20, 40, 30, 0.6, 50),  # row 26
        ("5002A", "2025-06-01 3:30", 5, 20, 40, 30, 0.6, 50),  # row 27
        ("5002A", hour_text(DAY, 4), 5, "abc", 40, 30, 0.6, 50),  # row 28
        ("5002A", hour_text(DAY, 5), 5, 20, -3, 30, 0.6, 50),  # row 29
        ("5001A", hour_text(DAY, 6), 5, 20, 40, 30, 0.6, 50),  # row 30: again
        ("W001", hour_text(DAY, 7), 5, 20, 40, 30, 0.6, 50),  # row 31: a water section
        ("", hour_text(DAY, 8), 5, 20, 40, 30, 0.6, 50),  # row 32
    ]
    result = import_air(personas, air_csv(rows))
    assert not result.ok
    assert errors_of(result) == [
        (26, "站点编码", "Unknown station code “9999A”."),
        (
            27,
            "时间",
            "The time “2025-06-01 3:30” is not on the hour: hourly data are labelled 01:00 … "
            "24:00.",
        ),
        (28, "NO2", "“abc” is not a number."),
        (29, "PM10", "A concentration cannot be negative (“-3”)."),
        (30, "时间", "Station 5001A has a second value for 2025-06-01 06:00 in this file."),
        (31, "站点编码", "“W001” is a water section, not an air station."),
        (32, "站点编码", "The station code is empty."),
    ]
    assert result.error_count == 7
    assert AirHourly.objects.count() == 0 and AirDaily.objects.count() == 0


def test_one_bad_row_among_many_keeps_the_whole_file_out(personas, stations):
    rows = day_rows("5001A", DAY) + day_rows("5003A", DAY)
    rows[-1] = ("5003A", hour_text(DAY, 24), 5, 20, 40, "x", 0.6, 50)
    result = import_air(personas, air_csv(rows))
    assert [e.row for e in result.errors] == [49]
    assert AirHourly.objects.count() == 0


def test_it_stops_after_the_error_limit(personas, stations):
    rows = [("9999A", hour_text(DAY, 1), 1, 1, 1, 1, 1, 1)] * (loading.MAX_ERRORS + 50)
    result = import_air(personas, air_csv(rows))
    assert result.stopped and result.error_count == loading.MAX_ERRORS
    assert len(result.errors) == loading.MAX_ERRORS


def test_a_later_error_rolls_back_what_was_staged_before_it(personas, stations):
    # The staging table is written while reading; an error near the end must leave no trace,
    # and a second import in the same transaction must not trip over the first one's tables.
    rows = [*day_rows("5001A", DAY), ("5001A", "bad", 1, 1, 1, 1, 1, 1)]
    assert not import_air(personas, air_csv(rows)).ok
    assert import_air(personas, air_csv(day_rows("5001A", DAY))).inserted == 24


# --- idempotence and updates -----------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(personas, stations):
    data = air_csv(day_rows("5001A", DAY) + day_rows("5002A", DAY))
    first = import_air(personas, data)
    assert (first.inserted, first.updated, first.unchanged) == (48, 0, 0)
    assert (first.station_days, first.district_days) == (2, 1)
    before = list(AirHourly.objects.order_by("pk").values_list("pk", "hour", "pm25"))
    daily_before = list(AirDaily.objects.order_by("pk").values_list("pk", "aqi"))
    again = import_air(personas, data)
    assert again.ok
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 48)
    assert (again.station_days, again.district_days) == (0, 0)
    assert list(AirHourly.objects.order_by("pk").values_list("pk", "hour", "pm25")) == before
    assert list(AirDaily.objects.order_by("pk").values_list("pk", "aqi")) == daily_before


def test_a_changed_value_updates_its_row_and_that_day_only(personas, stations):
    other_day = DAY + dt.timedelta(days=3)
    rows = day_rows("5001A", DAY) + day_rows("5001A", other_day)
    import_air(personas, air_csv(rows))
    rows[5] = ("5001A", hour_text(DAY, 6), 8, 30, 60, 99, 0.8, 70)
    result = import_air(personas, air_csv(rows))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 47)
    assert (result.station_days, result.district_days) == (1, 1)
    changed = AirHourly.objects.get(hour=dt.datetime(2025, 6, 1, 6, tzinfo=BEIJING))
    assert changed.pm25 == 99
    # (23 × 40 + 99) / 24 = 42.458… → 42
    assert AirDaily.objects.get(station__code="5001A", day=DAY).pm25 == 42


def test_a_value_removed_in_a_new_file_becomes_missing(personas, stations):
    import_air(personas, air_csv([("5001A", hour_text(DAY, 1), 8, 30, 60, 40, 0.8, 70)]))
    result = import_air(personas, air_csv([("5001A", hour_text(DAY, 1), 8, 30, 60, "", 0.8, 70)]))
    assert result.updated == 1
    assert AirHourly.objects.get().pm25 is None


def test_a_file_with_fewer_pollutants_leaves_the_others_alone(personas, stations):
    import_air(personas, air_csv(day_rows("5001A", DAY)))
    rows = [("5001A", hour_text(DAY, h), 40) for h in range(1, 25)]
    rows[0] = ("5001A", hour_text(DAY, 1), 64)
    result = import_air(personas, air_csv(rows, header="站点编码,时间,PM2.5"))
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 23)
    first = AirHourly.objects.order_by("hour").first()
    assert (first.so2, first.no2, first.pm10, first.pm25, first.co, first.o3) == (
        8,
        30,
        60,
        64,
        0.8,
        70,
    )
    assert AirDaily.objects.get(station__code="5001A").pm25 == 41


def test_a_dry_run_writes_nothing_and_counts_what_would_change(personas, stations):
    rows = day_rows("5001A", DAY)
    import_air(personas, air_csv(rows[:12]))
    rows[0] = ("5001A", hour_text(DAY, 1), 8, 30, 60, 41, 0.8, 70)
    result = import_air(personas, air_csv(rows), dry_run=True)
    assert result.ok and result.dry_run
    assert (result.inserted, result.updated, result.unchanged) == (12, 1, 11)
    assert AirHourly.objects.count() == 12
    assert AirHourly.objects.order_by("hour").first().pm25 == 40


def test_readings_of_several_files_meet_in_one_day(personas, stations):
    import_air(personas, air_csv(day_rows("5001A", DAY, labels=range(1, 13))))
    assert not AirDaily.objects.get(station__code="5001A").complete  # 12 hours: not valid
    import_air(personas, air_csv(day_rows("5001A", DAY, labels=range(13, 25))))
    daily = AirDaily.objects.get(station__code="5001A")
    assert daily.complete and daily.pm25 == 40


# --- the wide archive layout ---------------------------------------------------------------


def test_it_reads_cnemcs_wide_archive_layout(personas, stations):
    text = (
        "date,hour,type,5001A,5003A,1001A\n"
        "20250601,1,AQI,50,60,70\n"
        "20250601,1,PM2.5,30,40,50\n"
        "20250601,1,PM2.5_24h,31,41,51\n"
        "20250601,1,O3,80,,90\n"
        "20250601,2,PM2.5,32,,52\n"
    )
    result = import_air(personas, text.encode())
    assert result.ok, result.errors
    assert result.layout == "wide" and result.total_rows == 3
    assert "1001A" in result.ignored_columns and "PM2.5_24h" in result.ignored_columns
    got = {
        (r.station.code, r.hour.astimezone(BEIJING).hour): (r.pm25, r.o3)
        for r in AirHourly.objects.select_related("station")
    }
    assert got == {("5001A", 1): (30, 80), ("5003A", 1): (40, None), ("5001A", 2): (32, None)}


def test_the_wide_layout_reports_bad_values_by_row_and_station(personas, stations):
    text = "date,hour,type,5001A\n20250601,1,PM2.5,x\n20250601,1,PM2.5,30\n"
    result = import_air(personas, text.encode())
    assert errors_of(result)[0] == (2, "5001A", "“x” is not a number.")


# --- the file ------------------------------------------------------------------------------


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
    import openpyxl

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


# --- permissions ---------------------------------------------------------------------------


def test_only_the_office_imports(personas, stations):
    data = air_csv(day_rows("5001A", DAY))
    for user in (personas.district_a, personas.department, personas.leader, personas.citizen):
        with pytest.raises(PermissionDenied):
            services.air_csv_import(actor=user, fileobj=data, dry_run=True)
        with pytest.raises(PermissionDenied):
            services.water_csv_import(actor=user, fileobj=data, dry_run=True)
    assert AirHourly.objects.count() == 0


def test_an_import_is_on_the_audit_trail(personas, stations):
    from shanshui.orgs.models import AuditEntry

    import_air(personas, air_csv(day_rows("5001A", DAY)), dry_run=True)
    assert not AuditEntry.objects.filter(action="monitoring.air_import").exists()
    import_air(personas, air_csv(day_rows("5001A", DAY)))
    entry = AuditEntry.objects.get(action="monitoring.air_import")
    assert entry.actor == personas.office and entry.data["inserted"] == 24


# --- water -----------------------------------------------------------------------------------

WATER_HEADER = "断面编码,采样日期,pH,溶解氧,高锰酸盐指数,氨氮,总磷,总氮,粪大肠菌群,水温"


def water_csv(rows, header=WATER_HEADER) -> bytes:
    return ("\n".join([header, *(",".join(str(c) for c in r) for r in rows)]) + "\n").encode()


def import_water(personas, data, *, dry_run=False):
    return services.water_csv_import(actor=personas.office, fileobj=data, dry_run=dry_run)


def test_water_samples_are_stored_with_their_class_by_the_sections_waterbody(personas, stations):
    rows = [
        ("W001", "2026-01-15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5),
        ("W002", "2026/1/15", 7.4, 6.5, 3.9, 0.45, 0.06, 1.1, "", 13),
        ("W001", "2026-02-15", 7.5, 4.1, 7.2, 1.6, 0.35, 2.5, "—", 14),
    ]
    result = import_water(personas, water_csv(rows))
    assert result.ok, result.errors
    assert result.ignored_columns == ["水温"]
    samples = {
        (s.station.code, s.sampled_on): s for s in WaterSample.objects.select_related("station")
    }
    for code, day, body in (
        ("W001", dt.date(2026, 1, 15), "river"),
        ("W002", dt.date(2026, 1, 15), "lake"),
        ("W001", dt.date(2026, 2, 15), "river"),
    ):
        sample = samples[(code, day)]
        expected = water.classify_sample(sample.values, waterbody=body)
        assert sample.water_class == int(expected.water_class)
        assert sample.main_pollutants == ",".join(expected.main_pollutants)
    # TP 0.06 is class II in a river but class IV in a lake or reservoir.
    assert samples[("W001", dt.date(2026, 1, 15))].water_class == 2
    assert samples[("W002", dt.date(2026, 1, 15))].water_class == 4
    assert samples[("W001", dt.date(2026, 2, 15))].values["NH3N"] == 1.6
    assert "FecalColiform" not in samples[("W001", dt.date(2026, 2, 15))].values


def test_water_items_are_found_by_code_or_chinese_name():
    header = loading._WATER_LOOKUP
    for code, name in water.ITEMS.items():
        assert loading._match(code, header) == code
        if code != "Cr6":
            assert loading._match(name, header) == code
    assert loading._match("六价铬", header) == "Cr6"
    assert loading._match("氨氮(NH3-N)", header) == "NH3N"
    assert loading._match("总磷（mg/L）", header) == "TP"


def test_water_reimport_is_idempotent_and_a_correction_updates_the_class(personas, stations):
    rows = [("W001", "2026-01-15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5)]
    assert import_water(personas, water_csv(rows)).inserted == 1
    again = import_water(personas, water_csv(rows))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    rows[0] = ("W001", "2026-01-15", 7.6, 8.2, 2.1, 2.5, 0.06, 1.2, 1800, 12.5)  # NH3N 劣V
    fixed = import_water(personas, water_csv(rows))
    assert fixed.updated == 1
    sample = WaterSample.objects.get()
    assert sample.water_class == 6 and sample.main_pollutants == "NH3N"


def test_water_items_missing_from_a_later_file_are_kept(personas, stations):
    rows = [("W001", "2026-01-15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5)]
    import_water(personas, water_csv(rows))
    # A second laboratory's file: ammonia nitrogen only (劣V), and a removed TP value.
    later = water_csv([("W001", "2026-01-15", 2.5, "")], header="断面编码,采样日期,氨氮,总磷")
    result = import_water(personas, later)
    assert result.updated == 1
    sample = WaterSample.objects.get()
    assert sample.values == {
        "pH": 7.6,
        "DO": 8.2,
        "CODMn": 2.1,
        "NH3N": 2.5,
        "TN": 1.2,
        "FecalColiform": 1800,
    }
    expected = water.classify_sample(sample.values, waterbody="river")
    assert sample.water_class == int(expected.water_class) == 6
    assert import_water(personas, later).unchanged == 1


def test_water_row_errors_and_all_or_nothing(personas, stations):
    rows = [
        ("W001", "2026-01-15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5),
        ("5001A", "2026-01-15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5),
        ("W002", "2026-13-01", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5),
        ("W002", "2026-01-15", 15, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5),
        ("W002", "2026-01-16", 7.6, "高", 2.1, 0.21, 0.06, 1.2, 1800, 12.5),
        ("W001", "2026/1/15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5),
        ("W002", "2026-01-17", "", "", "", "", "", "", "", 12.5),
    ]
    result = import_water(personas, water_csv(rows))
    assert errors_of(result) == [
        (3, "断面编码", "“5001A” is an air station, not a water section."),
        (4, "采样日期", "“2026-13-01” is not a valid date."),
        (5, "pH", "pH must be between 0 and 14."),
        (6, "溶解氧", "“高” is not a number."),
        (
            7,
            "采样日期",
            "Section W001 has a second sample on 2026-01-15 in this file (row 2).",
        ),
        (8, "", "The row has no values."),
    ]
    assert WaterSample.objects.count() == 0


def test_water_dry_run_counts_without_writing(personas, stations):
    rows = [("W001", "2026-01-15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5)]
    result = import_water(personas, water_csv(rows), dry_run=True)
    assert result.ok and result.inserted == 1
    assert WaterSample.objects.count() == 0


# --- bulk rows -----------------------------------------------------------------------------


def test_trusted_rows_load_through_the_same_merge(stations):
    sid = stations["A1"].pk
    first = parse_hour("2025-06-01 01:00")
    rows = [(sid, first + i, 8.0, 30.0, 60.0, 40.0, 0.8, 70.0) for i in range(24)]
    result = loading.load_air_rows(rows)
    assert (result.inserted, result.station_days, result.district_days) == (24, 1, 1)
    assert loading.load_air_rows(rows).unchanged == 24
    assert AirDaily.objects.get(station_id=sid).pm25 == 40


# --- the commands --------------------------------------------------------------------------


def test_the_import_command_prints_errors_and_fails(personas, stations, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(air_csv([("9999A", hour_text(DAY, 1), 1, 1, 1, 1, 1, 1)]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_air", str(path), "--user", "p_office", stdout=out, stderr=io.StringIO()
        )
    assert "Row 2, column 站点编码: Unknown station code “9999A”." in out.getvalue()
    assert AirHourly.objects.count() == 0


def test_the_import_command_imports_and_is_idempotent(personas, stations, tmp_path):
    path = tmp_path / "day.csv"
    path.write_bytes(air_csv(day_rows("5001A", DAY)))
    out = io.StringIO()
    call_command("import_air", str(path), "--dry-run", "--user", "p_office", stdout=out)
    assert "24 would be new" in out.getvalue() and AirHourly.objects.count() == 0
    call_command("import_air", str(path), "--user", "p_office", stdout=out)
    assert AirHourly.objects.count() == 24
    out = io.StringIO()
    call_command("import_air", str(path), "--user", "p_office", stdout=out)
    assert "0 new, 0 changed, 24 unchanged" in out.getvalue()


def test_the_import_command_needs_an_office_user(personas, stations, tmp_path):
    path = tmp_path / "day.csv"
    path.write_bytes(air_csv(day_rows("5001A", DAY)))
    with pytest.raises(CommandError, match="office role"):
        call_command("import_air", str(path), "--user", "p_wanzhou")


def test_the_water_command(personas, stations, tmp_path):
    path = tmp_path / "water.csv"
    path.write_bytes(
        water_csv([("W001", "2026-01-15", 7.6, 8.2, 2.1, 0.21, 0.06, 1.2, 1800, 12.5)])
    )
    out = io.StringIO()
    call_command("import_water", str(path), "--user", "p_office", stdout=out)
    assert "1 new" in out.getvalue()
    assert WaterSample.objects.get().water_class == 2


def test_errors_are_translated_to_chinese(personas, stations):
    with translation.override("zh-hans"):
        message = translation.gettext("Unknown station code “%(code)s”.")
        if message == "Unknown station code “%(code)s”.":
            pytest.skip("the zh_Hans catalogue has no monitoring messages yet")
        result = import_air(personas, air_csv([("9999A", hour_text(DAY, 1), 1, 1, 1, 1, 1, 1)]))
    assert result.errors[0].message == message % {"code": "9999A"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.errors[0].message.replace("9999A", ""))


# --- targets (services.target_set, which the targets page calls) -----------------------------


def test_target_set_writes_updates_removes_and_audits(personas):
    from decimal import Decimal

    from shanshui.monitoring.models import Indicator, Target
    from shanshui.orgs.models import AuditEntry

    def set_(value):
        return services.target_set(
            actor=personas.office,
            district=personas.unit_a,
            year=2026,
            indicator=Indicator.PM25_MEAN,
            value=value,
        )

    target = set_("35")
    assert target.value == Decimal("35.00") and Target.objects.count() == 1
    assert set_(Decimal("35.0")).pk == target.pk  # the same value: nothing written
    set_(33.5)
    assert Target.objects.get().value == Decimal("33.50")
    assert set_(None) is None and not Target.objects.exists()
    assert set_("") is None  # removing what is not there is no error
    trail = [
        (e.data["old"], e.data["new"])
        for e in AuditEntry.objects.filter(action="monitoring.target_set").order_by("at", "pk")
    ]
    assert trail == [(None, "35.00"), ("35.00", "33.50"), ("33.50", None)]


def test_target_set_refuses_bad_values_and_other_users(personas):
    from django.core.exceptions import ValidationError

    from shanshui.monitoring.models import Indicator, Target

    def set_(value, *, actor=None, district=None, indicator=Indicator.GOOD_DAY_RATIO, year=2026):
        return services.target_set(
            actor=actor or personas.office,
            district=district or personas.unit_a,
            year=year,
            indicator=indicator,
            value=value,
        )

    for value, field in (
        ("-1", "value"),
        ("101", "value"),
        ("abc", "value"),
        ("90.123", "value"),
        ("NaN", "value"),
        ("1e30", "value"),
    ):
        with pytest.raises(ValidationError) as exc:
            set_(value)
        assert field in exc.value.message_dict, value
    assert set_("150", indicator=Indicator.PM25_MEAN).value == 150  # not a share
    with pytest.raises(ValidationError) as exc:
        set_("90", district=personas.unit_department)
    assert "district" in exc.value.message_dict
    with pytest.raises(ValidationError):
        set_("90", indicator="aqi")
    with pytest.raises(ValidationError):
        set_("90", year=1990)
    for user in (personas.district_a, personas.department, personas.leader, personas.citizen):
        with pytest.raises(PermissionDenied):
            set_("90", actor=user)
    assert Target.objects.count() == 1
