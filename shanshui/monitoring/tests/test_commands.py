"""The import commands: errors printed by row and column, idempotent imports, the office only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from shanshui.monitoring.models import AirHourly, WaterSample
from shanshui.monitoring.tests.loading_helpers import air_csv, day_rows, hour_text, water_csv

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

DAY = dt.date(2025, 6, 1)


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
