"""Reading one cell, without a database: hour labels in every published form, dates,
concentrations and the missing-value marks."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shanshui.monitoring.loading.parsing import (
    TimeProblem,
    ValueProblem,
    hour_label,
    hour_label_text,
    parse_date,
    parse_hour,
    parse_value,
)

# --- times ----------------------------------------------------------------------------------------


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
    assert hour_label(expected) == dt.datetime(2026, 1, 1, 1)


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


def test_the_24th_reading_of_a_day_is_shown_with_its_published_label():
    last = parse_hour("2026-01-01 24:00")
    assert hour_label(last) == dt.datetime(2026, 1, 2, 0)
    assert hour_label_text(last) == "2026-01-01 24:00"
    assert hour_label_text(parse_hour("2026-01-01 01:00")) == "2026-01-01 01:00"


# --- values ---------------------------------------------------------------------------------------


def test_missing_marks_are_none_and_bad_values_say_why():
    for text in ("", " ", "—", "-", "--", "NA", "n/a", "NaN", "null", "#N/A", "/"):
        assert parse_value(text) is None, text
    assert parse_value(" 12.5 ") == 12.5
    for text, code in (("abc", "not_number"), ("-3", "negative"), ("inf", "too_large")):
        with pytest.raises(ValueProblem) as exc:
            parse_value(text)
        assert (exc.value.code, exc.value.text) == (code, text), text


# --- purity --------------------------------------------------------------------------------------


def test_the_cell_and_header_modules_import_without_django():
    code = (
        "import sys\n"
        "import shanshui.monitoring.loading.parsing, shanshui.monitoring.loading.headers\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not loaded, loaded\n"
        "print('ok')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[3])
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
