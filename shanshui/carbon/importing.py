"""Reading and checking the carbon imports: activity data and the district economy.

The plain layouts (docs/carbon.md): an .xlsx workbook (the first visible sheet with the header)
or a CSV file (UTF-8 with or without BOM, or GB18030/GBK as Excel saves it in China). Columns
are found by their header text in any order (lib/sheets.HeaderSpec):

- activity: 区县, 年份, [月份], 行业, 能源品种, 消费量, 计量单位
- economy: 区县, 年份, 地区生产总值（亿元）, 平减指数, [价格基年], 常住人口（万人）
- market: MARKET_HEADER (enterprises and compliance years)
- enterprise energy: 统一社会信用代码, [企业名称], 年份, 月份, 能源品种, 消费量, 计量单位 — or
  one 年月 column (2025-03, 2025年3月) instead of 年份 and 月份 (ENERGY_HEADER)

Each row is checked completely and every problem reported with its row number, column and a
message; the caller (services) writes nothing unless there is none.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial

from django.utils.translation import gettext as _

from shanshui.carbon import factors as calc
from shanshui.carbon import market
from shanshui.carbon.models import SECTOR_NAMES, EnergyType
from shanshui.lib import sheets
from shanshui.lib.sheets import RowError
from shanshui.orgs.selectors import UnitLookupError, UnitResolver

MAX_ROWS = 500_000
MAX_ERRORS = 200
MIN_YEAR, MAX_YEAR = 1990, 2100

DISTRICT, YEAR, MONTH, SECTOR, ENERGY, QUANTITY, UNIT = (
    "district",
    "year",
    "month",
    "sector",
    "energy",
    "quantity",
    "unit",
)
GDP, DEFLATOR, BASE_YEAR, POPULATION = "gdp", "deflator", "base_year", "population"

ACTIVITY_SPEC = sheets.HeaderSpec(
    {
        DISTRICT: ("区县", "区县名称", "地区", "行政区"),
        YEAR: ("年份", "年度"),
        MONTH: ("月份",),
        SECTOR: ("行业", "部门", "行业分类"),
        ENERGY: ("能源品种", "能源类型", "品种"),
        QUANTITY: ("消费量", "消费数量", "数量"),
        UNIT: ("计量单位", "单位"),
    },
    required=(DISTRICT, YEAR, SECTOR, ENERGY, QUANTITY, UNIT),
)
ECONOMY_SPEC = sheets.HeaderSpec(
    {
        DISTRICT: ("区县", "区县名称", "地区", "行政区"),
        YEAR: ("年份", "年度"),
        GDP: ("地区生产总值", "生产总值", "GDP"),
        DEFLATOR: ("平减指数", "GDP平减指数", "地区生产总值平减指数"),
        BASE_YEAR: ("价格基年", "基期", "不变价基年"),
        POPULATION: ("常住人口", "年末常住人口", "人口"),
    },
    required=(DISTRICT, YEAR),
)


class FileProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    header: sheets.Header
    rows: list[tuple[int, tuple]]  # (row number as the user sees it, values)
    file_name: str = ""
    encoding: str = ""  # "" for a workbook


def read_table(fileobj, spec: sheets.HeaderSpec, *, max_bytes: int) -> Table:
    """The header and data rows of an uploaded workbook or CSV file (FileProblem otherwise)."""
    stream, name, opened = sheets.as_stream(fileobj, max_bytes)
    try:
        head = stream.read(8)
        stream.seek(0)
        if head.startswith(b"PK"):
            try:
                sheets.check_workbook(stream, name or "data.xlsx", max_bytes=max_bytes)
                loaded = sheets.load_rows(stream, spec, max_rows=MAX_ROWS)
            except sheets.SheetError as exc:
                raise FileProblem(exc.message) from exc
            if loaded.header is None:
                raise FileProblem(_header_missing(spec))
            return Table(loaded.header, loaded.rows, name)
        raw = stream.read(max_bytes + 1)
        if len(raw) > max_bytes:
            raise FileProblem(_("The file is larger than %(mb)d MB.") % {"mb": max_bytes // 2**20})
        return _read_csv(raw, spec, name)
    finally:
        if opened:
            stream.close()


def _header_missing(spec: sheets.HeaderSpec) -> str:
    names = "、".join(spec.synonyms[f][0] for f in spec.required)
    return _("No header row was found. The first rows must name the columns: %(names)s.") % {
        "names": names
    }


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (a BOM is dropped) or else GB18030, a superset of GBK."""
    from shanshui.lib import textcodec

    try:
        return textcodec.decode(raw)
    except textcodec.UndecodableText as exc:
        raise FileProblem(
            _("The file is neither UTF-8 nor GBK text. Save it as CSV (UTF-8) or as .xlsx.")
        ) from exc


def _read_csv(raw: bytes, spec: sheets.HeaderSpec, name: str) -> Table:
    if not raw.strip():
        raise FileProblem(_("The file is empty."))
    if b"\x00" in raw[:4096]:
        raise FileProblem(_("The file is not a CSV file or an Excel workbook (.xlsx)."))
    text, encoding = decode(raw)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows = [tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    header = spec.find_header([sheets.trim(r) for r in rows[: sheets.HEADER_SEARCH_ROWS]])
    if header is None:
        raise FileProblem(_header_missing(spec))
    data = [
        (number, sheets.trim(values))
        for number, values in enumerate(rows[header.last_row :], header.last_row + 1)
        if not sheets.blank_row(values) and not sheets.is_footer(sheets.trim(values))
    ]
    if len(data) > MAX_ROWS:
        raise FileProblem(
            _("The list has more than %(n)d rows. Split it into several files.") % {"n": MAX_ROWS}
        )
    return Table(header, data, name, encoding)


# --- cells -----------------------------------------------------------------------------------


def _number(text: str) -> Decimal | None:
    text = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _year(text: str) -> int | None:
    value = _number(text)
    if value is None or value != value.to_integral_value():
        return None
    year = int(value)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


class Lookups:
    """What a row's names resolve against: units (alias index) and energy types."""

    def __init__(self) -> None:
        self._units: UnitResolver | None = None  # every unit and alias, read at the first district
        self.energy: dict[str, EnergyType] = {}
        for et in EnergyType.objects.all():
            for name in [et.name, *re.split(r"[、,，;；]", et.aliases)]:
                if name.strip():
                    self.energy[_key(name)] = et
        self._districts: dict[str, object] = {}

    def energy_type(self, text: str) -> EnergyType | None:
        """The energy type a cell names, also when the unit is written after it: 原煤（吨）."""
        found = self.energy.get(_key(text))
        if found is None:
            bare = _TRAILING_NOTE.sub("", unicodedata.normalize("NFKC", text).strip())
            found = self.energy.get(_key(bare)) if bare else None
        return found

    def district(self, text: str):
        if text not in self._districts:
            try:
                if self._units is None:
                    self._units = UnitResolver()
                unit = self._units.resolve(text)
            except UnitLookupError as exc:
                unit = exc.message
            else:
                if not unit.is_territorial:
                    unit = _("“%(name)s” is not a district or county.") % {"name": text}
            self._districts[text] = unit
        return self._districts[text]


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")

# The names statistical tables (the energy balance, yearbooks) give the sectors, with the
# sub-sector they imply. 建筑业, the construction industry, is not 建筑 (buildings in use): the
# IPCC 2006 guidelines count it with manufacturing (1.A.2 "Manufacturing Industries and
# Construction"), so it is read as 工业/建筑业.
SECTOR_ALIASES: dict[str, tuple[str, str]] = {
    "建筑业": ("工业", "建筑业"),
    "能源加工转换": ("能源生产", ""),
    "能源工业": ("能源生产", ""),
    "建筑领域": ("建筑", ""),
    "交通": ("交通运输", ""),
    "交通运输业": ("交通运输", ""),
    "交通领域": ("交通运输", ""),
    "交通运输、仓储和邮政业": ("交通运输", ""),
    "交通运输仓储和邮政业": ("交通运输", ""),
    "农林牧渔业": ("农业", ""),
    "农、林、牧、渔业": ("农业", ""),
    "农林牧渔": ("农业", ""),
    "第一产业": ("农业", ""),
    "批发和零售业、住宿和餐饮业": ("服务业", ""),
    "批发零售业和住宿餐饮业": ("服务业", ""),
    "其他行业": ("服务业", ""),
    "生活消费": ("居民生活", ""),
    "居民生活消费": ("居民生活", ""),
    "城乡居民生活": ("居民生活", ""),
    "城乡居民生活消费": ("居民生活", ""),
    "城镇居民生活": ("居民生活", "城镇"),
    "城镇居民生活消费": ("居民生活", "城镇"),
    "乡村居民生活": ("居民生活", "乡村"),
    "乡村居民生活消费": ("居民生活", "乡村"),
    "农村居民生活": ("居民生活", "乡村"),
    "农村居民生活消费": ("居民生活", "乡村"),
}


def parse_sector(text: str) -> tuple[str, str] | None:
    """(sector, sub-sector) of "工业/钢铁" (or of a statistical name, 交通运输、仓储和邮政业), or
    None."""
    text = unicodedata.normalize("NFKC", text).strip()
    top, _sep, sub = text.partition("/")
    sub = " ".join(sub.split())
    top = "".join(top.split())
    name, implied = SECTOR_ALIASES.get(top, (top, ""))
    sub = sub or implied
    for code, known in SECTOR_NAMES.items():
        if name == known:
            return (str(code), sub) if len(sub) <= 40 else None
    return None


@dataclass
class ActivityRow:
    number: int
    district: object  # Unit
    year: int
    month: int
    sector: str
    subsector: str
    energy: EnergyType
    quantity: Decimal
    entered_quantity: Decimal
    entered_unit: str

    @property
    def key(self) -> tuple:
        return (
            self.district.pk,
            self.year,
            self.month,
            self.sector,
            self.subsector,
            self.energy.pk,
        )


@dataclass
class Checked:
    rows: list
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0


class _Line:
    """One data row being checked: its cells by field and the problems found so far."""

    def __init__(self, number: int, cell: dict[str, str], header: sheets.Header) -> None:
        self.number = number
        self.cell = cell
        self.header = header
        self.errors: list[RowError] = []

    def error(self, f: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.header.label(f), message))


class _Lines:
    """The loop the checkers share: each data row as a _Line (stopping at MAX_ERRORS), with
    its empty required cells reported; ``failed`` collects a row's errors, ``duplicate`` finds
    a key given by an earlier row."""

    def __init__(
        self, table: Table, spec: sheets.HeaderSpec, out: Checked, required: tuple = ()
    ) -> None:
        self.table, self.spec, self.out = table, spec, out
        self.required = (*spec.required, *required)
        self.seen: dict[tuple, int] = {}

    def __iter__(self):
        header = self.table.header
        for number, values in self.table.rows:
            if len(self.out.errors) >= MAX_ERRORS:
                break
            line = _Line(number, {f: header.cell(values, f) for f in self.spec.synonyms}, header)
            for f in self.required:
                if not line.cell[f]:
                    line.error(f, _("This cell is empty; it is required."))
            yield line

    def failed(self, line: _Line, *needed) -> bool:
        """True (the row's errors collected) if it has any or a needed value is None."""
        if line.errors or any(value is None for value in needed):
            self.out.errors += line.errors
            return True
        return False

    def duplicate(self, number: int, key: tuple) -> bool:
        """True (an error collected) if an earlier row had ``key``; else remember it."""
        if key in self.seen:
            self.out.errors.append(
                RowError(number, "", _("The same row as row %(n)d.") % {"n": self.seen[key]})
            )
            return True
        self.seen[key] = number
        return False


def check_activity(table: Table, lookups: Lookups) -> Checked:
    header = table.header
    out = Checked(rows=[], total_rows=len(table.rows))
    out.errors += ACTIVITY_SPEC.missing_errors(header)
    if out.errors:
        return out
    lines = _Lines(table, ACTIVITY_SPEC, out)
    monthly: dict[tuple, tuple[bool, int]] = {}
    for line in lines:
        number, cell, error = line.number, line.cell, line.error
        district = lookups.district(cell[DISTRICT]) if cell[DISTRICT] else None
        if isinstance(district, str):
            error(DISTRICT, district)
        year = _year(cell[YEAR]) if cell[YEAR] else None
        if cell[YEAR] and year is None:
            error(YEAR, _("Not a year: “%(text)s”.") % {"text": cell[YEAR]})
        month = 0
        if cell[MONTH]:
            value = _number(cell[MONTH].removesuffix("月"))
            if value is None or value not in range(1, 13):
                error(MONTH, _("A month is 1 to 12, or empty for the whole year."))
            else:
                month = int(value)
        sector = parse_sector(cell[SECTOR]) if cell[SECTOR] else None
        if cell[SECTOR] and sector is None:
            error(
                SECTOR,
                _("Unknown sector “%(text)s”: use one of %(names)s, a sub-sector after a slash.")
                % {"text": cell[SECTOR], "names": "、".join(SECTOR_NAMES.values())},
            )
        energy = lookups.energy_type(cell[ENERGY]) if cell[ENERGY] else None
        if cell[ENERGY] and energy is None:
            error(ENERGY, _("Unknown energy type “%(text)s”.") % {"text": cell[ENERGY]})
        quantity = _number(cell[QUANTITY]) if cell[QUANTITY] else None
        if cell[QUANTITY] and (quantity is None or quantity < 0):
            error(
                QUANTITY,
                _("Not a quantity of zero or more: “%(text)s”.") % {"text": cell[QUANTITY]},
            )
            quantity = None
        converted = None
        if cell[UNIT] and energy is not None:
            converted = _converted(quantity, cell[UNIT], energy, partial(error, UNIT))
        if lines.failed(line, district, year, sector, energy, quantity, converted):
            continue
        row = ActivityRow(
            number=number,
            district=district,
            year=year,
            month=month,
            sector=sector[0],
            subsector=sector[1],
            energy=energy,
            quantity=converted,
            entered_quantity=quantity,
            entered_unit=cell[UNIT].strip(),
        )
        if lines.duplicate(number, row.key):
            continue
        annual_key = row.key[:2] + row.key[3:]
        first = monthly.setdefault(annual_key, (month > 0, number))
        if first[0] != (month > 0):
            out.errors.append(
                RowError(
                    number,
                    header.label(MONTH) or "月份",
                    _(
                        "Row %(n)d gives the same data for the whole year: a year is given either "
                        "by month or as a whole, not both."
                    )
                    % {"n": first[1]},
                )
            )
            continue
        out.rows.append(row)
    return out


@dataclass
class EconomyRow:
    number: int
    district: object
    year: int
    gdp_100m_yuan: Decimal | None
    deflator: Decimal | None
    price_base_year: int | None
    population_10k: Decimal | None


def check_economy(table: Table, lookups: Lookups) -> Checked:
    header = table.header
    out = Checked(rows=[], total_rows=len(table.rows))
    out.errors += ECONOMY_SPEC.missing_errors(header)
    if not any(f in header.columns for f in (GDP, POPULATION)):
        out.errors.append(
            RowError(header.last_row, "", _("The file needs a column 地区生产总值 or 常住人口."))
        )
    if out.errors:
        return out
    lines = _Lines(table, ECONOMY_SPEC, out)
    for line in lines:
        number, cell, error = line.number, line.cell, line.error
        district = lookups.district(cell[DISTRICT]) if cell[DISTRICT] else None
        if isinstance(district, str):
            error(DISTRICT, district)
        year = _year(cell[YEAR]) if cell[YEAR] else None
        if cell[YEAR] and year is None:
            error(YEAR, _("Not a year: “%(text)s”.") % {"text": cell[YEAR]})
        numbers = {}
        for f in (GDP, DEFLATOR, POPULATION):
            numbers[f] = _number(cell[f]) if cell[f] else None
            if cell[f] and (numbers[f] is None or numbers[f] <= 0):
                error(f, _("Not a number above zero: “%(text)s”.") % {"text": cell[f]})
        base_year = _year(cell[BASE_YEAR]) if cell[BASE_YEAR] else None
        if cell[BASE_YEAR] and base_year is None:
            error(BASE_YEAR, _("Not a year: “%(text)s”.") % {"text": cell[BASE_YEAR]})
        if lines.failed(line, district, year) or lines.duplicate(number, (district.pk, year)):
            continue
        out.rows.append(
            EconomyRow(
                number,
                district,
                year,
                numbers[GDP],
                numbers[DEFLATOR],
                base_year,
                numbers[POPULATION],
            )
        )
    return out


# --- carbon-market enterprises and compliance years ---------------------------------------------

NAME, CODE, INDUSTRY, SUBSECTOR, MARKET, SINCE = (
    "name",
    "code",
    "industry",
    "subsector",
    "market",
    "since",
)
C_YEAR, VERIFIED, ALLOWANCES, SURRENDERED, DEADLINE = (
    "c_year",
    "verified",
    "allowances",
    "surrendered",
    "deadline",
)

MARKET_HEADER = [
    "企业名称",
    "统一社会信用代码",
    "区县",
    "行业",
    "子行业",
    "碳市场",
    "纳入年度",
    "履约年度",
    "核查排放量（吨二氧化碳当量）",
    "配额（吨）",
    "清缴量（吨）",
    "清缴截止日",
]
MARKET_SPEC = sheets.HeaderSpec(
    {
        NAME: ("企业名称", "单位名称", "重点排放单位"),
        CODE: ("统一社会信用代码", "信用代码", "社会信用代码"),
        DISTRICT: ("区县", "区县名称", "所在区县", "地区"),
        INDUSTRY: ("行业", "所属行业", "行业类别"),
        SUBSECTOR: ("子行业", "细分行业"),
        MARKET: ("碳市场", "所属市场", "交易市场"),
        SINCE: ("纳入年度", "纳入年份"),
        C_YEAR: ("履约年度", "年度"),
        VERIFIED: ("核查排放量", "经核查排放量", "排放量"),
        ALLOWANCES: ("配额", "分配配额", "配额量"),
        SURRENDERED: ("清缴量", "已清缴量", "清缴配额"),
        DEADLINE: ("清缴截止日", "清缴期限", "截止日期"),
    },
    required=(NAME, CODE, DISTRICT, INDUSTRY),
)
# Names in the file → the model's keys (Chinese whatever the page's language)
INDUSTRY_NAMES: dict[str, str] = {
    "发电": "power",
    "钢铁": "steel",
    "水泥": "cement",
    "电解铝": "aluminium",
    "化工": "chemical",
    "有色": "non_ferrous",
    "建材": "building_materials",
    "造纸": "paper",
    "其他": "other",
}
INDUSTRY_ALIASES = {
    "电力": "power",
    "火电": "power",
    "发电行业": "power",
    "电力行业": "power",
    "铝冶炼": "aluminium",
    "有色金属": "non_ferrous",
    "建筑材料": "building_materials",
    "其它": "other",
}
MARKET_NAMES: dict[str, str] = {"national": "全国", "cq_pilot": "重庆试点", "": ""}
MARKET_ALIASES = {
    "全国": "national",
    "全国碳市场": "national",
    "全国碳排放权交易市场": "national",
    "重庆试点": "cq_pilot",
    "重庆": "cq_pilot",
    "重庆碳市场": "cq_pilot",
    "地方试点": "cq_pilot",
    "未纳入": "",
    "无": "",
}


def industry_key(text: str) -> str | None:
    """The industry a cell names (发电, 钢铁行业, 有色金属 …), None when unknown."""
    key = "".join(unicodedata.normalize("NFKC", text).split())
    found = INDUSTRY_NAMES.get(key) or INDUSTRY_ALIASES.get(key)
    if found is None and key.endswith("行业"):
        found = INDUSTRY_NAMES.get(key[:-2]) or INDUSTRY_ALIASES.get(key[:-2])
    return found


def market_key_of(text: str) -> str | None:
    """The market a cell names: the short names and their aliases, or any longer name that says
    全国 (national) or 重庆/试点 (the Chongqing pilot), e.g. 重庆市碳排放权交易市场; None when
    it names neither (or both)."""
    key = "".join(unicodedata.normalize("NFKC", text).split())
    if not key:
        return ""
    if key in MARKET_ALIASES:
        return MARKET_ALIASES[key]
    national = "全国" in key
    pilot = "重庆" in key or "试点" in key
    if national != pilot:
        return "national" if national else "cq_pilot"
    return None


@dataclass
class MarketRow:
    number: int
    name: str
    code: str
    district: object  # Unit
    industry: str
    subsector: str
    market: str
    since_year: int | None
    year: int | None  # the compliance year; None: the enterprise only
    verified_co2_t: Decimal | None = None
    allowances_t: Decimal | None = None
    surrendered_t: Decimal = Decimal(0)
    deadline: object = None  # date

    @property
    def enterprise_fields(self) -> tuple:
        return (
            self.name,
            self.district.pk,
            self.industry,
            self.subsector,
            self.market,
            self.since_year,
        )


def credit_code_message(problem: str, text: str) -> str:
    if problem == market.CODE_LENGTH:
        return _("A unified social credit code has 18 characters: “%(text)s”.") % {"text": text}
    if problem == market.CODE_CHARACTER:
        return _(
            "“%(text)s” has characters a unified social credit code cannot have (digits and "
            "capital letters except I, O, Z, S, V)."
        ) % {"text": text}
    return _("The check character of “%(text)s” is wrong: the code is mistyped.") % {"text": text}


def check_market(table: Table, lookups: Lookups) -> Checked:
    """Enterprise rows (with or without a compliance year). Rows of the same code must agree
    on the enterprise; a code and year given twice is an error."""
    header = table.header
    out = Checked(rows=[], total_rows=len(table.rows))
    out.errors += MARKET_SPEC.missing_errors(header)
    if out.errors:
        return out
    lines = _Lines(table, MARKET_SPEC, out)
    first: dict[str, MarketRow] = {}
    for line in lines:
        number, cell, error = line.number, line.cell, line.error
        name = " ".join(cell[NAME].split())
        if len(name) > 200:
            error(NAME, _("The name is longer than 200 characters."))
        code = market.normalize_credit_code(cell[CODE])
        if code and (problem := market.credit_code_problem(code)):
            error(CODE, credit_code_message(problem, cell[CODE]))
        district = lookups.district(cell[DISTRICT]) if cell[DISTRICT] else None
        if isinstance(district, str):
            error(DISTRICT, district)
        industry = industry_key(cell[INDUSTRY])
        if cell[INDUSTRY] and industry is None:
            error(
                INDUSTRY,
                _("Unknown industry “%(text)s”: use one of %(names)s.")
                % {"text": cell[INDUSTRY], "names": "、".join(INDUSTRY_NAMES)},
            )
        subsector = " ".join(cell[SUBSECTOR].split())
        if len(subsector) > 60:
            error(SUBSECTOR, _("The sub-sector is longer than 60 characters."))
        market_key = market_key_of(cell[MARKET])
        if market_key is None:
            error(
                MARKET,
                _("Unknown market “%(text)s”: use 全国, 重庆试点 or leave it empty.")
                % {"text": cell[MARKET]},
            )
        since = _year(cell[SINCE]) if cell[SINCE] else None
        if cell[SINCE] and since is None:
            error(SINCE, _("Not a year: “%(text)s”.") % {"text": cell[SINCE]})
        year = _year(cell[C_YEAR]) if cell[C_YEAR] else None
        if cell[C_YEAR] and year is None:
            error(C_YEAR, _("Not a year: “%(text)s”.") % {"text": cell[C_YEAR]})
        amounts: dict[str, Decimal | None] = {}
        for f in (VERIFIED, ALLOWANCES, SURRENDERED):
            amounts[f] = _number(cell[f]) if cell[f] else None
            if cell[f] and (amounts[f] is None or amounts[f] < 0 or amounts[f] >= 10**12):
                error(f, _("Not an amount of zero or more: “%(text)s”.") % {"text": cell[f]})
        deadline = sheets.parse_date(cell[DEADLINE]) if cell[DEADLINE] else None
        if cell[DEADLINE] and deadline is None:
            error(
                DEADLINE,
                _("Not a date: “%(text)s” (write it as 2025-12-31).") % {"text": cell[DEADLINE]},
            )
        if not cell[C_YEAR] and any(cell[f] for f in (VERIFIED, ALLOWANCES, SURRENDERED, DEADLINE)):
            error(C_YEAR, _("Give the compliance year of these figures."))
        if lines.failed(line, district, industry, market_key):
            continue
        row = MarketRow(
            number=number,
            name=name,
            code=code,
            district=district,
            industry=industry,
            subsector=subsector,
            market=market_key,
            since_year=since,
            year=year,
            verified_co2_t=amounts[VERIFIED],
            allowances_t=amounts[ALLOWANCES],
            surrendered_t=amounts[SURRENDERED] or Decimal(0),
            deadline=deadline,
        )
        if code in first and first[code].enterprise_fields != row.enterprise_fields:
            out.errors.append(
                RowError(
                    number,
                    header.label(CODE),
                    _("Row %(n)d gives other details for the same enterprise.")
                    % {"n": first[code].number},
                )
            )
            continue
        first.setdefault(code, row)
        if lines.duplicate(number, (code, year)):
            continue
        out.rows.append(row)
    return out


# --- an enterprise's monthly energy use -------------------------------------------------------

YEAR_MONTH = "year_month"
MONTH_FIELDS = tuple(f"m{m}" for m in range(1, 13))
CN_MONTHS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
ENERGY_HEADER = ["统一社会信用代码", "企业名称", "年份", "月份", "能源品种", "消费量", "计量单位"]
ENERGY_SPEC = sheets.HeaderSpec(
    {
        CODE: ("统一社会信用代码", "信用代码", "社会信用代码"),
        NAME: ("企业名称", "单位名称", "重点排放单位"),
        YEAR: ("年份", "年度"),
        MONTH: ("月份", "月"),
        YEAR_MONTH: ("年月", "统计年月", "所属年月"),
        ENERGY: ("能源品种", "能源类型", "品种"),
        QUANTITY: ("消费量", "消费数量", "数量"),
        UNIT: ("计量单位", "单位"),
        # A monthly report laid out wide: one column per month instead of 月份 and 消费量.
        **{
            f: (f"{m}月", f"{m:02d}月", f"{m}月份", f"{CN_MONTHS[m - 1]}月")
            for m, f in enumerate(MONTH_FIELDS, 1)
        },
    },
    required=(CODE, ENERGY, UNIT),  # and 消费量, or the month columns (check_energy)
)


def parse_month(text: str) -> int | None:
    """A month cell: 3, 03, 3月, ３月份 → 3; None outside 1–12."""
    text = unicodedata.normalize("NFKC", text).strip().removesuffix("份").removesuffix("月")
    value = _number(text)
    if value is None or value != value.to_integral_value() or not 1 <= value <= 12:
        return None
    return int(value)


@dataclass
class EnergyRow:
    number: int
    enterprise: object  # MarketEnterprise
    year: int
    month: int
    energy: EnergyType
    quantity: Decimal  # in the energy type's unit

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.enterprise.pk, self.year, self.month, self.energy.pk)


def check_energy(table: Table, lookups: Lookups, enterprises: dict) -> Checked:
    """Monthly energy rows of registered enterprises (``enterprises``: credit code →
    MarketEnterprise). The month is 年份 + 月份 or one 年月 column; a name, when given, must be
    the registered one; units are converted to the energy type's (factors.convert)."""
    header = table.header
    out = Checked(rows=[], total_rows=len(table.rows))
    out.errors += ENERGY_SPEC.missing_errors(header)
    months = [(m, f) for m, f in enumerate(MONTH_FIELDS, 1) if f in header.columns]
    wide = QUANTITY not in header.columns and bool(months)
    by_month = YEAR in header.columns and MONTH in header.columns
    if wide:
        if YEAR not in header.columns:
            out.errors.append(
                RowError(
                    header.last_row,
                    "",
                    _("A sheet with a column per month (1月 … 12月) needs the column 年份."),
                )
            )
    elif QUANTITY not in header.columns:
        out.errors.append(
            RowError(
                header.last_row,
                "",
                _(
                    "The column “消费量” is missing (also accepted: 消费数量、数量, or one column "
                    "per month, 1月 … 12月)."
                ),
            )
        )
    elif not by_month and YEAR_MONTH not in header.columns:
        out.errors.append(
            RowError(
                header.last_row,
                "",
                _("The file needs the columns 年份 and 月份, or one column 年月 (2025-03)."),
            )
        )
    if out.errors:
        return out
    by_cell = (QUANTITY, *((YEAR, MONTH) if by_month else (YEAR_MONTH,)))
    required = (YEAR,) if wide else by_cell
    lines = _Lines(table, ENERGY_SPEC, out, required)
    for line in lines:
        number, cell, error = line.number, line.cell, line.error
        code = market.normalize_credit_code(cell[CODE])
        e = enterprises.get(code) if code else None
        if code and e is None:
            if problem := market.credit_code_problem(code):
                error(CODE, credit_code_message(problem, cell[CODE]))
            else:
                error(
                    CODE,
                    _("No registered market enterprise has the credit code “%(text)s”.")
                    % {"text": cell[CODE]},
                )
        name = " ".join(cell[NAME].split())
        if e is not None and name and _key(name) != _key(e.name):
            error(
                NAME,
                _("“%(text)s” is not the registered name of %(code)s (%(name)s).")
                % {"text": name, "code": e.credit_code, "name": e.name},
            )
        year = month = None
        if by_month or wide:
            year = _year(cell[YEAR]) if cell[YEAR] else None
            if cell[YEAR] and year is None:
                error(YEAR, _("Not a year: “%(text)s”.") % {"text": cell[YEAR]})
        if by_month and not wide:
            month = parse_month(cell[MONTH]) if cell[MONTH] else None
            if cell[MONTH] and month is None:
                error(MONTH, _("A month is 1 to 12 (or 3月): “%(text)s”.") % {"text": cell[MONTH]})
        elif cell[YEAR_MONTH]:
            found = sheets.parse_year_month(cell[YEAR_MONTH])
            if found is None or not MIN_YEAR <= found[0] <= MAX_YEAR:
                error(
                    YEAR_MONTH,
                    _("Not a month: “%(text)s” (write it as 2025-03 or 2025年3月).")
                    % {"text": cell[YEAR_MONTH]},
                )
            else:
                year, month = found
        energy = lookups.energy_type(cell[ENERGY]) if cell[ENERGY] else None
        if cell[ENERGY] and energy is None:
            error(ENERGY, _("Unknown energy type “%(text)s”.") % {"text": cell[ENERGY]})
        if wide:  # the months with a figure, each a row of its own
            entries = [(m, f) for m, f in months if cell[f]]
            if not entries:
                error(QUANTITY, _("No month of this row has a quantity."))
        else:
            entries = [(month, QUANTITY)]
        unit_ok = (
            bool(cell[UNIT])
            and energy is not None
            and _converted(Decimal(1), cell[UNIT], energy, partial(error, UNIT)) is not None
        )
        figures = [(m, _energy_quantity(cell, f, energy, unit_ok, error)) for m, f in entries]
        if lines.failed(line, e, year, energy, *(x for figure in figures for x in figure)):
            continue
        for m, converted in figures:
            row = EnergyRow(number, e, year, m, energy, converted)
            if not lines.duplicate(number, row.key):
                out.rows.append(row)
    return out


def _energy_quantity(cell, f: str, energy, unit_ok: bool, error) -> Decimal | None:
    """The quantity in column ``f`` as the energy type's unit (the unit already checked:
    ``unit_ok``), or None with the problem reported."""
    if not cell[f]:
        return None  # reported as an empty required cell
    quantity = _number(cell[f])
    if quantity is None or quantity < 0 or quantity >= 10**13:
        error(f, _("Not a quantity of zero or more: “%(text)s”.") % {"text": cell[f]})
        return None
    if not unit_ok:
        return None
    converted = _converted(quantity, cell[UNIT], energy, partial(error, UNIT))
    if converted is not None and converted >= 10**13:
        error(f, _("The quantity is too large: “%(text)s”.") % {"text": cell[f]})
        return None
    return converted


def _converted(quantity, unit: str, energy: EnergyType, report) -> Decimal | None:
    """``quantity`` in ``unit`` as the energy type's unit; a problem is reported (Chinese)."""
    try:
        return calc.convert(quantity or Decimal(0), unit, energy.unit)
    except calc.UnitProblem as exc:
        if exc.code == "unknown":
            report(_("Unknown unit “%(unit)s”.") % {"unit": unit})
        else:
            report(
                _(
                    "%(energy)s is counted in %(target)s; “%(unit)s” cannot be converted "
                    "(use %(accepted)s)."
                )
                % {
                    "energy": energy.name,
                    "target": energy.unit,
                    "unit": unit,
                    "accepted": "、".join(calc.accepted_units(energy.unit)),
                }
            )
    return None
