"""Data the fault drills need, made with the project's own code in the stack's database.

Run with the app's environment (deploy/e2e/stack.sh: ``with_app_env``):

    python deploy/drills/fixtures.py campaign CODE         # an empty campaign; prints its id
    python deploy/drills/fixtures.py sheet OUT ROWS        # a ROWS-row ledger in the export layout
    python deploy/drills/fixtures.py evidence-task USER    # a task USER may add evidence to

The sheet is written by the ledger export (:mod:`shanshui.reports.ledger_export`: its header,
its row layout, its streaming writer), so it is exactly what the import reads back: a new task
per row, each with a lead department, one responsible district, a leader, three measures, a
deadline and a category.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from shanshui.ledger import rules  # noqa: E402
from shanshui.ledger import services as ledger  # noqa: E402
from shanshui.ledger.models import Campaign, DeadlineKind, Status, UnitRole  # noqa: E402
from shanshui.ledger.selectors import visible_tasks  # noqa: E402
from shanshui.lib.xlsxstream import XlsxWriter  # noqa: E402
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit, UnitKind  # noqa: E402
from shanshui.reports import ledger_export  # noqa: E402

PROBLEMS = [
    "部分区县污水管网建设滞后，雨污混流问题突出",
    "工业园区挥发性有机物治理设施运行不正常",
    "长江干流部分岸线非法码头整治不彻底",
    "建筑工地扬尘管控不到位",
    "垃圾填埋场渗滤液外溢",
]
CATEGORIES = ["water", "air", "water", "air", "solid_waste"]


def campaign(code: str) -> None:
    office = get_user_model().objects.get(username="office")
    existing = Campaign.objects.filter(code=code).first()
    made = existing or ledger.campaign_create(
        actor=office,
        code=code,
        name="故障演练导入",
        kind="city",
        feedback_date=dt.date(2026, 1, 5),
    )
    print(made.pk)


def sheet(out: str, rows: int) -> None:
    rng = random.Random(17)
    districts = list(
        Unit.objects.filter(kind__in=TERRITORIAL_KINDS, valid_to__isnull=True).values_list(
            "name", flat=True
        )
    )
    departments = list(
        Unit.objects.filter(kind=UnitKind.DEPARTMENT, valid_to__isnull=True).values_list(
            "short_name", flat=True
        )
    )
    departments = [d for d in departments if d] or districts
    with open(out, "wb") as fh, XlsxWriter(fh) as book:
        ws = ledger_export._start(
            book, "整改台账", "故障演练整改台账", ledger_export.ledger_headers()
        )
        for i in range(1, rows + 1):
            kind = rng.randrange(len(PROBLEMS))
            row = ledger_export._Row(
                pk=i,
                code=f"DR-{i:05d}",
                title=f"演练任务{i}",
                problem=f"{PROBLEMS[kind]}（第{i}项）。",
                target="问题全部整改到位。",
                deadline_kind=DeadlineKind.DATED,
                deadline=dt.date(2027, rng.randint(1, 12), rng.randint(1, 28)),
                is_public=False,
                progress=0,
                status=Status.DRAFT,
                warning="",
                units=[
                    ledger_export._Unit(UnitRole.LEAD, rng.choice(departments), "张伟", "副局长"),
                    ledger_export._Unit(UnitRole.RESPONSIBLE, rng.choice(districts), "", ""),
                ],
                measures=["排查问题清单", "实施整治工程", "建立长效机制"],
                categories=[CATEGORIES[kind]],
            )
            ws.row(ledger_export._ledger_row(i, row))
    print(out)


def evidence_task(username: str) -> None:
    user = get_user_model().objects.get(username=username)
    for task in visible_tasks(user).order_by("pk")[:500]:
        if "add_evidence" in rules.allowed_actions(user, task):
            print(task.pk)
            return
    sys.exit(f"no task of {username} takes evidence")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "campaign":
        campaign(args[0])
    elif command == "sheet":
        sheet(args[0], int(args[1]))
    elif command == "evidence-task":
        evidence_task(args[0])
    else:
        sys.exit(f"unknown command {command}")
