"""Demo carbon data: five years (2020–2024) of energy consumption for four districts — an
industrial one (长寿区: chemicals and steel), a mixed one (涪陵区), a river port (万州区) and the
city centre (渝中区: services and households) — with GDP, deflator and population, so that the
dual-carbon page is not empty after ``make run``. Synthetic but of a plausible size and trend
(industry's coal slowly replaced by gas and electricity, services growing).

Loaded through the same import service as a file (CSV in memory). Idempotent: nothing is done
when the districts already have activity data. Never used in production.
"""

from __future__ import annotations

import io

from shanshui.carbon import services
from shanshui.carbon.models import ActivityRecord
from shanshui.orgs.models import Unit

YEARS = range(2020, 2025)

# district: {(sector, energy, unit): quantity in 2020, yearly change}
PROFILES: dict[str, dict[tuple[str, str, str], tuple[float, float]]] = {
    "长寿区": {
        ("能源生产", "原煤", "吨"): (900_000, -0.04),
        ("工业/化工", "天然气", "万立方米"): (42_000, 0.03),
        ("工业/化工", "电力", "万千瓦时"): (380_000, 0.05),
        ("工业/钢铁", "焦炭", "吨"): (610_000, -0.03),
        ("工业/钢铁", "原煤", "吨"): (260_000, -0.05),
        ("工业/钢铁", "电力", "万千瓦时"): (160_000, 0.02),
        ("交通运输", "柴油", "吨"): (52_000, 0.01),
        ("交通运输", "汽油", "吨"): (31_000, 0.02),
        ("服务业", "电力", "万千瓦时"): (21_000, 0.06),
        ("居民生活", "天然气", "万立方米"): (4_800, 0.03),
        ("居民生活", "电力", "万千瓦时"): (36_000, 0.04),
        ("能源生产", "非化石电力", "万千瓦时"): (12_000, 0.15),
    },
    "涪陵区": {
        ("工业/建材", "原煤", "吨"): (420_000, -0.05),
        ("工业/建材", "电力", "万千瓦时"): (110_000, 0.02),
        ("工业/化工", "天然气", "万立方米"): (65_000, 0.02),
        ("工业/化工", "电力", "万千瓦时"): (140_000, 0.04),
        ("交通运输", "柴油", "吨"): (61_000, 0.0),
        ("交通运输", "汽油", "吨"): (40_000, 0.02),
        ("建筑", "电力", "万千瓦时"): (9_000, 0.03),
        ("服务业", "电力", "万千瓦时"): (38_000, 0.05),
        ("居民生活", "天然气", "万立方米"): (7_200, 0.02),
        ("居民生活", "电力", "万千瓦时"): (52_000, 0.04),
        ("能源生产", "非化石电力", "万千瓦时"): (30_000, 0.08),
    },
    "万州区": {
        ("工业/食品", "原煤", "吨"): (150_000, -0.06),
        ("工业/食品", "电力", "万千瓦时"): (48_000, 0.03),
        ("交通运输", "柴油", "吨"): (88_000, 0.01),
        ("交通运输", "燃料油", "吨"): (26_000, -0.02),
        ("交通运输", "汽油", "吨"): (55_000, 0.02),
        ("农业", "柴油", "吨"): (9_500, -0.01),
        ("服务业", "电力", "万千瓦时"): (61_000, 0.05),
        ("服务业", "液化石油气", "吨"): (8_200, -0.03),
        ("居民生活", "天然气", "万立方米"): (11_000, 0.03),
        ("居民生活", "电力", "万千瓦时"): (83_000, 0.04),
    },
    "渝中区": {
        ("交通运输", "汽油", "吨"): (62_000, 0.0),
        ("交通运输", "柴油", "吨"): (14_000, -0.02),
        ("建筑", "电力", "万千瓦时"): (18_000, 0.02),
        ("服务业", "电力", "万千瓦时"): (260_000, 0.04),
        ("服务业", "天然气", "万立方米"): (9_800, 0.02),
        ("居民生活", "天然气", "万立方米"): (6_100, 0.01),
        ("居民生活", "电力", "万千瓦时"): (72_000, 0.03),
    },
}
# district: GDP 2020 (亿元, current prices), nominal growth, population (万人)
ECONOMY = {
    "长寿区": (880.0, 0.07, 69.0),
    "涪陵区": (1400.0, 0.07, 111.0),
    "万州区": (1020.0, 0.065, 156.0),
    "渝中区": (1530.0, 0.06, 58.9),
}
DISTRICT_KEYS = ["cq-changshou", "cq-fuling", "cq-wanzhou", "cq-yuzhong"]
INFLATION = 0.02  # the deflator rises 2 % a year (2020 = 100)


def _activity_csv() -> bytes:
    lines = ["区县,年份,行业,能源品种,消费量,计量单位"]
    for district, profile in PROFILES.items():
        for (sector, energy, unit), (base, trend) in profile.items():
            for i, year in enumerate(YEARS):
                quantity = round(base * (1 + trend) ** i)
                lines.append(f"{district},{year},{sector},{energy},{quantity},{unit}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _economy_csv() -> bytes:
    lines = ["区县,年份,地区生产总值（亿元）,平减指数,价格基年,常住人口（万人）"]
    for district, (gdp, growth, population) in ECONOMY.items():
        for i, year in enumerate(YEARS):
            lines.append(
                f"{district},{year},{gdp * (1 + growth) ** i:.2f},{100 * (1 + INFLATION) ** i:.2f},"
                f"2020,{population + 0.3 * i:.1f}"
            )
    return ("\n".join(lines) + "\n").encode("utf-8")


def load_demo() -> list[str]:
    names = list(PROFILES)
    districts = Unit.objects.filter(key__in=DISTRICT_KEYS)
    if ActivityRecord.objects.filter(district__in=districts).exists():
        return []
    result = services.activity_import(actor=None, fileobj=io.BytesIO(_activity_csv()))
    if not result.ok:  # the reference units changed: say so instead of failing the demo
        return [f"no carbon demo data ({result.errors[0].message})"]
    services.economy_import(actor=None, fileobj=io.BytesIO(_economy_csv()))
    return [f"carbon activity data: {result.inserted} rows for {len(names)} districts, 2020–2024"]


DEMO_PROJECTS = [
    # district key, industry, name, enterprise, capacity, tce, CO2 t, unit, unit energy,
    # benchmark, baseline, how far the office has taken it
    (
        "cq-changshou",
        "chemical",
        "年产60万吨乙二醇项目（演示数据）",
        "重庆某化工新材料有限公司",
        "年产60万吨乙二醇",
        "186000",
        "498000",
        "千克标准煤/吨",
        "520",
        "480",
        "620",
        "review",
    ),
    (
        "cq-fuling",
        "building_materials",
        "新型干法水泥熟料生产线技改项目（演示数据）",
        "重庆某水泥有限公司",
        "日产4500吨熟料",
        "152000",
        "1190000",
        "千克标准煤/吨熟料",
        "117",
        "100",
        "117",
        "proposed",
    ),
    (
        "cq-wanzhou",
        "steel",
        "电炉短流程炼钢项目（演示数据）",
        "重庆某特钢有限公司",
        "年产100万吨钢",
        "64000",
        "210000",
        "千克标准煤/吨钢",
        "190",
        "159",
        "171",
        "screened",
    ),
]


def load_projects() -> list[str]:
    """A few two-high projects at different steps of the screening, for the register's demo."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from shanshui.carbon import projects
    from shanshui.carbon.models import TwoHighProject

    if TwoHighProject.objects.filter(name__endswith="（演示数据）").exists():
        return []
    office = get_user_model().objects.get(username="office")
    made = []
    for (
        key,
        industry,
        name,
        enterprise,
        capacity,
        tce,
        co2,
        unit,
        energy,
        bench,
        base,
        step,
    ) in DEMO_PROJECTS:
        p = projects.project_propose(
            actor=office,
            district=Unit.objects.get(key=key),
            industry=industry,
            name=name,
            enterprise=enterprise,
            capacity=capacity,
            energy_tce=Decimal(tce),
            co2_t=Decimal(co2),
            efficiency_unit=unit,
            unit_energy=Decimal(energy),
            benchmark=Decimal(bench),
            baseline=Decimal(base),
        )
        if step in ("screened", "review"):
            p = projects.project_screen(actor=office, project=p, expected_version=None)
        if step == "review":
            p = projects.project_send_for_review(actor=office, project=p, expected_version=None)
        made.append(f"two-high project {p.code} {p.name}")
    return made


DEMO_TARGETS = [
    # district key (None = the city), kind, value
    (None, "carbon_intensity", "18"),
    (None, "peak_year", "2030"),
    ("cq-changshou", "carbon_intensity", "19.5"),
    ("cq-changshou", "energy_cap", "3600000"),
    ("cq-wanzhou", "energy_intensity", "14.5"),
]


def load_targets() -> list[str]:
    """The city's targets and two districts' for the 14th five-year plan (2021–2025, base year
    2020), so that the targets page is not empty."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from shanshui.carbon import targets
    from shanshui.carbon.models import CarbonTarget

    if CarbonTarget.objects.exists():
        return []
    office = get_user_model().objects.get(username="office")
    for key, kind, value in DEMO_TARGETS:
        targets.target_save(
            actor=office,
            district=Unit.objects.get(key=key) if key else None,
            period_start=2021,
            period_end=2025,
            base_year=2020,
            kind=kind,
            value=Decimal(value),
            note="演示数据",
        )
    return [f"carbon targets: {len(DEMO_TARGETS)} for 2021–2025"]


# Carbon-market enterprises: district key, name, industry, market, verified emissions in 2024
# (t CO2e), share of the obligation surrendered (None: the deadline is still ahead).
DEMO_ENTERPRISES = [
    ("cq-changshou", "重庆长寿发电有限公司", "power", "national", 2_650_000, 1.0),
    ("cq-changshou", "重庆长寿钢铁有限公司", "steel", "cq_pilot", 1_820_000, 1.0),
    ("cq-changshou", "长寿化工集团有限公司", "chemical", "cq_pilot", 412_000, 1.0),
    ("cq-changshou", "重庆川维化工有限公司", "chemical", "cq_pilot", 265_000, 1.0),
    ("cq-changshou", "长寿经开区热电有限公司", "power", "national", 980_000, 1.0),
    ("cq-changshou", "重庆长寿玻璃有限公司", "building_materials", "cq_pilot", 88_000, 1.0),
    ("cq-changshou", "长寿造纸有限公司", "paper", "cq_pilot", 31_000, 1.0),
    ("cq-changshou", "长寿新材料有限公司", "chemical", "", 14_500, None),
    ("cq-fuling", "涪陵电力实业有限公司", "power", "national", 1_430_000, 1.0),
    ("cq-fuling", "重庆涪陵水泥有限公司", "cement", "cq_pilot", 760_000, 1.0),
    ("cq-fuling", "涪陵建峰化工有限公司", "chemical", "cq_pilot", 545_000, 0.6),
    ("cq-fuling", "涪陵榨菜食品有限公司", "other", "cq_pilot", 12_400, 1.0),
    ("cq-fuling", "重庆涪陵铝业有限公司", "aluminium", "cq_pilot", 690_000, 1.0),
    ("cq-fuling", "涪陵页岩气化工有限公司", "chemical", "cq_pilot", 138_000, 1.0),
    ("cq-fuling", "涪陵建材有限公司", "building_materials", "cq_pilot", 47_000, 1.0),
    ("cq-fuling", "涪陵新城热电有限公司", "power", "national", 520_000, None),
    ("cq-wanzhou", "重庆万州发电有限公司", "power", "national", 2_120_000, 1.0),
    ("cq-wanzhou", "万州港口水泥有限公司", "cement", "cq_pilot", 430_000, 1.0),
    ("cq-wanzhou", "万州盐气化工有限公司", "chemical", "cq_pilot", 212_000, 1.0),
    ("cq-wanzhou", "万州食品加工有限公司", "other", "cq_pilot", 16_800, 1.0),
    ("cq-wanzhou", "万州纸业有限公司", "paper", "cq_pilot", 58_000, None),
    ("cq-wanzhou", "万州玻璃纤维有限公司", "building_materials", "cq_pilot", 96_000, 1.0),
    ("cq-wanzhou", "万州有色金属有限公司", "non_ferrous", "cq_pilot", 74_000, 1.0),
    ("cq-wanzhou", "万州热力有限公司", "other", "", 27_000, None),
    ("cq-yuzhong", "渝中区域能源有限公司", "other", "cq_pilot", 21_000, 1.0),
    ("cq-yuzhong", "渝中数据中心有限公司", "other", "cq_pilot", 33_000, 1.0),
    ("cq-yuzhong", "渝中商业综合体物业有限公司", "other", "", 9_800, None),
    ("cq-yuzhong", "渝中医药有限公司", "other", "cq_pilot", 13_200, 1.0),
]


def _demo_code(n: int) -> str:
    from shanshui.carbon import market

    first = f"91500000{n:09d}"
    return first + market.credit_check_char(first)


def load_markets() -> list[str]:
    """Enterprises of both markets in four districts with their 2023 and 2024 compliance years;
    2023 settled (but one, overdue: it raises a ledger task), 2024 mostly settled, some still
    due, one partly surrendered; a pilot enterprise under the pilot's threshold that the
    inclusion check flags. Monthly energy use of three enterprises for the computed column."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from shanshui.carbon import markets
    from shanshui.carbon.models import (
        EnergyType,
        EnterpriseActivity,
        MarketEnterprise,
    )

    if MarketEnterprise.objects.exists():
        return []
    office = get_user_model().objects.get(username="office")
    today = timezone.localdate()
    made = 0
    for n, (key, name, industry, market_key, verified, share) in enumerate(DEMO_ENTERPRISES, 1):
        e, _new = markets.enterprise_save(
            actor=office,
            credit_code=_demo_code(n),
            name=name,
            district=Unit.objects.get(key=key),
            industry=industry,
            market=market_key,
            since_year=2021 if market_key == "national" else (2014 if market_key else None),
        )
        made += 1
        if not market_key:
            continue
        v23 = Decimal(round(verified * 0.97))
        late = n == 4  # 重庆川维化工: 2023 not surrendered by the deadline
        markets.compliance_save(
            actor=office,
            enterprise=e,
            year=2023,
            verified_co2_t=v23,
            allowances_t=(v23 * Decimal("0.95")).quantize(Decimal(1)),
            surrendered_t=Decimal(0) if late else v23,
            deadline=dt.date(2024, 12, 31),
            today=today,
        )
        v24 = Decimal(verified)
        deadline = dt.date(2025, 12, 31) if share is not None else today + dt.timedelta(days=120)
        markets.compliance_save(
            actor=office,
            enterprise=e,
            year=2024,
            verified_co2_t=v24,
            allowances_t=(v24 * Decimal("0.96")).quantize(Decimal(1)),
            surrendered_t=(v24 * Decimal(str(share or 0))).quantize(Decimal(1)),
            deadline=deadline,
            today=today,
        )
    # Monthly energy use of three enterprises (t of coal, 万千瓦时 of electricity)
    coal = EnergyType.objects.get(name="原煤")
    power = EnergyType.objects.get(name="电力")
    rows = []
    for e in MarketEnterprise.objects.filter(
        name__in=["重庆长寿发电有限公司", "重庆涪陵水泥有限公司", "重庆万州发电有限公司"]
    ):
        for year in (2023, 2024):
            for month in range(1, 13):
                rows.append(
                    EnterpriseActivity(
                        enterprise=e,
                        year=year,
                        month=month,
                        energy_type=coal,
                        quantity=Decimal(90_000 + month * 1_000),
                    )
                )
                rows.append(
                    EnterpriseActivity(
                        enterprise=e,
                        year=year,
                        month=month,
                        energy_type=power,
                        quantity=Decimal(1_500),
                    )
                )
    EnterpriseActivity.objects.bulk_create(rows)
    from shanshui.carbon import services

    services.enterprise_recompute()
    return [f"carbon-market enterprises: {made}, with 2023 and 2024 compliance years"]
