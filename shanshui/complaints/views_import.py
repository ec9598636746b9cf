"""The office imports a transfer list (交办件清单) into a batch: dry run first, then for real.

The file is not kept between the two steps: the preview asks for it again with the import button
(the import checks it again from scratch, so a different file cannot slip through unchecked).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shanshui.complaints import importer
from shanshui.complaints.models import TransferBatch
from shanshui.orgs.scope import scope_for

XLSX_MIME = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW_ROWS = 500  # the preview lists at most this many rows (the counts are always complete)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Transfer list (Excel .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,application/" + XLSX_MIME}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run first: check the file and show what would be imported"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "The list as the inspection team sent it: title and header rows may stay. At most "
            "%(mb)d MB and %(rows)d rows."
        ) % {"mb": importer.MAX_BYTES // 2**20, "rows": importer.MAX_ROWS}


@login_required
@require_http_methods(["GET", "POST"])
def batch_import(request: HttpRequest, pk: int) -> HttpResponse:
    if not scope_for(request.user).sees_all:
        raise PermissionDenied(_("Only the office imports transfer lists."))
    batch = get_object_or_404(TransferBatch.objects.select_related("campaign"), pk=pk)
    context = {"batch": batch, "existing": batch.complaints.count()}
    if request.method != "POST":
        context["form"] = ImportForm()
        return render(request, "complaints/batch_import.html", context)

    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context["form"] = form
        return render(request, "complaints/batch_import.html", context, status=400)
    dry_run = form.cleaned_data["dry_run"]
    upload = form.cleaned_data["file"]
    result = importer.import_batch(actor=request.user, batch=batch, fileobj=upload, dry_run=dry_run)
    if result.ok and not dry_run:
        messages.success(
            request,
            _("%(created)d cases imported, %(unchanged)d unchanged.")
            % {"created": len(result.created), "unchanged": len(result.unchanged)},
        )
        return redirect(reverse("complaints:batch", args=[batch.pk]))
    # After a clean dry run the form is ready for the real import; after errors, for another
    # dry run of the corrected file.
    context.update(
        form=ImportForm(initial={"dry_run": not result.ok}),
        result=result,
        preview=result.rows[:PREVIEW_ROWS],
        preview_cut=len(result.rows) > PREVIEW_ROWS,
        file_name=upload.name,
    )
    return render(
        request, "complaints/batch_import.html", context, status=200 if result.ok else 400
    )
