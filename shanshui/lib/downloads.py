"""Uploaded files served back to signed-in users. 附件下载

An uploaded file (a unit's evidence, a citizen's photo with its metadata) is content we did not
write: the browser must neither guess its type nor run it, and no shared cache may keep it. The
pages that serve one have checked the user's scope first.
"""

from __future__ import annotations

from django.http import FileResponse


def private_file(
    handle, *, filename: str, content_type: str, as_attachment: bool = True
) -> FileResponse:
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
