"""整改一张图: the filtered ledger on a map, each task at its site, coloured by its warning.

The page is a shell (filters, legend, map); the points come as one compact JSON array from
:func:`ledger_map_points`, read with values_list under the same filters and scope as the
ledger list, worst warning first and capped, so 100k tasks never become 100k HTML fragments.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from shanshui.ledger import forms, selectors
from shanshui.ledger.models import Status, WarningLevel
from shanshui.lib import filterforms, maps

#: At most this many points are sent (canvas markers stay fluid up to a few tens of thousands);
#: the most urgent first, and the page says when some were left out.
MAP_POINT_CAP = 20_000
TITLE_CHARS = 60


def _filters(request: HttpRequest) -> tuple[forms.LedgerFilterForm, dict, str]:
    form = forms.LedgerFilterForm(request.GET or None)
    query = request.GET.copy()
    query.pop("page", None)
    return form, (form.cleaned_data if form.is_valid() else {}), query.urlencode()


@login_required
def ledger_map(request: HttpRequest) -> HttpResponse:
    form, _data, query = _filters(request)
    return render(
        request,
        "ledger/map.html",
        {
            "form": form,
            "filter_fields": filterforms.filter_fields(form),
            "query": query,
            "map_attrs": flatatt(maps.map_data_attrs()),
            # The legend, worst first.
            "warnings": [WarningLevel(w) for w in ("overdue", "red", "yellow", "green", "none")],
        },
    )


@login_required
def ledger_map_points(request: HttpRequest) -> JsonResponse:
    """The points of the filtered ledger: ``points`` rows of [id, code, title, status, warning,
    deadline, lat, lon] (WGS84), ``with_site`` (all with a site, also beyond the cap),
    ``without_site``, ``cap``, and the labels of statuses and warnings."""
    _form, data, _query = _filters(request)
    rows, with_site, without_site = selectors.map_points(request.user, data=data, cap=MAP_POINT_CAP)
    points = [
        [
            pk,
            code,
            title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…",
            status,
            warning,
            deadline.isoformat() if deadline else "",
            round(lat, 6),
            round(lon, 6),
        ]
        for pk, code, title, status, warning, deadline, lat, lon in rows
    ]
    response = JsonResponse(
        {
            "points": points,
            "with_site": with_site,
            "without_site": without_site,
            "cap": MAP_POINT_CAP,
            "statuses": {k: str(v) for k, v in Status.choices},
            "warnings": {k: str(v) for k, v in WarningLevel.choices},
        },
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    response["Cache-Control"] = "private, no-store"
    return response
