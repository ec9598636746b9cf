"""A fixed, ordinary moment for the tests whose outcome depends on today.

Mid-morning in Beijing (the same calendar day in UTC) on a Wednesday after the 2025 district
merger, in a year chinese_calendar knows, with no holiday or make-up workday for weeks either
side: working-day deadlines, warning colours and reporting periods come out the same whenever
the suite runs, not differently on the eve of 春节, at midnight, or in a year the calendar
package has not learnt yet.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

ORDINARY_DAY = dt.datetime(2026, 3, 11, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def at_ordinary_day(*, tick: bool = False) -> time_machine.travel:
    """The clock moved to ORDINARY_DAY: stopped there (``tick=False``, the default, where a
    test compares what it computes with what the code computes), or running on from there
    (``tick=True``, for data built once for a module, whose events follow one another)."""
    return time_machine.travel(ORDINARY_DAY, tick=tick)
