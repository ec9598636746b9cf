"""Administration of the reports app: the bulletin templates the office adjusts (issuing body,
number prefix, title, addressees, opening and closing texts, 抄送). Bulletins themselves are
issued from their page and kept as issued, so they are not edited here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from shanshui.orgs.admin import OfficeAdminMixin
from shanshui.reports import services
from shanshui.reports.bulletin import DEFAULT_CLOSING, DEFAULT_OPENING, PLACEHOLDERS
from shanshui.reports.bulletin import unknown_placeholders as unknown
from shanshui.reports.models import BulletinTemplate


def _braced(names) -> str:
    return " ".join(f"{{{name}}}" for name in names)


def _placeholder_help() -> str:
    return _(
        "May use the placeholders %(names)s; see docs/reports.md. Leave empty for the built-in "
        "text."
    ) % {"names": _braced(PLACEHOLDERS)}


# Translated when shown, not at import.
PLACEHOLDER_HELP = lazy(_placeholder_help, str)()


WIDE = "width: 48em; max-width: 100%"


class BulletinTemplateForm(forms.ModelForm):
    class Meta:
        model = BulletinTemplate
        fields = [
            "name",
            "is_default",
            "issuer",
            "number_prefix",
            "title",
            "addressees",
            "opening",
            "closing",
            "copy_to",
        ]
        widgets = {
            "issuer": forms.TextInput(attrs={"style": WIDE}),
            "title": forms.TextInput(attrs={"style": WIDE}),
            "copy_to": forms.TextInput(attrs={"style": WIDE}),
            "addressees": forms.Textarea(attrs={"rows": 2, "style": WIDE}),
            "opening": forms.Textarea(
                attrs={"rows": 4, "style": WIDE, "placeholder": DEFAULT_OPENING}
            ),
            "closing": forms.Textarea(
                attrs={"rows": 10, "style": WIDE, "placeholder": DEFAULT_CLOSING}
            ),
        }
        help_texts = {
            "title": PLACEHOLDER_HELP,
            "opening": PLACEHOLDER_HELP,
            "closing": _(
                "Part six (next steps): one paragraph a line; a line starting with （一） has "
                "its first sentence set in KaiTi. Placeholders as above."
            ),
            "number_prefix": _(
                "Document numbers are the prefix followed by 〔year〕N号, e.g. 渝督改办〔2026〕3号."
            ),
            "copy_to": _(
                "Units the bulletin is copied to, separated by commas; empty: no copy line."
            ),
            "is_default": _("Used when a bulletin is issued without choosing a template."),
        }

    def _get_validation_exclusions(self):
        # Ticking "default" on another template is how the office moves the default (the admin
        # saves through services.bulletin_template_make_default, which unmarks the one before),
        # so the one-default constraint is not an error on this form.
        exclude = super()._get_validation_exclusions()
        exclude.add("is_default")
        return exclude

    def clean(self):
        data = super().clean()
        for name in ("title", "addressees", "opening", "closing"):
            wrong = unknown(data.get(name) or "")
            if wrong:
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Unknown placeholder: %(names)s."),
                        code="placeholder",
                        params={"names": _braced(wrong)},
                    ),
                )
        return data


@admin.register(BulletinTemplate)
class BulletinTemplateAdmin(OfficeAdminMixin, admin.ModelAdmin):
    form = BulletinTemplateForm
    list_display = ["name", "is_default", "issuer", "number_prefix", "updated_at"]
    list_filter = ["is_default"]
    search_fields = ["name", "issuer", "title"]

    def save_model(self, request, obj, form, change):
        # One default at a time: the one just marked wins. It is saved unmarked, then the
        # service marks it after unmarking the one before (the admin's view is one transaction).
        make_default = obj.is_default and "is_default" in form.changed_data
        if make_default:
            obj.is_default = False
        super().save_model(request, obj, form, change)
        if make_default:
            services.bulletin_template_make_default(actor=request.user, template=obj)
