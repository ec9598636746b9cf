from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class ShanshuiAdminSite(admin.AdminSite):
    """Django admin, open only to superusers and the rectification office."""

    site_header = _("Shanshui administration")
    site_title = _("Shanshui")
    index_title = _("Units, people and roles")

    def has_permission(self, request) -> bool:
        from shanshui.orgs.scope import scope_for

        user = request.user
        return bool(user.is_active and user.is_authenticated and scope_for(user).sees_all)

    @property
    def login_form(self):
        from shanshui.orgs.forms import LockoutAuthenticationForm

        return LockoutAuthenticationForm
