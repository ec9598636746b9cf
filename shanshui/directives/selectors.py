"""Reads for the directives pages: the office's meetings and documents, and how the tasks that
came from a meeting stand (会议议定事项落实情况)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Prefetch, Q, QuerySet

from shanshui.directives.models import Directive, Document, Meeting
from shanshui.ledger.models import Status, WarningLevel
from shanshui.orgs.models import Unit
from shanshui.orgs.scope import scope_for

DONE = (Status.SIGNED_OFF,)
CLOSED = (Status.SIGNED_OFF, Status.WITHDRAWN)


def meetings_for(user) -> QuerySet[Meeting]:
    scope_for(user).require_office()
    return Meeting.objects.prefetch_related(
        Prefetch(
            "documents",
            queryset=Document.objects.annotate(
                n_directives=Count("directives", filter=Q(directives__dropped=False)),
                n_tasks=Count("directives__task"),
            ).order_by("created_at", "pk"),
        )
    ).order_by("-date", "-pk")


def document_for(user, pk: int) -> Document:
    scope_for(user).require_office()
    return Document.objects.select_related("meeting", "meeting__campaign").get(pk=pk)


def directives_of(document: Document) -> list[Directive]:
    return list(
        document.directives.select_related("lead", "task", "continues")
        .prefetch_related(Prefetch("responsible", queryset=Unit.objects.order_by("path")))
        .order_by("number")
    )


def follow_up(directives: list[Directive]) -> dict[str, int]:
    """How the directives' tasks stand: made, done (销号), in hand, red-flagged, waiting."""
    tasks = [d.task for d in directives if d.task_id]
    status = Counter(t.status for t in tasks)
    return {
        "directives": sum(1 for d in directives if not d.dropped),
        "dropped": sum(1 for d in directives if d.dropped),
        "tasks": len(tasks),
        "done": sum(status[s] for s in DONE),
        "open": sum(n for s, n in status.items() if s not in CLOSED),
        "red": sum(1 for t in tasks if t.warning == WarningLevel.RED and t.status not in CLOSED),
        "waiting": sum(1 for d in directives if not d.dropped and not d.task_id),
    }
