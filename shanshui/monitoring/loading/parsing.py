"""Reading one cell: hour labels, dates and concentrations. Pure (stdlib and airstats' limit), no
Django: a problem is raised with a code, and :mod:`.checks` turns the code into the user's message.

Hours are counted as integers since 1970-01-01 00:00 UTC — cheap to compare, hash and store in
the staging table. Beijing time is UTC+8 all year (no daylight saving since 1991), so a label
without an offset is converted with a fixed offset.
"""

from __future__ import annotations

import datetime as dt
import re

from shanshui.monitoring.airstats import MAX_HOURLY

UTC_OFFSET_H = 8  # Beijing time, UTC+8 all year
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()

MISSING = frozenset(
    {"", "—", "-", "--", "——", "na", "n/a", "nan", "null", "none", "#n/a", "/"}
)  # compared lower-case and stripped

_TIME_RE = re.compile(
    r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})(?:[:时](\d{1,2})?(?::(\d{1,2})(?:\.\d+)?)?)?分?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)
_COMPACT_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_HOUR_RE = re.compile(r"^\s*(\d{1,2})(?:(?::|时)(\d{2})?(?::(\d{2}))?)?\s*(?:时)?\s*$")


class TimeProblem(ValueError):
    """A time or date that cannot be used. ``code``: format, date, not_on_hour, year, no_hour,
    hour."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class ValueProblem(ValueError):
    """A concentration that cannot be used. ``code``: not_number, negative, too_large; ``text``
    the cell as written."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(code)
        self.code = code
        self.text = text


# --- times ---------------------------------------------------------------------------------------


def _hours_since_epoch(y: int, m: int, d: int, h: int, mi: int, s: int, off_min: int) -> int:
    try:
        days = dt.date(y, m, d).toordinal() - _EPOCH_ORDINAL
    except ValueError as exc:
        raise TimeProblem("date") from exc
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s)):
        raise TimeProblem("format")
    minutes = days * 1440 + h * 60 + mi - off_min
    if s or minutes % 60:
        raise TimeProblem("not_on_hour")
    if not 2000 <= y <= 2100:
        raise TimeProblem("year")
    return minutes // 60


def parse_hour(text: str) -> int:
    """An hour label → hours since 1970-01-01 00:00 UTC. Beijing time unless an offset is given;
    ``24:00`` is the next day's 00:00. Raises :class:`TimeProblem` (code: format, date,
    not_on_hour, year, no_hour)."""
    m = _TIME_RE.match(text)
    if m is None:
        raise TimeProblem("format")
    y, mo, d, h, mi, s, tz = m.groups()
    if h is None:
        raise TimeProblem("no_hour")
    if tz is None:
        off = UTC_OFFSET_H * 60
    elif tz == "Z":
        off = 0
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        off = sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))
    return _hours_since_epoch(int(y), int(mo), int(d), int(h), int(mi or 0), int(s or 0), off)


def parse_date(text: str) -> dt.date:
    """A date as 2026-01-15, 2026/1/15, 2026.1.15, 20260115 or 2026年1月15日 (a time after it is
    ignored). Raises :class:`TimeProblem`."""
    m = _COMPACT_DATE_RE.match(text)
    if m is None:
        m = _TIME_RE.match(text)
    if m is None:
        raise TimeProblem("format")
    y, mo, d = (int(x) for x in m.groups()[:3])
    try:
        day = dt.date(y, mo, d)
    except ValueError as exc:
        raise TimeProblem("date") from exc
    if not 2000 <= y <= 2100:
        raise TimeProblem("year")
    return day


def parse_date_hour(date_text: str, hour_text: str) -> int:
    """A date column and an hour column (``0``–``24``, ``1:00``, ``1时``) → hours since the epoch
    (Beijing time). A bad hour raises :class:`TimeProblem` with code ``hour``."""
    day = parse_date(date_text)
    m = _HOUR_RE.match(hour_text)
    if m is None:
        raise TimeProblem("hour")
    h, mi, s = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s)):
        raise TimeProblem("hour")
    return _hours_since_epoch(day.year, day.month, day.day, h, mi, s, UTC_OFFSET_H * 60)


def hour_label(hour: int) -> dt.datetime:
    """Hours since epoch (UTC) → the naive Beijing-time label."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(hours=hour + UTC_OFFSET_H)


def hour_label_text(hour: int) -> str:
    label = hour_label(hour)
    if label.hour == 0:  # show the label the day's 24th reading is published with
        prev = label - dt.timedelta(days=1)
        return f"{prev:%Y-%m-%d} 24:00"
    return f"{label:%Y-%m-%d %H:%M}"


# --- values --------------------------------------------------------------------------------------


def parse_value(text: str) -> float | None:
    """A concentration: None when missing; raises :class:`ValueProblem` otherwise."""
    try:
        v = float(text)
    except ValueError:
        if text.strip().lower() in MISSING:
            return None
        raise ValueProblem("not_number", text) from None
    if v != v:  # NaN
        return None
    if v < 0:
        raise ValueProblem("negative", text)
    if v > MAX_HOURLY:
        raise ValueProblem("too_large", text)
    return v
