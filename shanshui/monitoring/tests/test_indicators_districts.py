"""Every district against its own targets, provisional while the period runs, ranked with
shared ranks and missing figures last."""

from __future__ import annotations

import datetime as dt

from shanshui.monitoring.indicators.districts import overview
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.targets import MET, MISSED, NO_DATA, NO_TARGET, NOT_ASSESSED
from shanshui.monitoring.models import Indicator
from shanshui.monitoring.tests.indicator_helpers import make_station, simple_year, target, unit


def test_the_overview_assesses_every_district_against_its_own_targets(db):
    wanzhou, yuzhong, nanan = unit("cq-wanzhou"), unit("cq-yuzhong"), unit("cq-nanan")
    for d, code in ((wanzhou, "WZ"), (yuzhong, "YZ"), (nanan, "NA")):
        make_station(d, code)
    simple_year(wanzhou, 2025, pm25=30, heavy=2, bad=30)  # 333/365 = 91.2 %, PM2.5 36
    simple_year(yuzhong, 2025, pm25=30, bad=10)  # 355/365 = 97.3 %
    simple_year(nanan, 2025, pm25=30, bad=30)  # 335/365 = 91.8 %
    target(wanzhou, 2025, Indicator.GOOD_DAY_RATIO, 92)
    target(wanzhou, 2025, Indicator.PM25_MEAN, 35)
    target(wanzhou, 2025, Indicator.HEAVY_DAYS, 2)
    target(yuzhong, 2025, Indicator.GOOD_DAY_RATIO, 92)
    target(yuzhong, 2024, Indicator.PM25_MEAN, 20)  # another year: no target for 2025

    data = overview(Period(2025), today=dt.date(2026, 2, 1))
    rows = {r.district.pk: r for r in data.rows}
    wz = rows[wanzhou.pk]
    assert wz.assessments[Indicator.GOOD_DAY_RATIO].value == 91.2
    assert wz.assessments[Indicator.GOOD_DAY_RATIO].status == MISSED
    assert wz.assessments[Indicator.PM25_MEAN].status == MISSED
    assert wz.assessments[Indicator.HEAVY_DAYS].status == MET  # 2 ≤ 2
    assert wz.assessments[Indicator.WATER_GOOD_RATIO].status == NO_DATA
    assert not wz.assessments[Indicator.GOOD_DAY_RATIO].provisional  # the year is over
    assert rows[yuzhong.pk].assessments[Indicator.GOOD_DAY_RATIO].status == MET
    assert rows[yuzhong.pk].assessments[Indicator.PM25_MEAN].status == NO_TARGET
    assert [r.name for r in data.rows] == ["渝中区", "南岸区", "万州区"]  # by good-day ratio
    assert [r.rank_good for r in data.rows] == [1, 2, 3]
    by_pm25 = overview(Period(2025), sort="pm25", today=dt.date(2026, 2, 1))
    assert by_pm25.rows[0].name == "渝中区" and by_pm25.rows[-1].name == "万州区"

    running = overview(Period(2025), today=dt.date(2025, 12, 31))
    assert all(a.provisional for r in running.rows for a in r.assessments.values())
    month = overview(Period(2025, 1), today=dt.date(2026, 2, 1))
    heavy = {r.district.pk: r.assessments[Indicator.HEAVY_DAYS] for r in month.rows}
    assert heavy[wanzhou.pk].status == NOT_ASSESSED  # an annual ceiling, not a month's


def test_equal_figures_share_a_rank_and_missing_ones_come_last(db):
    districts = [unit(k) for k in ("cq-wanzhou", "cq-yuzhong", "cq-nanan", "cq-fuling")]
    for d in districts:
        make_station(d, d.key)
    for d, bad in zip(districts[:3], (10, 10, 30), strict=True):
        simple_year(d, 2025, bad=bad)
    data = overview(Period(2025), today=dt.date(2026, 2, 1))
    ranks = {r.name: r.rank_good for r in data.rows}
    assert ranks == {"万州区": 1, "渝中区": 1, "南岸区": 3, "涪陵区": None}
    assert data.rows[-1].name == "涪陵区"
