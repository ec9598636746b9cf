"""Loading hourly air readings from CSV: the time's layouts, columns, missing values, row errors
by row and column, all or nothing, idempotent re-imports and updates, the wide archive layout,
trusted rows, who may import, and the messages in Chinese."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from shanshui.monitoring import services
from shanshui.monitoring.loading.air import load_air_rows
from shanshui.monitoring.loading.parsing import parse_hour
from shanshui.monitoring.loading.results import MAX_ERRORS
from shanshui.monitoring.models import AirDaily, AirHourly
from shanshui.monitoring.tests.loading_helpers import (
    air_csv,
    day_rows,
    errors_of,
    hour_text,
    import_air,
)
from shanshui.orgs.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2025, 6, 1)


# --- times ----------------------------------------------------------------------------------------


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


# --- columns and missing values -------------------------------------------------------------------


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


def test_a_file_without_a_station_or_time_column_is_refused(personas, stations):
    result = import_air(personas, b"name,PM2.5\nx,30\n")
    assert errors_of(result) == [(0, "", result.errors[0].message)]
    assert "station code" in result.errors[0].message
    result = import_air(personas, b"code,time\n5001A,2026-01-01 01:00\n")
    assert "No pollutant column" in result.errors[0].message


def test_two_columns_for_one_pollutant_are_an_error(personas, stations):
    result = import_air(personas, b"code,time,PM2.5,PM25\n5001A,2026-01-01 01:00,30,31\n")
    assert errors_of(result) == [(1, "PM25", "Two columns are “PM2.5”; keep one.")]


# --- row errors and all or nothing ----------------------------------------------------------------


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
    rows = [("9999A", hour_text(DAY, 1), 1, 1, 1, 1, 1, 1)] * (MAX_ERRORS + 50)
    result = import_air(personas, air_csv(rows))
    assert result.stopped and result.error_count == MAX_ERRORS
    assert len(result.errors) == MAX_ERRORS


def test_a_later_error_rolls_back_what_was_staged_before_it(personas, stations):
    # The staging table is written while reading; an error near the end must leave no trace,
    # and a second import in the same transaction must not trip over the first one's tables.
    rows = [*day_rows("5001A", DAY), ("5001A", "bad", 1, 1, 1, 1, 1, 1)]
    assert not import_air(personas, air_csv(rows)).ok
    assert import_air(personas, air_csv(day_rows("5001A", DAY))).inserted == 24


def test_errors_are_translated_to_chinese(personas, stations):
    with translation.override("zh-hans"):
        message = translation.gettext("Unknown station code “%(code)s”.")
        assert message != "Unknown station code “%(code)s”."  # the catalogue has it
        result = import_air(personas, air_csv([("9999A", hour_text(DAY, 1), 1, 1, 1, 1, 1, 1)]))
    assert result.errors[0].message == message % {"code": "9999A"}
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.errors[0].message.replace("9999A", ""))


# --- idempotence and updates ----------------------------------------------------------------------


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


# --- the wide archive layout ----------------------------------------------------------------------


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


# --- trusted rows ---------------------------------------------------------------------------------


def test_trusted_rows_load_through_the_same_merge(stations):
    sid = stations["A1"].pk
    first = parse_hour("2025-06-01 01:00")
    rows = [(sid, first + i, 8.0, 30.0, 60.0, 40.0, 0.8, 70.0) for i in range(24)]
    result = load_air_rows(rows)
    assert (result.inserted, result.station_days, result.district_days) == (24, 1, 1)
    assert load_air_rows(rows).unchanged == 24
    assert AirDaily.objects.get(station_id=sid).pm25 == 40


# --- permissions and the audit trail --------------------------------------------------------------


def test_only_the_office_imports(personas, stations):
    data = air_csv(day_rows("5001A", DAY))
    for user in (personas.district_a, personas.department, personas.leader, personas.citizen):
        with pytest.raises(PermissionDenied):
            services.air_csv_import(actor=user, fileobj=data, dry_run=True)
        with pytest.raises(PermissionDenied):
            services.water_csv_import(actor=user, fileobj=data, dry_run=True)
    assert AirHourly.objects.count() == 0


def test_an_import_is_on_the_audit_trail(personas, stations):
    import_air(personas, air_csv(day_rows("5001A", DAY)), dry_run=True)
    assert not AuditEntry.objects.filter(action="monitoring.air_import").exists()
    import_air(personas, air_csv(day_rows("5001A", DAY)))
    entry = AuditEntry.objects.get(action="monitoring.air_import")
    assert entry.actor == personas.office and entry.data["inserted"] == 24
