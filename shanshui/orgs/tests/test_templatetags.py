"""The shared form-field partial and the one status-badge tag."""

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils.html import format_html

from shanshui.orgs.templatetags.badges import badge, badge_class

SCRIPT = "<script>alert(1)</script>"


class HintForm(forms.Form):
    name = forms.CharField(label="Name", help_text=SCRIPT)
    guide = forms.CharField(
        label="Guide",
        required=False,
        help_text=format_html('See <a href="{}">the guide</a>.', "/help/"),
    )
    agree = forms.BooleanField(label="I agree", required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def test_it_escapes_a_help_text_that_carries_markup():
    html = render_to_string("_form_fields.html", {"form": HintForm()})
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert SCRIPT not in html
    # One field alone, as the forms with their own layout include it.
    html = render_to_string("_field.html", {"field": HintForm()["name"]})
    assert '<div class="form-hint">&lt;script&gt;alert(1)&lt;/script&gt;</div>' in html


def test_markup_built_safe_in_the_form_stays_markup():
    html = render_to_string("_field.html", {"field": HintForm()["guide"]})
    assert '<div class="form-hint">See <a href="/help/">the guide</a>.</div>' in html


def test_the_field_partial_keeps_labels_ids_and_errors_together():
    form = HintForm(data={})
    assert not form.is_valid()
    html = render_to_string("_form_fields.html", {"form": form})
    assert '<label class="form-label required" for="id_name">Name</label>' in html
    assert 'class="form-control is-invalid"' in html and 'id="id_name"' in html
    assert f'<div class="invalid-feedback d-block">{form.errors["name"][0]}</div>' in html
    # A checkbox sits inside its label; a hidden field is the bare input, without a wrapper.
    assert '<label class="form-check"><input type="checkbox" name="agree"' in html
    assert '<input type="hidden" name="token" id="id_token">' in html
    assert html.count('<div class="mb-3">') == 3


def test_non_field_errors_come_first():
    class Pair(forms.Form):
        a = forms.CharField(required=False)

        def clean(self):
            raise forms.ValidationError("Give one or the other.")

    form = Pair(data={})
    form.is_valid()
    html = render_to_string("_form_fields.html", {"form": form})
    assert html.index('<div class="alert alert-danger" role="alert">') < html.index('id="id_a"')


def test_a_badge_takes_its_colour_from_the_apps_table():
    assert str(badge("orgs.unit_kind", "district", "District")) == (
        '<span class="badge bg-green-lt">District</span>'
    )
    rendered = badge("orgs.unit_kind", "zone", "Zone", extra="kind-badge", title="A zone")
    assert str(rendered) == '<span class="badge bg-teal-lt kind-badge" title="A zone">Zone</span>'
    # An empty title is still written: it keeps an ancestor's title off the badge.
    assert 'title=""' in str(badge("orgs.unit_kind", "zone", "Zone", title=""))


def test_a_value_the_table_does_not_know_is_grey():
    assert badge_class("no-such-kind", "orgs.unit_kind") == "bg-secondary-lt"
    assert str(badge("orgs.unit_kind", "no-such-kind")) == (
        '<span class="badge bg-secondary-lt">no-such-kind</span>'
    )


def test_a_badge_escapes_its_label_and_title():
    html = str(badge("orgs.unit_kind", "town", SCRIPT, title='"><b>'))
    assert SCRIPT not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and 'title="&quot;&gt;&lt;b&gt;"' in html


def test_an_unknown_kind_fails_loudly():
    with pytest.raises(LookupError):
        badge("orgs.no_such_table", "x")
    with pytest.raises(LookupError):
        badge("no_such_app.status", "x")


def test_the_tag_and_the_filter_in_a_template():
    template = Template(
        '{% load badges %}{% badge "orgs.unit_validity" "current" label extra="me-1" %}'
        '<span class="avatar {{ "abolished"|badge_class:"orgs.unit_validity" }}"></span>'
    )
    html = template.render(Context({"label": "Current & valid"}))
    assert html == (
        '<span class="badge bg-success-lt me-1">Current &amp; valid</span>'
        '<span class="avatar bg-secondary-lt"></span>'
    )
