from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shanshui.orgs.forms import LockoutAuthenticationForm
from shanshui.orgs.scope import scope_for


class ShanshuiAdminSite(admin.AdminSite):
    """Django admin, open only to superusers and the rectification office."""

    site_header = _("Shanshui administration")
    site_title = _("Shanshui")
    index_title = _("Units, people and roles")
    login_form = LockoutAuthenticationForm

    def has_permission(self, request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and scope_for(user).sees_all)
