"""Water figures of a period: a section's class from the means of its samples, a district's
shares and 劣V count on hand-made samples."""

from __future__ import annotations

import datetime as dt

from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.water import section_statuses, water_figures
from shanshui.monitoring.tests.indicator_helpers import GOOD_WATER, make_section, sample, unit


def test_water_shares_and_inferior_v_count_on_hand_made_samples(db):
    wanzhou = unit("cq-wanzhou")
    good = make_section(wanzhou, "W1")
    fair = make_section(wanzhou, "W2")
    bad = make_section(wanzhou, "W3", target_class=4)
    averaged = make_section(wanzhou, "W4")
    lake = make_section(wanzhou, "W5", waterbody="lake", target_class=3)
    make_section(wanzhou, "W6")  # no samples: not counted
    make_section(wanzhou, "W7", is_active=False)  # inactive: not a section of the district
    sample(good, dt.date(2025, 3, 5), **GOOD_WATER)
    sample(fair, dt.date(2025, 3, 5), **{**GOOD_WATER, "CODMn": 8.0})  # IV
    sample(bad, dt.date(2025, 3, 5), **{**GOOD_WATER, "NH3N": 2.6, "TP": 0.5})  # 劣V
    # Two samples of class III (NH3N 0.9) and IV (1.2): judged on the mean 1.05 → IV.
    sample(averaged, dt.date(2025, 3, 5), **{**GOOD_WATER, "NH3N": 0.9})
    sample(averaged, dt.date(2025, 4, 5), **{**GOOD_WATER, "NH3N": 1.2})
    # TP 0.08 is class II in a river but IV in a lake.
    sample(lake, dt.date(2025, 3, 5), **GOOD_WATER)

    statuses = {s.station.code: s for s in section_statuses(Period(2025))}
    assert set(statuses) == {"W1", "W2", "W3", "W4", "W5", "W6"}
    assert statuses["W1"].water_class == 2 and statuses["W1"].meets_target is True
    assert statuses["W2"].water_class == 4 and statuses["W2"].main_pollutants == ("CODMn",)
    assert statuses["W3"].water_class == 6 and statuses["W3"].meets_target is False
    assert statuses["W3"].main_pollutants[:2] == ("NH3N", "TP")
    assert statuses["W4"].water_class == 4 and statuses["W4"].samples == 2
    assert statuses["W4"].latest_class == 4 and statuses["W4"].latest_on == dt.date(2025, 4, 5)
    assert statuses["W5"].water_class == 4
    assert statuses["W6"].water_class is None and statuses["W6"].samples == 0

    figures = water_figures(statuses.values())
    assert (figures.sections, figures.classified, figures.good, figures.inferior_v) == (
        6,
        5,
        1,
        1,
    )
    assert figures.good_ratio == 20.0
    assert figures.meeting_target == 1

    march = {s.station.code: s for s in section_statuses(Period(2025, 3))}
    assert march["W4"].water_class == 3  # only the March sample
    assert water_figures(march.values()).good_ratio == 40.0  # W1, W4 of 5
