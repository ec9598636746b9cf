"""A value against its target, without a database: floors met at or above, ceilings at or
below, and the statuses without a comparison."""

from __future__ import annotations

from decimal import Decimal

from shanshui.monitoring.indicators.targets import (
    MET,
    MISSED,
    NO_DATA,
    NO_TARGET,
    NOT_ASSESSED,
    assess,
)
from shanshui.monitoring.models import Indicator


def test_a_floor_is_met_at_or_above_and_missed_below():
    ratio = Indicator.GOOD_DAY_RATIO
    assert assess(ratio, 92.5, Decimal("90")).status == MET
    assert assess(ratio, 90.0, Decimal("90.00")).status == MET  # equal meets
    missed = assess(ratio, 85.3, Decimal("90"))
    assert missed.status == MISSED and missed.gap == -4.7
    assert assess(Indicator.WATER_GOOD_RATIO, 80.0, Decimal("85")).status == MISSED
    assert assess(Indicator.WATER_GOOD_RATIO, 100.0, Decimal("85")).status == MET


def test_a_ceiling_is_met_at_or_below_and_missed_above():
    pm25 = Indicator.PM25_MEAN
    assert assess(pm25, 33, Decimal("35")).status == MET
    assert assess(pm25, 35, Decimal("35")).status == MET
    missed = assess(pm25, 38, Decimal("35"))
    assert missed.status == MISSED and missed.gap == 3.0
    assert assess(Indicator.HEAVY_DAYS, 3, Decimal("2")).status == MISSED
    assert assess(Indicator.HEAVY_DAYS, 0, Decimal("2")).status == MET
    assert assess(Indicator.WATER_INFERIOR_V, 1, Decimal("0")).status == MISSED
    assert assess(Indicator.WATER_INFERIOR_V, 0, Decimal("0")).status == MET


def test_no_target_no_data_and_not_assessed():
    assert assess(Indicator.PM25_MEAN, 30, None).status == NO_TARGET
    assert assess(Indicator.PM25_MEAN, None, Decimal("35")).status == NO_DATA
    assert assess(Indicator.HEAVY_DAYS, 1, Decimal("0"), comparable=False).status == NOT_ASSESSED
