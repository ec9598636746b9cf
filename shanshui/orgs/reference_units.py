"""The city's reference units, shipped with Shanshui and kept in step by loader.py.

Sources: the city's official list of 37 districts/counties after the 2025-11-06 adjustment
(江北区 and 渝北区 abolished, 两江新区 set up as an administrative district; 市民政局, 2026-01-25),
GB/T 2260 codes of the districts and counties, and the official short
names of the municipal departments as used in city documents.

Each entry: key (stable), name (full), short (short name), kind, parent (key), code (GB/T 2260),
valid_from / valid_to (ISO dates), successor (key), aliases (other names people write), note.
"""

from __future__ import annotations

CITY_PARTY = "cq-party"
CITY_GOV = "cq-gov"
OFFICE = "cq-inspection-office"
MERGER_DATE = "2025-11-06"

_PARTY = [
    dict(
        key=CITY_PARTY,
        name="中共重庆市委员会",
        short="中共重庆市委",
        kind="party_committee",
        aliases=["重庆市委", "市委"],
    ),
    dict(
        key="cq-party-general-office",
        name="中共重庆市委办公厅",
        short="市委办公厅",
        kind="department",
        parent=CITY_PARTY,
        aliases=["市委办"],
    ),
    dict(
        key="cq-party-organisation",
        name="中共重庆市委组织部",
        short="市委组织部",
        kind="department",
        parent=CITY_PARTY,
    ),
    dict(
        key="cq-party-publicity",
        name="中共重庆市委宣传部",
        short="市委宣传部",
        kind="department",
        parent=CITY_PARTY,
    ),
    dict(
        key="cq-discipline",
        name="中共重庆市纪律检查委员会 重庆市监察委员会",
        short="市纪委监委",
        kind="department",
        parent=CITY_PARTY,
        aliases=[
            "市纪委",
            "市监委",
            "重庆市纪委监委",
            "中共重庆市纪律检查委员会",
            "重庆市监察委员会",
        ],
    ),
]

_GOVERNMENT = [
    dict(
        key=CITY_GOV,
        name="重庆市人民政府",
        short="市政府",
        kind="government",
        aliases=["重庆市政府"],
    ),
    dict(
        key=OFFICE,
        name="重庆市生态环境保护督察整改工作领导小组办公室",
        short="市督察整改办",
        kind="office",
        parent=CITY_GOV,
        aliases=[
            "督察整改办",
            "市生态环境保护督察整改办",
            "重庆市督察整改办",
            "市整改办",
            "生态环境保护督察整改工作领导小组办公室",
        ],
        note="市生态环境保护督察整改工作领导小组办公室，设在市生态环境局。",
    ),
    dict(
        key="cq-gov-general-office",
        name="重庆市人民政府办公厅",
        short="市政府办公厅",
        kind="department",
        parent=CITY_GOV,
        aliases=["市府办"],
    ),
]

# (key, full name, short name, aliases) in the order of the city government's own listings.
_DEPARTMENTS = [
    ("cq-ndrc", "重庆市发展和改革委员会", "市发展改革委", ["市发改委", "发改委", "发展改革委"]),
    ("cq-education", "重庆市教育委员会", "市教委", []),
    ("cq-science", "重庆市科学技术局", "市科技局", []),
    (
        "cq-economy-it",
        "重庆市经济和信息化委员会",
        "市经济信息委",
        ["市经信委", "经信委", "经济信息委"],
    ),
    ("cq-public-security", "重庆市公安局", "市公安局", []),
    ("cq-civil-affairs", "重庆市民政局", "市民政局", []),
    ("cq-justice", "重庆市司法局", "市司法局", []),
    ("cq-finance", "重庆市财政局", "市财政局", []),
    ("cq-hrss", "重庆市人力资源和社会保障局", "市人力社保局", ["市人社局"]),
    (
        "cq-planning-resources",
        "重庆市规划和自然资源局",
        "市规划自然资源局",
        ["市规资局", "市规划资源局", "规划自然资源局", "规划和自然资源局"],
    ),
    (
        "cq-ecology-environment",
        "重庆市生态环境局",
        "市生态环境局",
        ["市环保局", "重庆市环境保护局", "市环境保护局", "生态环境局", "环保局"],
    ),
    (
        "cq-housing",
        "重庆市住房和城乡建设委员会",
        "市住房城乡建委",
        ["市住建委", "住建委", "市城乡建委", "住房城乡建委", "市住房和城乡建设委"],
    ),
    ("cq-urban-management", "重庆市城市管理局", "市城市管理局", ["市城管局", "城管局"]),
    (
        "cq-transport",
        "重庆市交通运输委员会",
        "市交通运输委",
        ["市交通局", "重庆市交通局", "市交委", "交通运输委"],
    ),
    ("cq-water", "重庆市水利局", "市水利局", ["水利局"]),
    ("cq-agriculture", "重庆市农业农村委员会", "市农业农村委", ["市农委", "农业农村委"]),
    ("cq-commerce", "重庆市商务委员会", "市商务委", []),
    ("cq-culture-tourism", "重庆市文化和旅游发展委员会", "市文化旅游委", ["市文旅委"]),
    ("cq-health", "重庆市卫生健康委员会", "市卫生健康委", ["市卫健委"]),
    ("cq-emergency", "重庆市应急管理局", "市应急局", ["市应急管理局"]),
    ("cq-audit", "重庆市审计局", "市审计局", []),
    ("cq-sasac", "重庆市国有资产监督管理委员会", "市国资委", []),
    ("cq-market-regulation", "重庆市市场监督管理局", "市市场监管局", ["市场监管局"]),
    ("cq-statistics", "重庆市统计局", "市统计局", []),
    ("cq-forestry", "重庆市林业局", "市林业局", ["林业局"]),
    ("cq-energy", "重庆市能源局", "市能源局", []),
    # Vertically managed by the China Meteorological Administration, but listed with the city's
    # departments in its environmental work (weather for heavy-pollution warnings).
    ("cq-meteorology", "重庆市气象局", "市气象局", []),
]

# (key, name, GB/T 2260 code, aliases). Full names carry the "重庆市" prefix.
_DISTRICTS = [
    ("cq-liangjiang", "两江新区", "", ["两江"]),
    ("cq-wanzhou", "万州区", "500101", ["万州"]),
    ("cq-qianjiang", "黔江区", "500114", ["黔江"]),
    ("cq-fuling", "涪陵区", "500102", ["涪陵"]),
    ("cq-yuzhong", "渝中区", "500103", ["渝中"]),
    ("cq-dadukou", "大渡口区", "500104", ["大渡口"]),
    ("cq-shapingba", "沙坪坝区", "500106", ["沙坪坝", "沙区"]),
    ("cq-jiulongpo", "九龙坡区", "500107", ["九龙坡"]),
    ("cq-nanan", "南岸区", "500108", ["南岸"]),
    ("cq-beibei", "北碚区", "500109", ["北碚"]),
    ("cq-banan", "巴南区", "500113", ["巴南"]),
    ("cq-changshou", "长寿区", "500115", ["长寿"]),
    ("cq-jiangjin", "江津区", "500116", ["江津"]),
    ("cq-hechuan", "合川区", "500117", ["合川"]),
    ("cq-yongchuan", "永川区", "500118", ["永川"]),
    ("cq-nanchuan", "南川区", "500119", ["南川"]),
    ("cq-qijiang", "綦江区", "500110", ["綦江"]),
    ("cq-dazu", "大足区", "500111", ["大足"]),
    ("cq-bishan", "璧山区", "500120", ["璧山"]),
    ("cq-tongliang", "铜梁区", "500151", ["铜梁"]),
    ("cq-tongnan", "潼南区", "500152", ["潼南"]),
    ("cq-rongchang", "荣昌区", "500153", ["荣昌"]),
    ("cq-kaizhou", "开州区", "500154", ["开州", "开县"]),
    ("cq-liangping", "梁平区", "500155", ["梁平", "梁平县"]),
    ("cq-wulong", "武隆区", "500156", ["武隆", "武隆县"]),
]

_HISTORIC_DISTRICTS = [
    ("cq-jiangbei", "江北区", "500105", ["江北"]),
    ("cq-yubei", "渝北区", "500112", ["渝北"]),
]

_COUNTIES = [
    ("cq-chengkou", "城口县", "500229", ["城口"]),
    ("cq-fengdu", "丰都县", "500230", ["丰都"]),
    ("cq-dianjiang", "垫江县", "500231", ["垫江"]),
    ("cq-zhongxian", "忠县", "500233", []),
    ("cq-yunyang", "云阳县", "500235", ["云阳"]),
    ("cq-fengjie", "奉节县", "500236", ["奉节"]),
    ("cq-wushan", "巫山县", "500237", ["巫山"]),
    ("cq-wuxi", "巫溪县", "500238", ["巫溪"]),
]

# (key, full name, short name as city documents write it, code, aliases)
_AUTONOMOUS_COUNTIES = [
    ("cq-shizhu", "石柱土家族自治县", "石柱县", "500240", ["石柱"]),
    ("cq-xiushan", "秀山土家族苗族自治县", "秀山县", "500241", ["秀山"]),
    ("cq-youyang", "酉阳土家族苗族自治县", "酉阳县", "500242", ["酉阳"]),
    ("cq-pengshui", "彭水苗族土家族自治县", "彭水县", "500243", ["彭水"]),
]

_ZONES = [
    dict(
        key="cq-hitech-zone",
        name="重庆高新技术产业开发区",
        short="重庆高新区",
        kind="zone",
        parent=CITY_GOV,
        aliases=["高新区", "西部科学城重庆高新区", "西部(重庆)科学城", "重庆高新区管委会"],
        note="功能区；按全市生态环境保护督察工作实施办法视同区县。",
    ),
    dict(
        key="cq-wansheng-zone",
        name="重庆万盛经济技术开发区",
        short="万盛经开区",
        kind="zone",
        parent=CITY_GOV,
        aliases=["万盛", "万盛经济技术开发区", "万盛经开区管委会"],
        note="功能区；按全市生态环境保护督察工作实施办法视同区县。",
    ),
]


def reference_units() -> list[dict]:
    """All reference units as dicts, parents before children.

    A data table written as code: its length is the city's structure (party committee,
    government, departments, districts, counties, zones, the districts merged away), one short
    loop per kind filling in what the kind implies; there is nothing to split.
    """
    units: list[dict] = [*_PARTY, *_GOVERNMENT]
    for order, (key, name, short, aliases) in enumerate(_DEPARTMENTS, start=1):
        units.append(
            dict(
                key=key,
                name=name,
                short=short,
                kind="department",
                parent=CITY_GOV,
                aliases=aliases,
                order=order,
            )
        )
    order = 100
    for key, name, code, aliases in _DISTRICTS:
        order += 1
        entry = dict(
            key=key,
            name="重庆市" + name,
            short=name,
            kind="district",
            parent=CITY_GOV,
            code=code,
            aliases=aliases,
            order=order,
        )
        if key == "cq-liangjiang":
            # Its GB/T 2260 code was not yet in our sources; set it in the admin when published.
            entry["note"] = (
                "2010年设立的国家级新区；2025年11月6日撤销江北区、渝北区，设立两江新区行政区，"
                "管辖原江北区、原渝北区（不含大湾、统景、大盛、兴隆、茨竹5镇）和北碚区水土、复兴、"
                "蔡家岗街道及施家梁、童家溪镇。"
            )
        units.append(entry)
    for key, name, code, aliases in _COUNTIES:
        order += 1
        units.append(
            dict(
                key=key,
                name="重庆市" + name,
                short=name,
                kind="county",
                parent=CITY_GOV,
                code=code,
                aliases=aliases,
                order=order,
            )
        )
    for key, name, short, code, aliases in _AUTONOMOUS_COUNTIES:
        order += 1
        units.append(
            dict(
                key=key,
                name="重庆市" + name,
                short=short,
                kind="autonomous_county",
                parent=CITY_GOV,
                code=code,
                aliases=[name, short[:-1] + "自治县", *aliases],
                order=order,
            )
        )
    for zone in _ZONES:
        order += 1
        units.append({**zone, "order": order})
    for key, name, code, aliases in _HISTORIC_DISTRICTS:
        order += 1
        units.append(
            dict(
                key=key,
                name="重庆市" + name,
                short=name,
                kind="district",
                parent=CITY_GOV,
                code=code,
                aliases=aliases,
                order=order,
                valid_to=MERGER_DATE,
                successor="cq-liangjiang",
                note="2025年11月6日撤销，辖区划入两江新区"
                + (
                    "。"
                    if key == "cq-jiangbei"
                    else "（北部大湾、统景、大盛、兴隆、茨竹5镇划归北碚区）。"
                ),
            )
        )
    return units
