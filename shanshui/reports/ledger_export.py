"""The ledger out to Excel, in the standard layout that :mod:`ledger_import` reads back.

Workbooks are streamed by :mod:`shanshui.lib.xlsxstream` into a temporary file, reading the
tasks in chunks of plain values with their units, measures and categories: memory stays flat
and 100k rows take seconds, not minutes. The caller streams the file (FileResponse); it is
deleted when closed.

Three exports: any filtered ledger view (:func:`write_ledger`), the public notice of tasks
accepted and signed off (验收销号公示表, :func:`write_notice`), and a unit's share list — the
ledger layout restricted to the tasks the unit carries (:func:`write_ledger` with its tasks).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dc_fields

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.ledger import measures as ledger_measures
from shanshui.ledger.models import (
    AcceptanceApplication,
    DeadlineKind,
    Measure,
    Status,
    Task,
    TaskCategory,
    TaskUnit,
    UnitRole,
    WarningLevel,
)
from shanshui.lib.xlsxstream import XlsxWriter
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
    (li.SITE_ADDRESS, 24),
    (li.SITE_LON, 12),
    (li.SITE_LAT, 12),
    (li.PROGRESS, 10),
    (li.STATE, 12),
    ("warning", 10),
]
WARNING_HEADER = "预警"

WARNING_STYLES = {
    WarningLevel.OVERDUE: "overdue",
    WarningLevel.RED: "red",
    WarningLevel.YELLOW: "yellow",
    WarningLevel.GREEN: "green",
}
STATUS_LABELS = dict(Status.choices)
WARNING_LABELS = dict(WarningLevel.choices)


@dataclass
class _Unit:
    """What a row shows of a task's unit (read with values(), not as model instances)."""

    role: str
    name: str
    leader_name: str
    leader_post: str


@dataclass
class _Row:
    pk: int
    code: str
    title: str
    problem: str
    target: str
    deadline_kind: str
    deadline: dt.date | None
    is_public: bool
    progress: int
    status: str
    warning: str
    notice_start: dt.date | None = None
    notice_end: dt.date | None = None
    accepted_at: dt.datetime | None = None
    accepted_by_name: str = ""
    site_address: str = ""
    site_lat: float | None = None
    site_lon: float | None = None
    units: list[_Unit] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    summary: str = ""


_FIELDS = [f.name for f in dc_fields(_Row)][:18]


def _rows(qs: QuerySet[Task], *, summaries: bool = False) -> Iterator[_Row]:
    """The tasks in the queryset's order, a chunk at a time: one query for the chunk's tasks
    and one each for their units, measures and categories — plain values, no model instances
    (an export of 100k tasks stays at a few hundred queries and flat memory)."""
    ids = list(qs.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = {
            values[0]: _Row(*values)
            for values in Task.objects.filter(pk__in=chunk).values_list(*_FIELDS)
        }
        for task_id, role, short, name, leader, post in (
            TaskUnit.objects.filter(task_id__in=chunk)
            .order_by("role", "pk")
            .values_list(
                "task_id", "role", "unit__short_name", "unit__name", "leader_name", "leader_post"
            )
        ):
            rows[task_id].units.append(_Unit(role, short or name, leader, post))
        for task_id, text in (
            Measure.objects.filter(task_id__in=chunk)
            .order_by("task_id", "number")
            .values_list("task_id", "text")
        ):
            rows[task_id].measures.append(text)
        for task_id, category in (
            TaskCategory.objects.filter(task_id__in=chunk)
            .order_by("pk")
            .values_list("task_id", "category")
        ):
            rows[task_id].categories.append(category)
        if summaries:
            for task_id, summary in (
                AcceptanceApplication.objects.filter(task_id__in=chunk, outcome="accepted")
                .order_by("applied_at", "pk")
                .values_list("task_id", "summary")
            ):
                rows[task_id].summary = summary
        for pk in chunk:
            if pk in rows:
                yield rows[pk]


def _names(units: Iterable[_Unit], role: str) -> str:
    return "、".join(u.name for u in units if u.role == role)


def leader_cell(units: list[_Unit]) -> str:
    """责任领导 as :func:`ledger_import._attach_leaders` reads it back: one leader on the lead
    unit (or the first responsible one) is written plainly, any other as "单位：姓名（职务）"."""
    with_leader = [u for u in units if u.leader_name]
    if not with_leader:
        return ""
    primary = [u for u in units if u.role == UnitRole.LEAD] or [
        u for u in units if u.role in (UnitRole.RESPONSIBLE, UnitRole.IMPLEMENTING)
    ]
    if len(with_leader) == 1 and primary and with_leader[0] is primary[0]:
        u = with_leader[0]
        return sheettext.format_leader(sheettext.Leader(u.leader_name, u.leader_post))
    roles_of = Counter(u.name for u in units)  # a unit in two roles names the leader's role
    return "\n".join(
        sheettext.format_leader(
            sheettext.Leader(
                u.leader_name, u.leader_post, u.name, u.role if roles_of[u.name] > 1 else ""
            )
        )
        for u in with_leader
    )


def _deadline_cell(task: _Row) -> tuple:
    if task.deadline_kind == DeadlineKind.DATED and task.deadline:
        return task.deadline, "date"
    return sheettext.format_deadline(task.deadline_kind, task.deadline), "center"


def _ledger_row(seq: int, task: _Row) -> list[tuple]:
    units = task.units
    warning = task.warning or WarningLevel.NONE
    return [
        (seq, "center"),
        (task.code, "center"),
        (task.title, "wrap"),
        (task.problem, "wrap"),
        (task.target, "wrap"),
        (ledger_measures.format_cell(task.measures), "wrap"),
        (_names(units, UnitRole.LEAD), "wrap"),
        (_names(units, UnitRole.RESPONSIBLE), "wrap"),
        (_names(units, UnitRole.SUPPORTING), "wrap"),
        (_names(units, UnitRole.IMPLEMENTING), "wrap"),
        (_names(units, UnitRole.ACCEPTING), "wrap"),
        (leader_cell(units), "wrap"),
        _deadline_cell(task),
        ("、".join(sheettext.LEDGER_CATEGORIES[c][0] for c in task.categories), "center"),
        ("是" if task.is_public else "否", "center"),
        (task.site_address, "wrap"),
        (task.site_lon, "center"),  # full precision: the import reads back the same number
        (task.site_lat, "center"),
        (f"{task.progress}%", "center"),
        (str(STATUS_LABELS.get(task.status, task.status)), "center"),
        (
            str(WARNING_LABELS[warning]) if warning != WarningLevel.NONE else "",
            WARNING_STYLES.get(warning, "center"),
        ),
    ]


def ledger_headers() -> list[tuple[str, int]]:
    return [(li.FIELD_LABELS.get(f, WARNING_HEADER), width) for f, width in LEDGER_COLUMNS]


def _start(book: XlsxWriter, sheet: str, heading: str, headers: list[tuple[str, int]]):
    ws = book.sheet(sheet, widths=[w for _label, w in headers], freeze_rows=2)
    ws.row([(heading, "title")])
    ws.row([(label, "header") for label, _w in headers])
    return ws


def write_ledger(tasks: QuerySet[Task], *, heading: str, sheet: str = "整改台账"):
    """A temporary file holding the tasks in the standard layout (the caller closes it)."""
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    with XlsxWriter(out) as book:
        ws = _start(book, sheet, heading, ledger_headers())
        for seq, task in enumerate(_rows(tasks), 1):
            ws.row(_ledger_row(seq, task))
    out.seek(0)
    return out


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
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    with XlsxWriter(out) as book:
        ws = _start(book, "验收销号公示表", heading, NOTICE_COLUMNS)
        for seq, task in enumerate(_rows(tasks, summaries=True), 1):
            implementing = [
                u.name
                for u in task.units
                if u.role in (UnitRole.IMPLEMENTING, UnitRole.RESPONSIBLE)
            ] or [u.name for u in task.units if u.role == UnitRole.LEAD]
            accepted = timezone.localtime(task.accepted_at).date() if task.accepted_at else None
            ws.row(
                [
                    (seq, "center"),
                    (task.code, "center"),
                    (task.problem, "wrap"),
                    (task.summary, "wrap"),
                    ("、".join(implementing), "wrap"),
                    (_names(task.units, UnitRole.ACCEPTING), "wrap"),
                    (accepted, "date"),
                    (task.accepted_by_name, "center"),
                    (task.notice_start, "date"),
                    (task.notice_end, "date"),
                    (str(STATUS_LABELS.get(task.status, task.status)), "center"),
                ]
            )
    out.seek(0)
    return out


def heading(title: str) -> str:
    now = timezone.localtime()
    return _("%(title)s (exported %(when)s)") % {
        "title": title,
        "when": f"{now.year}年{now.month}月{now.day}日 {now:%H:%M}",
    }
