"""The page-side action dispatch without an app: a stand-in object, form and page.

The ledger's and the complaints' view tests drive it through their real pages.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse

from shanshui.lib import actions
from shanshui.lib.actions import (
    ObjectPage,
    acting,
    action_or_404,
    add_service_errors,
    form_page,
    form_version,
    run_action,
    save_form,
)
from shanshui.lib.workflow import Action, Conflict, RateLimited


class NoteForm(forms.Form):
    version = forms.IntegerField(required=False)
    text = forms.CharField()
    check_ok = forms.CharField(required=False)

    # The service says "ok" for what this form asks in "check_ok".
    service_fields = {"ok": "check_ok"}


class Page(ObjectPage):
    """A page at a fixed address, so that no app's URLs are needed."""

    def url(self, obj) -> str:
        return f"/things/{obj.pk}/"


def make_page(**kw) -> Page:
    fields = {
        "url_name": "unused",
        "template": "thing.html",
        "context": lambda request, obj, bound: {"obj": obj, "bound": bound},
        "load": lambda request, pk: SimpleNamespace(pk=pk, name="as stored"),
        "heading": lambda obj: f"T-{obj.pk} {obj.name}",
        "actions": {"close": Action("close", "Close", ("open",))},
        "conflict_note": "Nothing was changed.",
        "back_label": "Back to the thing",
    }
    fields.update(kw)
    return Page(**fields)


@pytest.fixture
def post(rf):
    def make(data=None):
        request = rf.post("/things/1/close/", data or {})
        request.user = AnonymousUser()
        request._messages = CookieStorage(request)
        return request

    return make


def thing():
    return SimpleNamespace(pk=1, name="in memory")


def test_it_puts_service_errors_on_the_forms_fields_or_on_the_form():
    form = NoteForm({"text": "x"})
    assert form.is_valid()
    add_service_errors(
        form,
        ValidationError({"text": "Too short.", "ok": "State how.", "measures": "Not done."}),
    )
    assert form.errors["text"] == ["Too short."]
    assert form.errors["check_ok"] == ["State how."]  # the form's own name for it
    assert form.non_field_errors() == ["Not done."]  # a field the form does not have


def test_a_refusal_naming_no_field_is_an_error_of_the_form():
    form = NoteForm({"text": "x"})
    assert form.is_valid()
    add_service_errors(form, ValidationError("Not now."))
    assert form.non_field_errors() == ["Not now."]


def test_the_version_is_none_when_the_page_sent_none():
    for sent, expected in [("7", 7), ("", None), ("0", None)]:
        form = NoteForm({"text": "x", "version": sent})
        assert form.is_valid()
        assert form_version(form) == expected
    assert form_version(NoteForm()) is None  # never validated


def test_an_action_the_page_does_not_offer_is_404():
    table = {"close": ("form", "handler")}
    assert action_or_404(table, "close") == ("form", "handler")
    with pytest.raises(Http404):
        action_or_404(table, "delete")


def test_acting_names_who_acts_on_what_as_of_which_version(post):
    request = post()
    form = NoteForm({"text": "x", "version": "3"})
    assert form.is_valid()
    assert acting(request, form, task="t") == {
        "actor": request.user,
        "task": "t",
        "expected_version": 3,
    }


def test_it_runs_the_handler_flashes_its_message_and_goes_to_the_timeline(post):
    request, seen = post(), []

    def handler(request, obj, form):
        seen.append((obj.pk, form.cleaned_data["text"]))
        return "Closed."

    form = NoteForm({"text": "done"})
    response = run_action(request, thing(), "close", form, handler, page=make_page())
    assert (response.status_code, response["Location"]) == (302, "/things/1/#timeline")
    assert seen == [(1, "done")]
    assert [str(m) for m in get_messages(request)] == ["Closed."]

    form = NoteForm({"text": "done"})
    response = run_action(
        request, thing(), "close", form, handler, page=make_page(), next_url="/queue/"
    )
    assert response["Location"] == "/queue/"


def test_an_invalid_form_never_reaches_the_handler(post):
    def handler(request, obj, form):
        raise AssertionError("called")

    answered = []
    response = run_action(
        post(),
        thing(),
        "close",
        NoteForm({"text": ""}),
        handler,
        page=make_page(),
        invalid=lambda form: answered.append(form.errors) or HttpResponse(status=400),
    )
    assert response.status_code == 400
    assert list(answered[0]) == ["text"]


def test_a_service_refusal_shows_the_page_again_with_the_object_as_stored(post, monkeypatch):
    def handler(request, obj, form):
        raise ValidationError({"ok": "State how."})

    shown = []
    monkeypatch.setattr(
        actions,
        "render",
        lambda request, template, context, status: (
            shown.append((template, context, status)) or HttpResponse(status=status)
        ),
    )
    form = NoteForm({"text": "x"})
    response = run_action(post(), thing(), "close", form, handler, page=make_page())
    assert response.status_code == 400
    template, context, status = shown[0]
    assert (template, status) == ("thing.html", 400)
    assert context["obj"].name == "as stored"  # read afresh, not the handler's copy
    assert context["bound"] == {"close": form} and context["failed_action"] == "close"
    assert form.errors["check_ok"] == ["State how."]


@pytest.mark.parametrize("error", [Conflict("Someone else acted."), RateLimited("Slow down.")])
def test_a_workflow_refusal_gets_the_conflict_page_with_its_status(post, error):
    def handler(request, obj, form):
        raise error

    response = run_action(
        post(), thing(), "close", NoteForm({"text": "x"}), handler, page=make_page()
    )
    assert response.status_code == error.status_code
    html = response.content.decode()
    assert 'id="conflict"' in html and "T-1 in memory" in html
    assert f"<strong>Close</strong>：{error.message}" in html
    assert "Nothing was changed." in html
    assert 'href="/things/1/">Back to the thing</a>' in html


def test_an_action_outside_the_rules_table_has_no_label_on_the_conflict_page(post):
    def handler(request, obj, form):
        raise Conflict("Gone.")

    response = run_action(
        post(), thing(), "answer", NoteForm({"text": "x"}), handler, page=make_page()
    )
    assert response.status_code == 409 and "<strong>" not in response.content.decode()


def test_a_refused_role_is_the_plain_403(post):
    def handler(request, obj, form):
        raise PermissionDenied

    with pytest.raises(PermissionDenied):
        run_action(post(), thing(), "close", NoteForm({"text": "x"}), handler, page=make_page())


def test_save_form_returns_what_was_written_or_none_with_the_errors_on_the_form():
    assert save_form(NoteForm({"text": "x"}), lambda d: d["text"] * 2) == "xx"
    assert save_form(NoteForm({"text": ""}), lambda d: 1 / 0) is None

    def refuse(data):
        raise ValidationError({"ok": "State how."})

    form = NoteForm({"text": "x"})
    assert save_form(form, refuse) is None
    assert form.errors["check_ok"] == ["State how."]


def test_a_form_page_is_400_only_when_a_post_came_back_to_it(rf, monkeypatch):
    monkeypatch.setattr(
        actions,
        "render",
        lambda request, template, context, status: HttpResponse(status=status),
    )
    assert form_page(rf.get("/new/"), "new.html", {}).status_code == 200
    assert form_page(rf.post("/new/"), "new.html", {}).status_code == 400
