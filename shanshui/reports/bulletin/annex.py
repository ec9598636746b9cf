"""The bulletin's Excel annex (附件): one sheet per part of the bulletin, the same numbers,
ready to filter and sort (real numbers and dates, a frozen header row, an autofilter)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from shanshui.reports.bulletin.data import WARNING_LABELS, BulletinData, UnitRow

XLSX_OVERDUE_FILL = "FFC7CE"  # Excel's own "bad" red, light enough to print
XLSX_RED_FILL = "FFEB9C"
DATE_FORMAT = "yyyy-mm-dd"
RATE_FORMAT = "0.0%"

HEAD_FONT = Font(name="黑体", bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
HEAD_ALIGNMENT = Alignment(wrap_text=True, horizontal="center", vertical="center")
WRAP = Alignment(wrap_text=True, vertical="center")


def _sheet(
    wb: Workbook,
    title: str,
    header: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[Sequence],
    formats: Mapping[int, str] | None = None,
) -> Worksheet:
    """A sheet with a styled, frozen header row, wrapped cells and an autofilter over the data;
    ``formats``: number formats by column index (0-based)."""
    ws = wb.active if wb.active.title == "Sheet" else wb.create_sheet()
    ws.title = title
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = HEAD_FONT
        cell.fill = HEAD_FILL
        cell.alignment = HEAD_ALIGNMENT
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    for values in rows:
        ws.append(list(values))
        for j, cell in enumerate(ws[ws.max_row]):
            cell.alignment = WRAP
            fmt = (formats or {}).get(j)
            if fmt:
                cell.number_format = fmt
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    return ws


def _overall(wb: Workbook, data: BulletinData) -> None:
    t = data.totals
    ws = _sheet(
        wb,
        "总体情况",
        ["指标", "数值"],
        (16, 40),
        [
            ("督察批次", data.campaign),
            ("统计期间起", data.period_start),
            ("统计期间止", data.period_end),
            ("统计截至", data.as_of),
            ("任务总数", t.total),
            ("已完成", t.completed),
            ("其中已销号", t.signed_off),
            ("正在整改", t.in_progress),
            ("其中序时推进", t.on_schedule),
            ("其中超期", t.overdue),
            ("红色预警", t.red),
            ("黄色预警", t.yellow),
            ("已到期任务", t.due),
            ("按时完成", t.on_time),
            ("完成率", t.completion_rate),
            ("按时完成率", t.on_time_rate),
            ("本期销号", len(data.signed_off)),
            ("本期印发督办单", len(data.urges)),
        ],
    )
    for row in ws.iter_rows(min_row=2):
        label, value = row[0].value, row[1]
        if isinstance(value.value, dt.date):
            value.number_format = DATE_FORMAT
        elif label in ("完成率", "按时完成率"):
            value.number_format = RATE_FORMAT
        value.alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)


UNIT_HEADER = ["序号", "{}", "任务总数", "已完成", "已销号", "正在整改", "序时推进", "超期",
               "红色预警", "已到期", "按时完成", "按时完成率"]  # fmt: skip
UNIT_WIDTHS = (6, 22, 10, 10, 10, 10, 10, 8, 10, 8, 10, 12)


def _unit_values(rows: Sequence[UnitRow]):
    for i, r in enumerate(rows, 1):
        u = r.totals
        yield (i, r.name, u.total, u.completed, u.signed_off, u.in_progress, u.on_schedule,
               u.overdue, u.red, u.due, u.on_time, u.on_time_rate)  # fmt: skip


def _units(wb: Workbook, title: str, kind: str, rows: Sequence[UnitRow]) -> None:
    header = [h.format(kind) for h in UNIT_HEADER]
    _sheet(wb, title, header, UNIT_WIDTHS, _unit_values(rows), {11: RATE_FORMAT})


def _overdue(wb: Workbook, data: BulletinData) -> None:
    ws = _sheet(
        wb,
        "超期和红色预警任务",
        ["编号", "任务", "牵头单位", "责任单位", "责任领导", "整改时限", "预警"],
        (14, 40, 22, 26, 24, 13, 8),
        [
            (
                r.code,
                r.title,
                "、".join(r.lead_units),
                "、".join(r.responsible_units),
                "、".join(r.leaders),
                r.deadline,
                WARNING_LABELS.get(r.warning, r.warning),
            )
            for r in data.overdue_and_red
        ],
        {5: DATE_FORMAT},
    )
    for r, row in zip(data.overdue_and_red, ws.iter_rows(min_row=2), strict=True):
        colour = XLSX_OVERDUE_FILL if r.warning == "overdue" else XLSX_RED_FILL
        row[6].fill = PatternFill("solid", fgColor=colour)
        if r.warning == "overdue":
            row[6].font = Font(color="9C0006", bold=True)


def _signed_off(wb: Workbook, data: BulletinData) -> None:
    _sheet(
        wb,
        "本期销号任务",
        ["编号", "任务", "责任单位", "销号日期"],
        (14, 44, 26, 13),
        [(r.code, r.title, "、".join(r.units), r.signed_off_on) for r in data.signed_off],
        {3: DATE_FORMAT},
    )


def _urges(wb: Workbook, data: BulletinData) -> None:
    ws = _sheet(
        wb,
        "督办情况",
        [
            "督办单编号",
            "任务编号",
            "任务",
            "督办对象",
            "印发日期",
            "回复时限",
            "是否回复",
            "回复日期",
        ],
        (22, 14, 36, 20, 13, 13, 10, 13),
        [
            (
                u.number,
                u.task_code,
                u.task_title,
                u.unit,
                u.issued_on,
                u.response_due,
                "已回复" if u.replied else "未回复",
                u.replied_on,
            )
            for u in data.urges
        ],
        {4: DATE_FORMAT, 5: DATE_FORMAT, 7: DATE_FORMAT},
    )
    for u, row in zip(data.urges, ws.iter_rows(min_row=2), strict=True):
        if not u.replied and u.response_due < data.as_of:
            row[6].fill = PatternFill("solid", fgColor=XLSX_OVERDUE_FILL)


def render_annex_xlsx(data: BulletinData) -> bytes:
    """The annex: one sheet per part of the bulletin, in the bulletin's order."""
    wb = Workbook()
    _overall(wb, data)
    _units(wb, "区县进展", "区县", data.districts)
    _units(wb, "部门进展", "市级部门", data.departments)
    _overdue(wb, data)
    _signed_off(wb, data)
    _urges(wb, data)
    wb.properties.title = f"{data.campaign}整改工作进展情况统计表"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
