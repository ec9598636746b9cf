"""What a bulletin prints, as plain values: ``BulletinData`` and its rows, the placeholders the
template texts may use, the built-in texts, and the date and rate formats of the document.

No queries here (``gather.collect`` builds the data) and no layout (``word`` and ``annex`` print
it), so that the preview page, the two files and the stored record show the same values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, fields

from shanshui.reports.figures import Counts, percent

# The overall counts and each unit's line are figures.Counts: the bulletin prints the
# dashboard's measures, computed once (``figures``), and keeps no copy of their definitions.


@dataclass(frozen=True)
class UnitRow:
    """One district's or department's line (ranked as figures.by_unit ranks them)."""

    name: str
    totals: Counts


@dataclass(frozen=True)
class TaskRow:
    """An overdue or red task with its units and responsible leaders."""

    code: str
    title: str
    lead_units: tuple[str, ...]
    responsible_units: tuple[str, ...]
    leaders: tuple[str, ...]
    deadline: dt.date | None
    warning: str  # "overdue" | "red"

    @property
    def units_text(self) -> str:
        lines = []
        if self.lead_units:
            lines.append("牵头：" + "、".join(self.lead_units))
        if self.responsible_units:
            lines.append("责任：" + "、".join(self.responsible_units))
        return "\n".join(lines) or "—"


@dataclass(frozen=True)
class SignedOffRow:
    code: str
    title: str
    units: tuple[str, ...]
    signed_off_on: dt.date | None


@dataclass(frozen=True)
class UrgeRow:
    number: str
    task_code: str
    task_title: str
    unit: str
    issued_on: dt.date
    response_due: dt.date
    replied_on: dt.date | None

    @property
    def replied(self) -> bool:
        return self.replied_on is not None


@dataclass(frozen=True)
class BulletinData:
    """Everything a bulletin prints. Built by ``collect``; stored as ``Bulletin.figures``."""

    campaign: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    totals: Counts
    districts: tuple[UnitRow, ...] = ()
    departments: tuple[UnitRow, ...] = ()
    overdue_and_red: tuple[TaskRow, ...] = ()
    signed_off: tuple[SignedOffRow, ...] = ()
    urges: tuple[UrgeRow, ...] = ()

    @property
    def urges_replied(self) -> int:
        return sum(1 for u in self.urges if u.replied)

    @property
    def urges_unreplied(self) -> int:
        return len(self.urges) - self.urges_replied

    @property
    def urges_late(self) -> int:
        """Urge notices still unanswered past their reply date (as of the bulletin's date)."""
        return sum(1 for u in self.urges if not u.replied and u.response_due < self.as_of)

    def placeholders(self) -> dict[str, str]:
        t = self.totals
        return {
            "campaign": self.campaign,
            "period_start": cn_date(self.period_start),
            "period_end": cn_date(self.period_end),
            "as_of": cn_date(self.as_of),
            "total": str(t.total),
            "completed": str(t.completed),
            "signed_off": str(t.signed_off),
            "in_progress": str(t.in_progress),
            "on_schedule": str(t.on_schedule),
            "overdue": str(t.overdue),
            "red": str(t.red),
            "yellow": str(t.yellow),
            "completion_rate": percent(t.completion_rate),
            "on_time_rate": percent(t.on_time_rate),
            "newly_signed_off": str(len(self.signed_off)),
            "urges": str(len(self.urges)),
        }

    def to_json(self) -> dict:
        """The numbers printed, JSON-ready (dates as ISO strings), for ``Bulletin.figures``."""

        def plain(value):
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        out = plain(asdict(self))
        out["totals"] = self.totals.as_dict()
        return out

    @classmethod
    def from_json(cls, data: dict) -> BulletinData:
        """The inverse of ``to_json``: a stored bulletin's figures, e.g. to show them again."""
        return cls(
            campaign=data["campaign"],
            period_start=_day(data["period_start"]),
            period_end=_day(data["period_end"]),
            as_of=_day(data["as_of"]),
            totals=_counts(data["totals"]),
            districts=tuple(
                UnitRow(r["name"], _counts(r["totals"])) for r in data.get("districts", [])
            ),
            departments=tuple(
                UnitRow(r["name"], _counts(r["totals"])) for r in data.get("departments", [])
            ),
            overdue_and_red=tuple(
                TaskRow(
                    code=r["code"],
                    title=r["title"],
                    lead_units=tuple(r["lead_units"]),
                    responsible_units=tuple(r["responsible_units"]),
                    leaders=tuple(r["leaders"]),
                    deadline=_day(r["deadline"]),
                    warning=r["warning"],
                )
                for r in data.get("overdue_and_red", [])
            ),
            signed_off=tuple(
                SignedOffRow(r["code"], r["title"], tuple(r["units"]), _day(r["signed_off_on"]))
                for r in data.get("signed_off", [])
            ),
            urges=tuple(
                UrgeRow(
                    number=r["number"],
                    task_code=r["task_code"],
                    task_title=r["task_title"],
                    unit=r["unit"],
                    issued_on=_day(r["issued_on"]),
                    response_due=_day(r["response_due"]),
                    replied_on=_day(r["replied_on"]),
                )
                for r in data.get("urges", [])
            ),
        )


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _counts(value: dict) -> Counts:
    # Measures a stored record lacks (bulletins issued before "green" was kept) read as 0; the
    # rates stored beside the counts are derived again, not read.
    return Counts(**{f.name: int(value.get(f.name, 0)) for f in fields(Counts)})


PLACEHOLDERS = (
    "campaign",
    "period_start",
    "period_end",
    "as_of",
    "total",
    "completed",
    "signed_off",
    "in_progress",
    "on_schedule",
    "overdue",
    "red",
    "yellow",
    "completion_rate",
    "on_time_rate",
    "newly_signed_off",
    "urges",
)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace {name} with its value; unknown names and stray braces are left as written, so a
    template typo shows in the document instead of failing the issue."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({m for m in _PLACEHOLDER.findall(text or "") if m not in PLACEHOLDERS})


def cn_date(day: dt.date | None) -> str:
    """2026年11月29日 (no leading zeros, as GB/T 9704 writes dates)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


WARNING_LABELS = {"overdue": "超期", "red": "红色", "yellow": "黄色", "green": "绿色"}

# The built-in texts, used when a template leaves the opening or closing empty (and offered as
# the default template's texts by the demo data).
DEFAULT_OPENING = (
    "{period_start}至{period_end}，各区县（自治县）和市级有关部门认真落实生态环境保护督察整改"
    "责任，扎实推进{campaign}整改工作。为进一步传导压力、压实责任，现将整改工作进展情况通报如下。"
)
DEFAULT_CLOSING = (
    "（一）压紧压实整改责任。各区县（自治县）和市级有关部门要切实扛起生态环境保护政治责任，"
    "主要负责同志要亲自研究、亲自部署、亲自督办，确保整改任务按时保质完成。\n"
    "（二）加快推进超期任务整改。对本通报所列超期和红色预警任务，责任单位要逐项分析原因、"
    "制定措施、明确时限，于通报印发之日起10个工作日内将整改情况报市督察整改办。\n"
    "（三）严格规范验收销号。坚持“谁验收、谁负责”，严格按照销号标准开展验收，"
    "坚决防止虚假整改、敷衍整改、表面整改。\n"
    "（四）强化督办问责。市督察整改办将持续跟踪调度整改进展，对整改不力、进度滞后的单位和个人，"
    "依规依纪依法严肃追责问责。"
)
