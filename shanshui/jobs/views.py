"""The office's view of background work: a panel on its home page (SHANSHUI_HOME_PANELS)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from shanshui.jobs import services
from shanshui.orgs.scope import scope_for


def home_panel(request: HttpRequest) -> str:
    """Each scheduled job's last run, the workers alive and the queue, for the office only."""
    if not scope_for(request.user).sees_all:
        return ""
    return render_to_string(
        "jobs/_home_panel.html",
        {
            "runs": services.last_runs(),
            "workers": list(services.workers_alive()),
            "queue": services.queue_counts(),
        },
        request=request,
    )
