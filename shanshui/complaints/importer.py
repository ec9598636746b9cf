"""Import a transfer batch (交办件清单) from an Excel workbook, all or nothing.

The list an inspection team sends has a title row
(“中央第五生态环境保护督察组交办问题清单（第3批）”), perhaps a subtitle or date row, one or two
header rows (merged cells), the data rows, and blank rows or notes at the end. Columns are found
by their header text (spaces, line breaks, fullwidth forms and traditional characters do not
matter; the usual synonyms are known), not by position.

:func:`read_transfer_sheet` parses and validates without writing anything (it reads the unit
index to resolve districts and units). :func:`import_batch` checks every row first, against the
sheet and against the cases already in the batch, and writes only when no row has an error — in
one transaction, through :func:`services.batch_add_case`, so a case is created exactly as the
office would create it by hand (events, transfer, deadline). Importing the same sheet again
changes nothing; a row whose case exists with different content is an error (an import never
changes a case that is being worked).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shanshui.complaints import services
from shanshui.complaints.models import (
    Category,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    ComplaintUnit,
    EventKind,
    TransferBatch,
    UnitRole,
)
from shanshui.lib import filetypes
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from shanshui.orgs.names import split_names, to_simplified
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import UnitLookupError, UnitResolver

logger = logging.getLogger(__name__)

MAX_BYTES = getattr(settings, "SHANSHUI_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_ROWS = getattr(settings, "SHANSHUI_IMPORT_MAX_ROWS", 20_000)
# A workbook is a zip: refuse one that unpacks to far more than any real list (zip bombs).
MAX_UNPACKED_BYTES = 10 * MAX_BYTES
MAX_COLUMNS = 60
HEADER_SEARCH_ROWS = 30  # the header is looked for in the first rows only
# A gap of this many blank rows ends the list (sheets formatted down to row 1,048,576).
MAX_BLANK_GAP = 2_000

MAX_RECEIPT = 40
MAX_ADDRESS = 300
MAX_ENTERPRISE = 200


# --- results ---------------------------------------------------------------------------------


@dataclass
class RowError:
    """One problem: ``row`` is the Excel row number (0 for the file as a whole), ``column`` the
    header text as written in the sheet ("" when the problem is not one cell's)."""

    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    """One data row, checked and resolved."""

    row: int
    receipt_no: str
    seq: int | None
    description: str
    district: Unit | None
    units: list[Unit]
    categories: list[str]
    is_key: bool = False
    address: str = ""
    enterprise: str = ""
    investigation: str = ""
    notes: list[str] = field(default_factory=list)
    receipt_column: str = ""  # the sheet's header text of the 受理编号 column

    def to_case(self) -> services.TransferredCase:
        return services.TransferredCase(
            receipt_no=self.receipt_no,
            seq=self.seq,
            description=self.description,
            categories=list(self.categories),
            units=list(self.units),
            district=self.district,
            address=self.address,
            enterprise=self.enterprise,
            is_key=self.is_key,
            investigation=self.investigation,
        )

    @property
    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories]

    @property
    def excerpt(self) -> str:
        text = " ".join(self.description.split())
        return text if len(text) <= 60 else text[:59] + "…"


@dataclass
class ImportResult:
    created: list[str]  # receipt numbers created (or, in a dry run, that would be)
    unchanged: list[str]  # receipt numbers already in the batch with the same content
    errors: list[RowError]
    total_rows: int
    dry_run: bool
    rows: list[ParsedRow] = field(default_factory=list)  # the new rows, for a preview

    @property
    def ok(self) -> bool:
        return not self.errors


# --- the columns -----------------------------------------------------------------------------

SEQ = "seq"
RECEIPT = "receipt_no"
DESCRIPTION = "description"
REGION = "region"
CATEGORY = "category"
INVESTIGATION = "investigation"
KEY = "is_key"
UNITS = "units"
ENTERPRISE = "enterprise"
ADDRESS = "address"

# Header texts per field, the canonical one first (earlier = preferred when two columns match).
SYNONYMS: dict[str, tuple[str, ...]] = {
    SEQ: ("序号",),
    RECEIPT: (
        "受理编号",
        "举报编号",
        "信访编号",
        "交办编号",
        "转办编号",
        "信访件编号",
        "受理号",
        "编号",
    ),
    DESCRIPTION: (
        "交办问题基本情况",
        "信访问题基本情况",
        "举报内容",
        "问题描述",
        "反映问题",
        "反映问题基本情况",
        "群众反映问题",
        "举报问题",
        "信访内容",
        "问题基本情况",
        "交办问题",
    ),
    REGION: (
        "行政区域",
        "所属区县",
        "区县",
        "区(县)",
        "所在区县",
        "所属区域",
        "行政区划",
        "所在地",
    ),
    CATEGORY: ("污染类型", "举报类型", "问题类型", "污染类别", "举报问题类型", "问题类别", "类型"),
    INVESTIGATION: ("调查核实情况", "核查情况", "调查核实结果"),
    KEY: ("是否重点", "重点", "是否重点件", "重点件", "是否为重点交办件", "重点交办件"),
    UNITS: (
        "责任单位",
        "承办单位",
        "办理单位",
        "责任主体",
        "主办单位",
        "牵头单位",
        "配合单位",
        "协办单位",
    ),
    ENTERPRISE: ("涉及企业", "企业名称", "被举报企业", "被举报单位", "被举报对象", "涉及单位"),
    ADDRESS: ("地址", "具体地址", "详细地址", "问题地址", "所在地址", "地点", "具体位置"),
}
REQUIRED = (RECEIPT, DESCRIPTION, REGION, CATEGORY)
# Fields several columns may feed (牵头单位 + 配合单位 are all handling units).
MULTI = frozenset({UNITS})

_NOTE_RE = re.compile(r"\([^)]*\)|【[^】]*】|\[[^\]]*\]")
_HEADER_DROP_RE = re.compile(r"[\s*※:：]+")


def _header_key(text: str, *, drop_notes: bool) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", text))
    if drop_notes:
        text = _NOTE_RE.sub("", text)
    return _HEADER_DROP_RE.sub("", text)


_EXACT: dict[str, tuple[str, int]] = {
    _header_key(name, drop_notes=False): (f, rank)
    for f, names in SYNONYMS.items()
    for rank, name in enumerate(names)
}


def match_header(text: object) -> tuple[str, int] | None:
    """(field, rank) for a header cell, or None. Rank 0 is an exact canonical match; contained
    synonyms ("信访举报受理编号") rank after every exact one."""
    if not isinstance(text, str) or not text.strip() or len(text) > 60:
        return None
    for drop_notes in (False, True):
        key = _header_key(text, drop_notes=drop_notes)
        if key in _EXACT:
            return _EXACT[key]
    key = _header_key(text, drop_notes=True)
    if not key or len(key) > 12:  # a title or a sentence, not a header
        return None
    best: tuple[int, str, int] | None = None
    for name, (f, rank) in _EXACT.items():
        if len(name) >= 3 and name in key and (best is None or len(name) > best[0]):
            best = (len(name), f, rank)
    return (best[1], 100 + best[2]) if best else None


# --- categories ------------------------------------------------------------------------------

_CATEGORY_NAMES: dict[str, tuple[str, ...]] = {
    Category.WATER: ("水", "水污染", "水环境", "废水", "污水", "水质"),
    Category.AIR: (
        "大气",
        "大气污染",
        "大气环境",
        "废气",
        "扬尘",
        "油烟",
        "恶臭",
        "异味",
        "臭气",
        "粉尘",
        "烟尘",
        "空气",
    ),
    Category.NOISE: ("噪声", "噪音", "声环境", "声"),
    Category.ECOLOGY: ("生态", "生态破坏"),
    Category.SOIL: ("土壤",),
    Category.RADIATION: ("辐射", "电磁辐射"),
    Category.SOLID_WASTE: (
        "固废",
        "固体废物",
        "固体废弃物",
        "垃圾",
        "危废",
        "危险废物",
        "建筑垃圾",
        "生活垃圾",
        "医疗废物",
    ),
    # 综合污染 is what Chongqing's 2019 lists used for cases of several kinds.
    Category.OTHER: ("其他", "其它", "综合", "综合污染"),
}
_CATEGORY_BY_NAME = {name: str(cat) for cat, names in _CATEGORY_NAMES.items() for name in names}
_CATEGORY_SPLIT_RE = re.compile(r"[、,，;；/／|\s]+")
_CATEGORY_SUFFIXES = ("污染", "问题", "类", "环境")


def parse_categories(text: str) -> tuple[list[str], list[str]]:
    """("水、大气污染 噪音") → (["water", "air", "noise"], unknown names)."""
    text = _NOTE_RE.sub(" ", to_simplified(unicodedata.normalize("NFKC", text or "")))
    found: list[str] = []
    unknown: list[str] = []
    for token in _CATEGORY_SPLIT_RE.split(text):
        token = token.strip()
        if not token:
            continue
        value = _CATEGORY_BY_NAME.get(token)
        stripped = token
        while value is None:
            for suffix in _CATEGORY_SUFFIXES:
                if stripped.endswith(suffix) and len(stripped) > len(suffix):
                    stripped = stripped[: -len(suffix)]
                    break
            else:
                break
            value = _CATEGORY_BY_NAME.get(stripped)
        if value is None:
            unknown.append(token)
        elif value not in found:
            found.append(value)
    return found, unknown


_YES = frozenset({"是", "√", "✓", "✔", "☑", "重点", "y", "yes", "1", "true", "★", "*"})
_NO = frozenset(
    {"否", "×", "✗", "✘", "x", "n", "no", "0", "false", "一般", "非重点", "-", "—", "/"}
)


def parse_yes_no(text: str) -> bool | None:
    key = _NOTE_RE.sub("", unicodedata.normalize("NFKC", text or ""))
    key = "".join(key.split()).lower()
    if not key or key in _NO:
        return False
    if key in _YES:
        return True
    return None


# --- reading the workbook --------------------------------------------------------------------


class SheetError(Exception):
    """The file as a whole cannot be read (not a workbook, damaged, too large …)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _as_stream(fileobj) -> tuple[object, str, bool]:
    """(seekable binary stream, original name, whether we opened it)."""
    if isinstance(fileobj, bytes | bytearray):
        return io.BytesIO(bytes(fileobj)), "", True
    if isinstance(fileobj, str | Path):
        path = Path(fileobj)
        return path.open("rb"), path.name, True
    name = str(getattr(fileobj, "name", "") or "")
    if not _seekable(fileobj):
        return io.BytesIO(fileobj.read(MAX_BYTES + 1)), name, True
    fileobj.seek(0)
    return fileobj, name, False


def _seekable(stream) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _check_file(stream, name: str) -> None:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    try:
        filetypes.check_upload(
            name, size, head, stream=stream, max_bytes=MAX_BYTES, allowed=frozenset({"xlsx"})
        )
    except filetypes.FileRejected as exc:
        raise SheetError(_file_message(exc.code, head, stream)) from exc
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise SheetError(_damaged()) from exc
    finally:
        stream.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError(_("The workbook unpacks to far more data than a transfer list holds."))


def _damaged() -> str:
    return _(
        "The file could not be read as an Excel workbook: it may be damaged. Open it in Excel "
        "or WPS, save it again as .xlsx and upload it once more."
    )


def _file_message(code: str, head: bytes, stream) -> str:
    if code == "empty":
        return _("The file is empty.")
    if code == "too_large":
        return _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // 2**20}
    kind = filetypes.sniff(head, stream=stream)
    if kind is not None and kind.code == "xls":
        return _(
            "This is an old-format Excel file (.xls). Open it in Excel or WPS and save it as an "
            ".xlsx workbook."
        )
    if code == "extension_mismatch":
        return _("The file's name does not match its content: an Excel workbook must end in .xlsx.")
    return _("The file is not an Excel workbook (.xlsx).")


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank_row(values: Iterable) -> bool:
    return all(_is_blank(v) for v in values)


def _text(value) -> str:
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
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _clean_label(value) -> str:
    return " ".join(_text(value).split())


@dataclass
class _Column:
    index: int
    label: str  # as written in the sheet
    rank: int


@dataclass
class _Header:
    last_row: int  # Excel row number of the (last) header row
    columns: dict[str, list[_Column]]  # field → columns (one, or several for MULTI fields)

    def label(self, f: str) -> str:
        cols = self.columns.get(f)
        return cols[0].label if cols else ""


def _match_row(values: tuple) -> dict[str, _Column]:
    out: dict[str, _Column] = {}
    for i, v in enumerate(values):
        m = match_header(v)
        if m and (m[0] not in out or m[1] < out[m[0]].rank):
            out[m[0]] = _Column(i, _clean_label(v), m[1])
    return out


def _find_header(rows: list[tuple]) -> _Header | None:
    """The header in the first rows: the row matching most fields, with the header row above
    or below it when the header spans two rows (merged cells)."""
    scores = [len(_match_row(r)) for r in rows]
    if not scores or max(scores) < 2:
        return None
    best = scores.index(max(scores))
    top = best
    if best > 0 and scores[best - 1] >= 1 and sum(not _is_blank(v) for v in rows[best - 1]) >= 2:
        top = best - 1
    bottom = best
    if best + 1 < len(rows) and not _blank_row(rows[best + 1]):
        # A second header row holds header texts, and sub-headers under merged group cells
        # (责任单位 → 牵头 | 配合; 举报方式 → 电话 | 来信), but nothing under the required
        # columns already named: a data row has its 受理编号, description, district and type there.
        required_cols = {
            c.index for r in rows[top : best + 1] for f, c in _match_row(r).items() if f in REQUIRED
        }
        if all(
            _is_blank(v)
            or match_header(v) is not None
            or (isinstance(v, str) and i not in required_cols)
            for i, v in enumerate(rows[best + 1])
        ):
            bottom = best + 1
    header_rows = rows[top : bottom + 1]
    width = max(len(r) for r in header_rows)
    columns: dict[str, list[_Column]] = {}
    carried: list[object] = [None] * len(header_rows)
    for i in range(width):
        # The lowest header cell first; an empty top cell carries the group label from the left
        # (a horizontally merged cell keeps its text only in its first column).
        cells = []
        for level, r in enumerate(header_rows):
            v = r[i] if i < len(r) else None
            if not _is_blank(v):
                carried[level] = v
            elif level < len(header_rows) - 1 and any(
                not _is_blank(lower[i] if i < len(lower) else None)
                for lower in header_rows[level + 1 :]
            ):
                v = carried[level]
            cells.append(v)
        for v in reversed(cells):
            m = match_header(v)
            if m is None:
                continue
            f, rank = m
            col = _Column(i, _clean_label(v), rank)
            have = columns.setdefault(f, [])
            if f in MULTI or not have:
                have.append(col)
            elif rank < have[0].rank:
                have[0] = col
            break
    return _Header(last_row=bottom + 1, columns=columns)


_FOOTER_RE = re.compile(r"^(注|备注|说明|填表|合计|总计|小计|制表|审核|联系人)")


def _is_footer(values: tuple) -> bool:
    filled = [v for v in values if not _is_blank(v)]
    return len(filled) == 1 and isinstance(filled[0], str) and bool(_FOOTER_RE.match(filled[0]))


class _Reader:
    def __init__(self, *, on: dt.date | None) -> None:
        self.on = on
        self.resolver = UnitResolver(on=on)
        self._successor_cache: dict[int, Unit] = {}

    def current(self, unit: Unit, notes: list[str]) -> Unit:
        """A merged-away unit (江北区 after 2025-11-06) is replaced by its successor."""
        if self.on is None or unit.is_valid_on(self.on) or not unit.successor_id:
            return unit
        if unit.pk not in self._successor_cache:
            self._successor_cache[unit.pk] = unit.current_successor()
        new = self._successor_cache[unit.pk]
        notes.append(
            _("%(old)s no longer existed on %(date)s; its successor %(new)s takes the case.")
            % {"old": unit.display_name, "date": self.on.isoformat(), "new": new.display_name}
        )
        return new


@dataclass
class _Sheet:
    rows: list[ParsedRow]
    errors: list[RowError]
    total: int  # data rows read (blank rows and notes not counted)


def read_transfer_sheet(
    fileobj, *, on: dt.date | None = None
) -> tuple[list[ParsedRow], list[RowError]]:
    """Parse and check a transfer list: the rows without errors, and every error. No writes;
    ``on`` (the batch date) picks the unit valid that day when names are shared, and hands a
    merged-away unit's cases to its successor.

    ``fileobj``: an uploaded file, a binary file object, bytes, or a path.
    """
    sheet = _read_sheet(fileobj, on=on)
    return sheet.rows, sheet.errors


def _read_sheet(fileobj, *, on: dt.date | None) -> _Sheet:
    stream, name, opened = _as_stream(fileobj)
    try:
        _check_file(stream, name)
        return _read(stream, _Reader(on=on))
    except SheetError as exc:
        return _Sheet([], [RowError(0, "", exc.message)], 0)
    finally:
        if opened:
            stream.close()


def _load_rows(stream) -> tuple[_Header | None, list[tuple[int, tuple]]]:
    """The header and the data rows of the first sheet that has a header."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; none is a 500
        logger.info("transfer list could not be opened: %r", exc)
        raise SheetError(_damaged()) from exc
    try:
        sheets = workbook.worksheets
        for ws in sheets:
            if len(sheets) > 1 and getattr(ws, "sheet_state", "visible") != "visible":
                continue
            rows = ws.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            head: list[tuple] = []
            for values in rows:
                head.append(_trim(values))
                if len(head) >= HEADER_SEARCH_ROWS:
                    break
            header = _find_header(head)
            if header is not None:
                return header, _collect(header, head[header.last_row :], rows)
        return None, []
    except SheetError:
        raise
    except Exception as exc:  # a damaged sheet fails while it is read (read-only mode is lazy)
        logger.info("transfer list could not be read: %r", exc)
        raise SheetError(_damaged()) from exc
    finally:
        workbook.close()


def _trim(values) -> tuple:
    values = list(values)
    while values and _is_blank(values[-1]):
        values.pop()
    return tuple(values)


def _read(stream, reader: _Reader) -> _Sheet:
    header, data_rows = _load_rows(stream)
    if header is None:
        raise SheetError(
            _(
                "No header row was found. The list needs the columns 受理编号, 交办问题基本情况, "
                "行政区域 and 污染类型 (or their usual synonyms)."
            )
        )
    errors: list[RowError] = []
    missing = [f for f in REQUIRED if f not in header.columns]
    if missing:
        for f in missing:
            errors.append(
                RowError(
                    header.last_row,
                    "",
                    _("The column “%(name)s” is missing (also accepted: %(others)s).")
                    % {"name": SYNONYMS[f][0], "others": "、".join(SYNONYMS[f][1:4])},
                )
            )
        return _Sheet([], errors, len(data_rows))
    parsed: list[ParsedRow] = []
    seen: dict[str, int] = {}
    for number, values in data_rows:
        row, row_errors = _parse_row(number, values, header, reader)
        if row.receipt_no:
            if row.receipt_no in seen:
                row_errors.append(
                    RowError(
                        number,
                        header.label(RECEIPT),
                        _("Acceptance number %(no)s is already used in row %(row)d.")
                        % {"no": row.receipt_no, "row": seen[row.receipt_no]},
                    )
                )
            else:
                seen[row.receipt_no] = number
        errors.extend(row_errors)
        if not row_errors:
            parsed.append(row)
    return _Sheet(parsed, errors, len(data_rows))


def _collect(header: _Header, pending: list[tuple], rest) -> list[tuple[int, tuple]]:
    """The data rows below the header, with their Excel row numbers. Blank rows, rows with only
    a 序号 (a template numbered in advance), notes and repeated headers are left out."""
    out: list[tuple[int, tuple]] = []
    number = header.last_row
    gap = 0
    seq_cols = {c.index for c in header.columns.get(SEQ, [])}

    def rows():
        yield from pending
        yield from rest

    for values in rows():
        number += 1
        values = _trim(values)
        if _blank_row(v for i, v in enumerate(values) if i not in seq_cols):
            gap += 1
            if gap > MAX_BLANK_GAP:
                break
            continue
        gap = 0
        if _is_footer(values):
            continue
        if len(_match_row(values)) >= 3:  # the header repeated (a printed list's page break)
            continue
        if len(out) >= MAX_ROWS:
            raise SheetError(
                _("The list has more than %(n)d rows. Split it into several files.")
                % {"n": MAX_ROWS}
            )
        out.append((number, values))
    return out


def _cell(values: tuple, header: _Header, f: str) -> str:
    cols = header.columns.get(f, [])
    parts = [_text(values[c.index]) if c.index < len(values) else "" for c in cols]
    return "\n".join(p for p in parts if p)


def _parse_row(
    number: int, values: tuple, header: _Header, reader: _Reader
) -> tuple[ParsedRow, list[RowError]]:
    errors: list[RowError] = []
    notes: list[str] = []

    def error(f: str, message: str) -> None:
        errors.append(RowError(number, header.label(f), message))

    def required(f: str) -> str:
        value = _cell(values, header, f)
        if not value:
            error(f, _("This cell is empty; it is required."))
        return value

    receipt = "".join(unicodedata.normalize("NFKC", required(RECEIPT)).split())
    if len(receipt) > MAX_RECEIPT:
        error(RECEIPT, _("At most %(n)d characters, please.") % {"n": MAX_RECEIPT})
    description = required(DESCRIPTION)
    if len(description) > services.MAX_DESCRIPTION:
        error(DESCRIPTION, _("At most %(n)d characters, please.") % {"n": services.MAX_DESCRIPTION})
    seq = None
    seq_col = header.columns[SEQ][0].index if SEQ in header.columns else len(values)
    raw_seq = values[seq_col] if seq_col < len(values) else None
    if isinstance(raw_seq, int | float) and not isinstance(raw_seq, bool):
        seq = int(raw_seq) if float(raw_seq).is_integer() and raw_seq > 0 else None
    elif isinstance(raw_seq, str) and raw_seq.strip().isdigit():
        seq = int(raw_seq.strip()) or None

    districts: list[Unit] = []
    region = required(REGION)
    for name in split_names(region) if region else []:
        try:
            unit = reader.resolver.resolve(name)
        except UnitLookupError as exc:
            error(REGION, exc.message)
            continue
        if unit.kind not in TERRITORIAL_KINDS:
            error(
                REGION,
                _("%(unit)s is not a district, county or zone.") % {"unit": unit.display_name},
            )
            continue
        unit = reader.current(unit, notes)
        if unit not in districts:
            districts.append(unit)

    categories: list[str] = []
    category_text = required(CATEGORY)
    if category_text:
        categories, unknown = parse_categories(category_text)
        for name in unknown:
            error(
                CATEGORY,
                _(
                    "Unknown pollution type “%(name)s”. Use 水, 大气, 噪声, 生态, 土壤, 辐射, 固废 "
                    "or 其他."
                )
                % {"name": name},
            )
        if not categories and not unknown:
            error(CATEGORY, _("This cell is empty; it is required."))

    is_key = False
    key_text = _cell(values, header, KEY)
    if key_text:
        answer = parse_yes_no(key_text)
        if answer is None:
            error(KEY, _("Write 是 or 否, not “%(value)s”.") % {"value": key_text})
        else:
            is_key = answer

    units: list[Unit] = []
    units_text = _cell(values, header, UNITS)
    for name in split_names(units_text):
        try:
            unit = reader.resolver.resolve(name)
        except UnitLookupError as exc:
            error(UNITS, exc.message)
            continue
        if unit.kind not in (*TERRITORIAL_KINDS, UnitKind.DEPARTMENT):
            error(
                UNITS,
                _("%(unit)s cannot handle cases: name districts, counties, zones or departments.")
                % {"unit": unit.display_name},
            )
            continue
        unit = reader.current(unit, notes)
        if unit not in units:
            units.append(unit)
    if not units_text:
        units = list(districts)

    enterprise = " ".join(_cell(values, header, ENTERPRISE).split())
    if len(enterprise) > MAX_ENTERPRISE:
        error(ENTERPRISE, _("At most %(n)d characters, please.") % {"n": MAX_ENTERPRISE})
    address = " ".join(_cell(values, header, ADDRESS).split())
    if len(address) > MAX_ADDRESS:
        error(ADDRESS, _("At most %(n)d characters, please.") % {"n": MAX_ADDRESS})

    row = ParsedRow(
        row=number,
        receipt_no=receipt,
        seq=seq,
        description=description,
        district=districts[0] if districts else None,
        units=units,
        categories=categories,
        is_key=is_key,
        address=address,
        enterprise=enterprise,
        investigation=_cell(values, header, INVESTIGATION),
        notes=notes,
        receipt_column=header.label(RECEIPT),
    )
    return row, errors


# --- importing -------------------------------------------------------------------------------


@dataclass
class _Existing:
    complaint: Complaint
    categories: set[str]
    units: set[int]


def _existing_cases(batch: TransferBatch, receipts: Iterable[str]) -> dict[str, _Existing]:
    wanted = set(receipts)
    if batch.pk is None or not wanted:
        return {}
    cases = {
        c.receipt_no: c
        for c in Complaint.objects.filter(batch=batch).only(
            "id",
            "receipt_no",
            "description",
            "district_id",
            "address",
            "enterprise",
            "is_key",
        )
        if c.receipt_no in wanted
    }
    if not cases:
        return {}
    ids = [c.pk for c in cases.values()]
    categories: dict[int, set[str]] = {i: set() for i in ids}
    for cid, cat in ComplaintCategory.objects.filter(complaint__batch=batch).values_list(
        "complaint_id", "category"
    ):
        if cid in categories:
            categories[cid].add(cat)
    # The units the import transferred the case to: the first transfer event (a later transfer
    # by the office changes the current units, not what the list said).
    first_units: dict[int, set[int]] = {}
    events = (
        ComplaintEvent.objects.filter(complaint__batch=batch, kind=EventKind.TRANSFERRED)
        .order_by("at", "pk")
        .values_list("complaint_id", "data")
    )
    for cid, data in events:
        if cid in categories and cid not in first_units:
            first_units[cid] = {int(u) for u in (data or {}).get("units", [])}
    current_units: dict[int, set[int]] = {i: set() for i in ids}
    for cid, uid in ComplaintUnit.objects.filter(
        complaint__batch=batch, role=UnitRole.HANDLING
    ).values_list("complaint_id", "unit_id"):
        if cid in current_units:
            current_units[cid].add(uid)
    return {
        no: _Existing(c, categories[c.pk], first_units.get(c.pk, current_units[c.pk]))
        for no, c in cases.items()
    }


def _differences(row: ParsedRow, old: _Existing, batch: TransferBatch) -> list[str]:
    c = old.complaint
    out = []
    if c.description != row.description.strip():
        out.append(_("description"))
    if c.district_id != (row.district.pk if row.district else None):
        out.append(_("district"))
    if old.categories != set(row.categories):
        out.append(_("pollution type"))
    if old.units != {u.pk for u in row.units}:
        out.append(_("handling units"))
    if c.is_key != (row.is_key or batch.is_key):
        out.append(_("key case"))
    if c.address != row.address.strip():
        out.append(_("address"))
    if c.enterprise != row.enterprise.strip():
        out.append(_("enterprise"))
    return out


def _classify(
    rows: list[ParsedRow], batch: TransferBatch, errors: list[RowError]
) -> tuple[list[ParsedRow], list[str]]:
    """Split the rows into new ones and unchanged ones; a changed one is an error."""
    existing = _existing_cases(batch, (r.receipt_no for r in rows))
    new: list[ParsedRow] = []
    unchanged: list[str] = []
    for row in rows:
        old = existing.get(row.receipt_no)
        if old is None:
            new.append(row)
            continue
        diff = _differences(row, old, batch)
        if diff:
            errors.append(
                RowError(
                    row.row,
                    row.receipt_column,
                    _(
                        "Case %(no)s was already imported with different content (%(fields)s). "
                        "An import does not change cases that are being worked: correct the "
                        "case on its page, or the list."
                    )
                    % {"no": row.receipt_no, "fields": "、".join(diff)},
                )
            )
        else:
            unchanged.append(row.receipt_no)
    return new, unchanged


def _validation_message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


class _Rollback(Exception):
    pass


def import_batch(*, actor, batch: TransferBatch, fileobj, dry_run: bool = False) -> ImportResult:
    """Check the whole list, then (unless ``dry_run``) create every new case through
    :func:`services.batch_add_case` in one transaction. Any error: nothing is written.

    A batch not saved yet (``batch.pk is None``) can only be dry-run: every row is new.
    """
    if not scope_for(actor).sees_all:
        raise PermissionDenied(_("Only the office imports transfer lists."))
    if batch.pk is None and not dry_run:
        raise ValueError("save the batch before importing into it")
    sheet = _read_sheet(fileobj, on=batch.date)
    errors = sheet.errors

    def result(created: list[str], unchanged: list[str], new: list[ParsedRow]) -> ImportResult:
        errors.sort(key=lambda e: e.row)  # stable: a row's errors keep their column order
        return ImportResult(
            created=created,
            unchanged=unchanged,
            errors=errors,
            total_rows=sheet.total,
            dry_run=dry_run,
            rows=new,
        )

    if dry_run or errors:
        # Nothing to write (or nothing may be): the rows are still checked against the batch,
        # so that one run reports every problem.
        new, unchanged = _classify(sheet.rows, batch, errors)
        return result([] if errors else [r.receipt_no for r in new], unchanged, new)

    new: list[ParsedRow] = []
    unchanged: list[str] = []
    created: list[str] = []
    try:
        with transaction.atomic():
            # One import of a batch at a time; the check against existing cases is then exact.
            TransferBatch.objects.select_for_update().only("pk").get(pk=batch.pk)
            new, unchanged = _classify(sheet.rows, batch, errors)
            if errors:  # changed since a dry run a moment ago
                raise _Rollback
            memo: dict = {}  # the batch's deadline, computed once
            for row in new:
                try:
                    with transaction.atomic():
                        services.batch_add_case(
                            actor=actor, batch=batch, case=row.to_case(), memo=memo
                        )
                except ValidationError as exc:
                    errors.append(RowError(row.row, "", _validation_message(exc)))
                except IntegrityError:
                    errors.append(
                        RowError(
                            row.row,
                            row.receipt_column,
                            _(
                                "Case %(no)s was imported into this batch by someone else at "
                                "the same time. Run the import again."
                            )
                            % {"no": row.receipt_no},
                        )
                    )
                else:
                    created.append(row.receipt_no)
            if errors:
                raise _Rollback
    except _Rollback:
        return result([], unchanged, new)
    return result(created, unchanged, new)
