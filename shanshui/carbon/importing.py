"""Reading and checking the carbon imports: activity data and the district economy.

The plain layouts (docs/carbon.md): an .xlsx workbook (the first visible sheet with the header)
or a CSV file (UTF-8 with or without BOM, or GB18030/GBK as Excel saves it in China). Columns
are found by their header text in any order (lib/sheets.HeaderSpec):

- activity: 区县, 年份, [月份], 行业, 能源品种, 消费量, 计量单位
- economy: 区县, 年份, 地区生产总值（亿元）, 平减指数, [价格基年], 常住人口（万人）

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

from django.utils.translation import gettext as _

from shanshui.carbon import factors as calc
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
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
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
        if not sheets.blank_row(values)
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
        self.units = UnitResolver()
        self.energy: dict[str, EnergyType] = {}
        for et in EnergyType.objects.all():
            for name in [et.name, *re.split(r"[、,，;；]", et.aliases)]:
                if name.strip():
                    self.energy[_key(name)] = et
        self._districts: dict[str, object] = {}

    def district(self, text: str):
        if text not in self._districts:
            try:
                unit = self.units.resolve(text)
            except UnitLookupError as exc:
                unit = exc.message
            else:
                if not unit.is_territorial:
                    unit = _("“%(name)s” is not a district or county.") % {"name": text}
            self._districts[text] = unit
        return self._districts[text]


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def parse_sector(text: str) -> tuple[str, str] | None:
    """(sector, sub-sector) of "工业/钢铁", or None."""
    text = unicodedata.normalize("NFKC", text).strip()
    top, _sep, sub = text.partition("/")
    sub = " ".join(sub.split())
    for code, name in SECTOR_NAMES.items():
        if "".join(top.split()) == name:
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


def check_activity(table: Table, lookups: Lookups) -> Checked:
    header = table.header
    out = Checked(rows=[], total_rows=len(table.rows))
    out.errors += ACTIVITY_SPEC.missing_errors(header)
    if out.errors:
        return out
    seen: dict[tuple, int] = {}
    monthly: dict[tuple, tuple[bool, int]] = {}
    for number, values in table.rows:
        if len(out.errors) >= MAX_ERRORS:
            break
        errors: list[RowError] = []

        def error(f: str, message: str, number=number, errors=errors) -> None:
            errors.append(RowError(number, header.label(f), message))

        cell = {f: header.cell(values, f) for f in ACTIVITY_SPEC.synonyms}
        for f in ACTIVITY_SPEC.required:
            if not cell[f]:
                error(f, _("This cell is empty; it is required."))
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
        energy = lookups.energy.get(_key(cell[ENERGY])) if cell[ENERGY] else None
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
            try:
                converted = calc.convert(quantity or Decimal(0), cell[UNIT], energy.unit)
            except calc.UnitProblem as exc:
                if exc.code == "unknown":
                    error(UNIT, _("Unknown unit “%(unit)s”.") % {"unit": cell[UNIT]})
                else:
                    error(
                        UNIT,
                        _(
                            "%(energy)s is counted in %(target)s; “%(unit)s” cannot be converted "
                            "(use %(accepted)s)."
                        )
                        % {
                            "energy": energy.name,
                            "target": energy.unit,
                            "unit": cell[UNIT],
                            "accepted": "、".join(calc.accepted_units(energy.unit)),
                        },
                    )
        if errors or None in (district, year, sector, energy, quantity, converted):
            out.errors += errors
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
        if row.key in seen:
            out.errors.append(
                RowError(number, "", _("The same row as row %(n)d.") % {"n": seen[row.key]})
            )
            continue
        seen[row.key] = number
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
    seen: dict[tuple, int] = {}
    for number, values in table.rows:
        if len(out.errors) >= MAX_ERRORS:
            break
        errors: list[RowError] = []
        cell = {f: header.cell(values, f) for f in ECONOMY_SPEC.synonyms}

        def error(f: str, message: str, number=number, errors=errors) -> None:
            errors.append(RowError(number, header.label(f), message))

        for f in ECONOMY_SPEC.required:
            if not cell[f]:
                error(f, _("This cell is empty; it is required."))
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
        if errors or district is None or year is None:
            out.errors += errors
            continue
        key = (district.pk, year)
        if key in seen:
            out.errors.append(
                RowError(number, "", _("The same row as row %(n)d.") % {"n": seen[key]})
            )
            continue
        seen[key] = number
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
