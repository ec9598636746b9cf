"""Pages of the monitoring app: every district against its targets, one district, one station, the
targets grid (office) and a ledger task from a missed target (office).

Air and water quality figures are published information: every logged-in user reads every
district's figures. Only the office sets targets and turns a miss into a ledger task (403 for
anyone else). Bad query parameters fall back to the defaults with a message, never an error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from shanshui.monitoring import airstats, aqi, selectors, services, water
from shanshui.monitoring.forms import MissedTargetTaskForm, PeriodForm, TargetGridForm
from shanshui.monitoring.indicators import districts as district_figures
from shanshui.monitoring.indicators.air import calendar_days, station_figures
from shanshui.monitoring.indicators.periods import Period
from shanshui.monitoring.indicators.targets import (
    DECIMALS,
    INDICATOR_ORDER,
    MET,
    MISSED,
    NO_DATA,
    NO_TARGET,
    NOT_ASSESSED,
    Assessment,
    targets_for,
)
from shanshui.monitoring.indicators.water import class_label, decimal_or_none, section_statuses
from shanshui.monitoring.models import (
    HIGHER_IS_BETTER,
    AirDaily,
    Indicator,
    Station,
    StationKind,
    WaterSample,
)
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit
from shanshui.orgs.scope import scope_for

DAILY_PAGE_SIZE = 31
SAMPLES_PAGE_SIZE = 50

#: HJ 633 Table 2 categories in the interface language (优, 良, 轻度污染 …).
LEVEL_NAMES = {
    1: gettext_lazy("Excellent"),
    2: gettext_lazy("Good"),
    3: gettext_lazy("Lightly polluted"),
    4: gettext_lazy("Moderately polluted"),
    5: gettext_lazy("Heavily polluted"),
    6: gettext_lazy("Severely polluted"),
}
STATUS_LABELS = {
    MET: gettext_lazy("Met"),
    MISSED: gettext_lazy("Missed"),
    NO_TARGET: gettext_lazy("No target"),
    NO_DATA: gettext_lazy("No data"),
    NOT_ASSESSED: gettext_lazy("Not assessed"),
}
UNITS = {
    Indicator.GOOD_DAY_RATIO: "%",
    Indicator.PM25_MEAN: "µg/m³",
    Indicator.HEAVY_DAYS: gettext_lazy("days"),
    Indicator.WATER_GOOD_RATIO: "%",
    Indicator.WATER_INFERIOR_V: gettext_lazy("sections"),
}
SHORT_LABELS = {
    Indicator.GOOD_DAY_RATIO: gettext_lazy("Good-air-day ratio"),
    Indicator.PM25_MEAN: gettext_lazy("PM2.5 mean"),
    Indicator.HEAVY_DAYS: gettext_lazy("Heavy pollution days"),
    Indicator.WATER_GOOD_RATIO: gettext_lazy("Sections at class III or better"),
    Indicator.WATER_INFERIOR_V: gettext_lazy("Sections worse than class V"),
}


# --- helpers --------------------------------------------------------------------------------------


def _is_office(request) -> bool:
    return scope_for(request.user).sees_all


def _require_office(request) -> None:
    scope_for(request.user).require_office(_("Only the office may do this."))


def _period_form(request, *, with_month: bool = True) -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.GET or None, today=timezone.localdate(), with_month=with_month)
    period = form.period()
    if form.is_bound and form.errors:
        messages.warning(request, _("Some choices were not valid; the defaults are shown."))
    return form, period


def _fmt(value, decimals: int) -> str:
    if value is None:
        return "—"
    return f"{Decimal(str(value)):.{decimals}f}"


def _target_text(indicator: str, target) -> str:
    if target is None:
        return ""
    sign = "≥" if HIGHER_IS_BETTER[Indicator(indicator)] else "≤"
    return f"{sign} {_fmt(target, DECIMALS[indicator])}"


def _cell(a: Assessment, *, task_id: int | None = None, create_url: str = "") -> dict:
    """What a table cell shows for one indicator."""
    dec = a.decimals
    return {
        "indicator": a.indicator,
        "label": SHORT_LABELS[a.indicator],
        "value": _fmt(a.value, dec),
        "raw": a.value,
        "unit": UNITS[a.indicator],
        "target": _target_text(a.indicator, a.target),
        "status": a.status,
        "badge": STATUS_LABELS[a.status],
        "gap": "" if a.gap is None else f"{a.gap:+.{max(dec, 1)}f}",
        "provisional": a.provisional,
        "task_url": reverse("ledger:task", args=[task_id]) if task_id else "",
        "create_url": create_url,
    }


def _miss_links(request, rows, period: Period) -> dict:
    """``{(district_id, indicator): (task_id, create_url)}`` for the missed annual targets the
    office may turn into ledger tasks (one query)."""
    if not period.is_year or not _is_office(request):
        return {}
    wanted = {}
    for row in rows:
        for a in row.missed:
            wanted[(row.district.pk, a.indicator)] = services.miss_code(
                row.district, period.year, a.indicator
            )
    tasks = selectors.existing_tasks(wanted.values())
    out = {}
    for (district_id, indicator), code in wanted.items():
        url = reverse("monitoring:task_from_miss", args=[district_id, indicator])
        out[(district_id, indicator)] = (tasks.get(code), f"{url}?year={period.year}")
    return out


def _cells(row, links: dict) -> list[dict]:
    out = []
    for indicator in INDICATOR_ORDER:
        task_id, url = links.get((row.district.pk if row.district else None, indicator), (None, ""))
        out.append(
            _cell(row.assessments[indicator], task_id=task_id, create_url="" if task_id else url)
        )
    return out


def _levels() -> list[dict]:
    return [
        {
            "level": lv.level,
            "min": lv.aqi_min,
            "max": lv.aqi_max,
            "colour": lv.hex,
            "name": str(LEVEL_NAMES[lv.level]),
        }
        for lv in aqi.AQI_LEVELS
    ]


def _calendar_chart(year: int, days) -> dict:
    return {
        "year": year,
        "days": [[d.isoformat(), a, lv, p] for d, a, lv, p in days if a is not None],
        "levels": _levels(),
        # ECharts' own short month and weekday names ("一月", "一" … or "Jan", "M" …).
        "lang": "ZH" if (get_language() or "").startswith("zh") else "EN",
        "names": {"aqi": "AQI", "primary": _("Primary pollutant")},
    }


def _standard_notes(period: Period) -> dict:
    return {
        "standards": period.standards,
        "provisional_aqi": aqi.STANDARD_2026 in period.standards,
        "provisional_limits": period.provisional_limits,
        "switch_date": aqi.HJ633_2026_EFFECTIVE,
    }


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- pages ----------------------------------------------------------------------------------------


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    form, period = _period_form(request)
    sort = form.sort_key()
    data = district_figures.overview(period, sort=sort, today=timezone.localdate())
    links = _miss_links(request, data.rows, period)
    rows = [{"row": row, "cells": _cells(row, links)} for row in data.rows]
    by_good = sorted(
        (r for r in data.rows if r.value(Indicator.GOOD_DAY_RATIO) is not None),
        key=lambda r: r.rank_good or 0,
    )
    chart = {
        "ranking": {
            "labels": [r.name for r in by_good],
            "values": [r.value(Indicator.GOOD_DAY_RATIO) for r in by_good],
            "targets": [
                None
                if r.assessments[Indicator.GOOD_DAY_RATIO].target is None
                else float(r.assessments[Indicator.GOOD_DAY_RATIO].target)
                for r in by_good
            ],
            "status": [r.assessments[Indicator.GOOD_DAY_RATIO].status for r in by_good],
        },
        "names": {
            "good": str(SHORT_LABELS[Indicator.GOOD_DAY_RATIO]),
            "target": _("Target"),
        },
    }
    return render(
        request,
        "monitoring/overview.html",
        {
            "form": form,
            "period": period,
            "data": data,
            "rows": rows,
            "city": _cells(data.city, {}),
            "chart": chart,
            "ranking": by_good,
            "sort": data.sort,
            "query": _query_without(request, "sort"),
            "is_office": _is_office(request),
            "notes": _standard_notes(period),
            "heading_labels": [SHORT_LABELS[i] for i in INDICATOR_ORDER],
        },
    )


def _district_or_404(pk: int) -> Unit:
    return get_object_or_404(Unit, pk=pk, kind__in=TERRITORIAL_KINDS)


@login_required
def district(request: HttpRequest, pk: int) -> HttpResponse:
    unit = _district_or_404(pk)
    form, period = _period_form(request)
    today = timezone.localdate()
    detail = district_figures.district_detail(unit, period, today=today)
    links = _miss_links(request, [detail.row], period)
    targets = detail.targets
    chart = {
        "calendar": _calendar_chart(period.year, detail.calendar),
        "trend": {
            "months": [str(MONTHS_3[m.month]) for m in detail.months],
            "pm25": [m.pm25_mean for m in detail.months],
            "good": [m.good_ratio for m in detail.months],
            "pm25_target": _float(targets.get(Indicator.PM25_MEAN)),
            "good_target": _float(targets.get(Indicator.GOOD_DAY_RATIO)),
        },
        "names": {
            "pm25": str(SHORT_LABELS[Indicator.PM25_MEAN]),
            "good": str(SHORT_LABELS[Indicator.GOOD_DAY_RATIO]),
            "target": _("Target"),
        },
    }
    return render(
        request,
        "monitoring/district.html",
        {
            "unit": unit,
            "form": form,
            "period": period,
            "detail": detail,
            "cells": _cells(detail.row, links),
            "chart": chart,
            "months": [
                {
                    "label": MONTHS_3[m.month],
                    "good": _fmt(m.good_ratio, 1),
                    "pm25": _fmt(m.pm25_mean, 0),
                    "pm25_valid": m.pm25_valid,
                    "heavy": m.heavy_days if m.aqi_days else "—",
                    "days": m.aqi_days,
                }
                for m in detail.months
            ],
            "levels": _levels(),
            "level_days": _level_days(detail.row.air),
            "is_office": _is_office(request),
            "notes": _standard_notes(period),
            "in_progress": not period.is_over(today),
            "pollutants": _pollutant_rows(detail.row.air),
        },
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


def _level_days(air) -> list[dict]:
    if air is None:
        return []
    return [
        {
            "level": lv.level,
            "name": LEVEL_NAMES[lv.level],
            "colour": lv.hex,
            "days": air.level_days[lv.level - 1],
        }
        for lv in aqi.AQI_LEVELS
    ]


POLLUTANT_LABELS = {
    "SO2": "SO₂",
    "NO2": "NO₂",
    "PM10": "PM10",
    "PM25": "PM2.5",
    "CO": "CO",
    "O3": "O₃",
}


def _pollutant_rows(air) -> list[dict]:
    """Period mean (O3: of the daily max 8-h) and HJ 663 percentile per pollutant."""
    if air is None:
        return []
    out = []
    for p in airstats.POLLUTANTS:
        dec = airstats.DECIMALS[p]
        out.append(
            {
                "name": POLLUTANT_LABELS[p],
                "statistic": (_("daily max 8-h mean") if p == "O3" else _("24-h mean")),
                "unit": "mg/m³" if p == "CO" else "µg/m³",
                "mean": _fmt(air.means[p], dec),
                "valid": air.valid[p],
                "percentile": _fmt(air.percentiles[p], dec),
                "p": airstats.PERCENTILE_OF[p],
            }
        )
    return out


@login_required
def station(request: HttpRequest, pk: int) -> HttpResponse:
    st = get_object_or_404(Station.objects.select_related("district"), pk=pk)
    form, period = _period_form(request, with_month=False)
    query = _query_without(request, "page")
    context = {"station": st, "form": form, "period": period, "query": query}
    if st.kind == StationKind.AIR:
        figures = station_figures(period, [st.pk])[st.pk]
        days = AirDaily.objects.filter(
            station=st, day__gte=period.first_day, day__lte=period.last_day, aqi__isnull=False
        ).order_by("-day")
        page = Paginator(days, DAILY_PAGE_SIZE).get_page(request.GET.get("page"))
        for row in page.object_list:
            level = aqi.AQI_LEVELS[row.level - 1] if row.level else None
            row.level_name = LEVEL_NAMES[row.level] if row.level else ""
            row.level_colour = level.hex if level else ""
            row.level_dark = bool(level and level.level >= 4)
        context |= {
            "figures": figures,
            "page": page,
            "level_days": _level_days(figures),
            "pollutants": _pollutant_rows(figures),
            "chart": {
                "calendar": _calendar_chart(
                    period.year, calendar_days(year=period.year, station=st)
                )
            },
            "notes": _standard_notes(period),
        }
        return render(request, "monitoring/station_air.html", context)
    samples = WaterSample.objects.filter(
        station=st, sampled_on__gte=period.first_day, sampled_on__lte=period.last_day
    ).order_by("-sampled_on")
    page = Paginator(samples, SAMPLES_PAGE_SIZE).get_page(request.GET.get("page"))
    items_seen: list[str] = []
    rows = []
    for sample in page.object_list:
        cells = _sample_items(sample, st.waterbody)
        for code in cells:
            if code not in items_seen:
                items_seen.append(code)
        main = [c.strip() for c in (sample.main_pollutants or "").replace("、", ",").split(",")]
        rows.append(
            {
                "sample": sample,
                "cells": cells,
                "class_label": class_label(sample.water_class),
                "main": [water.ITEMS.get(c, c) for c in main if c],
            }
        )
    order = {code: i for i, code in enumerate(water.ITEMS)}
    items_seen.sort(key=lambda c: order.get(c, 999))
    for row in rows:
        row["ordered"] = [row["cells"].get(code) for code in items_seen]
    status = section_statuses(period, stations=[st])[0]
    context |= {
        "page": page,
        "rows": rows,
        "items": [(code, water.ITEMS.get(code, code)) for code in items_seen],
        "status": status,
    }
    return render(request, "monitoring/station_water.html", context)


def _sample_items(sample: WaterSample, waterbody: str) -> dict:
    """Each item of a sample with its class; items worse than class III are flagged."""
    values = {}
    for code, raw in (sample.values or {}).items():
        number = decimal_or_none(raw)
        if code in water.ITEMS and number is not None:
            values[code] = number
    try:
        result = water.classify_sample(values, waterbody=waterbody or "river")
    except (ValueError, TypeError):
        return {code: {"value": v, "class": "", "over": False} for code, v in values.items()}
    return {
        code: {
            "value": item.value,
            "class": class_label(int(item.water_class)),
            "over": item.water_class > water.WaterClass.III,
            "exceedance": item.exceedance,
        }
        for code, item in result.items.items()
    }


# --- targets (office) ---------------------------------------------------------------------------


def _target_districts(year: int) -> list[Unit]:
    """Territorial units that existed in the year (merged-away ones for their last years)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    return list(
        Unit.objects.territorial()
        .exclude(valid_from__gt=last)
        .exclude(valid_to__lte=first)
        .order_by("sort_order", "path")
    )


@login_required
def targets(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    form_period, period = _period_form(request, with_month=False)
    year = period.year
    if request.method == "POST":
        try:
            year = int(request.POST.get("year", ""))
            Period(year)
        except (TypeError, ValueError):
            raise Http404 from None
    districts = _target_districts(year)
    current = targets_for(year, [d.pk for d in districts])
    if request.method == "POST":
        grid = TargetGridForm(request.POST, year=year, districts=districts, targets=current)
        if grid.is_valid():
            changes = grid.changes()
            try:
                changed = services.targets_set(actor=request.user, year=year, changes=changes)
            except services.TargetsRefused as exc:
                grid.show_refusals(changes, exc.errors)
            else:
                messages.success(
                    request,
                    _("Targets for %(year)s saved: %(n)s changed.") % {"year": year, "n": changed},
                )
                return redirect(f"{reverse('monitoring:targets')}?year={year}")
        form_period = PeriodForm({"year": str(year)}, today=timezone.localdate(), with_month=False)
    else:
        grid = TargetGridForm(year=year, districts=districts, targets=current)
    return render(
        request,
        "monitoring/targets.html",
        {
            "form": form_period,
            "grid": grid,
            "year": year,
            "headings": [
                {
                    "label": SHORT_LABELS[i],
                    "unit": UNITS[i],
                    "sign": "≥" if HIGHER_IS_BETTER[Indicator(i)] else "≤",
                }
                for i in INDICATOR_ORDER
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


# --- a ledger task from a missed target (office) ------------------------------------------------


@login_required
def task_from_miss(request: HttpRequest, pk: int, indicator: str) -> HttpResponse:
    _require_office(request)
    unit = _district_or_404(pk)
    if indicator not in Indicator.values:
        raise Http404
    try:
        period = Period(int(request.GET.get("year", "")))
    except (TypeError, ValueError):
        raise Http404 from None
    back = f"{reverse('monitoring:district', args=[unit.pk])}?year={period.year}"
    code = services.miss_code(unit, period.year, indicator)
    found = selectors.existing_task(code)
    if found is not None:
        messages.info(request, _("This miss is already on the ledger: %(code)s.") % {"code": code})
        return redirect("ledger:task", pk=found.pk)
    today = timezone.localdate()
    detail = district_figures.district_detail(unit, period, today=today)
    assessment = detail.row.assessments[indicator]
    if not assessment.missed:
        messages.warning(request, _("This target is not missed: there is no task to create."))
        return redirect(back)
    proposal = services.task_proposal(
        district=unit,
        period=period,
        assessment=assessment,
        air=detail.row.air,
        wat=detail.row.water,
        sections=detail.sections,
        today=today,
    )
    form = MissedTargetTaskForm(request.POST or None, proposal=proposal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task, created = services.missed_target_task_create(
                actor=request.user,
                district=unit,
                proposal=proposal,
                campaign=data["campaign"],
                title=data["title"],
                problem=data["problem"],
                target=data["target"],
                measures=data["measures"],
                deadline=data["deadline"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            if created:
                messages.success(
                    request, _("Draft task %(code)s put on the ledger.") % {"code": task.code}
                )
            else:
                messages.info(
                    request, _("This miss is already on the ledger: %(code)s.") % {"code": code}
                )
            return redirect("ledger:task", pk=task.pk)
    return render(
        request,
        "monitoring/task_from_miss.html",
        {
            "unit": unit,
            "period": period,
            "form": form,
            "proposal": proposal,
            "cell": _cell(assessment),
            "back": back,
            "no_campaign": not form.fields["campaign"].queryset.exists(),
            "lead": selectors.lead_unit(),
        },
        status=400 if request.method == "POST" else 200,
    )
