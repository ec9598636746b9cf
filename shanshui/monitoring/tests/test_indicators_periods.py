"""The period and the rounding of shares, without a database."""

from __future__ import annotations

import pytest

from shanshui.monitoring import aqi
from shanshui.monitoring.indicators.periods import Period, percent


def test_a_ratio_rounds_half_to_even_on_the_exact_value():
    assert percent(1, 3) == 33.3
    assert percent(2, 3) == 66.7
    assert percent(1, 8) == 12.5  # 12.5 exactly, one decimal
    assert percent(1, 16) == 6.2  # 6.25 → 6.2 (half-even)
    assert percent(3, 16) == 18.8  # 18.75 → 18.8
    assert percent(0, 0) is None


def test_period_rejects_nonsense():
    with pytest.raises(ValueError):
        Period(1999)
    with pytest.raises(ValueError):
        Period(2025, 13)
    with pytest.raises(TypeError):
        Period("2025")
    assert Period(2024, 2).days == 29 and Period(2025).days == 365
    assert Period(2026, 2).provisional_limits is False
    assert Period(2026, 3).provisional_limits is True
    assert Period(2026).standards == (aqi.STANDARD_2012, aqi.STANDARD_2026)
