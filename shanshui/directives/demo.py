"""Demo data: the meeting this platform was conceived from, its report taken in and reviewed so
that the office can make the tasks in one step (the article is read where it lies, never copied)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from shanshui.directives import services
from shanshui.directives.models import Meeting, MeetingKind
from shanshui.ledger.models import DeadlineKind
from shanshui.orgs.models import Unit

MEETING = "中央生态环境保护督察整改推进会议暨全市生态环境保护工作会议（演示数据）"


def _seed_text() -> str | None:
    folder = settings.SHANSHUI_SEED_DIR
    files = sorted(folder.glob("000_*.txt")) if folder.is_dir() else []
    return files[0].read_text(encoding="utf-8") if files else None


def load_demo() -> list[str]:
    text = _seed_text()
    if text is None or Meeting.objects.filter(name=MEETING).exists():
        return []
    office = get_user_model().objects.get(username="office")
    meeting = services.meeting_create(
        actor=office,
        name=MEETING,
        date=dt.date(2022, 2, 23),
        kind=MeetingKind.INSPECTION,
        is_demo=True,
    )
    document = services.document_ingest(
        actor=office, meeting=meeting, title="", text=text, mode="full"
    )
    fallback = Unit.objects.get(key="cq-ecology-environment")
    due = dt.date(timezone.localdate().year + 1, 12, 31)
    for d in document.directives.prefetch_related("responsible"):
        services.directive_update(
            actor=office,
            directive=d,
            text=d.text,
            lead=d.lead or fallback,
            responsible=list(d.responsible.all()),
            categories=d.categories or ["other"],
            deadline_kind=DeadlineKind.DATED,
            deadline=due,
        )
    return [f"meeting document {document.title} ({document.directives.count()} directives)"]
