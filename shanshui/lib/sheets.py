"""Reading the Excel lists that offices really send: a title row, perhaps a subtitle, one or
two header rows (merged cells), the data, and blank rows or notes at the end.

Columns are found by their header text, not by position: spaces, line breaks, fullwidth forms,
traditional characters and notes in brackets do not matter, and each field has its usual
synonyms. A :class:`HeaderSpec` holds a list's fields and synonyms; :func:`load_rows` finds the
header in the first visible sheet that has one and returns the data rows with their Excel row
numbers. Importers (complaints' transfer lists, the ledger's rectification plans) check the rows
and write through their app's services, all or nothing.

Uses openpyxl in read-only mode (memory stays flat for large sheets) and Django's translation
for the user-facing messages; no models.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import openpyxl
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _

from shanshui.lib import filetypes
from shanshui.lib.hanzi import to_simplified

logger = logging.getLogger(__name__)

MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 30  # the header is looked for in the first rows only
# A gap of this many blank rows ends the list (sheets formatted down to row 1,048,576).
MAX_BLANK_GAP = 2_000
# A workbook is a zip: refuse one that unpacks to far more than any real list (zip bombs).
UNPACK_FACTOR = 10


@dataclass
class RowError:
    """One problem: ``row`` is the Excel row number (0 for the file as a whole), ``column`` the
    header text as written in the sheet ("" when the problem is not one cell's)."""

    row: int
    column: str
    message: str


class SheetError(Exception):
    """The file as a whole cannot be read (not a workbook, damaged, too large …)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- cells -----------------------------------------------------------------------------------


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def blank_row(values: Iterable) -> bool:
    return all(is_blank(v) for v in values)


def trim(values) -> tuple:
    """A row without its trailing empty cells."""
    values = list(values)
    while values and is_blank(values[-1]):
        values.pop()
    return tuple(values)


def text(value) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    out = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return out.strip()


def clean_label(value) -> str:
    return " ".join(text(value).split())


# --- headers ---------------------------------------------------------------------------------

NOTE_RE = re.compile(r"\([^)]*\)|【[^】]*】|\[[^\]]*\]")
_HEADER_DROP_RE = re.compile(r"[\s*※:：]+")
_FOOTER_RE = re.compile(r"^(注|备注|说明|填表|合计|总计|小计|制表|审核|联系人)")


def header_key(value: str, *, drop_notes: bool) -> str:
    value = to_simplified(unicodedata.normalize("NFKC", value))
    if drop_notes:
        value = NOTE_RE.sub("", value)
    return _HEADER_DROP_RE.sub("", value)


@dataclass
class Column:
    index: int
    label: str  # as written in the sheet
    rank: int


@dataclass
class Header:
    last_row: int  # Excel row number of the (last) header row
    columns: dict[str, list[Column]]  # field → columns (one, or several for multi fields)
    # Every non-empty header cell, column index → its text (lowest header row first), so that a
    # page can show the detected mapping and let the user correct it.
    labels: dict[int, str] = field(default_factory=dict)

    def label(self, f: str) -> str:
        cols = self.columns.get(f)
        return cols[0].label if cols else ""

    def cell(self, values: tuple, f: str) -> str:
        """The text of field ``f`` in a row (several columns joined by line breaks)."""
        cols = self.columns.get(f, [])
        parts = [text(values[c.index]) if c.index < len(values) else "" for c in cols]
        return "\n".join(p for p in parts if p)

    def mapping(self) -> dict[int, str]:
        """Column index → field, as detected or corrected."""
        return {c.index: f for f, cols in self.columns.items() for c in cols}

    def remapped(self, mapping: dict[int, str], spec: HeaderSpec) -> Header:
        """The same header with the user's corrections (column index → field, "" = ignore);
        columns not named keep what was detected."""
        columns: dict[str, list[Column]] = {}
        merged = {**self.mapping(), **mapping}
        for index, f in sorted(merged.items()):
            if not f:
                continue
            if f not in spec.synonyms:
                raise SheetError(_("Unknown field “%(name)s” in the column mapping.") % {"name": f})
            have = columns.setdefault(f, [])
            if have and f not in spec.multi:
                raise SheetError(
                    _("Only one column can be “%(name)s”.") % {"name": spec.synonyms[f][0]}
                )
            have.append(Column(index, self.labels.get(index, ""), 0))
        return Header(last_row=self.last_row, columns=columns, labels=self.labels)


class HeaderSpec:
    """A list's fields: header texts per field (the canonical one first), the required fields,
    and the fields several columns may feed (牵头单位 + 配合单位 are all units of a case)."""

    def __init__(
        self,
        synonyms: dict[str, tuple[str, ...]],
        *,
        required: Iterable[str],
        multi: Iterable[str] = (),
    ) -> None:
        self.synonyms = synonyms
        self.required = tuple(required)
        self.multi = frozenset(multi)
        self._exact: dict[str, tuple[str, int]] = {
            header_key(name, drop_notes=False): (f, rank)
            for f, names in synonyms.items()
            for rank, name in enumerate(names)
        }

    def match(self, value: object) -> tuple[str, int] | None:
        """(field, rank) for a header cell, or None. Rank 0 is an exact canonical match;
        contained synonyms ("信访举报受理编号") rank after every exact one."""
        if not isinstance(value, str) or not value.strip() or len(value) > 60:
            return None
        for drop_notes in (False, True):
            key = header_key(value, drop_notes=drop_notes)
            if key in self._exact:
                return self._exact[key]
        key = header_key(value, drop_notes=True)
        if not key or len(key) > 12:  # a title or a sentence, not a header
            return None
        best: tuple[int, str, int] | None = None
        for name, (f, rank) in self._exact.items():
            if len(name) >= 3 and name in key and (best is None or len(name) > best[0]):
                best = (len(name), f, rank)
        return (best[1], 100 + best[2]) if best else None

    def match_row(self, values: tuple) -> dict[str, Column]:
        out: dict[str, Column] = {}
        for i, v in enumerate(values):
            m = self.match(v)
            if m and (m[0] not in out or m[1] < out[m[0]].rank):
                out[m[0]] = Column(i, clean_label(v), m[1])
        return out

    def find_header(self, rows: list[tuple]) -> Header | None:
        """The header in the first rows: the row matching most fields, with the header row
        above or below it when the header spans two rows (merged cells)."""
        scores = [len(self.match_row(r)) for r in rows]
        if not scores or max(scores) < 2:
            return None
        best = scores.index(max(scores))
        top = best
        if best > 0 and scores[best - 1] >= 1 and sum(not is_blank(v) for v in rows[best - 1]) >= 2:
            top = best - 1
        bottom = best
        if best + 1 < len(rows) and not blank_row(rows[best + 1]):
            # A second header row holds header texts, and sub-headers under merged group cells
            # (责任单位 → 牵头 | 配合), but nothing under the required columns already named: a
            # data row has its required cells filled there.
            required_cols = {
                c.index
                for r in rows[top : best + 1]
                for f, c in self.match_row(r).items()
                if f in self.required
            }
            if all(
                is_blank(v)
                or self.match(v) is not None
                or (isinstance(v, str) and i not in required_cols)
                for i, v in enumerate(rows[best + 1])
            ):
                bottom = best + 1
        header_rows = rows[top : bottom + 1]
        width = max(len(r) for r in header_rows)
        columns: dict[str, list[Column]] = {}
        labels: dict[int, str] = {}
        carried: list[object] = [None] * len(header_rows)
        for i in range(width):
            # The lowest header cell first; an empty top cell carries the group label from the
            # left (a horizontally merged cell keeps its text only in its first column).
            cells = []
            for level, r in enumerate(header_rows):
                v = r[i] if i < len(r) else None
                if not is_blank(v):
                    carried[level] = v
                elif level < len(header_rows) - 1 and any(
                    not is_blank(lower[i] if i < len(lower) else None)
                    for lower in header_rows[level + 1 :]
                ):
                    v = carried[level]
                cells.append(v)
            shown = [clean_label(v) for v in cells if not is_blank(v)]
            if shown:
                labels[i] = " / ".join(dict.fromkeys(shown))
            for v in reversed(cells):
                m = self.match(v)
                if m is None:
                    continue
                f, rank = m
                col = Column(i, clean_label(v), rank)
                have = columns.setdefault(f, [])
                if f in self.multi or not have:
                    have.append(col)
                elif rank < have[0].rank:
                    have[0] = col
                break
        return Header(last_row=bottom + 1, columns=columns, labels=labels)

    def missing_errors(self, header: Header) -> list[RowError]:
        """One error per required field without a column."""
        return [
            RowError(
                header.last_row,
                "",
                _("The column “%(name)s” is missing (also accepted: %(others)s).")
                % {"name": self.synonyms[f][0], "others": "、".join(self.synonyms[f][1:4])},
            )
            for f in self.required
            if f not in header.columns
        ]


# --- dates as offices write them ---------------------------------------------------------------

_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YEAR_MONTH_RE = re.compile(r"^(\d{4})\s*[-/年]\s*(\d{1,2})\s*(?:月份?)?$")


def parse_date(value) -> dt.date | None:
    """A date cell, or a date written 2025-12-31, 2025/12/31, 2025.12.31, 20251231 or
    2025年12月31日; None when it is none of these or no real day."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    t = unicodedata.normalize("NFKC", text(value)).strip()
    m = _DATE_RE.match(t) or _COMPACT_DATE_RE.match(t)
    if m is None:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_year_month(value) -> tuple[int, int] | None:
    """(year, month) of a month written 2025-03, 2025/3, 2025年3月 or as a date of that month
    (an Excel cell formatted as a month holds its first day); None otherwise."""
    t = unicodedata.normalize("NFKC", text(value)).strip()
    m = _YEAR_MONTH_RE.match(t)
    if m is not None:
        month = int(m.group(2))
        return (int(m.group(1)), month) if 1 <= month <= 12 else None
    day = parse_date(value)
    return (day.year, day.month) if day else None


# A totals line under a statistical table: 合计 / 总计 / 小计 / 共计 (often spaced out, "合  计",
# or with a unit, "合计（万吨）") in its first filled cell, and nothing but numbers after it.
_TOTALS_RE = re.compile(r"^(合计|总计|小计|共计)(?![\u4e00-\u9fff])")
_NUMBER_TEXT_RE = re.compile(r"^[+-]?[\d,，]*\.?\d+%?$")


def _numeric(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | Decimal):
        return True
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return bool(_NUMBER_TEXT_RE.match(text))


def is_footer(values: tuple) -> bool:
    """A note under the table (注：…, 填表人 …, one cell) or its totals line (合计 and sums):
    read past, never taken for data."""
    filled = [v for v in values if not is_blank(v)]
    if not filled or not isinstance(filled[0], str):
        return False
    if len(filled) == 1 and _FOOTER_RE.match(filled[0]):
        return True
    first = re.sub(r"\s+", "", unicodedata.normalize("NFKC", filled[0]))
    return bool(_TOTALS_RE.match(first)) and all(_numeric(v) for v in filled[1:])


# --- the file --------------------------------------------------------------------------------


def as_stream(fileobj, max_bytes: int) -> tuple[object, str, bool]:
    """(seekable binary stream, original name, whether we opened it) for an uploaded file, a
    binary file object, bytes or a path."""
    if isinstance(fileobj, bytes | bytearray):
        return io.BytesIO(bytes(fileobj)), "", True
    if isinstance(fileobj, str | Path):
        path = Path(fileobj)
        return path.open("rb"), path.name, True
    name = str(getattr(fileobj, "name", "") or "")
    if not _seekable(fileobj):
        return io.BytesIO(fileobj.read(max_bytes + 1)), name, True
    fileobj.seek(0)
    return fileobj, name, False


def _seekable(stream) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def check_workbook(stream, name: str, *, max_bytes: int) -> None:
    """Refuse what is not an .xlsx workbook of a sensible size, with a message for the user."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    try:
        filetypes.check_upload(
            name, size, head, stream=stream, max_bytes=max_bytes, allowed=frozenset({"xlsx"})
        )
    except filetypes.FileRejected as exc:
        raise SheetError(_file_message(exc.code, head, stream, max_bytes)) from exc
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(damaged()) from exc
    finally:
        stream.seek(0)
    if unpacked > UNPACK_FACTOR * max_bytes:
        raise SheetError(_("The workbook unpacks to far more data than a list of this kind holds."))


def damaged() -> str:
    return _(
        "The file could not be read as an Excel workbook: it may be damaged. Open it in Excel "
        "or WPS, save it again as .xlsx and upload it once more."
    )


def unsafe_xml() -> str:
    return _(
        "The workbook contains XML entity declarations, which Excel and WPS never write; it was "
        "refused for safety. Open it in Excel or WPS, save it again as .xlsx and upload it once "
        "more."
    )


def _read_error(exc: BaseException) -> SheetError:
    """The SheetError for an exception raised while opening or reading a workbook.

    openpyxl parses with defusedxml (a dependency for that reason), which refuses entity
    declarations and external references: a billion-laughs bomb or an XXE probe never expands.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            logger.warning("workbook with XML entities refused: %r", seen)
            return SheetError(unsafe_xml())
        seen = seen.__cause__ or seen.__context__
    return SheetError(damaged())


def _file_message(code: str, head: bytes, stream, max_bytes: int) -> str:
    if code == "empty":
        return _("The file is empty.")
    if code == "too_large":
        return _("The file is larger than %(mb)d MB.") % {"mb": max_bytes // 2**20}
    kind = filetypes.sniff(head, stream=stream)
    if kind is not None and kind.code == "xls":
        return _(
            "This is an old-format Excel file (.xls). Open it in Excel or WPS and save it as an "
            ".xlsx workbook."
        )
    if code == "extension_mismatch":
        return _("The file's name does not match its content: an Excel workbook must end in .xlsx.")
    return _("The file is not an Excel workbook (.xlsx).")


@dataclass
class Loaded:
    header: Header | None
    rows: list[tuple[int, tuple]]  # (Excel row number, values)
    sheet_title: str = ""


def load_rows(
    stream,
    spec: HeaderSpec,
    *,
    max_rows: int,
    skip_columns: Iterable[str] = (),
) -> Loaded:
    """The header and the data rows of the first visible sheet that has a header.

    Blank rows, notes (注：…), repeated headers (a printed list's page breaks) and rows whose
    only content is in ``skip_columns`` (a template numbered in advance) are left out. More than
    ``max_rows`` data rows is a SheetError.
    """

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; none is a 500
        logger.info("workbook could not be opened: %r", exc)
        raise _read_error(exc) from exc
    try:
        sheets = workbook.worksheets
        for ws in sheets:
            if len(sheets) > 1 and getattr(ws, "sheet_state", "visible") != "visible":
                continue
            rows = ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            head: list[tuple] = []
            for values in rows:
                head.append(trim(values))
                if len(head) >= HEADER_SEARCH_ROWS:
                    break
            header = spec.find_header(head)
            if header is not None:
                data = _collect(spec, header, head[header.last_row :], rows, max_rows, skip_columns)
                return Loaded(header, data, ws.title)
        return Loaded(None, [])
    except SheetError:
        raise
    except Exception as exc:  # a damaged sheet fails while it is read (read-only mode is lazy)
        logger.info("workbook could not be read: %r", exc)
        raise _read_error(exc) from exc
    finally:
        workbook.close()


def _collect(
    spec: HeaderSpec,
    header: Header,
    pending: list[tuple],
    rest: Iterator,
    max_rows: int,
    skip_columns: Iterable[str],
) -> list[tuple[int, tuple]]:
    out: list[tuple[int, tuple]] = []
    number = header.last_row
    gap = 0
    skip = {c.index for f in skip_columns for c in header.columns.get(f, [])}

    def rows():
        yield from pending
        yield from rest

    # A printed list repeats its header after page breaks: a row holding three or more of the
    # header's own texts is that, not data (an exact look-up: cheap on 10k-row sheets).
    header_texts = {label for label in header.labels.values() if " / " not in label}
    header_texts |= {part for label in header.labels.values() for part in label.split(" / ")}

    for values in rows():
        number += 1
        values = trim(values)
        if blank_row(v for i, v in enumerate(values) if i not in skip):
            gap += 1
            if gap > MAX_BLANK_GAP:
                break
            continue
        gap = 0
        if is_footer(values):
            continue
        repeated = sum(
            1
            for v in values
            if isinstance(v, str) and len(v) < 40 and clean_label(v) in header_texts
        )
        if repeated >= 3:
            continue
        if len(out) >= max_rows:
            raise SheetError(
                _("The list has more than %(n)d rows. Split it into several files.")
                % {"n": max_rows}
            )
        out.append((number, values))
    return out
