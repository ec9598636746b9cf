"""Content-Security-Policy on every HTML answer: scripts, styles, frames and forms only from
this site; images also from data:/blob: URLs and the configured map tile hosts.

No inline script, no inline style, no event-handler attribute anywhere (a test crawls the
pages): a script injected into a page through some escaping mistake does not run, and injected
markup cannot restyle the page to mislead. Data for scripts travels in ``data-`` attributes or
``json_script`` blocks (type="application/json" is data, not script); values that vary per row
(a progress bar's width, a level's colour) are classes from the style sheets.

Django 6 has this built in (``SECURE_CSP``); on 5.2 this small middleware does the same.
``SHANSHUI_CSP_REPORT_ONLY`` sends the policy as Content-Security-Policy-Report-Only instead,
for trying out a change on a live site.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings

from shanshui.lib import maps


def tile_source(template: str) -> str:
    """The CSP source for a tile URL template: its scheme and host, with a ``{s}`` subdomain
    (t{s}.tianditu.gov.cn, {s}.tile.example.org) as a wildcard label ("" when unusable)."""
    if not template:
        return ""
    parts = urlsplit(template.replace("{s}", "SUBDOMAIN"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    labels = parts.hostname.split(".")
    if any("subdomain" in label for label in labels[:1]):
        labels[0] = "*"
    host = ".".join(labels)
    if parts.port:
        host += f":{parts.port}"
    return f"{parts.scheme}://{host}"


@functools.lru_cache(maxsize=8)
def _policy(tile_templates: tuple[str, ...]) -> str:
    tiles = sorted({s for s in map(tile_source, tile_templates) if s})
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *tiles],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def policy() -> str:
    base = maps.tile_settings()
    return _policy((base.get("tiles", ""), base.get("labels", "")))


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "text/html" in response.get("Content-Type", ""):
            header = (
                "Content-Security-Policy-Report-Only"
                if getattr(settings, "SHANSHUI_CSP_REPORT_ONLY", False)
                else "Content-Security-Policy"
            )
            response.headers.setdefault(header, policy())
        return response
