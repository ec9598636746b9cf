"""The office's pages for meeting documents: take one in, review its directives, make tasks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shanshui.directives import selectors, services
from shanshui.directives.forms import DirectiveForm, DocumentForm, SplitForm
from shanshui.directives.models import Directive, Document
from shanshui.directives.normalize import normalize, segments
from shanshui.lib.actions import form_page, save_form
from shanshui.orgs.scope import scope_for

DIFF_MAX = 60_000  # characters of the input shown as a diff (longer ones: the start of it)


@login_required
def documents(request: HttpRequest) -> HttpResponse:
    meetings = selectors.meetings_for(request.user)
    return form_page(request, "directives/documents.html", {"meetings": meetings})


def _ingest(request: HttpRequest, data: dict) -> Document:
    document = {
        "title": data.get("title", ""),
        "text": data.get("text", ""),
        "upload": data.get("upload"),
        "mode": data["mode"],
    }
    if data.get("meeting"):
        return services.document_ingest(actor=request.user, meeting=data["meeting"], **document)
    return services.document_ingest_new_meeting(
        actor=request.user,
        name=data["meeting_name"],
        date=data["meeting_date"],
        kind=data["meeting_kind"],
        **document,
    )


@login_required
def document_new(request: HttpRequest) -> HttpResponse:
    scope_for(request.user).require_office()
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        document = save_form(form, lambda d: _ingest(request, d))
        if document is not None:
            messages.success(
                request,
                _("“%(title)s” read: %(n)s directives found. Review them, then make the tasks.")
                % {"title": document.title, "n": document.directives.count()},
            )
            return redirect("directives:document", pk=document.pk)
    return form_page(request, "directives/new.html", {"form": form})


def _load(request: HttpRequest, pk: int) -> Document:
    try:
        return selectors.document_for(request.user, pk)
    except Document.DoesNotExist as exc:
        raise Http404 from exc


def _page(request: HttpRequest, document: Document, *, bound: dict | None = None) -> HttpResponse:
    bound = bound or {}
    directives = selectors.directives_of(document)
    rows = []
    for d in directives:
        form = bound.get(("edit", d.pk)) or DirectiveForm(
            initial=DirectiveForm.initial_for(d), prefix=f"d{d.pk}"
        )
        split = bound.get(("split", d.pk)) or SplitForm(prefix=f"s{d.pk}")
        rows.append({"d": d, "form": form, "split": split, "open": bool(bound.get(("edit", d.pk)))})
    show_diff = request.GET.get("view") == "diff"
    diff = []
    if show_diff:
        source = document.raw_text[:DIFF_MAX]
        diff = segments(source, normalize(source, mode=document.mode).changes)
    context = {
        "document": document,
        "rows": rows,
        "follow_up": selectors.follow_up(directives),
        "show_diff": show_diff,
        "diff": diff,
        "diff_cut": len(document.raw_text) > DIFF_MAX,
        "commit_errors": bound.get("commit", []),
    }
    return form_page(request, "directives/document.html", context)


def _again(request: HttpRequest, document: Document, bound: dict) -> HttpResponse:
    """The document's page again with what was refused (a bound form, the commit's list)."""
    response = _page(request, document, bound=bound)
    response.status_code = 400
    return response


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _load(request, pk))


def _directive(request: HttpRequest, pk: int) -> Directive:
    scope_for(request.user).require_office()
    return get_object_or_404(Directive.objects.select_related("document"), pk=pk)


def _back(directive: Directive) -> HttpResponse:
    return redirect(
        reverse("directives:document", args=[directive.document_id]) + f"#d{directive.pk}"
    )


@login_required
@require_POST
def directive_edit(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    form = DirectiveForm(request.POST, prefix=f"d{pk}")
    saved = save_form(
        form,
        lambda d: services.directive_update(
            actor=request.user,
            directive=directive,
            text=d["text"],
            lead=d.get("lead"),
            responsible=list(d.get("responsible") or []),
            categories=d.get("categories") or [],
            deadline_kind=d["deadline_kind"],
            deadline=d.get("deadline"),
            dropped=d.get("dropped", False),
        ),
    )
    if saved is None:
        return _again(request, directive.document, {("edit", pk): form})
    messages.success(request, _("Directive %(n)s saved.") % {"n": saved.number})
    return _back(saved)


@login_required
@require_POST
def directive_merge(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    try:
        merged = services.directive_merge_up(actor=request.user, directive=directive)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(directive)
    messages.success(request, _("Joined to directive %(n)s.") % {"n": merged.number})
    return _back(merged)


@login_required
@require_POST
def directive_split(request: HttpRequest, pk: int) -> HttpResponse:
    directive = _directive(request, pk)
    form = SplitForm(request.POST, prefix=f"s{pk}")
    new = save_form(
        form,
        lambda d: services.directive_split(
            actor=request.user, directive=directive, before_clause=d["before_clause"]
        ),
    )
    if new is None:
        return _again(request, directive.document, {("split", pk): form})
    messages.success(request, _("Split: the second part is directive %(n)s.") % {"n": new.number})
    return _back(new)


@login_required
@require_POST
def document_commit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _load(request, pk)
    try:
        tasks = services.document_commit(actor=request.user, document=document)
    except ValidationError as exc:
        return _again(request, document, {"commit": exc.messages})
    messages.success(
        request,
        _("%(n)s tasks put on the ledger as drafts under “%(campaign)s”.")
        % {"n": len(tasks), "campaign": tasks[0].campaign.name},
    )
    return redirect("directives:document", pk=document.pk)


def task_panel(request: HttpRequest, task) -> str:
    """The ledger task page's panel: the meeting directive the task came from (its sentence, who
    said it, at which meeting); the document itself is the office's."""
    directive = (
        Directive.objects.filter(task=task).select_related("document", "document__meeting").first()
    )
    if directive is None:
        return ""
    return render_to_string(
        "directives/_task_panel.html",
        {"d": directive, "office": scope_for(request.user).sees_all},
        request=request,
    )
