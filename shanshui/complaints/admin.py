"""Admin for public supervision: Open311 clients and their keys, transfer batches, handling
deadlines, and a read-only view of the cases. For superusers and the office only, like the rest
of the admin (OfficeAdminMixin: every change also goes to the audit trail).

An Open311 key is created and rotated only through the services, which store its hash: the raw
key is shown once, in a message right after it is made, and never again. Cases change only
through their workflow (services.py), so here they can be looked at, never edited or deleted;
the reporter's contact is not shown.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shanshui.complaints import services
from shanshui.complaints.models import ApiClient, Complaint, HandlingPolicy, TransferBatch
from shanshui.orgs.admin import OfficeAdminMixin


class ApiClientForm(forms.ModelForm):
    class Meta:
        model = ApiClient
        fields = ["name", "contact", "is_active", "requests_per_hour"]


@admin.register(ApiClient)
class ApiClientAdmin(OfficeAdminMixin, admin.ModelAdmin):
    form = ApiClientForm
    list_display = [
        "name",
        "contact",
        "key_prefix",
        "is_active",
        "requests_per_hour",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "contact"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at"]
    actions = ["rotate_key"]

    def get_fields(self, request, obj=None):
        fields = ["name", "contact", "is_active", "requests_per_hour"]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False  # switch a client off instead: its record stays

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        client, key = services.api_client_create(
            actor=request.user, name=obj.name, contact=obj.contact
        )
        # Carry the new row over to the admin's object (it logs and redirects with it).
        obj.pk = client.pk
        obj.key_prefix, obj.key_hash, obj.created_at = (
            client.key_prefix,
            client.key_hash,
            client.created_at,
        )
        obj.name, obj.contact = client.name, client.contact
        obj._state.adding = False
        obj.save(update_fields=["is_active", "requests_per_hour"])
        self._show_key(request, obj, key)

    @admin.action(description=gettext_lazy("Rotate the key of the selected clients"))
    def rotate_key(self, request, queryset):
        for client in queryset:
            key = services.api_client_rotate(actor=request.user, client=client)
            self._show_key(request, client, key)

    def _show_key(self, request, client: ApiClient, key: str) -> None:
        messages.warning(
            request,
            _(
                "The API key of “%(name)s” is %(key)s — copy it now and hand it over safely: it "
                "is shown only this once, and any earlier key no longer works."
            )
            % {"name": client.name, "key": key},
        )


class TransferBatchForm(forms.ModelForm):
    class Meta:
        model = TransferBatch
        fields = ["campaign", "number", "date", "is_key", "note"]

    def clean_number(self):
        number = self.cleaned_data.get("number")
        if number is not None and number < 1:
            raise forms.ValidationError(_("The batch number is a positive whole number."))
        return number


@admin.register(TransferBatch)
class TransferBatchAdmin(OfficeAdminMixin, admin.ModelAdmin):
    form = TransferBatchForm
    list_display = ["campaign", "number", "date", "is_key", "note", "created_at"]
    list_filter = ["is_key", "campaign"]
    list_select_related = ["campaign"]
    search_fields = ["campaign__name", "note"]
    ordering = ["-date", "-number"]

    def get_readonly_fields(self, request, obj=None):
        # The number and campaign identify the batch on its cases' papers; they stay.
        return ["campaign", "number", "created_at"] if obj is not None else ["created_at"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        batch = services.batch_create(
            actor=request.user,
            campaign=obj.campaign,
            number=obj.number,
            date=obj.date,
            is_key=obj.is_key,
            note=obj.note,
        )
        obj.pk, obj.created_at = batch.pk, batch.created_at
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.complaints.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(HandlingPolicy)
class HandlingPolicyAdmin(OfficeAdminMixin, admin.ModelAdmin):
    list_display = ["campaign", "handle_workdays", "key_handle_workdays"]
    list_select_related = ["campaign"]


@admin.register(Complaint)
class ComplaintAdmin(OfficeAdminMixin, admin.ModelAdmin):
    """Look only: cases change through their workflow, and nobody deletes one."""

    list_display = [
        "code",
        "channel",
        "status",
        "district",
        "received_at",
        "deadline",
        "is_key",
        "batch",
    ]
    list_filter = ["status", "channel", "is_key", ("district", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["district", "batch__campaign"]
    search_fields = ["code", "receipt_no", "enterprise", "address"]
    date_hierarchy = "received_at"
    show_full_result_count = False
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
