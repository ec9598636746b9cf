"""The two-high screening rules at their thresholds (pure, no database)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from shanshui.carbon import screening
from shanshui.carbon.screening import (
    BELOW_BASELINE,
    NATIONAL_ATTENTION,
    PROVINCIAL_REVIEW,
    Rules,
    efficiency_level,
    screen,
)

RULES = Rules()


def flags(tce, unit_energy=None, baseline=None, benchmark=None, rules=RULES):
    return screen(
        energy_tce=D(tce),
        unit_energy=unit_energy,
        benchmark=benchmark,
        baseline=baseline,
        rules=rules,
    ).flags


@pytest.mark.parametrize(
    "tce, expected",
    [
        ("9999", ()),
        ("9999.99", ()),
        ("10000", (PROVINCIAL_REVIEW,)),
        ("49999", (PROVINCIAL_REVIEW,)),
        ("49999.99", (PROVINCIAL_REVIEW,)),
        ("50000", (PROVINCIAL_REVIEW, NATIONAL_ATTENTION)),
    ],
)
def test_energy_thresholds(tce, expected):
    assert flags(tce) == expected


def test_efficiency_exactly_at_the_baseline_passes():
    result = screen(
        energy_tce=D("100"),
        unit_energy=D("117"),
        benchmark=D("100"),
        baseline=D("117"),
        rules=RULES,
    )
    assert result.efficiency == screening.BASELINE
    assert result.flags == () and not result.blocks_approval


def test_efficiency_below_the_baseline_blocks_approval():
    result = screen(
        energy_tce=D("100"),
        unit_energy=D("117.0001"),
        benchmark=D("100"),
        baseline=D("117"),
        rules=RULES,
    )
    assert result.efficiency == screening.BELOW
    assert result.flags == (BELOW_BASELINE,) and result.blocks_approval and result.flagged


def test_levels():
    assert efficiency_level(D("100"), D("100"), D("117")) == screening.BENCHMARK
    assert efficiency_level(D("99"), D("100"), D("117")) == screening.BENCHMARK
    assert efficiency_level(D("100.1"), D("100"), D("117")) == screening.BASELINE
    assert efficiency_level(None, D("100"), D("117")) == screening.UNKNOWN
    assert efficiency_level(D("100"), None, None) == screening.UNKNOWN


def test_rules_are_data():
    rules = Rules.from_mapping({"provincial_review_tce": 5000, "national_attention_tce": "20000"})
    assert flags("5000", rules=rules) == (PROVINCIAL_REVIEW,)
    assert flags("20000", rules=rules) == (PROVINCIAL_REVIEW, NATIONAL_ATTENTION)
    lax = Rules.from_mapping({"below_baseline_blocks": False})
    result = screen(
        energy_tce=D("1"), unit_energy=D("2"), benchmark=None, baseline=D("1"), rules=lax
    )
    assert result.flags == (BELOW_BASELINE,) and not result.blocks_approval
    with pytest.raises(ValueError):
        Rules.from_mapping({"provincial_tce": 1})  # misspelt: refused, not ignored
    with pytest.raises(ValueError):
        Rules.from_mapping({"provincial_review_tce": 60000})  # above national attention
