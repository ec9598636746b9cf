"""The ledger out to Excel, in the standard layout that :mod:`ledger_import` reads back.

Workbooks are written in openpyxl's write-only mode to a temporary file, reading the tasks in
chunks with their units, measures and categories prefetched per chunk: memory stays flat at
100k rows. The caller streams the file (FileResponse) and it is deleted when closed.

Three exports: any filtered ledger view (:func:`write_ledger`), the public notice of tasks
accepted and signed off (验收销号公示表, :func:`write_notice`), and a unit's share list — the
ledger layout restricted to the tasks the unit carries (:func:`write_ledger` with its tasks).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from shanshui.ledger.models import DeadlineKind, Task, TaskUnit, UnitRole, WarningLevel
from shanshui.reports import ledger_import as li
from shanshui.reports import sheettext

CHUNK = 2000

# (field, width): the standard layout; header texts are the import's canonical ones.
LEDGER_COLUMNS: list[tuple[str, int]] = [
    (li.SEQ, 6),
    (li.CODE, 12),
    (li.TITLE, 24),
    (li.PROBLEM, 48),
    (li.TARGET, 30),
    (li.MEASURES, 48),
    (li.LEAD, 16),
    (li.RESPONSIBLE, 18),
    (li.SUPPORTING, 16),
    (li.IMPLEMENTING, 16),
    (li.ACCEPTING, 14),
    (li.LEADER, 18),
    (li.DEADLINE, 14),
    (li.CATEGORY, 10),
    (li.PUBLIC, 8),
    (li.PROGRESS, 10),
    (li.STATE, 12),
    ("warning", 10),
]
WARNING_HEADER = "预警"

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
HEADER_FONT = Font(name="宋体", bold=True, size=11)
BODY_FONT = Font(name="宋体", size=10)
TITLE_FONT = Font(name="方正小标宋简体", size=16, bold=True)
WARNING_FILLS = {
    WarningLevel.OVERDUE: PatternFill("solid", fgColor="C0392B"),
    WarningLevel.RED: PatternFill("solid", fgColor="F1948A"),
    WarningLevel.YELLOW: PatternFill("solid", fgColor="F9E79F"),
    WarningLevel.GREEN: PatternFill("solid", fgColor="ABEBC6"),
}
WARNING_FONT_LIGHT = Font(name="宋体", size=10, color="FFFFFF", bold=True)


def _cell(ws, value, *, font=BODY_FONT, alignment=WRAP, fill=None, number_format=None):
    c = WriteOnlyCell(ws, value=value)
    c.font, c.alignment, c.border = font, alignment, BORDER
    if fill is not None:
        c.fill = fill
    if number_format:
        c.number_format = number_format
    return c


def _start_sheet(wb: Workbook, title: str, heading: str, headers: list[tuple[str, int]]):
    ws = wb.create_sheet(title=title[:31])
    for i, (_label, width) in enumerate(headers, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"  # the title and the header stay in view
    ws.append([_cell(ws, heading, font=TITLE_FONT, alignment=Alignment(vertical="center"))])
    ws.append(
        [
            _cell(ws, label, font=HEADER_FONT, alignment=CENTER, fill=HEADER_FILL)
            for label, _w in headers
        ]
    )
    return ws


def _chunks(qs: QuerySet[Task]) -> Iterator[Task]:
    """The tasks in order, read a chunk at a time with what a row shows."""
    qs = qs.select_related("campaign").prefetch_related(
        Prefetch(
            "task_units",
            queryset=TaskUnit.objects.select_related("unit").order_by("role", "pk"),
        ),
        "measures",
        "category_rows",
    )
    return qs.iterator(chunk_size=CHUNK)


def _names(units: Iterable[TaskUnit], role: str) -> str:
    return "、".join(tu.unit.display_name for tu in units if tu.role == role)


def leader_cell(units: list[TaskUnit]) -> str:
    """责任领导 as :func:`ledger_import._attach_leaders` reads it back: one leader on the lead
    unit (or the first responsible one) is written plainly, any other as "单位：姓名（职务）"."""
    with_leader = [tu for tu in units if tu.leader_name]
    if not with_leader:
        return ""
    primary = [tu for tu in units if tu.role == UnitRole.LEAD] or [
        tu for tu in units if tu.role in (UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)
    ]
    if len(with_leader) == 1 and primary and with_leader[0] is primary[0]:
        tu = with_leader[0]
        return sheettext.format_leader(sheettext.Leader(tu.leader_name, tu.leader_post))
    return "\n".join(
        sheettext.format_leader(
            sheettext.Leader(tu.leader_name, tu.leader_post, tu.unit.display_name)
        )
        for tu in with_leader
    )


def _deadline_cell(ws, task: Task):
    if task.deadline_kind == DeadlineKind.DATED and task.deadline:
        return _cell(ws, task.deadline, alignment=CENTER, number_format="yyyy-mm-dd")
    return _cell(ws, sheettext.format_deadline(task.deadline_kind, task.deadline), alignment=CENTER)


def _ledger_row(ws, seq: int, task: Task) -> list:
    units = list(task.task_units.all())
    warning = WarningLevel(task.warning) if task.warning else WarningLevel.NONE
    fill = WARNING_FILLS.get(warning)
    return [
        _cell(ws, seq, alignment=CENTER),
        _cell(ws, task.code, alignment=CENTER),
        _cell(ws, task.title),
        _cell(ws, task.problem),
        _cell(ws, task.target),
        _cell(ws, sheettext.format_measures([m.text for m in task.measures.all()])),
        _cell(ws, _names(units, UnitRole.LEAD)),
        _cell(ws, _names(units, UnitRole.RESPONSIBLE)),
        _cell(ws, _names(units, UnitRole.SUPPORTING)),
        _cell(ws, _names(units, UnitRole.IMPLEMENTING)),
        _cell(ws, _names(units, UnitRole.ACCEPTING)),
        _cell(ws, leader_cell(units)),
        _deadline_cell(ws, task),
        _cell(
            ws,
            "、".join(sheettext.LEDGER_CATEGORIES[c.category][0] for c in task.category_rows.all()),
            alignment=CENTER,
        ),
        _cell(ws, "是" if task.is_public else "否", alignment=CENTER),
        _cell(ws, f"{task.progress}%", alignment=CENTER),
        _cell(ws, task.get_status_display(), alignment=CENTER),
        _cell(
            ws,
            str(warning.label) if warning != WarningLevel.NONE else "",
            alignment=CENTER,
            fill=fill,
            font=WARNING_FONT_LIGHT if warning == WarningLevel.OVERDUE else BODY_FONT,
        ),
    ]


def ledger_headers() -> list[tuple[str, int]]:
    return [(li.FIELD_LABELS.get(f, WARNING_HEADER), width) for f, width in LEDGER_COLUMNS]


def write_ledger(tasks: QuerySet[Task], *, heading: str, sheet: str = "整改台账"):
    """A temporary file holding the tasks in the standard layout (caller closes it)."""
    wb = Workbook(write_only=True)
    ws = _start_sheet(wb, sheet, heading, ledger_headers())
    for seq, task in enumerate(_chunks(tasks), 1):
        ws.append(_ledger_row(ws, seq, task))
    return _save(wb)


NOTICE_COLUMNS: list[tuple[str, int]] = [
    ("序号", 6),
    ("任务编号", 12),
    ("反馈问题", 48),
    ("整改完成情况", 48),
    ("整改实施主体", 20),
    ("验收单位", 16),
    ("验收时间", 12),
    ("验收负责人", 12),
    ("公示开始", 12),
    ("公示结束", 12),
    ("状态", 10),
]


def write_notice(tasks: QuerySet[Task], *, heading: str):
    """验收销号公示表: tasks in public notice or signed off, as the office publishes them."""
    wb = Workbook(write_only=True)
    ws = _start_sheet(wb, "验收销号公示表", heading, NOTICE_COLUMNS)
    tasks = tasks.prefetch_related("applications")
    for seq, task in enumerate(_chunks(tasks), 1):
        units = list(task.task_units.all())
        accepted = [a for a in task.applications.all() if a.outcome == "accepted"]
        summary = accepted[-1].summary if accepted else ""
        implementing = [
            tu.unit.display_name
            for tu in units
            if tu.role in (UnitRole.IMPLEMENTING, UnitRole.RESPONSIBLE)
        ] or [tu.unit.display_name for tu in units if tu.role == UnitRole.LEAD]
        ws.append(
            [
                _cell(ws, seq, alignment=CENTER),
                _cell(ws, task.code, alignment=CENTER),
                _cell(ws, task.problem),
                _cell(ws, summary),
                _cell(ws, "、".join(implementing)),
                _cell(ws, _names(units, UnitRole.ACCEPTING)),
                _date_cell(ws, task.accepted_at),
                _cell(ws, task.accepted_by_name, alignment=CENTER),
                _date_cell(ws, task.notice_start),
                _date_cell(ws, task.notice_end),
                _cell(ws, task.get_status_display(), alignment=CENTER),
            ]
        )
    return _save(wb)


def _date_cell(ws, value):
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return _cell(ws, value, alignment=CENTER, number_format="yyyy-mm-dd" if value else None)


def _save(wb: Workbook):
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    wb.save(out)
    out.seek(0)
    return out


def heading(title: str) -> str:
    now = timezone.localtime()
    return _("%(title)s (exported %(when)s)") % {
        "title": title,
        "when": f"{now.year}年{now.month}月{now.day}日 {now:%H:%M}",
    }
