"""Loading water samples from CSV: the class by the section's waterbody, idempotent re-imports,
items kept when a later file lacks their column, row errors, dry runs."""

from __future__ import annotations

import datetime as dt

import pytest

from shanshui.monitoring import water
from shanshui.monitoring.models import WaterSample
from shanshui.monitoring.tests.loading_helpers import errors_of, import_water, water_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


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
