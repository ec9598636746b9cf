"""Authentication backend that locks an account after repeated failed logins.

Every password login (our login page and the admin's) passes through here, so the lockout
cannot be bypassed by choosing another form. Each attempt is reserved (counted) before its
password is checked, so simultaneous guesses cannot slip past the limit (services.py).
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
        if not (username or "").strip() or password is None:
            return None
        ip = client_ip(request)
        if services.login_reserve_attempt(username=username, ip=ip) is None:
            # PermissionDenied stops Django from trying other backends.
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.login_record_failure(username=username, ip=ip)
            return None
        services.login_record_success(user=user, ip=ip)
        return user
