"""Admin for units, users and memberships: for superusers and the office only.

Every change made here is also written to the audit trail (AuditEntry), next to Django's
own admin log.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from shanshui.lib.request import client_ip
from shanshui.orgs import services
from shanshui.orgs.models import ApiToken, AuditEntry, LoginFailure, Membership, Unit, UnitAlias
from shanshui.orgs.scope import scope_for


class OfficeAdminMixin:
    """Office users manage these models without per-model Django permissions."""

    def _allowed(self, request) -> bool:
        return scope_for(request.user).sees_all

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, *args):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def has_module_permission(self, request):
        return self._allowed(request)

    def _audit(self, request, obj, action, message=""):
        services.audit(
            actor=request.user,
            action=f"admin.{action}",
            obj=obj,
            summary=str(obj),
            data={"change": str(message)[:1000]},
            ip=client_ip(request),
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "delete")
        return super().log_deletions(request, queryset)


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    fields = ["alias"]
    extra = 1
    verbose_name_plural = _("Other names (aliases, abbreviations, former names)")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_derived=False)

    def has_view_permission(self, request, obj=None):
        return scope_for(request.user).sees_all

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "post"]
    autocomplete_fields = ["user"]
    extra = 0

    def has_view_permission(self, request, obj=None):
        return scope_for(request.user).sees_all

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


@admin.register(Unit)
class UnitAdmin(OfficeAdminMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "admin_code", "parent", "valid_to", "successor"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "admin_code", "aliases__key"]
    autocomplete_fields = ["parent", "successor"]
    readonly_fields = ["key", "path", "depth"]
    inlines = [UnitAliasInline, MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "kind", "parent", "admin_code", "sort_order"]}),
        (_("Validity"), {"fields": ["valid_from", "valid_to", "successor"]}),
        (_("More"), {"fields": ["note", "key", "path", "depth"]}),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.unit_reindex_names(form.instance)


@admin.register(Membership)
class MembershipAdmin(OfficeAdminMixin, admin.ModelAdmin):
    list_display = ["user", "unit", "role", "post", "created_at"]
    list_filter = ["role", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "unit__name", "unit__short_name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(OfficeAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request, *args):
        return False  # tokens are created by their owners, who see the raw value once

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)


@admin.register(AuditEntry)
class AuditEntryAdmin(OfficeAdminMixin, admin.ModelAdmin):
    list_display = ["at", "action", "actor", "summary", "ip_address"]
    list_filter = ["action"]
    search_fields = ["summary", "actor__username", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # append-only


@admin.register(LoginFailure)
class LoginFailureAdmin(OfficeAdminMixin, admin.ModelAdmin):
    list_display = ["at", "username", "ip_address"]
    search_fields = ["username"]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False


User = get_user_model()
admin.site.unregister(User) if admin.site.is_registered(User) else None
admin.site.unregister(Group) if admin.site.is_registered(Group) else None


@admin.register(User)
class ShanshuiUserAdmin(OfficeAdminMixin, UserAdmin):
    list_display = ["username", "first_name", "email", "is_active", "last_login"]
    inlines = [MembershipInline]

    def has_change_permission(self, request, obj=None):
        # Only superusers touch superuser accounts (names, passwords, activity).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # The office manages people, but only superusers hand out superuser rights.
            fields += ["is_superuser", "is_staff", "groups", "user_permissions"]
        return fields


@admin.register(Group)
class GroupAdmin(OfficeAdminMixin, admin.ModelAdmin):
    search_fields = ["name"]
