"""Tests for shanshui.monitoring.water (GB 3838-2002 single-factor evaluation).

The limits below are typed again from ``shared/reference/standards.md`` §3 (GB 3838-2002 Table 1)
and checked against the module. The reference gives no published classified sample, so the cases
are hand-computed from the table; each expected class or multiple is worked out in a comment.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from shanshui.monitoring.water import (
    ITEMS,
    LIMITS,
    PARTICIPATING,
    WaterClass,
    classify_sample,
)

I, II, III, IV, V, BAD = (  # noqa: E741 - the standard's class names
    WaterClass.I,
    WaterClass.II,
    WaterClass.III,
    WaterClass.IV,
    WaterClass.V,
    WaterClass.WORSE_THAN_V,
)

# GB 3838-2002 Table 1, classes I..V (upper limits, mg/L; fecal coliform 个/L).
UPPER_LIMITS = {
    "CODMn": ("2", "4", "6", "10", "15"),
    "COD": ("15", "15", "20", "30", "40"),
    "BOD5": ("3", "3", "4", "6", "10"),
    "NH3N": ("0.15", "0.5", "1.0", "1.5", "2.0"),
    "TP": ("0.02", "0.1", "0.2", "0.3", "0.4"),
    "TN": ("0.2", "0.5", "1.0", "1.5", "2.0"),
    "Cu": ("0.01", "1.0", "1.0", "1.0", "1.0"),
    "Zn": ("0.05", "1.0", "1.0", "2.0", "2.0"),
    "F": ("1.0", "1.0", "1.0", "1.5", "1.5"),
    "Se": ("0.01", "0.01", "0.01", "0.02", "0.02"),
    "As": ("0.05", "0.05", "0.05", "0.1", "0.1"),
    "Hg": ("0.00005", "0.00005", "0.0001", "0.001", "0.001"),
    "Cd": ("0.001", "0.005", "0.005", "0.005", "0.01"),
    "Cr6": ("0.01", "0.05", "0.05", "0.05", "0.1"),
    "Pb": ("0.01", "0.01", "0.05", "0.05", "0.1"),
    "CN": ("0.005", "0.05", "0.2", "0.2", "0.2"),
    "VolatilePhenol": ("0.002", "0.002", "0.005", "0.01", "0.1"),
    "Petroleum": ("0.05", "0.05", "0.05", "0.5", "1.0"),
    "LAS": ("0.2", "0.2", "0.2", "0.3", "0.3"),
    "Sulfide": ("0.05", "0.1", "0.2", "0.5", "1.0"),
    "FecalColiform": ("200", "2000", "10000", "20000", "40000"),
}
TP_LAKE = ("0.01", "0.025", "0.05", "0.1", "0.2")
DO_LIMITS = ("7.5", "6", "5", "3", "2")


def test_it_uses_the_reference_table() -> None:
    for code, limits in UPPER_LIMITS.items():
        assert LIMITS["river"][code] == tuple(Decimal(x) for x in limits), code
        expected_lake = TP_LAKE if code == "TP" else limits
        assert LIMITS["lake"][code] == tuple(Decimal(x) for x in expected_lake), code
    assert LIMITS["river"]["DO"] == tuple(Decimal(x) for x in DO_LIMITS)
    assert LIMITS["river"]["pH"] == (Decimal(6), Decimal(9))
    assert set(ITEMS) == {*UPPER_LIMITS, "DO", "pH"}
    assert len(ITEMS) == 23  # Table 1's 24 items less water temperature
    assert "TN" not in PARTICIPATING
    assert "FecalColiform" not in PARTICIPATING
    assert len(PARTICIPATING) == 21


def _limit_cases() -> list[tuple[str, str, str, int, WaterClass, WaterClass]]:
    """For each upper-limit item and class k: (waterbody, code, limit, k, at, just above).

    At the limit the best class sharing that limit wins; just above (limit + 1 % of it) the value
    falls to the first class with a larger limit, or 劣V after class V.
    """
    cases = []
    for waterbody in ("river", "lake"):
        for code, limits in UPPER_LIMITS.items():
            row = TP_LAKE if (code == "TP" and waterbody == "lake") else limits
            values = [Decimal(x) for x in row]
            for k, limit in enumerate(values):
                at = WaterClass(values.index(limit) + 1)
                above = next(
                    (WaterClass(j + 1) for j, lim in enumerate(values) if lim > limit), BAD
                )
                cases.append((waterbody, code, str(limit), k + 1, at, above))
    return cases


@pytest.mark.parametrize(("waterbody", "code", "limit", "k", "at", "above"), _limit_cases())
def test_it_classifies_at_and_just_above_every_limit(
    waterbody: str, code: str, limit: str, k: int, at: WaterClass, above: WaterClass
) -> None:
    value = Decimal(limit)
    assert classify_sample({code: value}, waterbody=waterbody).items[code].water_class == at
    assert classify_sample({code: float(limit)}, waterbody=waterbody).items[code].water_class == at
    bump = value + value / 100
    got = classify_sample({code: bump}, waterbody=waterbody).items[code].water_class
    assert got == above, (code, bump)


@pytest.mark.parametrize(
    ("code", "value", "expected"),
    [
        # The reference's own examples: COD 15 → I (I and II share 15), 15.1 → III.
        ("COD", 15, I),
        ("COD", 15.1, III),
        ("COD", 40, V),
        ("COD", 40.1, BAD),
        ("NH3N", 0.15, I),
        ("NH3N", 0.16, II),
        ("NH3N", 1.0, III),
        ("NH3N", 1.01, IV),
        ("Hg", 0.00005, I),
        ("Hg", 0.00006, III),
        ("Hg", 0.0011, BAD),
        ("FecalColiform", 10000, III),
        ("FecalColiform", 40001, BAD),
        ("CODMn", 0, I),
    ],
)
def test_it_classifies_hand_checked_values(code: str, value: float, expected: WaterClass) -> None:
    assert classify_sample({code: value}).items[code].water_class == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    # DO is a lower limit: a value meets a class when it is at least the limit.
    [
        (9, I),
        (7.5, I),
        (7.49, II),
        (6, II),
        (5.99, III),
        (5, III),
        (4.99, IV),
        (3, IV),
        (2.99, V),
        (2, V),
        (1.99, BAD),
        (0, BAD),
    ],
)
def test_it_treats_dissolved_oxygen_as_a_lower_limit(value: float, expected: WaterClass) -> None:
    assert classify_sample({"DO": value}).items["DO"].water_class == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(6, I), (6.0, I), (7.5, I), (9, I), (5.99, BAD), (9.01, BAD), (0, BAD), (14, BAD)],
)
def test_it_accepts_ph_6_to_9_for_every_class(value: float, expected: WaterClass) -> None:
    assert classify_sample({"pH": value}).items["pH"].water_class == expected


def test_it_uses_the_lake_column_for_total_phosphorus() -> None:
    # TP 0.05: river ≤ 0.1 → II; lake ≤ 0.05 → III.
    assert classify_sample({"TP": 0.05}).water_class == II
    assert classify_sample({"TP": 0.05}, waterbody="lake").water_class == III
    # TP 0.21: river ≤ 0.3 → IV; lake above 0.2 → 劣V.
    assert classify_sample({"TP": 0.21}).water_class == IV
    assert classify_sample({"TP": 0.21}, waterbody="lake").water_class == BAD
    # Multiples refer to the waterbody's class III limit: lake (0.21 − 0.05)/0.05 = 3.2.
    assert classify_sample({"TP": 0.21}, waterbody="lake").items["TP"].exceedance == Decimal("3.2")
    assert classify_sample({"TP": 0.21}).items["TP"].exceedance == Decimal("0.05")  # 0.01/0.2
    with pytest.raises(ValueError, match="waterbody"):
        classify_sample({"TP": 0.1}, waterbody="reservoir")


def test_it_takes_the_worst_participating_item_and_ignores_tn_and_coliform() -> None:
    result = classify_sample(
        {
            "pH": 7.6,
            "DO": 6.5,
            "CODMn": 3.1,
            "NH3N": 0.4,
            "TP": 0.08,
            "TN": 2.5,
            "FecalColiform": 90000,
        }
    )
    # pH I, DO 6.5 ≥ 6 → II, CODMn 3.1 ≤ 4 → II, NH3N 0.4 ≤ 0.5 → II, TP 0.08 ≤ 0.1 → II.
    assert result.water_class == II
    assert result.quality == "优"
    assert result.items["TN"].water_class == BAD
    assert result.items["TN"].evaluated is False
    assert result.items["FecalColiform"].water_class == BAD
    assert result.main_pollutants == ()
    assert result.meets("Ⅱ")
    assert result.meets(WaterClass.III)
    assert not result.meets(1)
    assert "BOD5" in result.missing and "TN" not in result.missing


def test_it_orders_main_pollutants_by_class_then_multiple() -> None:
    result = classify_sample(
        {
            "pH": 7.2,
            "DO": 4.1,  # < 5 → IV, no multiple
            "COD": 25,  # ≤ 30 → IV, (25 − 20)/20 = 0.25
            "BOD5": 5.5,  # ≤ 6 → IV, (5.5 − 4)/4 = 0.375 → 0.38 (half-even on 0.375: 7 odd → up)
            "NH3N": 1.8,  # ≤ 2.0 → V, (1.8 − 1)/1 = 0.8
            "TP": 0.45,  # > 0.4 → 劣V, (0.45 − 0.2)/0.2 = 1.25
            "TN": 3,
        }
    )
    assert result.water_class == BAD
    assert result.water_class.label == "劣Ⅴ"
    assert result.quality == "重度污染"
    # 劣V first, then V, then the largest multiple among the class IV items (BOD5 before COD).
    assert result.main_pollutants == ("TP", "NH3N", "BOD5")
    assert result.items["TP"].exceedance == Decimal("1.25")
    assert result.items["NH3N"].exceedance == Decimal("0.80")
    assert result.items["BOD5"].exceedance == Decimal("0.38")
    assert result.items["COD"].exceedance == Decimal("0.25")
    assert result.items["DO"].exceedance is None
    assert result.items["pH"].exceedance is None
    assert not result.meets("III")
    assert result.meets("劣V")


def test_it_puts_items_without_a_multiple_after_those_with_one_in_the_same_class() -> None:
    # DO 2.5 → V (no multiple); CODMn 12 → V, (12 − 6)/6 = 1.0; pH 9.5 → 劣V (no multiple).
    result = classify_sample({"DO": 2.5, "CODMn": 12, "pH": 9.5, "Pb": 0.06})
    # Pb 0.06 → V, (0.06 − 0.05)/0.05 = 0.2: pH (劣V), then the class V items with a multiple.
    assert result.main_pollutants == ("pH", "CODMn", "Pb")
    result2 = classify_sample({"DO": 2.5, "CODMn": 12, "Pb": 0.06})
    assert result2.main_pollutants == ("CODMn", "Pb", "DO")


def test_it_has_no_main_pollutants_at_class_iii_and_no_multiple_at_the_limit() -> None:
    result = classify_sample({"COD": 20, "NH3N": 1.0, "DO": 5})
    assert result.water_class == III
    assert result.quality == "良好"
    assert result.main_pollutants == ()
    assert result.items["COD"].exceedance is None
    # Class IV with a shared limit: Cu 1.2 → 劣V (I 0.01, II–V 1.0), multiple (1.2 − 1)/1 = 0.2.
    cu = classify_sample({"Cu": 1.2})
    assert cu.water_class == BAD
    assert cu.items["Cu"].exceedance == Decimal("0.20")


def test_it_rounds_multiples_half_even_on_the_exact_value() -> None:
    # CODMn 6.27: (6.27 − 6)/6 = 0.045 exactly → 0.04 (4 even); 6.33 → 0.055 → 0.06.
    assert classify_sample({"CODMn": 6.27}).items["CODMn"].exceedance == Decimal("0.04")
    assert classify_sample({"CODMn": 6.33}).items["CODMn"].exceedance == Decimal("0.06")
    # 6.1: 0.1/6 = 0.01666… → 0.02.
    assert classify_sample({"CODMn": 6.1}).items["CODMn"].exceedance == Decimal("0.02")


def test_it_reads_floats_as_the_decimals_they_denote() -> None:
    # 0.1 + 0.2 is 0.30000000000000004, a hair above 0.3: LAS class V (≤ 0.3) would be wrong.
    assert classify_sample({"LAS": 0.3}).items["LAS"].water_class == IV
    assert classify_sample({"LAS": 0.1 + 0.2}).items["LAS"].water_class == BAD
    assert classify_sample({"LAS": 0.3}).items["LAS"].value == Decimal("0.3")


def test_it_returns_no_class_for_an_empty_sample() -> None:
    result = classify_sample({"TN": 0.3, "COD": None})
    assert result.water_class is None
    assert result.quality is None
    assert "COD" in result.missing
    with pytest.raises(ValueError, match="unknown"):
        result.meets("III")


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"Ammonia": 1}, ValueError),
        ({"COD": -1}, ValueError),
        ({"COD": math.nan}, ValueError),
        ({"COD": math.inf}, ValueError),
        ({"COD": Decimal("NaN")}, ValueError),
        ({"pH": 14.5}, ValueError),
        ({"COD": "15"}, TypeError),
        ({"COD": True}, TypeError),
    ],
)
def test_it_rejects_bad_input(values: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        classify_sample(values)


def test_it_parses_class_names() -> None:
    assert WaterClass.parse("III") == III
    assert WaterClass.parse("Ⅲ类") == III
    assert WaterClass.parse("Ⅳ") == IV
    assert WaterClass.parse("劣Ⅴ") == BAD
    assert WaterClass.parse("劣V类") == BAD
    assert WaterClass.parse(2) == II
    assert [c.label for c in WaterClass] == ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]
    for bad in ("VI", "3", 0, 7, True):
        with pytest.raises(ValueError):
            WaterClass.parse(bad)  # type: ignore[arg-type]
