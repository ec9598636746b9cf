"""API authentication: the browser session (with CSRF) or a personal access token."""

from __future__ import annotations

from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from shanshui.orgs.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ssk_…`` with a personal access token (see /account/).

    A Bearer token that is wrong, expired or revoked is a 401 at once, even when the request
    also carries a session cookie: a client that sends a token means that token, and quietly
    acting as whoever the browser is logged in as would hide a revoked token (and let a page
    script pick its identity)."""

    def authenticate(self, request, token: str):
        user = api_token_authenticate(token)
        if user is None:
            raise AuthenticationError
        request.user = user
        return user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session. CSRF is checked only for an authenticated session, so a
    client without credentials gets 401 (log in) rather than 403 (CSRF)."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return request.COOKIES.get(self.param_name)


api_auth = [TokenAuth(), BrowserSessionAuth()]
