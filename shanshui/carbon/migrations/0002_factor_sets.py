"""The factor sets the inventory starts with (data, editable by the office afterwards):

- the provincial GHG inventory guideline (省级温室气体清单编制指南（试行）) for carbon content and
  oxidation with GB/T 2589-2020 for net calorific values and standard coal — in use;
- IPCC 2006 defaults (Vol. 2, ch. 1, tables 1.2 and 1.3; oxidation 1). IPCC gives natural
  gas per mass, so its volume NCV and every tce factor are GB/T 2589's;
- the national grid average of MEE and NBS for 2021–2023 (tCO2/MWh) — in use.
"""

from decimal import Decimal as D

from django.db import migrations

ENERGY_TYPES = [
    # code, name, unit, kind, aliases
    ("raw_coal", "原煤", "吨", "fuel", "煤炭、煤"),
    ("coke", "焦炭", "吨", "fuel", ""),
    ("crude_oil", "原油", "吨", "fuel", ""),
    ("fuel_oil", "燃料油", "吨", "fuel", "重油"),
    ("gasoline", "汽油", "吨", "fuel", ""),
    ("kerosene", "煤油", "吨", "fuel", "航空煤油"),
    ("diesel", "柴油", "吨", "fuel", ""),
    ("lpg", "液化石油气", "吨", "fuel", "LPG"),
    ("natural_gas", "天然气", "万立方米", "fuel", "管道天然气"),
    ("electricity", "电力", "万千瓦时", "electricity", "电、用电量"),
    ("non_fossil_power", "非化石电力", "万千瓦时", "non_fossil", "水电、风电、光伏发电"),
]

# code: NCV (GJ per unit), carbon content (tC/TJ), oxidation, tce per unit
PROVINCIAL = {
    "raw_coal": (D("20.908"), D("26.37"), D("0.94"), D("0.7143")),
    "coke": (D("28.435"), D("29.5"), D("0.93"), D("0.9714")),
    "crude_oil": (D("41.816"), D("20.1"), D("0.98"), D("1.4286")),
    "fuel_oil": (D("41.816"), D("21.1"), D("0.98"), D("1.4286")),
    "gasoline": (D("43.070"), D("18.9"), D("0.98"), D("1.4714")),
    "kerosene": (D("43.070"), D("19.5"), D("0.98"), D("1.4714")),
    "diesel": (D("42.652"), D("20.2"), D("0.98"), D("1.4571")),
    "lpg": (D("50.179"), D("17.2"), D("0.98"), D("1.7143")),
    "natural_gas": (D("389.31"), D("15.3"), D("0.99"), D("13.300")),
    "electricity": (None, None, None, D("1.229")),
    "non_fossil_power": (None, None, None, D("1.229")),
}
IPCC_2006 = {
    "raw_coal": (D("25.8"), D("25.8"), D("1"), D("0.7143")),  # other bituminous coal
    "coke": (D("28.2"), D("29.2"), D("1"), D("0.9714")),  # coke oven coke
    "crude_oil": (D("42.3"), D("20.0"), D("1"), D("1.4286")),
    "fuel_oil": (D("40.4"), D("21.1"), D("1"), D("1.4286")),  # residual fuel oil
    "gasoline": (D("44.3"), D("18.9"), D("1"), D("1.4714")),  # motor gasoline
    "kerosene": (D("44.1"), D("19.5"), D("1"), D("1.4714")),  # jet kerosene
    "diesel": (D("43.0"), D("20.2"), D("1"), D("1.4571")),  # gas/diesel oil
    "lpg": (D("47.3"), D("17.2"), D("1"), D("1.7143")),
    "natural_gas": (D("389.31"), D("15.3"), D("1"), D("13.300")),
    "electricity": (None, None, None, D("1.229")),
    "non_fossil_power": (None, None, None, D("1.229")),
}
NATIONAL_GRID = {2021: D("0.5568"), 2022: D("0.5366"), 2023: D("0.5306")}


def load(apps, schema_editor):
    EnergyType = apps.get_model("carbon", "EnergyType")
    FactorSet = apps.get_model("carbon", "FactorSet")
    EmissionFactor = apps.get_model("carbon", "EmissionFactor")
    GridFactorSet = apps.get_model("carbon", "GridFactorSet")
    GridFactor = apps.get_model("carbon", "GridFactor")
    types = {}
    for order, (code, name, unit, kind, aliases) in enumerate(ENERGY_TYPES, 1):
        types[code] = EnergyType.objects.create(
            code=code, name=name, unit=unit, kind=kind, aliases=aliases, order=order
        )
    sets = [
        (
            "cn-provincial",
            "省级温室气体清单指南与 GB/T 2589",
            "《省级温室气体清单编制指南（试行）》（国家发展改革委，2011）的单位热值含碳量和碳氧化率；"
            "GB/T 2589-2020《综合能耗计算通则》的平均低位发热量和折标准煤系数（电力为当量值）。",
            "2011 / GB/T 2589-2020",
            True,
            PROVINCIAL,
        ),
        (
            "ipcc-2006",
            "IPCC 2006 缺省值",
            "2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol. 2, ch. 1, "
            "tables 1.2 (NCV) and 1.3 (carbon content); oxidation factor 1. "
            "天然气的体积发热量和各品种折标准煤系数取 GB/T 2589-2020。",
            "2006",
            False,
            IPCC_2006,
        ),
    ]
    for key, name, source, edition, in_use, table in sets:
        factor_set = FactorSet.objects.create(
            key=key, name=name, source=source, edition=edition, in_use=in_use
        )
        for code, (ncv, carbon, oxidation, tce) in table.items():
            EmissionFactor.objects.create(
                factor_set=factor_set,
                energy_type=types[code],
                ncv_gj=ncv,
                carbon_tc_per_tj=carbon,
                oxidation=oxidation,
                tce_per_unit=tce,
            )
    grid = GridFactorSet.objects.create(
        key="cn-national",
        name="全国电网平均排放因子",
        region="全国",
        source="生态环境部、国家统计局公布的全国电力平均二氧化碳排放因子。",
        in_use=True,
    )
    for year, value in NATIONAL_GRID.items():
        GridFactor.objects.create(
            grid_set=grid, year=year, tco2_per_mwh=value, source="生态环境部、国家统计局"
        )


def unload(apps, schema_editor):
    apps.get_model("carbon", "FactorSet").objects.filter(key__in=["cn-provincial", "ipcc-2006"]).delete()
    apps.get_model("carbon", "GridFactorSet").objects.filter(key="cn-national").delete()
    codes = [row[0] for row in ENERGY_TYPES]
    apps.get_model("carbon", "EnergyType").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("carbon", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
