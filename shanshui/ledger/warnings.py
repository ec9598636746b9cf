"""Warning colours (预警) of a task, derived from its deadline, pace and reports.

Pure module: no Django. The rules are one dict (``DEFAULT_RULES``), overridable as a whole or in
part through the SHANSHUI_WARNING_RULES setting; docs/ledger.md explains them to users.

Order of precedence: overdue > red > yellow > green. Tasks that are drafts, withdrawn or closed
carry no warning; tasks awaiting review are green (the unit has done its part), except ongoing
(长期坚持) tasks, whose periodic reports keep being watched after sign-off.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DEFAULT_RULES: dict[str, int] = {
    # Red when the deadline is this close and progress is still below red_progress_below.
    "red_days_left": 10,
    "red_progress_below": 80,
    # Yellow when the deadline is this close and progress is below yellow_progress_below.
    "yellow_days_left": 30,
    "yellow_progress_below": 90,
    # Yellow when progress trails the share of time elapsed by more than this many points.
    "yellow_pace_lag": 25,
    # Missed report cycles (since assignment or the last report): yellow at 1, red at 2.
    "yellow_missed_reports": 1,
    "red_missed_reports": 2,
}

CYCLE_DAYS = {"weekly": 7, "half_monthly": 15, "monthly": 31, "quarterly": 92}

WATCHED = {"assigned", "in_progress", "reopened"}
UNDER_REVIEW = {"acceptance_applied", "rechecked", "accepted", "in_public_notice"}


@dataclass(frozen=True)
class TaskFacts:
    status: str
    deadline_kind: str  # immediate | dated | ongoing
    deadline: dt.date | None
    progress: int  # 0..100
    assigned_on: dt.date | None
    last_report_on: dt.date | None
    report_cycle: str  # weekly | half_monthly | monthly | quarterly
    urge_overdue: bool = False  # an urge notice is past its response date without a reply


@dataclass(frozen=True)
class Verdict:
    colour: str  # none | green | yellow | red | overdue
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return ",".join(self.reasons)


def missed_reports(facts: TaskFacts, today: dt.date) -> int:
    since = facts.last_report_on or facts.assigned_on
    if since is None:
        return 0
    return max(0, (today - since).days // CYCLE_DAYS.get(facts.report_cycle, 31))


def compute(facts: TaskFacts, today: dt.date, rules: dict[str, int] | None = None) -> Verdict:
    r = {**DEFAULT_RULES, **(rules or {})}
    ongoing_after_close = facts.status == "signed_off" and facts.deadline_kind == "ongoing"
    if facts.status in UNDER_REVIEW:
        return Verdict("green")
    if facts.status not in WATCHED and not ongoing_after_close:
        return Verdict("none")

    missed = missed_reports(facts, today)
    if ongoing_after_close:
        if missed >= r["red_missed_reports"]:
            return Verdict("red", (f"missed_reports:{missed}",))
        if missed >= r["yellow_missed_reports"]:
            return Verdict("yellow", (f"missed_reports:{missed}",))
        return Verdict("green")

    days_left = (facts.deadline - today).days if facts.deadline else None
    if days_left is not None and days_left < 0:
        return Verdict("overdue", (f"overdue:{-days_left}",))

    red: list[str] = []
    if (
        days_left is not None
        and days_left <= r["red_days_left"]
        and (facts.progress < r["red_progress_below"])
    ):
        red.append(f"deadline_near:{days_left}")
    if missed >= r["red_missed_reports"]:
        red.append(f"missed_reports:{missed}")
    if facts.urge_overdue:
        red.append("urge_unanswered")
    if red:
        return Verdict("red", tuple(red))

    yellow: list[str] = []
    if (
        days_left is not None
        and days_left <= r["yellow_days_left"]
        and (facts.progress < r["yellow_progress_below"])
    ):
        yellow.append(f"deadline_near:{days_left}")
    if facts.deadline and facts.assigned_on and facts.deadline > facts.assigned_on:
        total = (facts.deadline - facts.assigned_on).days
        elapsed = max(0, (today - facts.assigned_on).days)
        expected = min(100, round(100 * elapsed / total))
        if expected - facts.progress > r["yellow_pace_lag"]:
            yellow.append(f"behind_pace:{expected - facts.progress}")
    if missed >= r["yellow_missed_reports"]:
        yellow.append(f"missed_reports:{missed}")
    if yellow:
        return Verdict("yellow", tuple(yellow))
    return Verdict("green")
