"""The office uploads monitoring data: hourly air readings or water samples as CSV. A dry run
first (every error by row and column, and what would change), then the import.

The file is not kept between the two steps: the preview asks for it again with the import
button (the import checks it again from scratch, so a different file cannot slip through
unchecked). This module keeps its own ``urlpatterns``; monitoring/urls.py joins them.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from shanshui.monitoring import services, water
from shanshui.monitoring.loading.results import MAX_ERRORS
from shanshui.orgs.scope import scope_for

PAGE_MAX_BYTES = 20 * 1024 * 1024
KIND_AIR, KIND_WATER = "air", "water"


def page_max_bytes() -> int:
    return int(getattr(settings, "SHANSHUI_MONITORING_CSV_PAGE_MAX_BYTES", PAGE_MAX_BYTES))


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Data"),
        choices=[
            (KIND_AIR, gettext_lazy("Hourly air readings")),
            (KIND_WATER, gettext_lazy("Water samples")),
        ],
        initial=KIND_AIR,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run first: check the file and show what would change"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "UTF-8 or GBK (as Excel saves it), comma-separated, at most %(mb)d MB. Larger files: "
            "the import_air command or the API."
        ) % {"mb": page_max_bytes() // 2**20}


def _office_only(request: HttpRequest) -> None:
    if not scope_for(request.user).sees_all:
        raise PermissionDenied(_("Only the office imports monitoring data."))


@login_required
@require_http_methods(["GET", "POST"])
def data_import(request: HttpRequest) -> HttpResponse:
    _office_only(request)
    context = {
        "max_errors": MAX_ERRORS,
        "water_items": [(code, name) for code, name in water.ITEMS.items()],
    }
    if request.method != "POST":
        context["form"] = ImportForm(initial={"kind": request.GET.get("kind") or KIND_AIR})
        return render(request, "monitoring/import.html", context)

    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context["form"] = form
        return render(request, "monitoring/import.html", context, status=400)
    kind = form.cleaned_data["kind"]
    dry_run = form.cleaned_data["dry_run"]
    upload = form.cleaned_data["file"]
    action = services.air_csv_import if kind == KIND_AIR else services.water_csv_import
    result = action(actor=request.user, fileobj=upload, dry_run=dry_run, max_bytes=page_max_bytes())
    if result.written:
        messages.success(
            request,
            _(
                "%(file)s imported: %(inserted)d new rows, %(updated)d changed, %(unchanged)d "
                "unchanged."
            )
            % {
                "file": upload.name,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        return redirect(reverse("monitoring:import") + f"?kind={kind}")
    # After a clean dry run the form is ready for the real import; after errors, for another
    # dry run of the corrected file.
    context.update(
        form=ImportForm(initial={"kind": kind, "dry_run": not result.ok}),
        result=result,
        kind=kind,
    )
    return render(request, "monitoring/import.html", context, status=200 if result.ok else 400)


_TEMPLATES = {
    KIND_AIR: (
        "站点编码,时间,SO2,NO2,PM10,PM2.5,CO,O3\r\n"
        "5001A,2026-01-01 01:00,8,35,72,48,0.9,21\r\n"
        "5001A,2026-01-01 02:00,7,33,70,—,0.9,20\r\n"
    ),
    KIND_WATER: (
        "断面编码,采样日期,pH,溶解氧,高锰酸盐指数,化学需氧量,五日生化需氧量,氨氮,总磷,总氮\r\n"
        "W001,2026-01-15,7.6,8.2,2.1,10,1.8,0.21,0.06,1.2\r\n"
    ),
}


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An example CSV (UTF-8 with a BOM, so that Excel opens the Chinese headers correctly)."""
    _office_only(request)
    if kind not in _TEMPLATES:
        raise Http404
    response = HttpResponse("\ufeff" + _TEMPLATES[kind], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monitoring-{kind}-example.csv"'
    return response


urlpatterns = [
    path("import/", data_import, name="import"),
    path("import/example-<str:kind>.csv", import_template, name="import_template"),
]
