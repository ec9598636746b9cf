"""Tests for shanshui.lib.workdays.

Every holiday / make-up date asserted here was checked against
``chinese_calendar/constants.py`` (chinese-calendar 1.11.0, data for 2004–2026).
"""

from __future__ import annotations

import datetime as dt
import random
import time

import chinese_calendar
import pytest

from shanshui.lib.workdays import WorkCalendar, default_calendar

D = dt.date
CAL = default_calendar()


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _brute_between(cal: WorkCalendar, start: dt.date, end: dt.date) -> int:
    if end >= start:
        return sum(cal.is_workday(d) for d in _days(start + dt.timedelta(days=1), end))
    return -sum(cal.is_workday(d) for d in _days(end + dt.timedelta(days=1), start))


# --- is_workday -------------------------------------------------------------------------------


def test_it_treats_spring_festival_2025_as_holiday_with_makeup_days() -> None:
    # 2025-01-28 (Tue) .. 2025-02-04 (Tue) holiday; make-up 2025-01-26 (Sun), 2025-02-08 (Sat).
    for day in _days(D(2025, 1, 28), D(2025, 2, 4)):
        assert not CAL.is_workday(day), day
    assert CAL.is_workday(D(2025, 1, 26))
    assert D(2025, 1, 26).weekday() == 6
    assert CAL.is_workday(D(2025, 2, 8))
    assert D(2025, 2, 8).weekday() == 5
    assert CAL.is_workday(D(2025, 1, 27))  # ordinary Monday before the holiday
    assert CAL.is_workday(D(2025, 2, 5))  # first day back


def test_it_treats_national_day_2025_as_holiday_with_makeup_days() -> None:
    # 2025-10-01 (Wed) .. 2025-10-08 (Wed) holiday; make-up 2025-09-28 (Sun), 2025-10-11 (Sat).
    for day in _days(D(2025, 10, 1), D(2025, 10, 8)):
        assert not CAL.is_workday(day), day
    assert CAL.is_workday(D(2025, 9, 28))
    assert CAL.is_workday(D(2025, 10, 11))
    assert not CAL.is_workday(D(2025, 10, 12))  # the Sunday after stays a rest day


def test_it_treats_spring_festival_2026_as_holiday_with_makeup_saturdays() -> None:
    # 2026-02-15 (Sun) .. 2026-02-23 (Mon) holiday; make-up 2026-02-14 (Sat), 2026-02-28 (Sat).
    for day in _days(D(2026, 2, 15), D(2026, 2, 23)):
        assert not CAL.is_workday(day), day
    assert CAL.is_workday(D(2026, 2, 14))
    assert CAL.is_workday(D(2026, 2, 28))
    assert CAL.is_workday(D(2026, 2, 24))


def test_it_treats_national_day_2024_and_mid_autumn_2024() -> None:
    # Mid-Autumn 2024-09-15..17, make-up 2024-09-14 (Sat).
    # National Day 2024-10-01..07, make-up 2024-09-29 (Sun) and 2024-10-12 (Sat).
    for day in [*_days(D(2024, 9, 15), D(2024, 9, 17)), *_days(D(2024, 10, 1), D(2024, 10, 7))]:
        assert not CAL.is_workday(day), day
    for day in (D(2024, 9, 14), D(2024, 9, 29), D(2024, 10, 12)):
        assert day.weekday() >= 5
        assert CAL.is_workday(day), day


def test_it_treats_ordinary_weekends_as_rest_days() -> None:
    assert not CAL.is_workday(D(2025, 3, 8))  # Sat
    assert not CAL.is_workday(D(2025, 3, 9))  # Sun
    assert CAL.is_workday(D(2025, 3, 10))  # Mon


def test_it_agrees_with_chinese_calendar_for_every_known_day() -> None:
    for day in _days(D(2004, 1, 1), D(2026, 12, 31)):
        assert CAL.is_workday(day) == chinese_calendar.is_workday(day), day


def test_it_rejects_datetimes() -> None:
    with pytest.raises(TypeError):
        CAL.is_workday(dt.datetime(2025, 1, 28, 9, 0))  # type: ignore[arg-type]


# --- add_workdays / next_workday ---------------------------------------------------------------


def test_it_adds_workdays_across_spring_festival_2025() -> None:
    # From Fri 2025-01-24: 01-26 Sun make-up (1), 01-27 Mon (2), 01-28..02-04 holiday,
    # 02-05 (3), 02-06 (4), 02-07 (5), 02-08 Sat make-up (6), 02-10 Mon (7).
    start = D(2025, 1, 24)
    assert CAL.add_workdays(start, 1) == D(2025, 1, 26)
    assert CAL.add_workdays(start, 2) == D(2025, 1, 27)
    assert CAL.add_workdays(start, 3) == D(2025, 2, 5)
    assert CAL.add_workdays(start, 5) == D(2025, 2, 7)
    assert CAL.add_workdays(start, 6) == D(2025, 2, 8)
    assert CAL.add_workdays(start, 7) == D(2025, 2, 10)


def test_it_adds_workdays_across_national_day_2025() -> None:
    # From Fri 2025-09-26: 09-28 Sun make-up (1), 09-29 (2), 09-30 (3), 10-01..08 holiday,
    # 10-09 Thu (4), 10-10 Fri (5), 10-11 Sat make-up (6), 10-13 Mon (7).
    start = D(2025, 9, 26)
    assert CAL.add_workdays(start, 3) == D(2025, 9, 30)
    assert CAL.add_workdays(start, 4) == D(2025, 10, 9)
    assert CAL.add_workdays(start, 6) == D(2025, 10, 11)
    assert CAL.add_workdays(start, 7) == D(2025, 10, 13)


def test_it_adds_workdays_across_spring_festival_2026() -> None:
    # From Fri 2026-02-13: 02-14 Sat make-up (1), 02-15..23 holiday, 02-24 Tue (2) .. 02-27 (5),
    # 02-28 Sat make-up (6), 03-02 Mon (7).
    start = D(2026, 2, 13)
    assert CAL.add_workdays(start, 1) == D(2026, 2, 14)
    assert CAL.add_workdays(start, 2) == D(2026, 2, 24)
    assert CAL.add_workdays(start, 6) == D(2026, 2, 28)
    assert CAL.add_workdays(start, 7) == D(2026, 3, 2)


def test_it_computes_chongqing_round3_rectification_deadline() -> None:
    # Feedback Tue 2024-08-20 + 30 working days:
    #   08-21..23 (3) | 08-26..30 (8) | 09-02..06 (13) | 09-09..13 (18) | 09-14 Sat make-up (19)
    #   09-15..17 Mid-Autumn | 09-18..20 (22) | 09-23..27 (27) | 09-29 Sun make-up (28)
    #   09-30 Mon (29) | 10-01..07 National Day | 10-08 Tue (30)
    feedback = D(2024, 8, 20)
    assert CAL.add_workdays(feedback, 30) == D(2024, 10, 8)
    assert CAL.workdays_between(feedback, D(2024, 10, 8)) == 30
    assert CAL.add_workdays(feedback, 19) == D(2024, 9, 14)
    assert CAL.add_workdays(feedback, 28) == D(2024, 9, 29)


def test_it_handles_zero_workdays() -> None:
    assert CAL.add_workdays(D(2025, 10, 1), 0) == D(2025, 10, 9)  # holiday -> next workday
    assert CAL.add_workdays(D(2025, 9, 28), 0) == D(2025, 9, 28)  # make-up Sunday is itself
    assert CAL.add_workdays(D(2025, 3, 8), 0) == D(2025, 3, 10)  # Sat -> Mon
    assert CAL.add_workdays(D(2025, 3, 11), 0) == D(2025, 3, 11)


def test_it_subtracts_workdays() -> None:
    # Before Thu 2025-10-09: 09-30 (1), 09-29 (2), 09-28 Sun make-up (3), 09-26 Fri (4).
    assert CAL.add_workdays(D(2025, 10, 9), -1) == D(2025, 9, 30)
    assert CAL.add_workdays(D(2025, 10, 9), -3) == D(2025, 9, 28)
    assert CAL.add_workdays(D(2025, 10, 9), -4) == D(2025, 9, 26)
    # Before Wed 2025-02-05: 01-27 Mon (1), 01-26 Sun make-up (2), 01-24 Fri (3).
    assert CAL.add_workdays(D(2025, 2, 5), -1) == D(2025, 1, 27)
    assert CAL.add_workdays(D(2025, 2, 5), -2) == D(2025, 1, 26)
    assert CAL.add_workdays(D(2025, 2, 5), -3) == D(2025, 1, 24)
    # Start on a holiday: the day itself is not counted either way.
    assert CAL.add_workdays(D(2025, 10, 3), -1) == D(2025, 9, 30)


def test_it_finds_next_workday() -> None:
    assert CAL.next_workday(D(2024, 10, 1)) == D(2024, 10, 8)
    assert CAL.next_workday(D(2024, 10, 12)) == D(2024, 10, 12)
    assert CAL.next_workday(D(2026, 2, 15)) == D(2026, 2, 24)


def test_it_adds_thousands_of_workdays_quickly() -> None:
    started = time.perf_counter()
    end = CAL.add_workdays(D(2020, 1, 1), 3000)
    elapsed = time.perf_counter() - started
    assert CAL.workdays_between(D(2020, 1, 1), end) == 3000
    assert elapsed < 0.5


# --- workdays_between --------------------------------------------------------------------------


def test_it_counts_workdays_between() -> None:
    assert CAL.workdays_between(D(2025, 1, 24), D(2025, 2, 8)) == 6
    assert CAL.workdays_between(D(2025, 2, 8), D(2025, 1, 24)) == -6
    assert CAL.workdays_between(D(2025, 5, 5), D(2025, 5, 5)) == 0
    # (2025-09-30, 2025-10-08] is all National Day holiday.
    assert CAL.workdays_between(D(2025, 9, 30), D(2025, 10, 8)) == 0
    # A whole ordinary Mon–Sun week has 5.
    assert CAL.workdays_between(D(2025, 3, 2), D(2025, 3, 9)) == 5


def test_it_is_inverse_of_add_workdays_for_every_day_of_2025() -> None:
    for start in _days(D(2025, 1, 1), D(2025, 12, 31)):
        for n in (1, 5, 30):
            assert CAL.workdays_between(start, CAL.add_workdays(start, n)) == n, (start, n)
            if CAL.is_workday(start):
                # Going back from a workday, start itself is in (target, start].
                back = CAL.add_workdays(start, -n)
                assert CAL.workdays_between(start, back) == -n, (start, -n)


def test_it_matches_a_day_loop_on_random_spans() -> None:
    rng = random.Random(20240820)
    cal = WorkCalendar(extra_holidays=[D(2028, 3, 1)], extra_workdays=[D(2028, 3, 4)])
    lo = D(2002, 6, 1).toordinal()
    hi = D(2029, 6, 1).toordinal()
    for _ in range(300):
        a = D.fromordinal(rng.randint(lo, hi))
        b = D.fromordinal(rng.randint(lo, hi))
        assert cal.workdays_between(a, b) == _brute_between(cal, a, b), (a, b)


def test_it_counts_a_ten_year_span_fast() -> None:
    start, end = D(2016, 1, 1), D(2026, 1, 1)
    expected = _brute_between(CAL, start, end)
    started = time.perf_counter()
    for _ in range(100):
        assert CAL.workdays_between(start, end) == expected
    assert (time.perf_counter() - started) / 100 < 0.005


# --- overrides and unknown years ---------------------------------------------------------------


def test_it_applies_an_extra_holiday_on_a_workday() -> None:
    cal = WorkCalendar(extra_holidays=[D(2025, 3, 12)])  # Wed
    assert CAL.is_workday(D(2025, 3, 12))
    assert not cal.is_workday(D(2025, 3, 12))
    assert cal.add_workdays(D(2025, 3, 11), 1) == D(2025, 3, 13)
    assert cal.workdays_between(D(2025, 3, 9), D(2025, 3, 16)) == 4


def test_it_applies_an_extra_workday_on_a_saturday() -> None:
    cal = WorkCalendar(extra_workdays=[D(2025, 3, 15)])  # Sat
    assert cal.is_workday(D(2025, 3, 15))
    assert cal.add_workdays(D(2025, 3, 14), 1) == D(2025, 3, 15)
    assert cal.workdays_between(D(2025, 3, 9), D(2025, 3, 16)) == 6


def test_it_lets_overrides_win_over_package_data() -> None:
    cal = WorkCalendar(extra_holidays=[D(2025, 1, 26)], extra_workdays=[D(2025, 1, 28)])
    assert not cal.is_workday(D(2025, 1, 26))  # package make-up Sunday cancelled
    assert cal.is_workday(D(2025, 1, 28))  # package holiday turned into a workday
    assert cal.workdays_between(D(2025, 1, 24), D(2025, 1, 31)) == 2  # 01-27, 01-28


def test_it_rejects_a_date_in_both_override_sets() -> None:
    with pytest.raises(ValueError, match="2025-03-12"):
        WorkCalendar(extra_holidays=[D(2025, 3, 12)], extra_workdays=[D(2025, 3, 12)])


def test_it_falls_back_to_weekdays_for_an_unknown_year() -> None:
    assert not CAL.is_known_year(2031)
    assert CAL.is_workday(D(2031, 1, 1))  # Wed; no schedule known, so not a holiday
    assert not CAL.is_workday(D(2031, 1, 4))  # Sat
    # Mon 2031-01-06 + 5 -> Mon 2031-01-13; a full year has 261 Mon–Fri days in 2031.
    assert CAL.add_workdays(D(2031, 1, 6), 5) == D(2031, 1, 13)
    assert CAL.workdays_between(D(2030, 12, 31), D(2031, 12, 31)) == 261


def test_it_knows_a_year_once_overrides_cover_it() -> None:
    cal = WorkCalendar(
        extra_holidays=_days(D(2031, 1, 1), D(2031, 1, 1)),
        extra_workdays=[D(2031, 1, 25)],  # Sat
    )
    assert cal.is_known_year(2031)
    assert not cal.is_known_year(2032)
    assert not cal.is_workday(D(2031, 1, 1))
    assert cal.is_workday(D(2031, 1, 25))
    assert cal.workdays_between(D(2030, 12, 31), D(2031, 12, 31)) == 261


def test_it_knows_the_years_the_package_covers() -> None:
    for year in (2004, 2024, 2025, 2026):
        assert CAL.is_known_year(year), year
    assert not CAL.is_known_year(2003)


def test_it_shares_the_default_calendar() -> None:
    assert default_calendar() is default_calendar()
