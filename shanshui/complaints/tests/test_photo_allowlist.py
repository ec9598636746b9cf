"""A citizen's photo on a public page carries nothing but the picture (issue 14, allow-lists):
the public copy of a PNG with a private chunk holding a position, or of a WebP with EXIF, XMP
and an unknown chunk, is read back with Pillow (an independent reader) and holds no metadata;
the original upload, seen by handlers only, is kept as received."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from shanshui.complaints.tests.test_public import submit
from shanshui.lib.tests.test_imagemeta import riff_chunk
from shanshui.lib.tests.test_imagemeta_allowlist import (
    SECRET,
    _gps_exif,
    _insert_webp_chunk,
    _picture,
    assert_no_metadata,
    pillow_png,
)


def _webp() -> bytes:
    buf = io.BytesIO()
    _picture("RGBA").save(buf, "WEBP", lossless=True, exif=_gps_exif(), xmp=b"<x:xmpmeta/>")
    return _insert_webp_chunk(buf.getvalue(), riff_chunk(b"GPS ", SECRET))


@pytest.mark.django_db
def test_it_serves_png_and_webp_without_private_chunks(client) -> None:
    uploads = {
        "image/png": pillow_png(),
        "image/webp": _webp(),
    }
    c = submit(
        photos=[
            SimpleUploadedFile(f"现场.{ct.split('/')[1]}", data, content_type=ct)
            for ct, data in uploads.items()
        ]
    )
    photos = list(c.photos.order_by("pk"))
    assert [p.content_type for p in photos] == list(uploads)
    for photo in photos:
        served = client.get(reverse("complaints_public:photo", args=[photo.pk]))
        assert served.status_code == 200
        body = b"".join(served.streaming_content)
        assert_no_metadata(body)
        with Image.open(io.BytesIO(body)) as im:
            assert im.size == (8, 6)
        with default_storage.open(photo.file.name, "rb") as fh:
            assert fh.read() == uploads[photo.content_type]  # the original, for handlers only
