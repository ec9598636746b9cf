"""Chinese working-day arithmetic (法定节假日 and 调休 make-up workdays).

Used for deadlines such as "rectification plan due = feedback date + 30 working days".

Sources, in order of precedence (the first that mentions a date wins):

1. the office's override table, passed as ``extra_workdays`` / ``extra_holidays``;
2. the official State Council schedules shipped with ``chinese_calendar``
   (``constants.workdays`` for 调休 make-up workdays, ``constants.holidays`` for holidays);
3. the weekday rule: Monday to Friday are workdays, Saturday and Sunday are rest days.

Years the package does not know yet therefore fall back to "Mon–Fri plus overrides" instead of
raising; :meth:`WorkCalendar.is_known_year` tells callers whether a result rests on an official
schedule, so that a UI can flag deadlines that may still move.

This module is pure (stdlib + ``chinese_calendar``), with no Django imports.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate

from chinese_calendar import constants as _cc

__all__ = ["WorkCalendar", "default_calendar"]

_ONE_DAY = dt.timedelta(days=1)
_PACKAGE_HOLIDAYS: frozenset[dt.date] = frozenset(_cc.holidays)
_PACKAGE_WORKDAYS: frozenset[dt.date] = frozenset(_cc.workdays)
_PACKAGE_YEARS: frozenset[int] = frozenset(d.year for d in _PACKAGE_HOLIDAYS | _PACKAGE_WORKDAYS)


def _check_date(value: object) -> dt.date:
    # ``datetime`` is a subclass of ``date`` but never compares equal to one, so it would
    # silently miss every holiday lookup; which calendar day an aware datetime falls on is
    # also the caller's decision (e.g. ``django.utils.timezone.localdate``).
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(value).__name__}")
    return value


def _weekdays_upto(ordinal: int) -> int:
    """Number of Mon–Fri days with proleptic ordinal in ``[1, ordinal]`` (ordinal 1 is a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return 5 * weeks + min(rest, 5)


class WorkCalendar:
    """Working-day calendar for mainland China.

    ``extra_holidays`` / ``extra_workdays`` come from the override table the office edits
    (schedules for years the package does not know yet, or corrections); an override always
    wins over the package data. A date may not appear in both override sets.
    """

    def __init__(
        self,
        *,
        extra_holidays: Iterable[dt.date] = (),
        extra_workdays: Iterable[dt.date] = (),
    ) -> None:
        extra_h = frozenset(_check_date(d) for d in extra_holidays)
        extra_w = frozenset(_check_date(d) for d in extra_workdays)
        clash = extra_h & extra_w
        if clash:
            listed = ", ".join(d.isoformat() for d in sorted(clash))
            raise ValueError(f"dates both in extra_holidays and extra_workdays: {listed}")

        # Explicit status of every date some source mentions; everything else follows the
        # weekday rule. Applied lowest precedence first so later sources overwrite.
        special: dict[dt.date, bool] = {}
        special.update(dict.fromkeys(_PACKAGE_HOLIDAYS, False))
        special.update(dict.fromkeys(_PACKAGE_WORKDAYS, True))
        special.update(dict.fromkeys(extra_h, False))
        special.update(dict.fromkeys(extra_w, True))
        self._special = special
        self._years = _PACKAGE_YEARS | {d.year for d in extra_h | extra_w}

        # Dates whose status differs from the weekday rule, sorted, with the running sum of
        # their corrections (+1 make-up workday on a weekend, -1 holiday on a weekday), so that
        # ``workdays_between`` is weekday arithmetic plus two bisections.
        deltas = sorted(
            (day, 1 if is_work else -1)
            for day, is_work in special.items()
            if is_work != (day.weekday() < 5)
        )
        self._exception_ordinals = [day.toordinal() for day, _ in deltas]
        self._exception_prefix = [0, *accumulate(delta for _, delta in deltas)]

    def __repr__(self) -> str:
        return f"<WorkCalendar known_years={min(self._years)}..{max(self._years)}>"

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day (including 调休 make-up Saturdays/Sundays)."""
        day = _check_date(day)
        return self._special.get(day, day.weekday() < 5)

    def is_known_year(self, year: int) -> bool:
        """Whether ``year``'s holiday schedule is known rather than guessed.

        Rule: True when ``chinese_calendar`` ships data for ``year`` (at least one holiday or
        make-up workday in that year), or when the override table has at least one date in
        ``year`` -- entering any override for a year counts as the office having recorded that
        year's schedule. Otherwise results for the year use the plain Mon–Fri rule.
        """
        return year in self._years

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a workday, else the first workday after it."""
        day = _check_date(day)
        while not self.is_workday(day):
            day += _ONE_DAY
        return day

    def add_workdays(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (``start`` itself not counted).

        ``n < 0`` gives the ``|n|``-th working day before ``start``; ``n == 0`` gives
        :meth:`next_workday` of ``start``.
        """
        day = _check_date(start)
        if n == 0:
            return self.next_workday(day)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, start: dt.date, end: dt.date) -> int:
        """Number of working days ``d`` with ``start < d <= end``; negative if ``end < start``.

        Runs in O(log k) for k special dates, whatever the span.
        """
        a = _check_date(start).toordinal()
        b = _check_date(end).toordinal()
        ords, prefix = self._exception_ordinals, self._exception_prefix
        # bisect_right(x) = number of exceptions with ordinal <= x, i.e. a count over (-inf, x].
        corrections = prefix[bisect.bisect_right(ords, b)] - prefix[bisect.bisect_right(ords, a)]
        return _weekdays_upto(b) - _weekdays_upto(a) + corrections


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """Shared calendar with the package data only (no overrides)."""
    return WorkCalendar()
