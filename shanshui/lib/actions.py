"""One workflow action carried out from an object's page. 页面操作分派

A ledger task's page and a complaint case's page offer their actions as cards; each card posts
its form to one view, and every such post goes the same way:

1. the form is validated — its errors show the page again with the card open (400);
2. the action's handler runs: a small function of the app that calls one service and returns
   what the person is told;
3. a service's ``ValidationError`` is put on the form's fields, as if the form had found it
   (the page again, 400);
4. a :class:`~shanshui.lib.workflow.WorkflowError` (someone else acted first, the state never
   allowed this, a rate limit) gets the conflict page, with the error's status code;
5. otherwise the message is flashed and the browser goes back to the object's timeline.

``PermissionDenied`` and ``Http404`` pass through to Django's own pages: a person who was never
offered the form needs no explanation of the workflow. What differs between apps (how the object
is loaded and shown, what it is called) is described once by an :class:`ObjectPage`.

Pages whose form creates something (a new task, a campaign, a registered call) go the same way
without the object: :func:`save_form` and :func:`form_page`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from shanshui.lib.workflow import Action, WorkflowError

CONFLICT_TEMPLATE = "workflow_conflict.html"

T = TypeVar("T")

# (request, object, valid form) → the message for the person; raises what the service raises.
Handler = Callable[[HttpRequest, Any, forms.Form], str]


@dataclass(frozen=True)
class ObjectPage:
    """One kind of workflow object's page, as the action dispatch needs it.

    - ``url_name``: the page's URL name, reversed with the object's pk;
    - ``template``, ``context(request, obj, bound=…)``: the page and its context, for showing it
      again with a failed form (``bound``: action name → that bound form);
    - ``load(request, pk)``: the object in the user's data scope (404 outside it);
    - ``heading(obj)``: how the conflict page names the object;
    - ``actions``: the app's rules table, for the action's label;
    - ``conflict_note``, ``back_label``: the conflict page's words for this kind of object.
    """

    url_name: str
    template: str
    context: Callable[..., dict]
    load: Callable[[HttpRequest, Any], Any]
    heading: Callable[[Any], str]
    actions: Mapping[str, Action]
    conflict_note: str
    back_label: str

    def url(self, obj: Any) -> str:
        return reverse(self.url_name, args=[obj.pk])


def action_or_404(table: Mapping[str, T], action: str) -> T:
    """The app's entry for ``action`` (its form and handler); an action the page does not
    offer is 404, like an object that does not exist."""
    if action not in table:
        raise Http404
    return table[action]


def form_version(form: forms.Form) -> int | None:
    """The object's version the person's page showed, for the service to check (None: the
    form carried none, so no check)."""
    value = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    return value if value else None


def acting(request: HttpRequest, form: forms.Form, **subject: Any) -> dict:
    """The arguments every workflow service takes: who acts, on which object (``task=…``,
    ``complaint=…``), as of the version their page showed (a stale page gets Conflict)."""
    return {"actor": request.user, **subject, "expected_version": form_version(form)}


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form, as if the form had found it.

    A field the form has gets its errors. A field the form names differently is translated by
    the form's ``service_fields`` (service's name → form field), which the form declares rather
    than the caller guessing. Anything else is an error of the form as a whole.
    """
    if not hasattr(exc, "error_dict"):  # a refusal that names no field
        form.add_error(None, exc)
        return
    renamed: Mapping[str, str] = getattr(form, "service_fields", {})
    for field, errors in exc.message_dict.items():
        field = renamed.get(field, field)
        form.add_error(field if field in form.fields else None, errors)


def render_conflict(
    request: HttpRequest, obj: Any, action: str, exc: WorkflowError, *, page: ObjectPage
) -> HttpResponse:
    """The object moved on (another person acted, or its state never allowed this): say so
    plainly and lead back to the object as it is now. Nothing was changed."""
    known = page.actions.get(action)
    return render(
        request,
        CONFLICT_TEMPLATE,
        {
            "heading": page.heading(obj),
            "url": page.url(obj),
            "action_label": known.label if known else "",
            "message": exc.message,
            "note": page.conflict_note,
            "back_label": page.back_label,
        },
        status=exc.status_code,
    )


def render_again(
    request: HttpRequest, obj: Any, action: str, form: forms.Form, *, page: ObjectPage
) -> HttpResponse:
    """The object's page again, with the failed card open and its errors (400).

    The object is read afresh: the page shows it as stored, not as the handler was given it.
    """
    obj = page.load(request, obj.pk)
    context = page.context(request, obj, bound={action: form})
    context["failed_action"] = action
    return render(request, page.template, context, status=400)


def run_action(
    request: HttpRequest,
    obj: Any,
    action: str,
    form: forms.Form,
    handler: Handler,
    *,
    page: ObjectPage,
    next_url: str | None = None,
    invalid: Callable[[forms.Form], HttpResponse] | None = None,
) -> HttpResponse:
    """Carry out ``action`` on ``obj`` with the bound ``form`` (the steps: module docstring).

    ``next_url``: where success leads (the object's timeline unless given);
    ``invalid(form)``: the answer when the form or the service found errors (the object's page
    again unless given).
    """
    if form.is_valid():
        try:
            message = handler(request, obj, form)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except WorkflowError as exc:
            return render_conflict(request, obj, action, exc, page=page)
        else:
            messages.success(request, message)
            return redirect(next_url or page.url(obj) + "#timeline")
    if invalid is not None:
        return invalid(form)
    return render_again(request, obj, action, form, page=page)


# --- pages whose form creates something (a task, a campaign, a case, a batch) ----------------


def save_form(form: forms.Form, write: Callable[[dict], T]) -> T | None:
    """What ``write(cleaned_data)`` (a service call) returns, or None when the form is invalid
    or the service refused it — its errors are then on the form."""
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def form_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A page with a form: a POST that comes back to it (not redirected) had errors (400)."""
    return render(request, template, context, status=400 if request.method == "POST" else 200)
