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
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

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
from shanshui.lib import sheets
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind
from shanshui.orgs.names import split_names, to_simplified
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import UnitLookupError, UnitResolver

logger = logging.getLogger(__name__)

MAX_BYTES = getattr(settings, "SHANSHUI_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_ROWS = getattr(settings, "SHANSHUI_IMPORT_MAX_ROWS", 20_000)

MAX_RECEIPT = 40
MAX_ADDRESS = 300
MAX_ENTERPRISE = 200


# --- results ---------------------------------------------------------------------------------


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
# Several columns may feed the units (牵头单位 + 配合单位 are all handling units).
SPEC = sheets.HeaderSpec(SYNONYMS, required=REQUIRED, multi={UNITS})
match_header = SPEC.match
RowError = sheets.RowError
SheetError = sheets.SheetError

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
    text = sheets.NOTE_RE.sub(" ", to_simplified(unicodedata.normalize("NFKC", text or "")))
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
    key = sheets.NOTE_RE.sub("", unicodedata.normalize("NFKC", text or ""))
    key = "".join(key.split()).lower()
    if not key or key in _NO:
        return False
    if key in _YES:
        return True
    return None


# --- reading the workbook --------------------------------------------------------------------


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
    stream, name, opened = sheets.as_stream(fileobj, MAX_BYTES)
    try:
        sheets.check_workbook(stream, name, max_bytes=MAX_BYTES)
        return _read(stream, _Reader(on=on))
    except SheetError as exc:
        return _Sheet([], [RowError(0, "", exc.message)], 0)
    finally:
        if opened:
            stream.close()


def _read(stream, reader: _Reader) -> _Sheet:
    loaded = sheets.load_rows(stream, SPEC, max_rows=MAX_ROWS, skip_columns=(SEQ,))
    header, data_rows = loaded.header, loaded.rows
    if header is None:
        raise SheetError(
            _(
                "No header row was found. The list needs the columns 受理编号, 交办问题基本情况, "
                "行政区域 and 污染类型 (or their usual synonyms)."
            )
        )
    errors = SPEC.missing_errors(header)
    if errors:
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


@dataclass
class _Cells:
    """One data row being read: its cells by field, and the errors and notes found so far."""

    number: int
    values: tuple
    header: sheets.Header
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def cell(self, f: str) -> str:
        return self.header.cell(self.values, f)

    def error(self, f: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.header.label(f), message))

    def required(self, f: str) -> str:
        value = self.cell(f)
        if not value:
            self.error(f, _("This cell is empty; it is required."))
        return value

    def at_most(self, f: str, value: str, n: int) -> None:
        if len(value) > n:
            self.error(f, _("At most %(n)d characters, please.") % {"n": n})

    def text(self, f: str, n: int) -> str:
        """An optional one-line text (runs of spaces and line breaks become one space)."""
        value = " ".join(self.cell(f).split())
        self.at_most(f, value, n)
        return value


def _parse_row(
    number: int, values: tuple, header: sheets.Header, reader: _Reader
) -> tuple[ParsedRow, list[RowError]]:
    """One data row, checked cell by cell: the row as far as it could be read, and its errors
    (in the order of the columns of the usual list)."""
    cells = _Cells(number, values, header)
    receipt = "".join(unicodedata.normalize("NFKC", cells.required(RECEIPT)).split())
    cells.at_most(RECEIPT, receipt, MAX_RECEIPT)
    description = cells.required(DESCRIPTION)
    cells.at_most(DESCRIPTION, description, services.MAX_DESCRIPTION)
    seq = _seq(values, header)
    districts = _resolve_units(
        cells,
        reader,
        REGION,
        cells.required(REGION),
        kinds=TERRITORIAL_KINDS,
        wrong_kind=_("%(unit)s is not a district, county or zone."),
    )
    categories = _categories(cells)
    is_key = _is_key(cells)
    units_text = cells.cell(UNITS)
    units = _resolve_units(
        cells,
        reader,
        UNITS,
        units_text,
        kinds=(*TERRITORIAL_KINDS, UnitKind.DEPARTMENT),
        wrong_kind=_(
            "%(unit)s cannot handle cases: name districts, counties, zones or departments."
        ),
    )
    if not units_text:
        units = list(districts)  # territorial duty: the district handles its own case
    enterprise = cells.text(ENTERPRISE, MAX_ENTERPRISE)
    address = cells.text(ADDRESS, MAX_ADDRESS)

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
        investigation=cells.cell(INVESTIGATION),
        notes=cells.notes,
        receipt_column=header.label(RECEIPT),
    )
    return row, cells.errors


def _seq(values: tuple, header: sheets.Header) -> int | None:
    """The list's own 序号 when it is a positive whole number; anything else is ignored."""
    seq_col = header.columns[SEQ][0].index if SEQ in header.columns else len(values)
    raw_seq = values[seq_col] if seq_col < len(values) else None
    if isinstance(raw_seq, int | float) and not isinstance(raw_seq, bool):
        return int(raw_seq) if float(raw_seq).is_integer() and raw_seq > 0 else None
    if isinstance(raw_seq, str) and raw_seq.strip().isdigit():
        return int(raw_seq.strip()) or None
    return None


def _resolve_units(
    cells: _Cells, reader: _Reader, f: str, text: str, *, kinds, wrong_kind: str
) -> list[Unit]:
    """The units a cell names, each once, merged-away ones replaced by their successor. A name
    that is unknown or ambiguous, or a unit not of ``kinds``, is an error (``wrong_kind`` takes
    the unit as ``%(unit)s``)."""
    units: list[Unit] = []
    for name in split_names(text):
        try:
            unit = reader.resolver.resolve(name)
        except UnitLookupError as exc:
            cells.error(f, exc.message)
            continue
        if unit.kind not in kinds:
            cells.error(f, wrong_kind % {"unit": unit.display_name})
            continue
        unit = reader.current(unit, cells.notes)
        if unit not in units:
            units.append(unit)
    return units


def _categories(cells: _Cells) -> list[str]:
    text = cells.required(CATEGORY)
    if not text:
        return []
    categories, unknown = parse_categories(text)
    for name in unknown:
        cells.error(
            CATEGORY,
            _(
                "Unknown pollution type “%(name)s”. Use 水, 大气, 噪声, 生态, 土壤, 辐射, 固废 "
                "or 其他."
            )
            % {"name": name},
        )
    if not categories and not unknown:
        cells.error(CATEGORY, _("This cell is empty; it is required."))
    return categories


def _is_key(cells: _Cells) -> bool:
    """The 重点 flag: empty is no; anything but a yes or a no is an error."""
    text = cells.cell(KEY)
    if not text:
        return False
    answer = parse_yes_no(text)
    if answer is None:
        cells.error(KEY, _("Write 是 or 否, not “%(value)s”.") % {"value": text})
        return False
    return answer


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
