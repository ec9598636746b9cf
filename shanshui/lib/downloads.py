"""Uploaded files served back to signed-in users. 附件下载

An uploaded file (a unit's evidence, a citizen's photo with its metadata) is content we did not
write: the browser must neither guess its type nor run it, and no shared cache may keep it. The
pages that serve one have checked the user's scope first.

Files are streamed from the media store (this machine's disk or the shared bucket) through the
app, never handed out as a URL of the store: the store stays private and the checks above stay
the only way in. A store that cannot be reached gives a short 503 with a clear message.
"""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

from shanshui.lib import mediastore

logger = logging.getLogger(__name__)


def private_file(
    stored, *, filename: str, content_type: str, as_attachment: bool = True
) -> HttpResponse:
    """``stored``: the model's file (a ``FieldFile``), opened here."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        logger.error("media file missing from the store: %s", stored.name)
        raise Http404 from exc
    except mediastore.store_errors():
        logger.exception("media store unavailable while reading %s", stored.name)
        return store_unavailable()
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def store_unavailable() -> HttpResponse:
    response = HttpResponse(
        _("The file store cannot be reached just now. Try again in a few minutes."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response
