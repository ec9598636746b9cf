"""Loading monitoring data from CSV files: parsing, validation and bulk upserts.

**Hourly air readings** (the national platform's layout): a header row, then one row per station
and hour. Columns are found by their header, in any order (spaces, case, full-width forms and a
unit in brackets do not matter):

* station code — 站点编码 / 监测点编码 / code / station_code (CNEMC's ``stationcode``);
* the time — 时间 / 监测时间 / time / datetime (CNEMC's ``timepoint``) as ``2026-01-01 01:00``,
  ``2026/1/1 1:00``, ``2026-01-01T01:00:00+08:00`` (an offset is converted; without one the time
  is Beijing time), or a date column (日期 / date: ``2026-01-01``, ``2026/1/1``, ``20260101``)
  plus an hour column (小时 / hour: ``0``–``24``, ``1:00``, ``1时``);
* the hourly values SO2, NO2, PM10, PM2.5 (PM2_5, PM25), CO (mg/m³), O3 (1-h). Other columns
  (O3_8h, PM2.5_24h, AQI, station names …) are ignored and listed as ignored.

The time is the hour's label as CNEMC publishes it: the value labelled 01:00 is the mean of
00:00–01:00, so a day's readings are labelled 01:00 … 24:00 (= the next day's 00:00); ``24:00``
is accepted. Times are stored in UTC; Beijing time is UTC+8 all year (no daylight saving since
1991), which the loader and the daily computation use as a fixed offset.

CNEMC's own archive files (``date,hour,type,1001A,1002A,…``: one row per hour and pollutant, one
column per station) are read too. In that wide layout a station column whose code is not in our
register is ignored (a national file holds every station in China), and reported as ignored.

Missing values: empty, ``—``, ``-``, ``--``, ``NA``, ``N/A``, ``NaN``, ``null``. A value that is
not a number, negative, infinite or absurdly large (> ``airstats.MAX_HOURLY``) is an error.

**Water samples**: station (section) code, sampling date (采样日期 / 监测日期 / date),
one column per GB 3838 item by its code or usual Chinese name (pH, 溶解氧 DO,
高锰酸盐指数 CODMn, 化学需氧量 COD, 五日生化需氧量 BOD5, 氨氮 NH3N, 总磷 TP, 总氮 TN,
铜, 锌, 氟化物, 硒, 砷, 汞, 镉, 六价铬, 铅, 氰化物, 挥发酚, 石油类,
阴离子表面活性剂, 硫化物, 粪大肠菌群). The class is computed by ``water.classify_sample`` with
the section's waterbody (river, or lake/reservoir).

**Files**: UTF-8 with or without BOM, UTF-16 with BOM, or GB18030 (a superset of GBK/GB2312,
what Excel saves in China) — decided by decoding the whole file in 1 MiB chunks before anything
else (a fraction of a second for 200 MB). Comma-, tab- or semicolon-separated. At most
``max_bytes`` (settings ``SHANSHUI_MONITORING_CSV_MAX_BYTES``, default 200 MB; the upload page
uses 20 MB). A workbook, PDF or other binary file is refused with a message saying what it is.

**All or nothing, in one streaming pass, with flat memory** (how 10M rows stay cheap):

1. Everything happens in one database transaction.
2. One pass reads the CSV (the ``csv`` module), checks every row — known station of the right
   kind, readable time on the hour, values, duplicates of station and hour within the file — and
   streams the good rows into a temporary staging table: on PostgreSQL through psycopg 3
   ``cursor.copy("COPY … FROM STDIN")``, on SQLite with ``executemany`` in batches of 5,000 rows.
   No per-row object is kept in Python: station codes and time strings are looked up in bounded
   caches, and duplicates are found with one byte per station-hour seen (a ``bytearray`` per
   station and block of 1,024 hours: ~1 byte per row, 10 MB for 10M rows).
3. Row errors are listed by row number (the record number, as a spreadsheet shows it; the header
   row included) and column, with messages for the user; after :data:`MAX_ERRORS` the pass stops.
   If there is any error the transaction is rolled back: the staging table and everything
   written vanish.
4. Otherwise the readings are merged with one ``INSERT … SELECT … ON CONFLICT (station_id, hour)
   DO UPDATE SET … WHERE <a value differs>``: re-importing a file changes nothing and writes
   nothing; a changed value updates its row; a pollutant the file has no column for keeps its
   stored value. New, changed and unchanged rows are counted and the (station, day) pairs
   touched by new or changed rows are collected in a second temporary table — on PostgreSQL
   from the upsert's ``RETURNING`` (``xmax = 0`` marks an inserted row), on SQLite by a join of
   the staged rows with the stored ones before the upsert. A dry run does that join (on both)
   and stops there: its counts are exact, and it rolls back.
5. The daily values (``AirDaily``) of the touched station-days and of their districts are
   recomputed by ``daily.py``, still inside the transaction.

Water files are small (monthly samples): they are read into memory (at most
:data:`WATER_MAX_ROWS` rows), checked, and written with the ORM in one transaction.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import operator
import re
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _

from shanshui.lib import filetypes
from shanshui.lib.sheets import RowError
from shanshui.monitoring import airstats, daily, water
from shanshui.monitoring.models import AirHourly, Station, StationKind, WaterSample

__all__ = [
    "AIR_FIELDS",
    "MAX_ERRORS",
    "ImportResult",
    "RowError",
    "default_max_bytes",
    "load_air_csv",
    "load_air_rows",
    "load_water_csv",
    "parse_hour",
]

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
MAX_ERRORS = 500  # errors listed; the pass stops after this many
WATER_MAX_ROWS = 200_000
BATCH_ROWS = 5_000  # rows per SQLite executemany into the staging table
HEADER_SEARCH_ROWS = 10  # title lines above the header are skipped
UTC_OFFSET_H = 8  # Beijing time, UTC+8 all year
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_BLOCK_BITS = 10  # duplicate flags per station in blocks of 1,024 hours
_BLOCK = 1 << _BLOCK_BITS
_BLOCK_MASK = _BLOCK - 1
_CACHE_LIMIT = 200_000

# Column order of the pollutants in the staging table and in AirHourly.
AIR_FIELDS = ("so2", "no2", "pm10", "pm25", "co", "o3")
# What the user calls them (for messages and the page).
AIR_LABELS = {"so2": "SO2", "no2": "NO2", "pm10": "PM10", "pm25": "PM2.5", "co": "CO", "o3": "O3"}

MISSING = frozenset(
    {"", "—", "-", "--", "——", "na", "n/a", "nan", "null", "none", "#n/a", "/"}
)  # compared lower-case and stripped


def default_max_bytes() -> int:
    return int(getattr(settings, "SHANSHUI_MONITORING_CSV_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- header synonyms -----------------------------------------------------------------------------

STATION, TIME, DATE, HOUR, TYPE = "station", "time", "date", "hour", "type"

_AIR_SYNONYMS: dict[str, tuple[str, ...]] = {
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

_WATER_SYNONYMS: dict[str, tuple[str, ...]] = {
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


_AIR_LOOKUP = _lookup_table(_AIR_SYNONYMS)
_WATER_LOOKUP = _lookup_table(_WATER_SYNONYMS)


def _match(label: str, table: dict[str, str]) -> str | None:
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


# --- results -------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import found and did (or, on a dry run, would do)."""

    kind: str  # "air" | "water"
    dry_run: bool
    file_name: str = ""
    encoding: str = ""
    layout: str = ""  # "long" | "date_hour" | "wide" (air); "long" (water)
    total_rows: int = 0  # data rows read (wide layout: station-hours)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    stopped: bool = False  # the pass stopped after MAX_ERRORS errors
    columns: dict[str, str] = field(default_factory=dict)  # field → header text in the file
    ignored_columns: list[str] = field(default_factory=list)
    stations: int = 0  # distinct stations in the file
    first: dt.datetime | dt.date | None = None  # first hour label (local) or sample date
    last: dt.datetime | dt.date | None = None
    station_days: int = 0  # station-days recomputed (air)
    district_days: int = 0  # district-days recomputed (air)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, message))

    def to_dict(self) -> dict:
        def iso(v):
            return v.isoformat() if v is not None else None

        return {
            "ok": self.ok,
            "kind": self.kind,
            "dry_run": self.dry_run,
            "file_name": self.file_name,
            "encoding": self.encoding,
            "layout": self.layout,
            "total_rows": self.total_rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count,
            "stopped": self.stopped,
            "errors": [
                {"row": e.row, "column": e.column, "message": e.message} for e in self.errors
            ],
            "columns": dict(self.columns),
            "ignored_columns": list(self.ignored_columns),
            "stations": self.stations,
            "first": iso(self.first),
            "last": iso(self.last),
            "station_days": self.station_days,
            "district_days": self.district_days,
        }


class FileProblem(Exception):
    """The file as a whole cannot be read; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _TooManyErrors(Exception):
    pass


class _Rollback(Exception):
    pass


# --- the file ------------------------------------------------------------------------------------


def _open(fileobj) -> tuple[io.BufferedIOBase, str, bool]:
    """(seekable binary stream, original name, whether we opened it)."""
    if isinstance(fileobj, bytes | bytearray):
        return io.BytesIO(bytes(fileobj)), "", True
    if isinstance(fileobj, str | Path):
        path = Path(fileobj)
        return path.open("rb"), path.name, True
    name = str(getattr(fileobj, "name", "") or "")
    try:
        seekable = bool(fileobj.seekable())
    except (AttributeError, OSError, ValueError):
        seekable = False
    if not seekable:
        raise FileProblem(_("The upload could not be read."))
    fileobj.seek(0)
    return fileobj, Path(name).name, False


def _check_file(stream, name: str, max_bytes: int) -> None:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise FileProblem(_("The file is empty."))
    if size > max_bytes:
        raise FileProblem(
            _("The file is larger than %(mb)d MB. Split it into several files.")
            % {"mb": max_bytes // 2**20}
        )
    head = stream.read(8192)
    stream.seek(0)
    kind = filetypes.sniff(head, stream=stream)
    if kind is not None:
        if kind.code in ("xlsx", "xls"):
            raise FileProblem(
                _(
                    "This is an Excel workbook, not a CSV file. Open it in Excel or WPS and "
                    "save it as “CSV (comma delimited)”."
                )
            )
        raise FileProblem(
            _("The file is not a CSV text file (it is a %(kind)s file).")
            % {"kind": kind.extension.upper()}
        )
    if head.startswith(b"PK\x03\x04") or (
        b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    ):
        raise FileProblem(_("The file is not a CSV text file."))
    suffix = Path(name).suffix.lower()
    if name and suffix not in (".csv", ".txt", ".tsv", ""):
        raise FileProblem(
            _("The file's name must end in .csv (or .txt), not “%(suffix)s”.") % {"suffix": suffix}
        )


def _detect_encoding(stream) -> str:
    """utf-8-sig, utf-16 (with a BOM) or gb18030, by decoding the whole file."""
    head = stream.read(4)
    stream.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        finally:
            stream.seek(0)
        return encoding
    raise FileProblem(
        _(
            "The file's text encoding is not recognised. Save it as “CSV UTF-8” (or the "
            "Chinese default GBK) and upload it again."
        )
    )


class _Reader:
    """CSV records of a binary stream, as a context manager (the text wrapper is detached at
    the end, so the caller's stream stays open). The delimiter — comma, tab or semicolon — is
    the one the first non-blank lines have most of."""

    def __init__(self, stream, encoding: str) -> None:
        self.stream, self.encoding = stream, encoding
        self.text: io.TextIOWrapper | None = None

    def __enter__(self) -> Iterator[list[str]]:
        probe = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        counts = dict.fromkeys((",", "\t", ";"), 0)
        try:
            lines = 0
            for line in probe:
                if line.strip():
                    for d in counts:
                        counts[d] += line.count(d)
                    lines += 1
                    if lines >= HEADER_SEARCH_ROWS:
                        break
        finally:
            probe.detach()
        delimiter = max(counts, key=counts.get) if max(counts.values()) else ","
        self.stream.seek(0)
        self.text = io.TextIOWrapper(self.stream, encoding=self.encoding, newline="")
        return csv.reader(self.text, delimiter=delimiter)

    def __exit__(self, *exc) -> None:
        if self.text is not None:
            self.text.detach()
            self.text = None


def _is_blank(row: list[str]) -> bool:
    return not any(c.strip() for c in row)


# --- times ---------------------------------------------------------------------------------------

_TIME_RE = re.compile(
    r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]+(\d{1,2})(?:[:时](\d{1,2})?(?::(\d{1,2})(?:\.\d+)?)?)?分?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$"
)
_COMPACT_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_HOUR_RE = re.compile(r"^\s*(\d{1,2})(?:(?::|时)(\d{2})?(?::(\d{2}))?)?\s*(?:时)?\s*$")


class TimeProblem(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _hours_since_epoch(y: int, m: int, d: int, h: int, mi: int, s: int, off_min: int) -> int:
    try:
        days = dt.date(y, m, d).toordinal() - _EPOCH_ORDINAL
    except ValueError as exc:
        raise TimeProblem("date") from exc
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s)):
        raise TimeProblem("format")
    minutes = days * 1440 + h * 60 + mi - off_min
    if s or minutes % 60:
        raise TimeProblem("not_on_hour")
    if not 2000 <= y <= 2100:
        raise TimeProblem("year")
    return minutes // 60


def parse_hour(text: str) -> int:
    """An hour label → hours since 1970-01-01 00:00 UTC. Beijing time unless an offset is given;
    ``24:00`` is the next day's 00:00. Raises :class:`TimeProblem` (code: format, date,
    not_on_hour, year)."""
    m = _TIME_RE.match(text)
    if m is None:
        raise TimeProblem("format")
    y, mo, d, h, mi, s, tz = m.groups()
    if h is None:
        raise TimeProblem("no_hour")
    if tz is None:
        off = UTC_OFFSET_H * 60
    elif tz == "Z":
        off = 0
    else:
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        off = sign * (int(digits[:2]) * 60 + int(digits[2:4] or 0))
    return _hours_since_epoch(int(y), int(mo), int(d), int(h), int(mi or 0), int(s or 0), off)


def parse_date(text: str) -> dt.date:
    """A date as 2026-01-15, 2026/1/15, 2026.1.15, 20260115 or 2026年1月15日 (a time after it is
    ignored). Raises :class:`TimeProblem`."""
    m = _COMPACT_DATE_RE.match(text)
    if m is None:
        m = _TIME_RE.match(text)
    if m is None:
        raise TimeProblem("format")
    y, mo, d = (int(x) for x in m.groups()[:3])
    try:
        day = dt.date(y, mo, d)
    except ValueError as exc:
        raise TimeProblem("date") from exc
    if not 2000 <= y <= 2100:
        raise TimeProblem("year")
    return day


def _parse_date_hour(date_text: str, hour_text: str) -> int:
    day = parse_date(date_text)
    m = _HOUR_RE.match(hour_text)
    if m is None:
        raise TimeProblem("hour")
    h, mi, s = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if h > 24 or mi > 59 or s > 59 or (h == 24 and (mi or s)):
        raise TimeProblem("hour")
    return _hours_since_epoch(day.year, day.month, day.day, h, mi, s, UTC_OFFSET_H * 60)


def hour_label(hour: int) -> dt.datetime:
    """Hours since epoch (UTC) → the naive Beijing-time label."""
    return dt.datetime(1970, 1, 1) + dt.timedelta(hours=hour + UTC_OFFSET_H)


def hour_label_text(hour: int) -> str:
    label = hour_label(hour)
    if label.hour == 0:  # show the label the day's 24th reading is published with
        prev = label - dt.timedelta(days=1)
        return f"{prev:%Y-%m-%d} 24:00"
    return f"{label:%Y-%m-%d %H:%M}"


def _time_message(code: str, text: str) -> str:
    if code == "not_on_hour":
        return _("The time “%(v)s” is not on the hour: hourly data are labelled 01:00 … 24:00.") % {
            "v": text
        }
    if code == "date":
        return _("“%(v)s” is not a valid date.") % {"v": text}
    if code == "year":
        return _("The year of “%(v)s” is out of range.") % {"v": text}
    if code == "no_hour":
        return _("“%(v)s” has no hour: write the time as 2026-01-01 01:00.") % {"v": text}
    if code == "hour":
        return _("The hour “%(v)s” is not valid: use 0 to 24.") % {"v": text}
    return _(
        "The time “%(v)s” cannot be read: write it as 2026-01-01 01:00, 2026/1/1 1:00 or "
        "2026-01-01T01:00:00+08:00."
    ) % {"v": text}


def _date_message(code: str, text: str) -> str:
    if code in ("date", "year"):
        return _time_message(code, text)
    return _("The date “%(v)s” cannot be read: write it as 2026-01-15 or 2026/1/15.") % {"v": text}


# --- values --------------------------------------------------------------------------------------


class ValueProblem(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_value(text: str) -> float | None:
    """A concentration: None when missing; raises :class:`ValueProblem` otherwise."""
    try:
        v = float(text)
    except ValueError:
        if text.strip().lower() in MISSING:
            return None
        raise ValueProblem(_("“%(v)s” is not a number.") % {"v": text.strip()[:40]}) from None
    if v != v:  # NaN
        return None
    if v < 0:
        raise ValueProblem(_("A concentration cannot be negative (“%(v)s”).") % {"v": text.strip()})
    if v > airstats.MAX_HOURLY:
        raise ValueProblem(_("“%(v)s” is implausibly large.") % {"v": text.strip()[:40]})
    return v


# --- stations ------------------------------------------------------------------------------------


class _Stations:
    """Station code → (id, kind, district, waterbody), exact or case-insensitive."""

    def __init__(self) -> None:
        self.by_code: dict[str, tuple[int, str, int, str]] = {}
        self.by_upper: dict[str, tuple[int, str, int, str]] = {}
        for code, pk, kind, district, waterbody in Station.objects.values_list(
            "code", "pk", "kind", "district_id", "waterbody"
        ):
            self.by_code[code] = (pk, kind, district, waterbody)
            self.by_upper.setdefault(code.strip().upper(), (pk, kind, district, waterbody))

    def get(self, code: str) -> tuple[int, str, int, str] | None:
        hit = self.by_code.get(code)
        if hit is None:
            hit = self.by_upper.get(code.strip().upper())
        return hit


def _station_problem(code: str, hit, want: str) -> str | None:
    if not code.strip():
        return _("The station code is empty.")
    if hit is None:
        return _("Unknown station code “%(code)s”.") % {"code": code.strip()[:40]}
    if hit[1] != want:
        if want == StationKind.AIR:
            return _("“%(code)s” is a water section, not an air station.") % {"code": code.strip()}
        return _("“%(code)s” is an air station, not a water section.") % {"code": code.strip()}
    return None


# --- the header ----------------------------------------------------------------------------------


@dataclass
class _Header:
    row: int  # record number of the header row (1-based)
    labels: list[str]
    fields: dict[str, int]  # field → column index
    ignored: list[str]
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (field, label) repeated
    wide_stations: dict[int, str] = field(default_factory=dict)  # wide layout: column → code


def _find_header(
    rows: Iterator[list[str]], table: dict[str, str], is_header: Callable[[set[str]], bool]
) -> _Header | None:
    """The header among the first rows (title lines above it are skipped): the first row whose
    recognised fields satisfy ``is_header``."""
    for number, row in enumerate(rows, start=1):
        found = {f for cell in row if (f := _match(cell, table)) is not None}
        if is_header(found):
            return _make_header(number, row, table)
        if number >= HEADER_SEARCH_ROWS:
            break
    return None


def _is_air_header(found: set[str]) -> bool:
    long = STATION in found and (TIME in found or DATE in found)
    wide = TYPE in found and DATE in found and HOUR in found
    return long or wide


def _is_water_header(found: set[str]) -> bool:
    return STATION in found and DATE in found


def _make_header(number: int, row: list[str], table: dict[str, str]) -> _Header:
    fields: dict[str, int] = {}
    ignored: list[str] = []
    dup: list[tuple[str, str]] = []
    for i, cell in enumerate(row):
        label = " ".join(cell.split())
        f = _match(cell, table)
        if f is None:
            if label:
                ignored.append(label)
            continue
        if f in fields:
            dup.append((f, label))
            continue
        fields[f] = i
    return _Header(number, [" ".join(c.split()) for c in row], fields, ignored, dup)


# --- staging and merging (database) ------------------------------------------------------------


class _Stage:
    """A temporary staging table for hourly readings, and the SQL that merges it."""

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.vendor = connection.vendor
        suffix = uuid.uuid4().hex[:10]
        self.table = f"mon_stage_{suffix}"
        self.touched = f"mon_touched_{suffix}"
        self._buffer: list[tuple] = []
        self._copy = None
        self._copy_cm = None
        cols = ", ".join(f"{c} double precision" for c in AIR_FIELDS)
        if self.vendor == "postgresql":
            # The joins of a large file with the stored readings hash millions of rows: give
            # this transaction (only) the memory to do it without spilling to disk.
            cursor.execute("SET LOCAL work_mem = '128MB'")
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} (rownum integer, station_id bigint, "
                f"hour_h bigint, {cols}) ON COMMIT DROP"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {self.touched} (station_id bigint, day_n integer, "
                f"ins bigint, upd bigint) ON COMMIT DROP"
            )
        else:
            cols = ", ".join(f"{c} real" for c in AIR_FIELDS)
            cursor.execute(
                f"CREATE TEMP TABLE {self.table} (rownum integer, station_id integer, "
                f"hour_h integer, {cols})"
            )
            cursor.execute(
                f"CREATE TEMP TABLE {self.touched} (station_id integer, day_n integer, "
                f"ins integer, upd integer)"
            )

    # writing ---------------------------------------------------------------------------------

    def open(self) -> Callable[[tuple], None]:
        """Start staging; returns the function that stages one row tuple."""
        if self.vendor == "postgresql":
            columns = ", ".join(("rownum", "station_id", "hour_h", *AIR_FIELDS))
            self._copy_cm = self.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN")
            self._copy = self._copy_cm.__enter__()
            return self._copy.write_row  # psycopg buffers and sends in large chunks
        buffer = self._buffer
        flush = self.flush

        def write(row: tuple) -> None:
            buffer.append(row)
            if len(buffer) >= BATCH_ROWS:
                flush()

        return write

    def flush(self) -> None:
        if self._buffer:
            marks = ", ".join(["%s"] * (3 + len(AIR_FIELDS)))
            self.cursor.executemany(f"INSERT INTO {self.table} VALUES ({marks})", self._buffer)
            self._buffer.clear()

    def close(self, exc: BaseException | None = None) -> None:
        if exc is None:
            self.flush()
        else:
            self._buffer.clear()
        if self._copy_cm is not None:
            cm, self._copy_cm, self._copy = self._copy_cm, None, None
            if exc is None:
                cm.__exit__(None, None, None)
            else:
                cm.__exit__(type(exc), exc, exc.__traceback__)
        if exc is None and self.vendor == "postgresql":
            # A temporary table has no statistics until analysed: without them the planner
            # guesses its size and may scan every stored reading to compare a small file.
            self.cursor.execute(f"ANALYZE {self.table}")

    # merging ---------------------------------------------------------------------------------

    def _hour_expr(self, alias: str) -> str:
        if self.vendor == "postgresql":
            return f"to_timestamp({alias}.hour_h * 3600)"
        return f"datetime({alias}.hour_h * 3600, 'unixepoch')"

    def _differs(self, a: str, b: str, columns: tuple[str, ...]) -> str:
        if self.vendor == "postgresql":
            left = ", ".join(f"{a}.{c}" for c in columns)
            right = ", ".join(f"{b}.{c}" for c in columns)
            return f"ROW({left}) IS DISTINCT FROM ROW({right})"
        return "(" + " OR ".join(f"{a}.{c} IS NOT {b}.{c}" for c in columns) + ")"

    def compare(self, columns: tuple[str, ...] = AIR_FIELDS) -> tuple[int, int]:
        """Fill the touched table: per (station, day) the new rows and the rows where one of
        ``columns`` (the pollutants the file has) differs. Returns (inserted, updated)."""
        hourly = AirHourly._meta.db_table
        if self.vendor == "postgresql":
            counts = (
                "count(*) FILTER (WHERE h.id IS NULL), count(*) FILTER (WHERE h.id IS NOT NULL)"
            )
        else:
            counts = "sum(h.id IS NULL), sum(h.id IS NOT NULL)"
        # The day of a label: labels 01:00 … 24:00 (Beijing time) belong to the day.
        day = f"(s.hour_h + {UTC_OFFSET_H - 1}) / 24"
        self.cursor.execute(
            f"INSERT INTO {self.touched} (station_id, day_n, ins, upd) "
            f"SELECT s.station_id, {day}, {counts} "
            f"FROM {self.table} s LEFT JOIN {hourly} h "
            f"ON h.station_id = s.station_id AND h.hour = {self._hour_expr('s')} "
            f"WHERE h.id IS NULL OR {self._differs('h', 's', columns)} "
            f"GROUP BY s.station_id, {day}"
        )
        self.cursor.execute(f"SELECT sum(ins), sum(upd) FROM {self.touched}")
        ins, upd = self.cursor.fetchone()
        return int(ins or 0), int(upd or 0)

    def merge(self, columns: tuple[str, ...] = AIR_FIELDS) -> None:
        """Insert new rows; update ``columns`` of changed rows. A pollutant the file has no
        column for keeps its stored value (a file of PM2.5 alone does not erase the others)."""
        hourly = AirHourly._meta.db_table
        cols = ", ".join(AIR_FIELDS)
        values = ", ".join(f"s.{c}" for c in AIR_FIELDS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns)
        where = "" if self.vendor == "postgresql" else " WHERE true"
        self.cursor.execute(
            f"INSERT INTO {hourly} (station_id, hour, {cols}) "
            f"SELECT s.station_id, {self._hour_expr('s')}, {values} FROM {self.table} s{where} "
            f"ON CONFLICT (station_id, hour) DO UPDATE SET {sets} "
            f"WHERE {self._differs(hourly, 'excluded', columns)}"
        )

    def merge_counting(self, columns: tuple[str, ...] = AIR_FIELDS) -> tuple[int, int]:
        """PostgreSQL: :meth:`compare` and :meth:`merge` in one statement. The staged rows are
        joined with the stored ones and only new or changed rows go into the upsert — so an
        unchanged row is neither written nor locked (``ON CONFLICT DO UPDATE … WHERE`` would
        still lock it, and dirty its page) — in station and hour order, which keeps the unique
        index's insertions local. The upsert returns its rows and whether each was inserted
        (``xmax = 0``: no earlier version) or updated. Returns (inserted, updated)."""
        hourly = AirHourly._meta.db_table
        cols = ", ".join(AIR_FIELDS)
        values = ", ".join(f"s.{c}" for c in AIR_FIELDS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns)
        day = f"(EXTRACT(EPOCH FROM hour)::bigint / 3600 + {UTC_OFFSET_H - 1}) / 24"
        self.cursor.execute(
            f"WITH up AS ("
            f"INSERT INTO {hourly} (station_id, hour, {cols}) "
            f"SELECT s.station_id, {self._hour_expr('s')}, {values} FROM {self.table} s "
            f"LEFT JOIN {hourly} h "
            f"ON h.station_id = s.station_id AND h.hour = {self._hour_expr('s')} "
            f"WHERE h.id IS NULL OR {self._differs('h', 's', columns)} "
            f"ORDER BY s.station_id, s.hour_h "
            f"ON CONFLICT (station_id, hour) DO UPDATE SET {sets} "
            f"WHERE {self._differs(hourly, 'excluded', columns)} "
            f"RETURNING station_id, hour, (xmax = 0) AS inserted) "
            f"INSERT INTO {self.touched} (station_id, day_n, ins, upd) "
            f"SELECT station_id, {day}, count(*) FILTER (WHERE inserted), "
            f"count(*) FILTER (WHERE NOT inserted) FROM up GROUP BY station_id, {day}"
        )
        self.cursor.execute(f"SELECT sum(ins), sum(upd) FROM {self.touched}")
        ins, upd = self.cursor.fetchone()
        return int(ins or 0), int(upd or 0)

    def touched_pairs(self) -> Iterator[tuple[int, int]]:
        """(station id, day as days since 1970-01-01) of new or changed rows, by station."""
        # A cursor of its own (server-side on PostgreSQL), closed when read: the pairs of a
        # 10M-row load are ~400,000 rows that need not stay in memory twice.
        with connection.chunked_cursor() as cursor:
            cursor.execute(
                f"SELECT station_id, day_n FROM {self.touched} ORDER BY station_id, day_n"
            )
            while chunk := cursor.fetchmany(50_000):
                yield from chunk

    def drop(self) -> None:
        for table in (self.table, self.touched):
            self.cursor.execute(f"DROP TABLE IF EXISTS {table}")


# --- air: the pass -------------------------------------------------------------------------------


class _AirPass:
    """One streaming pass over an hourly CSV: parse, check, stage."""

    def __init__(
        self, result: ImportResult, stations: _Stations, write: Callable[[tuple], None] | None
    ) -> None:
        self.result = result
        self.stations = stations
        self.write = write
        self.staged = 0
        self.types_seen: set[str] = set()  # wide layout: the pollutants the file has
        self.seen: dict[int, bytearray] = {}  # station << 32 | block → flags
        self.station_ids: set[int] = set()
        self.first: int | None = None
        self.last: int | None = None
        self.writing = True

    def error(self, row: int, column: str, message: str) -> None:
        self.result.add_error(row, column, message)
        self.writing = False  # nothing more needs staging: the import will be rolled back
        if self.result.error_count >= MAX_ERRORS:
            self.result.stopped = True
            raise _TooManyErrors

    def accept(self, row: int, sid: int, hour: int, values: tuple, time_label: str) -> None:
        """A row whose station, time and values are good: check for a duplicate, stage it.
        (The long layout does the same inline, for speed.)"""
        key = sid << 32 | hour >> _BLOCK_BITS
        flags = self.seen.get(key)
        if flags is None:
            flags = self.seen[key] = bytearray(_BLOCK)
        slot = hour & _BLOCK_MASK
        if flags[slot]:
            self.duplicate(row, sid, hour, time_label)
            return
        flags[slot] = 1
        self.station_ids.add(sid)
        self.staged += 1
        if self.first is None or hour < self.first:
            self.first = hour
        if self.last is None or hour > self.last:
            self.last = hour
        if self.writing and self.write is not None:
            self.write((row, sid, hour, *values))

    def duplicate(self, row: int, sid: int, hour: int, time_label: str) -> None:
        self.error(
            row,
            time_label,
            _("Station %(code)s has a second value for %(time)s in this file.")
            % {"code": self._code_of(sid), "time": hour_label_text(hour)},
        )

    def _code_of(self, sid: int) -> str:
        for code, hit in self.stations.by_code.items():
            if hit[0] == sid:
                return code
        return str(sid)

    # long layout (one row per station and hour) -------------------------------------------

    def long(self, header: _Header, rows: Iterator[list[str]], start: int) -> None:
        f = header.fields
        labels = header.labels
        i_station = f[STATION]
        i_time = f.get(TIME)
        i_date, i_hour = f.get(DATE), f.get(HOUR)
        use_time = i_time is not None
        station_label = labels[i_station]
        time_label = labels[i_time] if use_time else f"{labels[i_date]}/{labels[i_hour]}"
        value_cols = [(f[p], labels[f[p]]) for p in AIR_FIELDS if p in f]
        value_index = [index for index, _label in value_cols]
        # A tuple of the value cells (itemgetter returns a bare item for one column).
        pick = (
            operator.itemgetter(*value_index)
            if len(value_index) > 1
            else (lambda r, i=value_index[0]: (r[i],))
        )
        positions = [AIR_FIELDS.index(p) for p in AIR_FIELDS if p in f]
        all_columns = len(value_cols) == len(AIR_FIELDS)
        lookup = self.stations.get
        want = StationKind.AIR
        time_cache: dict[str, int] = {}
        station_cache: dict[str, int] = {}
        need = max(f.values()) + 1
        seen = self.seen
        station_ids = self.station_ids
        result = self.result
        max_hourly = airstats.MAX_HOURLY
        write = self.write
        lo = hi = None
        staged = 0
        row_no = start
        for row in rows:
            row_no += 1
            if len(row) < need:
                if _is_blank(row):
                    continue
                row = row + [""] * (need - len(row))
            # station
            code = row[i_station]
            sid = station_cache.get(code)
            if sid is None:
                hit = lookup(code)
                problem = _station_problem(code, hit, want)
                if problem is not None:
                    if _is_blank(row):
                        continue
                    result.total_rows += 1
                    self.error(row_no, station_label, problem)
                    continue
                sid = hit[0]
                station_cache[code] = sid
                station_ids.add(sid)
            result.total_rows += 1
            # time
            if use_time:
                text = row[i_time]
                hour = time_cache.get(text)
                if hour is None:
                    try:
                        hour = parse_hour(text)
                    except TimeProblem as exc:
                        self.error(row_no, time_label, _time_message(exc.code, text.strip()))
                        continue
                    if len(time_cache) > _CACHE_LIMIT:
                        time_cache.clear()
                    time_cache[text] = hour
            else:
                dtext, htext = row[i_date], row[i_hour]
                key = dtext + "\x00" + htext
                hour = time_cache.get(key)
                if hour is None:
                    try:
                        hour = _parse_date_hour(dtext, htext)
                    except TimeProblem as exc:
                        if exc.code == "hour":
                            self.error(row_no, labels[i_hour], _time_message("hour", htext))
                        else:
                            self.error(row_no, labels[i_date], _date_message(exc.code, dtext))
                        continue
                    if len(time_cache) > _CACHE_LIMIT:
                        time_cache.clear()
                    time_cache[key] = hour
            # values: all six read at once in the common case, one by one when one is
            # missing or wrong (to say which)
            try:
                vals = list(map(float, pick(row)))
                total = sum(vals)
                if total != total or min(vals) < 0 or max(vals) > max_hourly:
                    vals = None  # NaN, infinite, negative or absurd: look closer
            except ValueError:
                vals = None
            if vals is None:
                vals = []
                bad = False
                for index, label in value_cols:
                    try:
                        vals.append(parse_value(row[index]))
                    except ValueProblem as exc:
                        self.error(row_no, label, exc.message)
                        bad = True
                if bad:
                    continue
            # duplicates within the file
            key = sid << 32 | hour >> _BLOCK_BITS
            block = seen.get(key)
            if block is None:
                block = seen[key] = bytearray(_BLOCK)
            if block[hour & _BLOCK_MASK]:
                self.duplicate(row_no, sid, hour, time_label)
                continue
            block[hour & _BLOCK_MASK] = 1
            staged += 1
            if lo is None:
                lo = hi = hour
            elif hour < lo:
                lo = hour
            elif hour > hi:
                hi = hour
            if self.writing:
                if not all_columns:
                    full = [None] * len(AIR_FIELDS)
                    for pos, v in zip(positions, vals, strict=True):
                        full[pos] = v
                    vals = full
                write((row_no, sid, hour, *vals))
        self.staged += staged
        if lo is not None:
            self.first = lo if self.first is None else min(self.first, lo)
            self.last = hi if self.last is None else max(self.last, hi)

    # wide layout (CNEMC archive: date, hour, type, one column per station) -------------------

    def wide(self, header: _Header, rows: Iterator[list[str]], start: int) -> None:
        f = header.fields
        labels = header.labels
        i_date, i_hour, i_type = f[DATE], f[HOUR], f[TYPE]
        columns: list[tuple[int, int, str]] = []  # (index, station id, label)
        for index, code in header.wide_stations.items():
            hit = self.stations.get(code)
            if hit is None:
                self.result.ignored_columns.append(code)
                continue
            if hit[1] != StationKind.AIR:
                self.error(header.row, code, _station_problem(code, hit, StationKind.AIR))
                continue
            columns.append((index, hit[0], labels[index]))
        ignored_types: set[str] = set()
        group_key = None
        group_row = 0
        group_hour = 0
        group: dict[int, list] = {}
        row_no = start

        def flush():
            for sid, vals in group.items():
                if any(v is not None for v in vals):
                    self.result.total_rows += 1
                    self.accept(group_row, sid, group_hour, tuple(vals), labels[i_date])

        for row in rows:
            row_no += 1
            if _is_blank(row):
                continue
            row = row + [""] * max(0, len(labels) - len(row))
            key = (row[i_date], row[i_hour])
            if key != group_key:
                flush()
                group = {}
                group_key = key
                group_row = row_no
                try:
                    group_hour = _parse_date_hour(*key)
                except TimeProblem as exc:
                    group_key = None
                    if exc.code == "hour":
                        self.error(row_no, labels[i_hour], _time_message("hour", key[1]))
                    else:
                        self.error(row_no, labels[i_date], _date_message(exc.code, key[0]))
                    continue
            kind = row[i_type].strip()
            p = _match(kind, _AIR_LOOKUP)
            if p not in AIR_FIELDS:
                if kind:
                    ignored_types.add(kind)
                continue
            pos = AIR_FIELDS.index(p)
            self.types_seen.add(p)
            for index, sid, label in columns:
                try:
                    v = parse_value(row[index])
                except ValueProblem as exc:
                    self.error(row_no, label, exc.message)
                    continue
                vals = group.get(sid)
                if vals is None:
                    vals = group[sid] = [None] * len(AIR_FIELDS)
                vals[pos] = v
        flush()
        self.result.ignored_columns.extend(sorted(ignored_types))


def _air_header(rows: Iterator[list[str]], result: ImportResult) -> _Header | None:
    header = _find_header(rows, _AIR_LOOKUP, _is_air_header)
    if header is not None and STATION not in header.fields and TYPE in header.fields:
        # The wide layout: every other column is a station code.
        fixed = {header.fields.get(k) for k in (DATE, HOUR, TYPE)}
        header.wide_stations = {
            i: label
            for i, label in enumerate(header.labels)
            if i not in fixed and label and _match(label, _AIR_LOOKUP) is None
        }
        header.ignored = []
        if DATE not in header.fields or HOUR not in header.fields:
            header = None
    if header is None or (STATION not in header.fields and not header.wide_stations):
        result.add_error(
            0,
            "",
            _(
                "No header row with a station code column (站点编码) and a time column (时间, "
                "or 日期 and 小时) was found in the first %(n)d rows."
            )
            % {"n": HEADER_SEARCH_ROWS},
        )
        return None
    for f, label in header.duplicates:
        result.add_error(
            header.row,
            label,
            _("Two columns are “%(name)s”; keep one.")
            % {"name": AIR_LABELS.get(f, _AIR_SYNONYMS[f][0])},
        )
    if STATION in header.fields:
        if TIME not in header.fields and not (DATE in header.fields and HOUR in header.fields):
            result.add_error(
                header.row,
                "",
                _("The time column is missing: 时间 (or 日期 and 小时)."),
            )
        if not any(p in header.fields for p in AIR_FIELDS):
            result.add_error(
                header.row,
                "",
                _("No pollutant column found (SO2, NO2, PM10, PM2.5, CO, O3)."),
            )
    return header


# --- air: the entry point ------------------------------------------------------------------------


def load_air_csv(
    fileobj,
    *,
    dry_run: bool,
    max_bytes: int | None = None,
    recompute: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ImportResult:
    """Check and load an hourly air CSV (see the module docstring), all or nothing.

    ``fileobj``: an uploaded file, a binary file object, bytes or a path. With ``dry_run``
    nothing is written, and the counts say what an import would do. ``recompute=False`` leaves
    the daily values alone (the caller recomputes). No permission check: services do that.
    """
    result = ImportResult(kind="air", dry_run=dry_run)
    max_bytes = default_max_bytes() if max_bytes is None else max_bytes
    t0 = time.perf_counter()
    try:
        stream, result.file_name, opened = _open(fileobj)
    except FileProblem as exc:
        result.add_error(0, "", exc.message)
        return result
    try:
        try:
            _check_file(stream, result.file_name, max_bytes)
            result.encoding = _detect_encoding(stream)
        except FileProblem as exc:
            result.add_error(0, "", exc.message)
            return result
        result.timings["check_s"] = time.perf_counter() - t0
        try:
            with transaction.atomic():
                _air_transaction(stream, result, dry_run, recompute, progress)
                t_commit = time.perf_counter()
        except _Rollback:
            pass
        else:
            result.timings["commit_s"] = time.perf_counter() - t_commit
    finally:
        if opened:
            stream.close()
    result.timings["total_s"] = time.perf_counter() - t0
    return result


def _air_transaction(stream, result, dry_run, recompute, progress) -> None:
    with _Reader(stream, result.encoding) as rows:
        _air_rows(rows, result, dry_run, recompute, progress)


def _air_rows(rows, result, dry_run, recompute, progress) -> None:
    stations = _Stations()
    header = _air_header(rows, result)
    if header is None or result.errors:
        raise _Rollback
    result.layout = (
        "wide" if header.wide_stations else ("long" if TIME in header.fields else "date_hour")
    )
    result.columns = {f: header.labels[i] for f, i in header.fields.items()}
    result.ignored_columns = list(header.ignored)
    with connection.cursor() as cursor:
        t = time.perf_counter()
        stage = _Stage(cursor)
        state = _AirPass(result, stations, stage.open())
        failure: BaseException | None = None
        try:
            if header.wide_stations:
                state.wide(header, rows, header.row)
            else:
                state.long(header, rows, header.row)
        except _TooManyErrors:
            pass
        except BaseException as exc:
            failure = exc
            raise
        finally:
            stage.close(failure)
        result.stations = len(state.station_ids)
        if state.first is not None:
            result.first = hour_label(state.first)
            result.last = hour_label(state.last)
        result.timings["parse_stage_s"] = time.perf_counter() - t
        if result.errors:
            raise _Rollback
        if progress:
            progress(f"staged {state.staged} rows")
        if header.wide_stations:
            columns = tuple(p for p in AIR_FIELDS if p in state.types_seen)
        else:
            columns = tuple(p for p in AIR_FIELDS if p in header.fields)
        _merge(stage, result, state.staged, columns, dry_run=dry_run, recompute=recompute)


def _merge(
    stage: _Stage,
    result: ImportResult,
    staged: int,
    columns: tuple[str, ...],
    *,
    dry_run: bool,
    recompute: bool,
) -> None:
    """Compare the staged rows with the stored ones, merge them, recompute the daily values."""
    t = time.perf_counter()
    if stage.vendor == "postgresql" and not dry_run:
        result.inserted, result.updated = stage.merge_counting(columns)
        result.unchanged = staged - result.inserted - result.updated
        result.timings["merge_s"] = time.perf_counter() - t
    else:
        result.inserted, result.updated = stage.compare(columns)
        result.unchanged = staged - result.inserted - result.updated
        result.timings["compare_s"] = time.perf_counter() - t
        if dry_run:
            raise _Rollback
        t = time.perf_counter()
        if result.inserted or result.updated:
            stage.merge(columns)
        result.timings["merge_s"] = time.perf_counter() - t
    if recompute and (result.inserted or result.updated):
        t = time.perf_counter()
        result.station_days, result.district_days = daily.recompute_pairs(stage.touched_pairs())
        result.timings["daily_s"] = time.perf_counter() - t
    stage.drop()


def load_air_rows(rows: Iterable[tuple], *, recompute: bool = True) -> ImportResult:
    """Load hourly readings that need no checking (generated data, trusted feeds): tuples
    ``(station_id, hour, so2, no2, pm10, pm25, co, o3)`` with ``hour`` in hours since
    1970-01-01 00:00 UTC (see :func:`parse_hour`) and None for missing values. No station and
    hour may appear twice. The same staging, merge and daily recompute as the CSV import, in
    one transaction."""
    result = ImportResult(kind="air", dry_run=False, layout="rows")
    t0 = time.perf_counter()
    station_ids: set[int] = set()
    lo = hi = None
    with transaction.atomic(), connection.cursor() as cursor:
        stage = _Stage(cursor)
        write = stage.open()
        failure: BaseException | None = None
        n = 0
        try:
            for n, (sid, hour, *values) in enumerate(rows, start=1):
                write((n, sid, hour, *values))
                station_ids.add(sid)
                lo = hour if lo is None or hour < lo else lo
                hi = hour if hi is None or hour > hi else hi
        except BaseException as exc:
            failure = exc
            raise
        finally:
            stage.close(failure)
        result.total_rows = n
        result.stations = len(station_ids)
        if lo is not None:
            result.first, result.last = hour_label(lo), hour_label(hi)
        _merge(stage, result, n, AIR_FIELDS, dry_run=False, recompute=recompute)
    result.timings["total_s"] = time.perf_counter() - t0
    return result


# --- water ---------------------------------------------------------------------------------------


@dataclass
class WaterRow:
    row: int
    station_id: int
    code: str
    sampled_on: dt.date
    values: dict[str, float]
    water_class: int | None
    main_pollutants: str
    waterbody: str
    items: frozenset[str]  # the item columns of the file (a stored item outside them is kept)


def _classified(values: dict[str, float], waterbody: str) -> tuple[int | None, str]:
    res = water.classify_sample(values, waterbody=waterbody)
    cls = None if res.water_class is None else int(res.water_class)
    return cls, ",".join(res.main_pollutants)


def load_water_csv(fileobj, *, dry_run: bool, max_bytes: int | None = None) -> ImportResult:
    """Check and load a water-sample CSV (see the module docstring), all or nothing; keyed by
    section and date (a changed value updates the sample, the same file again changes
    nothing)."""
    result = ImportResult(kind="water", dry_run=dry_run, layout="long")
    max_bytes = default_max_bytes() if max_bytes is None else max_bytes
    t0 = time.perf_counter()
    try:
        stream, result.file_name, opened = _open(fileobj)
    except FileProblem as exc:
        result.add_error(0, "", exc.message)
        return result
    try:
        try:
            _check_file(stream, result.file_name, max_bytes)
            result.encoding = _detect_encoding(stream)
        except FileProblem as exc:
            result.add_error(0, "", exc.message)
            return result
        try:
            parsed = _water_rows(stream, result)
        except _TooManyErrors:
            parsed = []
        if result.ok and not dry_run:
            _water_write(parsed, result)
        elif result.ok:
            _water_compare(parsed, result)
    finally:
        if opened:
            stream.close()
    result.timings["total_s"] = time.perf_counter() - t0
    return result


def _water_rows(stream, result: ImportResult) -> list[WaterRow]:
    with _Reader(stream, result.encoding) as rows:
        return _water_records(rows, result)


def _water_records(rows, result: ImportResult) -> list[WaterRow]:
    header = _find_header(rows, _WATER_LOOKUP, _is_water_header)
    if header is None:
        result.add_error(
            0,
            "",
            _(
                "No header row with a section code column (断面编码) and a sampling date column "
                "(采样日期) was found in the first %(n)d rows."
            )
            % {"n": HEADER_SEARCH_ROWS},
        )
        return []
    for _f, label in header.duplicates:
        result.add_error(
            header.row, label, _("Two columns are “%(name)s”; keep one.") % {"name": label}
        )
    items = [(code, header.fields[code]) for code in water.ITEMS if code in header.fields]
    file_items = frozenset(code for code, _index in items)
    if not items:
        result.add_error(
            header.row, "", _("No water quality item column found (pH, 溶解氧, 氨氮 …).")
        )
    result.columns = {f: header.labels[i] for f, i in header.fields.items()}
    result.ignored_columns = list(header.ignored)
    if result.errors:
        return []
    stations = _Stations()
    labels = header.labels
    i_station, i_date = header.fields[STATION], header.fields[DATE]
    seen: dict[tuple[int, dt.date], int] = {}
    out: list[WaterRow] = []
    need = max(header.fields.values()) + 1
    station_ids: set[int] = set()

    def error(row, column, message):
        result.add_error(row, column, message)
        if result.error_count >= MAX_ERRORS:
            result.stopped = True
            raise _TooManyErrors

    for row_no, row in enumerate(rows, start=header.row + 1):
        if _is_blank(row):
            continue
        row = row + [""] * max(0, need - len(row))
        if len(out) >= WATER_MAX_ROWS:
            error(
                row_no,
                "",
                _("The file has more than %(n)d samples. Split it.") % {"n": WATER_MAX_ROWS},
            )
        code = row[i_station].strip()
        hit = stations.get(code)
        problem = _station_problem(code, hit, StationKind.WATER)
        if problem is not None:
            error(row_no, labels[i_station], problem)
            continue
        try:
            day = parse_date(row[i_date])
        except TimeProblem as exc:
            error(row_no, labels[i_date], _date_message(exc.code, row[i_date].strip()))
            continue
        values: dict[str, float] = {}
        bad = False
        for item, index in items:
            try:
                v = parse_value(row[index])
            except ValueProblem as exc:
                error(row_no, labels[index], exc.message)
                bad = True
                continue
            if v is not None:
                if item == "pH" and v > 14:
                    error(row_no, labels[index], _("pH must be between 0 and 14."))
                    bad = True
                    continue
                values[item] = v
        if bad:
            continue
        if not values:
            error(row_no, "", _("The row has no values."))
            continue
        key = (hit[0], day)
        if key in seen:
            error(
                row_no,
                labels[i_date],
                _("Section %(code)s has a second sample on %(date)s in this file (row %(first)d).")
                % {"code": code, "date": day.isoformat(), "first": seen[key]},
            )
            continue
        seen[key] = row_no
        waterbody = hit[3] or "river"
        try:
            water_class, main = _classified(values, waterbody)
        except ValueError as exc:  # a rule of the standard the checks above did not catch
            error(row_no, "", str(exc))
            continue
        out.append(
            WaterRow(
                row=row_no,
                station_id=hit[0],
                code=code,
                sampled_on=day,
                values=values,
                water_class=water_class,
                main_pollutants=main,
                waterbody=waterbody,
                items=file_items,
            )
        )
        station_ids.add(hit[0])
    result.total_rows = len(out)
    result.stations = len(station_ids)
    if out:
        result.first = min(r.sampled_on for r in out)
        result.last = max(r.sampled_on for r in out)
    return out


def _water_existing(parsed: list[WaterRow]) -> dict[tuple[int, dt.date], WaterSample]:
    if not parsed:
        return {}
    ids = {r.station_id for r in parsed}
    first = min(r.sampled_on for r in parsed)
    last = max(r.sampled_on for r in parsed)
    return {
        (s.station_id, s.sampled_on): s
        for s in WaterSample.objects.filter(
            station_id__in=ids, sampled_on__gte=first, sampled_on__lte=last
        )
    }


def _water_compare(parsed: list[WaterRow], result: ImportResult) -> tuple[list, list]:
    """New samples, and stored samples changed by the file. A file's row replaces the items it
    has columns for (an empty cell removes a stored value); items it has no column for keep
    their stored value; the class is computed again from the merged values."""
    existing = _water_existing(parsed)
    new, changed = [], []
    for r in parsed:
        sample = existing.get((r.station_id, r.sampled_on))
        if sample is None:
            new.append(r)
            continue
        merged = {k: v for k, v in sample.values.items() if k not in r.items}
        merged.update(r.values)
        water_class, main = _classified(merged, r.waterbody)
        if (sample.values, sample.water_class, sample.main_pollutants) != (
            merged,
            water_class,
            main,
        ):
            sample.values = merged
            sample.water_class = water_class
            sample.main_pollutants = main
            changed.append(sample)
    result.inserted, result.updated = len(new), len(changed)
    result.unchanged = len(parsed) - len(new) - len(changed)
    return new, changed


@transaction.atomic
def _water_write(parsed: list[WaterRow], result: ImportResult) -> None:
    new, changed = _water_compare(parsed, result)
    WaterSample.objects.bulk_create(
        [
            WaterSample(
                station_id=r.station_id,
                sampled_on=r.sampled_on,
                values=r.values,
                water_class=r.water_class,
                main_pollutants=r.main_pollutants,
            )
            for r in new
        ],
        batch_size=1000,
    )
    WaterSample.objects.bulk_update(
        changed, ["values", "water_class", "main_pollutants"], batch_size=1000
    )
