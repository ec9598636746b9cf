"""The period an indicator is computed for — a calendar year, or one month of it — and the
rounding of every share in per cent."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from shanshui.monitoring import airstats
from shanshui.monitoring import aqi as aqimod

#: Limits given to airstats for periods reaching 2026-03-01 (GB 3095-2026's are not built in).
LIMITS_PROVISIONAL = airstats.LIMITS_GB3095_2012[2]


@dataclass(frozen=True)
class Period:
    """A calendar year, or one month of it."""

    year: int
    month: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.year, bool) or not isinstance(self.year, int):
            raise TypeError("year must be an int")
        if not 2000 <= self.year <= 2100:
            raise ValueError(f"year must be within 2000..2100, got {self.year}")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month must be within 1..12, got {self.month}")

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def last_day(self) -> dt.date:
        month = self.month or 12
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def key(self) -> str:
        return str(self.year) if self.month is None else f"{self.year:04d}-{self.month:02d}"

    @property
    def is_year(self) -> bool:
        return self.month is None

    @property
    def provisional_limits(self) -> bool:
        """Whether the period reaches 2026-03-01 (GB 3095-2012 limits used provisionally)."""
        return self.last_day >= aqimod.HJ633_2026_EFFECTIVE

    @property
    def limits(self) -> Mapping[str, float] | None:
        return LIMITS_PROVISIONAL if self.provisional_limits else None

    @property
    def standards(self) -> tuple[str, ...]:
        """The AQI standards that apply to the period's days."""
        return tuple(dict.fromkeys(aqimod.standard_for(d) for d in (self.first_day, self.last_day)))

    def is_over(self, today: dt.date) -> bool:
        return today > self.last_day

    def months(self) -> list[Period]:
        return [Period(self.year, m) for m in range(1, 13)] if self.is_year else [self]


def percent(num: int, den: int) -> float | None:
    """``num / den`` in per cent with one decimal, GB/T 8170 (half-even) on the exact ratio."""
    if den <= 0:
        return None
    return float(round(Fraction(num * 1000, den))) / 10
