"""Finding the header row and what each column holds. Pure (stdlib), no Django.

A column is found by its header in any order; spaces, case, full-width forms and a unit or note in
brackets do not matter. Air and water files each have their own table of synonyms.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

HEADER_SEARCH_ROWS = 10  # title lines above the header are skipped

STATION, TIME, DATE, HOUR, TYPE = "station", "time", "date", "hour", "type"

# Column order of the pollutants in the staging table and in AirHourly.
AIR_FIELDS = ("so2", "no2", "pm10", "pm25", "co", "o3")
# What the user calls them (for messages and the page).
AIR_LABELS = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "pm25": "PM2.5", "co": "CO", "o3": "O3"}

AIR_SYNONYMS: dict[str, tuple[str, ...]] = {
    STATION: (
        "站点编码",
        "监测点编码",
        "站点代码",
        "监测点代码",
        "站点编号",
        "监测点编号",
        "点位编码",
        "监测点位编码",
        "测点编码",
        "code",
        "station_code",
        "stationcode",
        "station",
        "station_id",
        "site_code",
        "sitecode",
    ),
    TIME: (
        "时间",
        "监测时间",
        "数据时间",
        "时间点",
        "日期时间",
        "time",
        "datetime",
        "timepoint",
        "date_time",
        "timestamp",
    ),
    DATE: ("日期", "监测日期", "date"),
    HOUR: ("小时", "时段", "hour"),
    "so2": ("so2", "二氧化硫", "so2_1h", "二氧化硫1小时"),
    "no2": ("no2", "二氧化氮", "no2_1h", "二氧化氮1小时"),
    "pm10": ("pm10", "可吸入颗粒物", "pm10_1h", "颗粒物pm10"),
    "pm25": ("pm2.5", "pm2_5", "pm25", "细颗粒物", "pm2.5_1h", "pm2_5_1h", "颗粒物pm2.5"),
    "co": ("co", "一氧化碳", "co_1h", "一氧化碳1小时"),
    "o3": ("o3", "臭氧", "o3_1h", "臭氧1小时", "o3-1h"),
    TYPE: ("type", "类型", "指标", "污染物"),  # the wide archive layout's pollutant column
}

WATER_SYNONYMS: dict[str, tuple[str, ...]] = {
    STATION: (
        "断面编码",
        "断面代码",
        "断面编号",
        "站点编码",
        "监测点编码",
        "点位编码",
        "code",
        "station_code",
        "section_code",
        "station",
    ),
    DATE: (
        "采样日期",
        "监测日期",
        "日期",
        "采样时间",
        "监测时间",
        "date",
        "sampled_on",
        "sample_date",
        "sampling_date",
    ),
    "pH": ("ph", "ph值"),
    "DO": ("do", "溶解氧"),
    "CODMn": ("codmn", "高锰酸盐指数"),
    "COD": ("cod", "codcr", "化学需氧量"),
    "BOD5": ("bod5", "bod", "五日生化需氧量", "生化需氧量"),
    "NH3N": ("nh3n", "nh3-n", "nh3_n", "氨氮"),
    "TP": ("tp", "总磷"),
    "TN": ("tn", "总氮"),
    "Cu": ("cu", "铜"),
    "Zn": ("zn", "锌"),
    "F": ("f", "氟化物"),
    "Se": ("se", "硒"),
    "As": ("as", "砷"),
    "Hg": ("hg", "汞"),
    "Cd": ("cd", "镉"),
    "Cr6": ("cr6", "cr6+", "cr(vi)", "六价铬", "铬(六价)", "铬六价"),
    "Pb": ("pb", "铅"),
    "CN": ("cn", "氰化物"),
    "VolatilePhenol": ("volatilephenol", "挥发酚"),
    "Petroleum": ("petroleum", "石油类"),
    "LAS": ("las", "阴离子表面活性剂"),
    "Sulfide": ("sulfide", "硫化物"),
    "FecalColiform": ("fecalcoliform", "粪大肠菌群"),
}

_UNIT_RE = re.compile(r"[(\[（【][^)\]）】]*[)\]）】]")
_SPACE_RE = re.compile(r"[\s*※:：]+")


def _header_key(text: str) -> str:
    return _SPACE_RE.sub("", unicodedata.normalize("NFKC", text)).lower()


def _lookup_table(synonyms: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {_header_key(name): f for f, names in synonyms.items() for name in names}


AIR_LOOKUP = _lookup_table(AIR_SYNONYMS)
WATER_LOOKUP = _lookup_table(WATER_SYNONYMS)


def match(label: str, table: dict[str, str]) -> str | None:
    """The field of a header cell: the whole text, then without a unit or note in brackets
    ("PM2.5(μg/m³)"), then the bracketed part alone ("细颗粒物(PM2.5)")."""
    key = _header_key(label)
    if not key:
        return None
    if key in table:
        return table[key]
    bare = _UNIT_RE.sub("", key)
    if bare in table:
        return table[bare]
    for inner in re.findall(r"[(\[（【]([^)\]）】]*)[)\]）】]", key):
        if inner in table:
            return table[inner]
    return None


@dataclass
class Header:
    row: int  # record number of the header row (1-based)
    labels: list[str]
    fields: dict[str, int]  # field → column index
    ignored: list[str]
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (field, label) repeated
    wide_stations: dict[int, str] = field(default_factory=dict)  # wide layout: column → code


def find_header(
    rows: Iterator[list[str]], table: dict[str, str], is_header: Callable[[set[str]], bool]
) -> Header | None:
    """The header among the first rows (title lines above it are skipped): the first row whose
    recognised fields satisfy ``is_header``."""
    for number, row in enumerate(rows, start=1):
        found = {f for cell in row if (f := match(cell, table)) is not None}
        if is_header(found):
            return _make_header(number, row, table)
        if number >= HEADER_SEARCH_ROWS:
            break
    return None


def is_air_header(found: set[str]) -> bool:
    long = STATION in found and (TIME in found or DATE in found)
    wide = TYPE in found and DATE in found and HOUR in found
    return long or wide


def is_water_header(found: set[str]) -> bool:
    return STATION in found and DATE in found


def _make_header(number: int, row: list[str], table: dict[str, str]) -> Header:
    fields: dict[str, int] = {}
    ignored: list[str] = []
    dup: list[tuple[str, str]] = []
    for i, cell in enumerate(row):
        label = " ".join(cell.split())
        f = match(cell, table)
        if f is None:
            if label:
                ignored.append(label)
            continue
        if f in fields:
            dup.append((f, label))
            continue
        fields[f] = i
    return Header(number, [" ".join(c.split()) for c in row], fields, ignored, dup)


def mark_wide_layout(header: Header) -> None:
    """CNEMC's archive layout (date, hour, type, one column per station) has no station column:
    every column other than the three is a station code. ``is_air_header`` has made sure the
    date and hour columns are there."""
    if STATION in header.fields or TYPE not in header.fields:
        return
    fixed = {header.fields.get(k) for k in (DATE, HOUR, TYPE)}
    header.wide_stations = {
        i: label
        for i, label in enumerate(header.labels)
        if i not in fixed and label and match(label, AIR_LOOKUP) is None
    }
    header.ignored = []
