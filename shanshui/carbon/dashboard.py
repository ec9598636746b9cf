"""The dual-carbon dashboard's figures beyond the inventory (issue 16 point 7): intensity and the
other targets against their plan, the two-high pipeline, market compliance. Each figure carries
the link to its rows (``href``), so that the page, its Excel export and the API give the same
numbers. Scoped: a user sees the figures of what they may read.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.urls import reverse

from shanshui.carbon import markets, projection, projects, targets
from shanshui.carbon.models import ProjectStatus


def _href(name: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return reverse(name) + (f"?{urlencode(params)}" if params else "")


def pipeline(user) -> dict:
    counts = projects.pipeline(user)
    flagged = projects.visible_projects(user).filter(flagged=True)
    open_states = (ProjectStatus.PROPOSED, ProjectStatus.SCREENED, ProjectStatus.UNDER_REVIEW)
    return {
        "states": [
            {
                "status": s,
                "label": str(ProjectStatus(s).label),
                "count": n,
                "href": _href("carbon:projects", status=s),
            }
            for s, n in counts.items()
        ],
        "flagged": flagged.count(),
        "flagged_open": flagged.filter(status__in=open_states).count(),
        "flagged_href": _href("carbon:projects", flagged=1),
    }


def target_summary(user) -> dict:
    """Each target's progress (the targets page's method), counted by status."""
    rows = []
    for traj in targets.trajectories(user):
        for r in traj.rows:
            t = r.target
            rows.append(
                {
                    "target_id": t.pk,
                    "scope": t.district.display_name if t.district_id else "全市",
                    "district_id": t.district_id,
                    "kind": t.kind,
                    "label": str(t.get_kind_display()),
                    "period": f"{t.period_start}–{t.period_end}",
                    "value": float(t.value),
                    "status": r.progress.status,
                    "achieved": r.progress.achieved,
                    "expected": r.progress.expected,
                    "latest_year": r.progress.latest_year,
                }
            )
    counts = {
        s: sum(1 for r in rows if r["status"] == s)
        for s in (projection.ON_TRACK, projection.BEHIND, projection.NO_DATA)
    }
    return {"rows": rows, "counts": counts, "href": _href("carbon:targets")}


def market_summary(user, year: int | None, today: dt.date | None = None) -> dict:
    data = markets.dashboard(user, year, today)
    for m in data["markets"]:
        base = {"market": m["market"], "year": year}
        m["href"] = _href("carbon:market", **base)
        m["links"] = {
            s: _href("carbon:market", **base, status=s) for s in (*markets.STATUS_LABELS, "missed")
        }
        m["mismatch_href"] = _href("carbon:market", **base, mismatch=1)
    return data


def figures(user, market_year: int | None = None, today: dt.date | None = None) -> dict:
    years = markets.compliance_years(user)
    if market_year not in years:
        market_year = years[0] if years else None
    return {
        "pipeline": pipeline(user),
        "targets": target_summary(user),
        "market": market_summary(user, market_year, today),
        "market_years": years,
    }
