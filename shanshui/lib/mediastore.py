"""Where uploaded files live, and what happens when that place cannot be reached. 文件存储

Media go through Django's storage API only (``default_storage``, ``FieldFile.open``), never a
path on this machine's disk: the same code runs on ``MEDIA_ROOT`` (one machine) and on an
S3-compatible bucket shared by every app host (``SHANSHUI_S3_BUCKET``, see
``config/settings.py``).

Uploads are stored under names made from their content hash, *before* the row that points at
them is written, in the row's transaction: when the store fails, the service turns
:class:`StoreUnavailable` into a ``ValidationError`` and the transaction rolls back, so there is
never a row without its file. A file written just before a later failure stays behind unreferenced;
its name is its hash, so the next upload of the same content reuses it, and ``manage.py backup``
lists such files apart from the referenced ones.
"""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

UNAVAILABLE_MESSAGE = _(
    "The file store cannot be reached just now, so nothing was saved. Try again in a few "
    "minutes; if it keeps happening, tell the system administrator."
)


class StoreUnavailable(Exception):
    """The media store failed (unreachable, refused, out of space); nothing was written."""

    message = UNAVAILABLE_MESSAGE


def store_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a storage backend raises when the store itself fails."""
    errors: tuple[type[BaseException], ...] = (OSError,)
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - botocore is a dependency
        return errors
    return (*errors, BotoCoreError, ClientError)


def save_once(name: str, content: bytes) -> str:
    """Store ``content`` under ``name`` (a content-hash name) unless it is there already, and
    return the name the storage used. Raises :class:`StoreUnavailable` when the store fails."""
    try:
        if default_storage.exists(name):
            return name
        return default_storage.save(name, ContentFile(content))
    except store_errors() as exc:
        raise StoreUnavailable(str(exc)) from exc


def save_field(field, name: str, content: bytes) -> None:
    """``FieldFile.save`` without saving the model, with store failures as
    :class:`StoreUnavailable`."""
    try:
        field.save(name, ContentFile(content), save=False)
    except store_errors() as exc:
        raise StoreUnavailable(str(exc)) from exc


def ping() -> bool:
    """Whether the media store answers (one existence check, e.g. a HEAD on the bucket's
    side): for ``/healthz`` and the fault drills."""
    try:
        default_storage.exists(".healthz")
    except store_errors():
        return False
    return True


def s3_storage_options(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    addressing_style: str = "path",
    prefix: str = "",
    timeout_s: int = 10,
) -> dict:
    """``OPTIONS`` for ``storages.backends.s3.S3Storage``: a private bucket (no ACL header, no
    public URLs handed out), short timeouts and few retries so an unreachable store gives the
    user a clear message within seconds instead of hanging the request."""
    from botocore.config import Config

    if addressing_style not in ("path", "virtual", "auto"):
        from config.env import ConfigError

        raise ConfigError("SHANSHUI_S3_ADDRESSING_STYLE must be path, virtual or auto.")
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "location": prefix.strip("/"),
        "default_acl": None,
        # Like FileSystemStorage: a name already taken gets a new one instead of replacing it.
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": 60,
        "client_config": Config(
            s3={"addressing_style": addressing_style},
            signature_version="s3v4",
            connect_timeout=timeout_s,
            read_timeout=timeout_s * 3,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
    }
