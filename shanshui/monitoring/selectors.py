"""Reads of the monitoring app beyond its indicators (which live in ``indicators/``): the ledger
tasks made from missed targets, and what the confirm form of such a task starts from.

Monitoring figures and the tasks made from them are the office's business: the views that call
these check the office role first, so nothing here is scoped.
"""

from __future__ import annotations

from shanshui.ledger.models import Campaign, CampaignKind, Status, Task
from shanshui.orgs.models import Unit

LEAD_UNIT_KEY = "cq-ecology-environment"  # 市生态环境局 leads tasks on air and water quality


def lead_unit() -> Unit | None:
    """The unit that leads the tasks made from missed targets, when it exists."""
    return Unit.objects.filter(key=LEAD_UNIT_KEY).first()


def default_campaign() -> Campaign | None:
    """The latest campaign of kind self-found or meeting (自查自纠, 会议部署)."""
    return (
        Campaign.objects.filter(kind__in=[CampaignKind.SELF_FOUND, CampaignKind.MEETING])
        .order_by("-created_at", "-pk")
        .first()
    )


def existing_task(code: str) -> Task | None:
    """The ledger task already made for a miss (withdrawn tasks do not count)."""
    return Task.objects.filter(code=code).exclude(status=Status.WITHDRAWN).order_by("-pk").first()


def existing_tasks(codes) -> dict[str, int]:
    """``{code: task id}`` of the tasks already made for these misses (one query)."""
    codes = list(codes)
    if not codes:
        return {}
    rows = (
        Task.objects.filter(code__in=codes)
        .exclude(status=Status.WITHDRAWN)
        .order_by("pk")
        .values_list("code", "pk")
    )
    return dict(rows)
