"""Authentication backend that locks an account after repeated failed logins.

Every password login (our login page and the admin's) passes through here, so the lockout
cannot be bypassed by choosing another form.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from shanshui.lib.request import client_ip
from shanshui.orgs import services


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if services.login_is_locked(username, ip):
            # PermissionDenied stops Django from trying other backends.
            services.login_record_failure(username=username, ip=ip)
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.login_record_failure(username=username, ip=ip)
            return None
        services.login_record_success(user=user, ip=ip)
        return user
