"""Import a campaign's rectification plan (整改方案/整改台账) from Excel, all or nothing.

Real sheets have a title row, one or two header rows (merged cells), numbered measures in one
cell, several units per cell, unit names in any common form, deadlines written in words, and
blank rows or notes at the end (see docs/reports.md). Columns are found by their header text
(:data:`SPEC`); the user may correct the mapping (column index → field).

:func:`run_import` reads and checks every row, compares it with the campaign's tasks, and
writes only when no row has an error — in one transaction, through the ledger's services, so a
new task is created and a changed task is edited exactly as the office would do it by hand (the
timeline shows it). The same sheet imported again changes nothing; the ledger's own export
(:mod:`shanshui.reports.ledger_export`) imports back without changes.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shanshui.ledger import measures as ledger_measures
from shanshui.ledger import rules
from shanshui.ledger import services as ledger
from shanshui.ledger.models import (
    Campaign,
    Category,
    DeadlineKind,
    Measure,
    Task,
    TaskCategory,
    TaskUnit,
    UnitRole,
)
from shanshui.lib import geo, sheets
from shanshui.lib.workflow import WorkflowError
from shanshui.orgs.models import Unit
from shanshui.orgs.names import Collective, normalize, read_units
from shanshui.orgs.scope import scope_for
from shanshui.orgs.selectors import (
    UnitLookupError,
    UnitResolver,
    collective_choices,
    collective_units,
)
from shanshui.reports import sheettext

logger = logging.getLogger(__name__)

MAX_BYTES = getattr(settings, "SHANSHUI_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
MAX_ROWS = getattr(settings, "SHANSHUI_LEDGER_IMPORT_MAX_ROWS", 50_000)

# --- the columns -----------------------------------------------------------------------------

SEQ = "seq"
CODE = "code"
TITLE = "title"
PROBLEM = "problem"
TARGET = "target"
MEASURES = "measures"
LEAD = "lead"
RESPONSIBLE = "responsible"
SUPPORTING = "supporting"
IMPLEMENTING = "implementing"
ACCEPTING = "accepting"
LEADER = "leader"
DEADLINE = "deadline"
PROGRESS = "progress"
STATE = "state"
CATEGORY = "category"
PUBLIC = "public"
SITE_ADDRESS = "site_address"
SITE_LON = "site_lon"
SITE_LAT = "site_lat"
SITE_POINT = "site_point"  # one cell "经度,纬度"
SITE_SYSTEM = "site_system"  # 坐标系 of the point: WGS84 unless a column, a note or a suffix says
SITE_FIELDS = (SITE_ADDRESS, SITE_LON, SITE_LAT, SITE_POINT)

# Header texts per field, the canonical one first; the export writes the canonical ones.
SYNONYMS: dict[str, tuple[str, ...]] = {
    SEQ: ("序号",),
    CODE: ("任务编号", "编号", "问题编号", "整改任务编号", "台账编号"),
    TITLE: ("任务名称", "问题简称", "简要问题", "问题概述", "问题名称"),
    PROBLEM: (
        "反馈问题",
        "问题",
        "督察反馈问题",
        "存在问题",
        "反馈意见指出的问题",
        "问题描述",
        "具体问题",
        "整改问题",
        "问题清单",
        "主要问题",
        "反馈意见",
    ),
    TARGET: ("整改目标", "目标", "整改要求"),
    MEASURES: ("整改措施", "具体措施", "整改举措", "主要措施", "工作措施", "措施"),
    LEAD: ("牵头单位", "牵头部门", "牵头责任单位", "牵头"),
    RESPONSIBLE: ("责任单位", "主体责任单位", "责任部门", "整改责任单位", "责任主体", "责任"),
    SUPPORTING: ("配合单位", "配合部门", "协办单位", "配合"),
    IMPLEMENTING: ("整改实施主体", "实施主体", "实施单位"),
    ACCEPTING: ("验收单位", "验收部门"),
    LEADER: ("责任领导", "责任人", "责任领导（人）", "牵头领导", "分管领导"),
    DEADLINE: ("整改时限", "完成时限", "整改期限", "时限要求", "完成时间", "整改时间", "时限"),
    PROGRESS: ("整改进展", "进展情况", "整改进展情况", "工作进展", "推进情况"),
    STATE: ("完成情况", "整改状态", "是否完成", "完成状态", "整改完成情况", "状态"),
    CATEGORY: ("问题类别", "类别", "问题类型", "领域", "所属领域"),
    PUBLIC: ("是否公开", "公开"),
    SITE_ADDRESS: ("整改点位", "点位地址", "整改地点", "整改地址", "地址", "点位"),
    SITE_LON: ("经度",),
    SITE_LAT: ("纬度",),
    SITE_POINT: ("经纬度", "坐标", "点位坐标", "点位经纬度", "整改点位坐标"),
    SITE_SYSTEM: ("坐标系", "坐标系统", "坐标类型", "坐标来源"),
}
SPEC = sheets.HeaderSpec(SYNONYMS, required=(PROBLEM, DEADLINE))
UNIT_FIELDS = {
    LEAD: UnitRole.LEAD,
    RESPONSIBLE: UnitRole.RESPONSIBLE,
    SUPPORTING: UnitRole.SUPPORTING,
    IMPLEMENTING: UnitRole.IMPLEMENTING,
    ACCEPTING: UnitRole.ACCEPTING,
}
# Columns read for the record only: the workflow, not a sheet, decides a task's status.
RECORD_ONLY = (PROGRESS, STATE)
FIELD_LABELS = {f: names[0] for f, names in SYNONYMS.items()}


# --- results ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row, checked and resolved."""

    row: int
    code: str
    title: str
    problem: str
    target: str
    measures: list[str]
    categories: list[str]
    deadline_kind: str
    deadline: dt.date | None
    units: list[ledger.UnitAssignment]
    is_public: bool = True
    has_site: bool = False  # the sheet has site columns (without, the tasks keep theirs)
    site_address: str = ""
    site_lat: float | None = None
    site_lon: float | None = None
    record: dict = field(default_factory=dict)  # progress / state text, kept in the event
    shares: list[Unit] = field(default_factory=list)  # one share each (a class of units)
    unitless: bool = False  # no lead or responsible unit: right only for a split city task

    def new_task(self, sheet_name: str) -> ledger.NewTask:
        return ledger.NewTask(
            code=self.code,
            title=self.title,
            problem=self.problem,
            target=self.target,
            measures=self.measures,
            categories=self.categories,
            deadline_kind=self.deadline_kind,
            deadline=self.deadline,
            is_public=self.is_public,
            units=self.units,
            **_site_fields(self),
            note={"import": {"file": sheet_name, "row": self.row, **self.record}},
        )


@dataclass
class Change:
    """What re-importing a row changes on an existing task."""

    row: int
    code: str
    task_id: int
    fields: dict[str, list[str]] = field(default_factory=dict)  # name → [before, after]
    units: bool = False
    measures: bool = False
    categories: bool = False
    shares: list[str] = field(default_factory=list)  # units still without their share
    parsed: Row | None = None


@dataclass
class Result:
    created: list[dict]  # {"row", "code", "title"} — created, or in a dry run would be
    changed: list[dict]  # {"row", "code", "what": [...]}
    unchanged: int
    errors: list[sheets.RowError]
    total_rows: int
    dry_run: bool
    columns: list[dict] = field(default_factory=list)  # {"index", "label", "field"}
    sheet: str = ""
    # Units named as a class: {"key", "name", "definite", "group", "rows", "units", "names"}.
    collectives: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        out = asdict(self)
        out["ok"] = self.ok
        return out


# --- reading ---------------------------------------------------------------------------------


class _Context:
    def __init__(self, campaign: Campaign, chosen: dict[str, list[Unit]] | None = None) -> None:
        self.campaign = campaign
        self.resolver = UnitResolver(on=campaign.feedback_date)
        self.cache: dict[str, Unit | UnitLookupError] = {}
        self.chosen = chosen or {}  # an indefinite class's key → the units the user chose
        self.classes: dict[str, dict] = {}  # key → what the result shows of the class
        self.members: dict[str, list[Unit] | UnitLookupError] = {}

    def collective(self, found: Collective, row: int) -> list[Unit]:
        """The units of a class: a definite one from today's units, an indefinite one as the
        user chose it for the whole sheet (else an error asking for the choice)."""
        info = self.classes.setdefault(
            found.key,
            {
                "key": found.key,
                "name": found.text,
                "definite": found.definite,
                "group": found.group,
                "rows": [],
                "units": [],
                "names": [],
            },
        )
        if row not in info["rows"]:
            info["rows"].append(row)
        hit = self.members.get(found.key)
        if hit is None:
            if found.definite:
                try:
                    hit = collective_units(found, resolve=self.unit)
                except UnitLookupError as exc:
                    hit = exc
            elif found.key in self.chosen:
                hit = self.chosen[found.key]
            else:
                hit = UnitLookupError(
                    found.text,
                    _(
                        "“%(name)s” does not say which units it means. Choose them under "
                        "“Units named as a class”, once for the whole sheet."
                    )
                    % {"name": found.text},
                )
            if not isinstance(hit, UnitLookupError):
                info["units"] = [u.pk for u in hit]
                info["names"] = [u.display_name for u in hit]
            self.members[found.key] = hit
        if isinstance(hit, UnitLookupError):
            raise hit
        return hit

    def unit(self, name: str) -> Unit:
        hit = self.cache.get(name)
        if hit is None:
            try:
                hit = self.resolver.resolve(name)
                on = self.campaign.feedback_date
                if on and not hit.is_valid_on(on) and hit.successor_id:
                    hit = hit.current_successor()
            except UnitLookupError as exc:
                hit = exc
            self.cache[name] = hit
        if isinstance(hit, UnitLookupError):
            raise hit
        return hit


def _code(values: tuple, header: sheets.Header) -> str:
    code = "".join(header.cell(values, CODE).split())
    if code:
        return code
    if SEQ in header.columns:
        idx = header.columns[SEQ][0].index
        raw = values[idx] if idx < len(values) else None
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return "".join(sheets.text(raw).split())
    return ""


ErrorFn = Callable[[str, str], None]  # error(field, message): one error of the row


def _row_code(values: tuple, header: sheets.Header, error: ErrorFn) -> str:
    code = _code(values, header)
    column = CODE if CODE in header.columns else SEQ
    if not code:
        error(column, _("This row has no number."))
    elif len(code) > 40:
        error(column, _("At most 40 characters, please."))
    return code


def _row_deadline(
    values: tuple, header: sheets.Header, error: ErrorFn
) -> tuple[str, dt.date | None]:
    """(deadline kind, date) from the cell as written: a date, or words (see sheettext)."""
    raw = None
    if DEADLINE in header.columns:
        idx = header.columns[DEADLINE][0].index
        raw = values[idx] if idx < len(values) else None
    if sheets.is_blank(raw):
        error(DEADLINE, _("This cell is empty; it is required."))
        return DeadlineKind.DATED, None
    try:
        parsed = sheettext.parse_deadline(raw)
    except sheettext.DeadlineError:
        error(
            DEADLINE,
            _(
                "“%(value)s” is not a deadline. Write a date (2023-06-30), “2023年6月底前”, "
                "“立行立改” or “长期坚持”."
            )
            % {"value": sheets.text(raw)},
        )
        return DeadlineKind.DATED, None
    return parsed.kind, parsed.date


def _row_units(
    number: int, values: tuple, header: sheets.Header, ctx: _Context, error: ErrorFn
) -> tuple[list[ledger.UnitAssignment], list[Unit]]:
    """The units of every unit column, each (unit, role) once, in column order; and the
    districts that get a share each, from the classes of units named ("各区县政府")."""
    units: list[ledger.UnitAssignment] = []
    shares: list[Unit] = []

    def add(unit: Unit, role: str) -> None:
        if not any(u.unit == unit and u.role == role for u in units):
            units.append(ledger.UnitAssignment(unit, role))

    for f, role in UNIT_FIELDS.items():
        for item in read_units(header.cell(values, f)):
            try:
                if isinstance(item, Collective):
                    direct, shared = ledger.class_units(role, ctx.collective(item, number))
                    for assignment in direct:
                        add(assignment.unit, role)
                    shares += [u for u in shared if u not in shares]
                else:
                    add(ctx.unit(item), role)
            except UnitLookupError as exc:
                error(f, exc.message)
    return ledger.without_shared(units, shares), shares


def _row_categories(values: tuple, header: sheets.Header, error: ErrorFn) -> list[str]:
    text = header.cell(values, CATEGORY)
    if not text:
        return []
    categories, unknown = sheettext.parse_categories(text)
    for name in unknown:
        error(
            CATEGORY,
            _("Unknown category “%(name)s”. Use %(list)s.")
            % {"name": name, "list": "、".join(str(c.label) for c in Category)},
        )
    return categories


def _row_public(values: tuple, header: sheets.Header, error: ErrorFn) -> bool:
    text = header.cell(values, PUBLIC)
    if not text:
        return True
    answer = _yes_no(text)
    if answer is None:
        error(PUBLIC, _("Write 是 or 否, not “%(value)s”.") % {"value": text})
        return True
    return answer


def _parse_row(
    number: int, values: tuple, header: sheets.Header, ctx: _Context
) -> tuple[Row | None, list[sheets.RowError]]:
    """One data row checked and resolved, or its errors (every one, in column order)."""
    errors: list[sheets.RowError] = []

    def error(f: str, message: str) -> None:
        errors.append(sheets.RowError(number, header.label(f) or FIELD_LABELS[f], message))

    code = _row_code(values, header, error)
    problem = header.cell(values, PROBLEM)
    if not problem:
        error(PROBLEM, _("This cell is empty; it is required."))
    title = " ".join(header.cell(values, TITLE).split()) or sheettext.derive_title(problem)
    if len(title) > 200:
        error(TITLE, _("At most %(n)d characters, please.") % {"n": 200})
    deadline_kind, deadline = _row_deadline(values, header, error)
    units, shares = _row_units(number, values, header, ctx, error)
    # Checked in _plan: an exported city task whose units are all in its shares has none.
    unitless = not shares and not any(u.role in ledger.SHARE_ROLES for u in units)
    _attach_leaders(header.cell(values, LEADER), units, ctx, lambda m: error(LEADER, m))
    categories = _row_categories(values, header, error)
    is_public = _row_public(values, header, error)
    site = _row_site(values, header, error)
    record = {f: header.cell(values, f)[:2000] for f in RECORD_ONLY if header.cell(values, f)}
    if errors:
        return None, errors
    return (
        Row(
            row=number,
            code=code,
            title=title,
            problem=problem,
            target=header.cell(values, TARGET),
            # As the ledger will store them, so a re-import compares like with like.
            measures=ledger_measures.clean(ledger_measures.split(header.cell(values, MEASURES))),
            categories=categories,
            deadline_kind=deadline_kind,
            deadline=deadline,
            units=units,
            is_public=is_public,
            **site,
            record=record,
            shares=shares,
            unitless=unitless,
        ),
        [],
    )


def _row_site(values: tuple, header: sheets.Header, error: ErrorFn) -> dict:
    """The Row fields of the rectification site: none when the sheet has no site column (the
    tasks' sites are then left as they are). A point comes from 经度 and 纬度 columns or from
    one 经纬度 cell ("106.5516,29.5630"), in Chongqing. Its system is WGS84 unless a 坐标系
    column ("GCJ-02", "高德", "BD-09", "百度"…), a suffix of the numbers ("29.5630（高德）") or a
    note in the header ("经纬度（百度）") says otherwise; it is stored converted to WGS84."""
    if not any(f in header.columns for f in SITE_FIELDS):
        return {}
    address = " ".join(header.cell(values, SITE_ADDRESS).split())
    if len(address) > 200:
        error(SITE_ADDRESS, _("At most %(n)d characters, please.") % {"n": 200})
    point_text, point_system = geo.split_system(header.cell(values, SITE_POINT))
    lat_text, lat_system = geo.split_system(header.cell(values, SITE_LAT))
    lon_text, lon_system = geo.split_system(header.cell(values, SITE_LON))
    column = SITE_POINT if point_text else SITE_LAT if lat_text else SITE_LON
    try:
        system = geo.parse_system(header.cell(values, SITE_SYSTEM)) or geo.WGS84
    except ValueError as exc:
        error(SITE_SYSTEM, str(exc))
        return {}
    if not header.cell(values, SITE_SYSTEM):
        system = point_system or lat_system or lon_system or _header_system(header, column)
    try:
        if point_text:
            lat, lon = geo.parse_point(point_text)
        elif lat_text or lon_text:
            if not (lat_text and lon_text):
                missing = SITE_LON if lat_text else SITE_LAT
                error(missing, _("Give both latitude and longitude of the site, or neither."))
                return {}
            lat, lon = geo.validate_wgs84(lat_text, lon_text)
        else:
            return {"has_site": True, "site_address": address}
    except ValueError as exc:  # the geo module words its messages in Chinese
        error(column, str(exc))
        return {}
    if system != geo.WGS84:
        lat, lon = (round(v, 7) for v in geo.to_wgs84(lat, lon, system))
    if not geo.in_chongqing(lat, lon):
        error(column, _("The site is outside Chongqing. Check the latitude and longitude."))
        return {}
    return {
        "has_site": True,
        "site_address": address,
        "site_lat": lat,  # WGS84 as written: the ledger's own export reads back the same number
        "site_lon": lon,
    }


def _header_system(header: sheets.Header, f: str) -> str:
    """The coordinate system a column's header names in a note ("经度（GCJ-02）"), else WGS84."""
    for column in header.columns.get(f, []):
        label = unicodedata.normalize("NFKC", column.label)
        for note in sheets.NOTE_RE.findall(label):
            try:
                system = geo.parse_system(note.strip("()[]【】"))
            except ValueError:
                continue
            if note.strip("()[]【】 "):
                return system
    return geo.WGS84


def _site_fields(row: Row) -> dict:
    """The site as the ledger takes it, or nothing when the sheet has no site columns."""
    if not row.has_site:
        return {}
    return {"site_address": row.site_address, "site_lat": row.site_lat, "site_lon": row.site_lon}


def _yes_no(text: str) -> bool | None:
    key = "".join(text.split()).lower()
    if key in ("是", "公开", "y", "yes", "1", "√"):
        return True
    if key in ("否", "不公开", "n", "no", "0", "×"):
        return False
    return None


def _attach_leaders(text: str, units: list, ctx: _Context, error: Callable[[str], None]) -> None:
    """Responsible leaders: "单位：姓名（职务）" names its unit; otherwise a single leader goes to
    the lead unit (or the first responsible unit), and a list as long as the responsible
    units pairs with them in order."""
    leaders = sheettext.parse_leaders(text)
    if not leaders:
        return
    for leader in leaders:
        if len(leader.name) > 60 or len(leader.post) > 60:
            error(_("A leader's name and post take at most 60 characters each."))
            return
    named = [ld for ld in leaders if ld.unit]
    plain = [ld for ld in leaders if not ld.unit]
    given: set[int] = set()  # positions in ``units`` that got their leader from this cell
    for leader in named:
        try:
            unit = ctx.unit(leader.unit)
        except UnitLookupError as exc:
            error(exc.message)
            continue
        # The unit's role the leader belongs to: the one named ("万州区（实施主体）：…"), else
        # its first role not given a leader yet by this cell (several lines, in role order).
        places = [
            i
            for i, u in enumerate(units)
            if u.unit == unit and (not leader.role or u.role == leader.role)
        ]
        if not places:
            error(_("%(unit)s is not among the task's units.") % {"unit": unit.display_name})
            continue
        place = next((i for i in places if i not in given), places[0])
        given.add(place)
        units[place].leader_name, units[place].leader_post = leader.name, leader.post
    if not plain:
        return
    primary = [u for u in units if u.role == UnitRole.LEAD] or [
        u for u in units if u.role in (UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)
    ]
    if len(plain) == 1 and primary:
        primary[0].leader_name, primary[0].leader_post = plain[0].name, plain[0].post
        return
    responsible = [u for u in units if u.role in (UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)]
    if len(plain) == len(responsible):
        for unit, leader in zip(responsible, plain, strict=True):
            unit.leader_name, unit.leader_post = leader.name, leader.post
        return
    if primary:
        # More leaders than units to pair them with: the lead unit's leaders, in one field.
        primary[0].leader_name = "、".join(ld.name for ld in plain)[:60]
        primary[0].leader_post = "、".join(ld.post for ld in plain if ld.post)[:60]


# --- comparing with the ledger ---------------------------------------------------------------


def _unit_key(units) -> set:
    return {(u.unit.pk, u.role, u.leader_name or "", u.leader_post or "") for u in units}


@dataclass
class _Existing:
    """What the comparison reads of a task already in the campaign (plain values)."""

    pk: int
    code: str
    title: str
    problem: str
    target: str
    is_public: bool
    deadline_kind: str
    deadline: dt.date | None
    status: str
    site_address: str = ""
    site_lat: float | None = None
    site_lon: float | None = None
    units: set = field(default_factory=set)
    measures: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    shares: set = field(default_factory=set)  # the implementing units of its shares


def _existing(campaign: Campaign, codes: list[str]) -> dict[str, _Existing]:
    """The campaign's tasks with these numbers, in a handful of queries (no model instances:
    a re-import of 10k rows compares 10k tasks)."""
    out: dict[str, _Existing] = {}
    by_pk: dict[int, _Existing] = {}
    for start in range(0, len(codes), 2000):
        chunk = codes[start : start + 2000]
        rows = Task.objects.filter(campaign=campaign, code__in=chunk).values_list(
            "pk", "code", "title", "problem", "target", "is_public", "deadline_kind", "deadline",
            "status", "site_address", "site_lat", "site_lon",
        )  # fmt: skip
        for values in rows:
            item = _Existing(*values)
            out[item.code] = by_pk[item.pk] = item
    ids = list(by_pk)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for task_id, unit_id, role, name, post in TaskUnit.objects.filter(
            task_id__in=chunk
        ).values_list("task_id", "unit_id", "role", "leader_name", "leader_post"):
            by_pk[task_id].units.add((unit_id, role, name, post))
        for task_id, text in (
            Measure.objects.filter(task_id__in=chunk)
            .order_by("task_id", "number")
            .values_list("task_id", "text")
        ):
            by_pk[task_id].measures.append(text)
        for task_id, category in TaskCategory.objects.filter(task_id__in=chunk).values_list(
            "task_id", "category"
        ):
            by_pk[task_id].categories.append(category)
        for task_id, unit_id in TaskUnit.objects.filter(
            task__parent_id__in=chunk, role=UnitRole.IMPLEMENTING
        ).values_list("task__parent_id", "unit_id"):
            by_pk[task_id].shares.add(unit_id)
    return out


def _compare(row: Row, task: _Existing) -> Change:
    change = Change(row=row.row, code=row.code, task_id=task.pk, parsed=row)
    for name in ("title", "problem", "target", "is_public", "deadline_kind", "deadline"):
        before, after = getattr(task, name), getattr(row, name)
        if isinstance(before, str):
            same = " ".join(before.split()) == " ".join(str(after).split())
        else:
            same = before == after
        if not same:
            change.fields[name] = [str(before or ""), str(after or "")]
    for name, after in _site_fields(row).items():  # a sheet without a site keeps it
        before = getattr(task, name)
        if (" ".join(before.split()) if isinstance(before, str) else before) != after:
            change.fields[name] = [_plain(before), _plain(after)]
    change.units = task.units != _unit_key(row.units)
    change.measures = [" ".join(m.split()) for m in task.measures] != [
        " ".join(m.split()) for m in row.measures
    ]
    if change.measures and len(row.measures) < len(task.measures):
        change.measures = "fewer"  # type: ignore[assignment]
    # A sheet without a category column leaves the categories alone.
    change.categories = bool(row.categories) and sorted(task.categories) != sorted(row.categories)
    # Shares are only ever added: a district named by the class since the last import.
    change.shares = [u.display_name for u in row.shares if u.pk not in task.shares]
    return change


def _describe(change: Change) -> list[str]:
    what = [FIELD_LABELS.get(_FIELD_COLUMNS.get(n, n), n) for n in change.fields]
    if change.units:
        what.append(_("units and leaders"))
    if change.measures:
        what.append(FIELD_LABELS[MEASURES])
    if change.categories:
        what.append(FIELD_LABELS[CATEGORY])
    if change.shares:
        what.append(_("shares for %(units)s") % {"units": "、".join(change.shares)})
    return list(dict.fromkeys(what))


_FIELD_COLUMNS = {
    "title": TITLE,
    "problem": PROBLEM,
    "target": TARGET,
    "is_public": PUBLIC,
    "deadline_kind": DEADLINE,
    "deadline": DEADLINE,
    "site_address": SITE_ADDRESS,
    "site_lat": SITE_LAT,
    "site_lon": SITE_LON,
}


def _plain(value) -> str:
    return "" if value is None else str(value)


def _change_errors(change: Change, task: _Existing, header: sheets.Header) -> list[sheets.RowError]:
    """What the ledger would refuse, found before anything is written."""
    out = []

    def col(f: str) -> str:
        return header.label(f) or FIELD_LABELS[f]

    if not rules.state_allows(Task(status=task.status), "edit"):
        return [
            sheets.RowError(
                change.row,
                "",
                _(
                    "Task %(code)s is %(status)s and can no longer be edited; this row differs "
                    "from it (%(what)s)."
                )
                % {
                    "code": task.code,
                    "status": Task(status=task.status).get_status_display(),
                    "what": "、".join(_describe(change)),
                },
            )
        ]

    if change.measures == "fewer":
        out.append(
            sheets.RowError(
                change.row,
                col(MEASURES),
                _("Measures can be reworded or added, not removed."),
            )
        )
    if change.shares and task.status != "draft":
        out.append(
            sheets.RowError(
                change.row,
                "",
                _(
                    "Task %(code)s has been assigned: it can no longer be split into shares "
                    "for %(units)s."
                )
                % {"code": task.code, "units": "、".join(change.shares)},
            )
        )
    if ({"deadline", "deadline_kind"} & set(change.fields)) and task.status != "draft":
        out.append(
            sheets.RowError(
                change.row,
                col(DEADLINE),
                _(
                    "Task %(code)s has been assigned: its deadline changes only by an approved "
                    "extension (now %(now)s)."
                )
                % {
                    "code": task.code,
                    "now": sheettext.format_deadline(task.deadline_kind, task.deadline),
                },
            )
        )
    return out


# --- the import ------------------------------------------------------------------------------


def _read(fileobj, result: Result) -> tuple[sheets.Loaded, str] | None:
    """The sheet's rows and header, and the file's name; or None with the reason in
    ``result.errors``."""
    stream, name, opened = sheets.as_stream(fileobj, MAX_BYTES)
    try:
        sheets.check_workbook(stream, name, max_bytes=MAX_BYTES)
        return sheets.load_rows(stream, SPEC, max_rows=MAX_ROWS, skip_columns=(SEQ,)), name
    except sheets.SheetError as exc:
        result.errors.append(sheets.RowError(0, "", exc.message))
        return None
    finally:
        if opened:
            stream.close()


def _header(
    loaded: sheets.Loaded, mapping: dict[int, str] | None, result: Result
) -> sheets.Header | None:
    """The header found (or as ``mapping`` corrects it), or None with the reason in
    ``result.errors``; also None when a column every import needs is missing."""
    header = loaded.header
    if header is None:
        result.errors.append(
            sheets.RowError(
                0,
                "",
                _(
                    "No header row was found. The sheet needs at least the columns 反馈问题 and "
                    "整改时限 (or their usual synonyms), and 牵头单位 or 责任单位."
                ),
            )
        )
        return None
    if mapping:
        try:
            header = header.remapped(mapping, SPEC)
        except sheets.SheetError as exc:
            result.errors.append(sheets.RowError(0, "", exc.message))
            return None
    result.columns = _columns(header)
    result.total_rows = len(loaded.rows)
    result.errors += SPEC.missing_errors(header)
    if not any(f in header.columns for f in (LEAD, RESPONSIBLE, IMPLEMENTING)):
        result.errors.append(
            sheets.RowError(
                header.last_row, "", _("The sheet needs a 牵头单位 or a 责任单位 column.")
            )
        )
    if CODE not in header.columns and SEQ not in header.columns:
        result.errors.append(
            sheets.RowError(header.last_row, "", _("The sheet needs a 序号 or 编号 column."))
        )
    return None if result.errors else header


def _parse_rows(
    loaded: sheets.Loaded,
    header: sheets.Header,
    ctx: _Context,
    result: Result,
    progress: Callable[[int, int], None] | None,
    steps: int,
) -> list[Row]:
    """Every data row parsed; the errors (and numbers used twice) go to ``result.errors``."""
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for i, (number, values) in enumerate(loaded.rows, 1):
        row, errors = _parse_row(number, values, header, ctx)
        if row is not None:
            if row.code in seen:
                errors.append(
                    sheets.RowError(
                        number,
                        header.label(CODE) or header.label(SEQ),
                        _("Number %(code)s is already used in row %(row)d.")
                        % {"code": row.code, "row": seen[row.code]},
                    )
                )
            else:
                seen[row.code] = number
                rows.append(row)
        result.errors += errors
        if progress and i % 200 == 0:
            progress(i, steps)
    return rows


def _plan(
    campaign: Campaign, rows: list[Row], header: sheets.Header, result: Result
) -> tuple[list[Row], list[tuple[Change, _Existing]]]:
    """Rows to create and tasks to change (listed in ``result``, with what the ledger would
    refuse in ``result.errors``); rows equal to their task are counted as unchanged."""
    existing = _existing(campaign, [r.code for r in rows])
    new_rows: list[Row] = []
    changes: list[tuple[Change, _Existing]] = []
    for row in rows:
        task = existing.get(row.code)
        if row.unitless and (task is None or not task.shares):
            result.errors.append(
                sheets.RowError(
                    row.row,
                    header.label(LEAD) or header.label(RESPONSIBLE) or "",
                    _("Name a lead unit or at least one responsible unit."),
                )
            )
            continue
        if task is None:
            new_rows.append(row)
            continue
        change = _compare(row, task)
        if change.fields or change.units or change.measures or change.categories or change.shares:
            result.errors += _change_errors(change, task, header)
            changes.append((change, task))
        else:
            result.unchanged += 1
    result.created = [{"row": r.row, "code": r.code, "title": r.title} for r in new_rows]
    result.changed = [{"row": c.row, "code": c.code, "what": _describe(c)} for c, _t in changes]
    return new_rows, changes


def run_import(
    *,
    actor,
    campaign: Campaign,
    fileobj,
    dry_run: bool = True,
    mapping: dict[int, str] | None = None,
    units: dict[str, list[int]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Check a sheet and, unless ``dry_run``, import it: every row or none.

    ``mapping`` (column index → field, "" to ignore a column) replaces the detected one.
    ``units`` (a class of units as written, "各有关区县" → unit ids) says once for the whole
    sheet which units a class that does not say so itself holds.
    ``progress(done, total)`` is called as rows are read and written (for the progress bar).
    """
    if not scope_for(actor).sees_all:
        raise PermissionDenied(_("Only the rectification office may import a ledger."))
    result = Result([], [], 0, [], 0, dry_run)
    read = _read(fileobj, result)
    if read is None:
        return result
    loaded, name = read
    result.sheet = loaded.sheet_title
    header = _header(loaded, mapping, result)
    if header is None:
        return result

    chosen = _chosen_units(units, result)
    if chosen is None:
        return result
    total = len(loaded.rows)
    steps = total if dry_run else 2 * total
    ctx = _Context(campaign, chosen)
    rows = _parse_rows(loaded, header, ctx, result, progress, steps)
    result.collectives = sorted(ctx.classes.values(), key=lambda c: (c["definite"], c["rows"]))
    new_rows, changes = _plan(campaign, rows, header, result)
    if result.errors or dry_run:
        if progress:
            progress(steps, steps)
        return result
    try:
        _write(actor, campaign, new_rows, changes, loaded.sheet_title or name, progress, total)
    except (ValidationError, PermissionDenied, WorkflowError) as exc:
        result.errors.append(sheets.RowError(getattr(exc, "row", 0), "", _message(exc)))
        result.created, result.changed, result.unchanged = [], [], 0
    return result


def _chosen_units(units: dict[str, list[int]] | None, result: Result) -> dict | None:
    """The units chosen for each class (key → units, in the order of the unit tree), or None
    with the reason in ``result.errors`` when a chosen unit is not one that can be chosen."""
    chosen: dict[str, list[Unit]] = {}
    for name, ids in (units or {}).items():
        key = normalize(name)
        found = read_units(name)
        group = found[0].group if len(found) == 1 and isinstance(found[0], Collective) else ""
        picked = list(collective_choices(group).filter(pk__in=ids)) if ids else []
        if len(picked) != len(set(ids)) or not picked:
            result.errors.append(
                sheets.RowError(
                    0,
                    "",
                    _("Choose current units for “%(name)s”.") % {"name": name},
                )
            )
            continue
        chosen[key] = picked
    return None if result.errors else chosen


def _write(actor, campaign, new_rows, changes, sheet_name, progress, total) -> None:
    with transaction.atomic():
        batch = 500
        for start in range(0, len(new_rows), batch):
            chunk = new_rows[start : start + batch]
            try:
                created = ledger.tasks_create(
                    actor=actor, campaign=campaign, tasks=[r.new_task(sheet_name) for r in chunk]
                )
                for row, task in zip(chunk, created, strict=True):
                    if row.shares:
                        ledger.task_split(
                            actor=actor, task=task, expected_version=None, units=row.shares
                        )
            except ValidationError as exc:
                exc.row = chunk[0].row  # type: ignore[attr-defined]
                raise
            if progress:
                progress(total + start + len(chunk), 2 * total)
        for change, task in changes:
            try:
                _apply(actor, change, task)
            except (ValidationError, PermissionDenied, WorkflowError) as exc:
                exc.row = change.row  # type: ignore[attr-defined]
                raise


def _apply(actor, change: Change, existing: _Existing) -> None:
    row = change.parsed
    task = Task.objects.get(pk=existing.pk)
    assert row is not None
    edits = {
        name: getattr(row, name)
        for name in change.fields
        if name in (*ledger.EDITABLE_FIELDS, "deadline", "deadline_kind")
    }
    if edits:
        task = ledger.task_edit(actor=actor, task=task, expected_version=None, **edits)
    if change.units:
        task = ledger.task_set_units(actor=actor, task=task, expected_version=None, units=row.units)
    if change.measures:
        task = ledger.task_set_measures(
            actor=actor, task=task, expected_version=None, measures=row.measures
        )
    if change.categories:
        task = ledger.task_set_categories(
            actor=actor, task=task, expected_version=None, categories=row.categories
        )
    if change.shares:  # last, so the new shares carry the task's units as changed
        ledger.task_split(actor=actor, task=task, expected_version=None, units=row.shares)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return "；".join(m for ms in exc.message_dict.values() for m in ms)
        return "；".join(exc.messages)
    return str(exc) or _("The ledger refused this change.")


def _columns(header: sheets.Header) -> list[dict]:
    mapped = header.mapping()
    return [
        {"index": i, "label": label, "field": mapped.get(i, "")}
        for i, label in sorted(header.labels.items())
    ]
