"""API authentication: the browser session (with CSRF) or a personal access token."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from shanshui.orgs.services import api_token_authenticate


class TokenAuth(HttpBearer):
    """``Authorization: Bearer ssk_…`` with a personal access token (see /account/)."""

    def authenticate(self, request, token: str):
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api_auth = [TokenAuth(), SessionAuth()]
