"""Pages of the reports app: the dashboard (/reports/) and its drill-down list (/reports/tasks/).

Every number comes from ``figures`` for the user's own scope, and links to the drill-down list
of the tasks behind it, which uses the same definitions (``figures.drill``), so the list's count
is the number that was clicked.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shanshui.ledger.models import Category, Task, WarningLevel
from shanshui.ledger.selectors import WARNING_RANK, with_units
from shanshui.orgs.scope import scope_for
from shanshui.reports import figures
from shanshui.reports.figures import percent
from shanshui.reports.forms_dashboard import (
    MEASURE_HELP,
    MEASURE_LABELS,
    SIGNED_OFF_IN_PERIOD,
    DashboardFilterForm,
    DrillForm,
)

PAGE_SIZE = 50
# Lines of the "completion by campaign" chart; the largest campaigns first.
MAX_CAMPAIGN_LINES = 8
# The warning colours of the charts, worst first: overdue dark red, red, amber, green.
WARNING_COLOURS = {
    WarningLevel.OVERDUE: "#8b1a1a",
    WarningLevel.RED: "#d63939",
    WarningLevel.YELLOW: "#f59f00",
    WarningLevel.GREEN: "#2fb344",
}


def _drill_url(base: str | None = None, **params) -> str:
    """The drill-down list of one number; ``base``: reverse("reports:drill"), when a page
    links hundreds of numbers (reversed once, not per link)."""
    query = {k: (v.pk if hasattr(v, "pk") else v) for k, v in params.items() if v not in (None, "")}
    query = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in query.items()}
    return f"{base or reverse('reports:drill')}?{urlencode(query)}"


def _quarter_start(day: dt.date) -> dt.date:
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def period_presets(today: dt.date, feedback: dt.date | None) -> list[tuple[str, str, dt.date]]:
    """(key, label, start) of the period shortcuts; every one ends today."""
    presets = [
        ("month", _("This month"), today.replace(day=1)),
        ("quarter", _("This quarter"), _quarter_start(today)),
        ("year", _("This year"), today.replace(month=1, day=1)),
    ]
    if feedback and feedback <= today:
        presets.append(("feedback", _("Since feedback"), feedback))
    return presets


def _label(day: dt.date, step: str) -> str:
    return day.strftime("%Y-%m") if step == "month" else day.isoformat()


def _kpis(c: figures.Counts, link) -> list[dict]:
    return [
        {
            "key": "total",
            "value": c.total,
            "url": link("total"),
            # The ledger list counts every task; say why this number is smaller.
            "note": _("Drafts and withdrawn tasks excluded; a city task counts once per share."),
        },
        {
            "key": "completed",
            "value": c.completed,
            "url": link("completed"),
            "note": _("%(rate)s of all items") % {"rate": percent(c.completion_rate)},
        },
        {"key": "signed_off", "value": c.signed_off, "url": link("signed_off")},
        {"key": "on_schedule", "value": c.on_schedule, "url": link("on_schedule")},
        {"key": "overdue", "value": c.overdue, "url": link("overdue"), "tone": "overdue"},
        {"key": "red", "value": c.red, "url": link("red"), "tone": "red"},
    ]


def _ranking(rows: list[figures.UnitCounts], campaign) -> list[dict]:
    base = reverse("reports:drill")
    out = []
    for rank, row in enumerate(rows, start=1):
        out.append(
            {
                "rank": rank,
                "unit": row.unit,
                "counts": row.counts,
                "rate": percent(row.counts.on_time_rate),
                "links": {
                    m: _drill_url(base, campaign=campaign, measure=m, unit=row.unit)
                    for m in ("total", "completed", "signed_off", "overdue", "due", "on_time")
                },
            }
        )
    return out


def _categories(rows, campaign) -> list[dict]:
    base = reverse("reports:drill")
    return [
        {
            "code": code,
            "label": label,
            "counts": c,
            "links": {
                m: _drill_url(base, campaign=campaign, measure=m, category=code)
                for m in ("total", "overdue", "red", "yellow", "green")
            },
        }
        for code, label, c in rows
    ]


def _filters(request: HttpRequest, today: dt.date):
    """The filter form, the campaign chosen and the overview for it: (form, campaign, view).

    A campaign without items in the user's scope is refused on the form (and all campaigns
    shown); invalid values are shown on the form and left out, the valid ones still apply.
    """
    user = request.user
    form = DashboardFilterForm(request.GET or None)
    data = {}
    if form.is_bound:
        form.is_valid()
        data = form.cleaned_data
    campaign = data.get("campaign")
    start, end = data.get("start"), data.get("end")
    if "end" in form.errors:
        start = end = None
    # No start: from the feedback date (the earliest, for all campaigns), as the overview does.
    period = figures.Period(start, end or today)
    view = figures.overview(user, campaign=campaign, period=period)
    listed = [c for c, _counts in view.campaigns]
    if campaign is not None and campaign not in listed:
        form.add_error("campaign", form.fields["campaign"].error_messages["invalid_choice"])
        campaign = None
        view = figures.overview(user, campaign=None, period=period)
    form.fields["campaign"].choices = [
        ("", form.fields["campaign"].empty_label),
        *[(c.pk, c.name) for c in listed],
    ]
    return form, campaign, view


def _presets(view: figures.Overview, campaign, today: dt.date) -> list[dict]:
    """The period shortcuts as links, the one matching the period shown marked active."""
    if campaign is not None:
        feedback = campaign.feedback_date
    else:
        listed = [c for c, _counts in view.campaigns]
        feedback = min((c.feedback_date for c in listed if c.feedback_date), default=None)
    period = view.period
    return [
        {
            "key": key,
            "label": label,
            "url": "?"
            + urlencode(
                {
                    **({"campaign": campaign.pk} if campaign else {}),
                    "start": begin.isoformat(),
                    "end": today.isoformat(),
                }
            ),
            "active": period.start == begin and period.end == today,
        }
        for key, label, begin in period_presets(today, feedback)
    ]


def _charts(view: figures.Overview) -> dict:
    """The data of the completion charts (json_script): the cumulative series, and the
    completion rate of each campaign when more than one is shown."""
    series, step = view.series, view.step
    by_campaign = view.series_by_campaign if len(view.series_by_campaign) > 1 else []
    return {
        "names": {
            "completed": _("Completed (cumulative)"),
            "signed_off": _("Signed off (cumulative)"),
            "total": _("Ledger items"),
            "rate": _("Completion rate"),
        },
        "completion": {
            "labels": [_label(p.day, step) for p in series],
            "completed": [p.completed for p in series],
            "signed_off": [p.signed_off for p in series],
            "total": [p.total for p in series],
        },
        "campaigns": [
            {
                "name": c.name,
                "rates": [
                    round(p.completion_rate * 100, 1) if p.completion_rate is not None else None
                    for p in points
                ],
            }
            for c, points in by_campaign[:MAX_CAMPAIGN_LINES]
        ],
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    today = timezone.localdate()
    form, campaign, view = _filters(request, today)
    period, step, counts = view.period, view.step, view.counts

    def link(measure, **extra):
        return _drill_url(campaign=campaign, measure=measure, **extra)

    return render(
        request,
        "reports/dashboard.html",
        {
            "form": form,
            "campaign": campaign,
            "scope_units": [] if scope.sees_all else scope.root_units,
            "period": period,
            "presets": _presets(view, campaign, today),
            "counts": counts,
            "kpis": _kpis(counts, link),
            "labels": MEASURE_LABELS,
            "help": MEASURE_HELP,
            "on_time_rate": percent(counts.on_time_rate),
            "due_url": link("due"),
            "on_time_url": link("on_time"),
            "signed_in_period": view.signed_off_in_period,
            "signed_in_period_url": link(SIGNED_OFF_IN_PERIOD, start=period.start, end=period.end),
            "rankings_url": _part_url("reports:rankings", campaign),
            "categories_url": _part_url("reports:categories", campaign),
            "charts": _charts(view),
            "series_rows": [
                (_label(p.day, step), p.completed, p.signed_off, p.total) for p in view.series
            ],
            "step": step,
        },
    )


def _part_url(name: str, campaign) -> str:
    """A part of the dashboard loaded after the page (htmx), for the campaign chosen."""
    return reverse(name) + (f"?{urlencode({'campaign': campaign.pk})}" if campaign else "")


def _part_campaign(request: HttpRequest):
    form = DashboardFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data.get("campaign")
    return None


def _back_url(campaign) -> str:
    return _part_url("reports:dashboard", campaign)


@login_required
def categories(request: HttpRequest) -> HttpResponse:
    """Warnings by category, loaded into the dashboard after the rest of the page (another
    pass over every item). Without htmx, the same table and chart as a page of their own."""
    campaign = _part_campaign(request)
    rows = _categories(figures.by_category(request.user, campaign=campaign), campaign)
    warning_names = {
        "overdue": _("Overdue tasks"),
        "red": _("Red warnings"),
        "yellow": _("Yellow warnings"),
        "green": _("Green warnings"),
    }
    chart = {
        "names": warning_names,
        "labels": [row["label"] for row in rows],
        "colours": {str(k): v for k, v in WARNING_COLOURS.items()},
        **{
            m: [{"value": getattr(row["counts"], m), "url": row["links"][m]} for row in rows]
            for m in warning_names
        },
    }
    context = {
        "campaign": campaign,
        "categories": rows,
        "category_chart": chart,
        "back_url": _back_url(campaign),
    }
    if request.headers.get("HX-Request"):
        return render(request, "reports/_dashboard_categories.html", context)
    return render(request, "reports/_dashboard_categories_page.html", context)


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    """The rankings of districts and departments, loaded into the dashboard after the rest of
    the page (they join every item to its units: the slowest figures on a large ledger). Without
    htmx, the same tables as a page of their own."""
    campaign = _part_campaign(request)
    ranked = figures.rankings(request.user, campaign=campaign)
    context = {
        "campaign": campaign,
        "districts": _ranking(ranked["district"], campaign),
        "departments": _ranking(ranked["department"], campaign),
        "back_url": _back_url(campaign),
    }
    if request.headers.get("HX-Request"):
        return render(request, "reports/_dashboard_rankings.html", context)
    return render(request, "reports/_dashboard_rankings_page.html", context)


@login_required
def drill_down(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = DrillForm(request.GET)
    if not form.is_valid():
        return render(request, "reports/drill.html", {"form": form, "invalid": True}, status=400)
    data = form.cleaned_data
    unit = data.get("unit")
    if unit is not None and not scope_for(user).can_see_unit(unit):
        raise Http404
    campaign, category, measure = data.get("campaign"), data.get("category"), data["measure"]
    period = form.period()
    if measure == SIGNED_OFF_IN_PERIOD:
        tasks = figures.newly_signed_off(user, campaign=campaign, period=period)
        if unit is not None or category:
            tasks = tasks.filter(
                pk__in=figures.drill(
                    user, campaign=campaign, measure="total", unit=unit, category=category
                ).values("pk")
            )
        tasks = tasks.order_by("-signed_off_at", "campaign_id", "code")
    else:
        tasks = (
            figures.drill(user, campaign=campaign, measure=measure, unit=unit, category=category)
            .annotate(warning_rank=WARNING_RANK)
            .order_by("warning_rank", "deadline", "campaign_id", "code")
        )
    paginator = Paginator(tasks.values_list("pk", flat=True), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    # Only the page's rows are read in full, with their units (as the ledger list does).
    ids = list(page.object_list)
    rows = {t.pk: t for t in with_units(Task.objects.filter(pk__in=ids))}
    page.object_list = [rows[i] for i in ids if i in rows]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reports/drill.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "measure": measure,
            "measure_label": MEASURE_LABELS[measure],
            "measure_help": MEASURE_HELP[measure],
            "campaign": campaign,
            "unit": unit,
            "category_label": dict(Category.choices).get(category) if category else "",
            "period": period if measure == SIGNED_OFF_IN_PERIOD else None,
            "back_url": _back_url(campaign),
        },
    )


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("rankings/", rankings, name="rankings"),
    path("categories/", categories, name="categories"),
    path("tasks/", drill_down, name="drill"),
]
