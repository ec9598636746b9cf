"""What an HTTP request says about its sender. 请求来源

Rate limits, login lockouts and audit entries key on the client's address; behind reverse
proxies that address is in X-Forwarded-For, where only the proxies' own entries can be trusted.
"""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address. Behind ``TRUSTED_PROXIES`` reverse proxies, the address the
    outermost trusted proxy saw (from X-Forwarded-For, counted from the right, so a client
    cannot forge it); otherwise REMOTE_ADDR."""
    if request is None:
        return None
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:45] or None
    return request.META.get("REMOTE_ADDR") or None
