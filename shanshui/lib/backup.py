"""Backups that prove themselves: the database, the media and a manifest to check both. 备份与恢复

A backup is a directory:

- ``database.dump`` — ``pg_dump --format=custom`` of a PostgreSQL database, or
  ``database.sqlite3`` — an online copy of a SQLite database (SQLite's backup API);
- ``media/`` — a copy of every file in the media store (left out with ``--no-media`` when the
  store keeps its own versions, e.g. a versioned, replicated bucket);
- ``manifest.json`` — when and from what it was made, the row count of every table, and every
  media file's name, size and SHA-256, with whether a row points at it.

``restore`` loads a backup into the database and media store this process is configured for
(``DATABASE_URL``, ``MEDIA_ROOT`` / ``SHANSHUI_S3_*``), which must be empty, then ``verify``
compares what is there with the manifest: the same tables with the same counts, every file with
the same checksum. ``manage.py backup``, ``restore`` and ``verify_backup`` are thin wrappers;
docs/deployment.md has the runbook.

A backup holds every row and file of the site: its directory is made ``0700`` and every file in
it ``0600`` (the process's umask is ``077`` while it is written), whatever the umask of the
shell that ran it. A restore takes a file's name from the manifest only when it stays inside the
media store (no ``..``, no absolute path, no symbolic link in the backup): a tampered manifest is
refused before anything is written.

``pg_dump`` and ``pg_restore`` never wait for a person or for ever: no password prompt
(``--no-password``; a password comes from ``DATABASE_URL`` or ``~/.pgpass``), no terminal
(standard input is ``/dev/null``), a connect timeout (``PGCONNECT_TIMEOUT``, 10 s unless set), a
lock wait of at most ``SHANSHUI_BACKUP_LOCK_TIMEOUT`` seconds (a migration or another session
holding a table's exclusive lock makes the backup fail with that message instead of queueing
behind it), and, when ``SHANSHUI_BACKUP_TIMEOUT`` is set, a limit on the whole run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import OperationalError, connection, models, transaction

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA_DIR = "media"
CHUNK = 1024 * 1024
DIR_MODE = 0o700
FILE_MODE = 0o600


class BackupError(Exception):
    pass


@dataclass
class Verification:
    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- what is there ------------------------------------------------------------------------------


def table_counts(cursor=None) -> dict[str, int]:
    """Rows per table of the configured database (every table, Django's own included)."""
    if cursor is None:
        with connection.cursor() as cursor:
            return table_counts(cursor)
    names = sorted(connection.introspection.table_names(cursor, include_views=False))
    counts = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")
        counts[name] = cursor.fetchone()[0]
    return counts


def _sqlite_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        db.close()


def referenced_files() -> set[str]:
    """The media names some row points at (every FileField of every model)."""
    names: set[str] = set()
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                names.update(
                    model._default_manager.exclude(**{f.attname: ""})
                    .values_list(f.attname, flat=True)
                    .distinct()
                )
    return names


def stored_files(storage=None, top: str = "") -> list[str]:
    """Every file in the media store, through the storage API (file system or bucket alike)."""
    storage = storage or default_storage
    try:
        dirs, files = storage.listdir(top)
    except FileNotFoundError:
        return []
    out = [f"{top}/{name}" if top else name for name in files]
    for d in dirs:
        out.extend(stored_files(storage, f"{top}/{d}" if top else d))
    return sorted(out)


def file_digest(handle) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def media_manifest(storage=None) -> list[dict]:
    storage = storage or default_storage
    referenced = referenced_files()
    entries = []
    for name in stored_files(storage):
        with storage.open(name, "rb") as handle:
            size, sha = file_digest(handle)
        entries.append(
            {"name": name, "size": size, "sha256": sha, "referenced": name in referenced}
        )
    return entries


def missing_files(entries: list[dict]) -> list[str]:
    """Names a row points at that the store does not have."""
    return sorted(referenced_files() - {e["name"] for e in entries})


# --- making one ---------------------------------------------------------------------------------


def _vendor() -> str:
    return connection.vendor


def _lock_timeout() -> int:
    return int(getattr(settings, "SHANSHUI_BACKUP_LOCK_TIMEOUT", 60))


def _pg_env(settings_dict: dict) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = sslmode
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    """Run a PostgreSQL client program that can neither prompt nor wait without end."""
    timeout = getattr(settings, "SHANSHUI_BACKUP_TIMEOUT", 0) or None
    try:
        done = subprocess.run(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            # A session of its own: a password prompt cannot reach the terminal either.
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} is not installed (Debian: the postgresql-client package)."
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise BackupError(
            f"{command[0]} did not finish within {timeout} s (SHANSHUI_BACKUP_TIMEOUT)."
        ) from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.returncode}")


def dump_database(out: Path) -> tuple[str, dict[str, int]]:
    """Dump the configured database into ``out``; the file's name and the row counts *of the
    dump* (taken in the same snapshot), so a busy site gives a manifest that matches."""
    settings_dict = connection.settings_dict
    if _vendor() == "postgresql":
        target = out / PG_DUMP
        with transaction.atomic(), connection.cursor() as cursor:
            # pg_dump reads the snapshot this transaction exported, so the counts below and
            # the dump see the same rows even while people keep working.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # Counting waits for a table another session holds exclusively; not for ever.
            cursor.execute(f"SET LOCAL lock_timeout = '{_lock_timeout()}s'")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            try:
                counts = table_counts(cursor)
            except OperationalError as exc:
                raise BackupError(
                    f"a table stayed locked by another session for {_lock_timeout()} s "
                    f"(a migration running?): {exc}"
                ) from exc
            _run(
                [
                    "pg_dump",
                    "--no-password",
                    f"--lock-wait-timeout={_lock_timeout()}s",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    settings_dict["NAME"],
                ],
                _pg_env(settings_dict),
            )
        return PG_DUMP, counts
    if _vendor() == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(out / SQLITE_COPY)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return SQLITE_COPY, _sqlite_counts(out / SQLITE_COPY)
    raise BackupError(f"no backup for the {_vendor()} database engine")


@contextlib.contextmanager
def _private_files():
    """Everything created inside is readable by this user only (umask 077), restored after."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def make_backup(out: Path, *, copy_media: bool = True) -> dict:
    """Write a backup of the configured database and media store into ``out`` (new or empty):
    the directory ``0700``, every file ``0600``."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty; give a new directory.")
    with _private_files():
        out.mkdir(parents=True, exist_ok=True)
        out.chmod(DIR_MODE)  # also when it existed, empty, with a wider mode
        manifest = _write_backup(out, copy_media=copy_media)
    return manifest


def _write_backup(out: Path, *, copy_media: bool) -> dict:
    database, counts = dump_database(out)
    entries = media_manifest()
    if copy_media:
        for entry in entries:
            target = out / MEDIA_DIR / entry["name"]
            target.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(entry["name"], "rb") as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, CHUNK)
    manifest = {
        "format": 1,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": _vendor(),
        "database": database,
        "tables": counts,
        "media_copied": copy_media,
        "media": entries,
        "missing": missing_files(entries),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    for path in (out, *out.rglob("*")):  # whatever a client program made of its own umask
        if not path.is_symlink():
            path.chmod(DIR_MODE if path.is_dir() else FILE_MODE)
    return manifest


def read_manifest(src: Path) -> dict:
    try:
        return json.loads((src / MANIFEST).read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{src} has no {MANIFEST}: not a backup directory.") from exc


# --- restoring and checking ---------------------------------------------------------------------


def restore_backup(src: Path) -> Verification:
    """Load the backup in ``src`` into the configured (empty) database and media store, then
    verify it."""
    manifest = read_manifest(src)
    if manifest["media_copied"]:
        # Before anything is written: a manifest naming a file outside the store is refused.
        _media_sources(src, manifest["media"])
    if manifest["engine"] != _vendor():
        raise BackupError(
            f"the backup is of a {manifest['engine']} database; this one is {_vendor()}."
        )
    with connection.cursor() as cursor:
        existing = connection.introspection.table_names(cursor)
    if existing:
        raise BackupError(
            f"the database {connection.settings_dict['NAME']} already has {len(existing)} "
            "tables; restore only into a new, empty database."
        )
    settings_dict = connection.settings_dict
    if _vendor() == "postgresql":
        _run(
            [
                "pg_restore",
                "--no-password",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={settings_dict['NAME']}",
                str(src / PG_DUMP),
            ],
            _pg_env(settings_dict),
        )
    else:
        connection.close()
        source = sqlite3.connect(src / SQLITE_COPY)
        target = sqlite3.connect(settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    if manifest["media_copied"]:
        _restore_media(src, manifest["media"])
    return verify_backup(src)


def safe_media_name(name: object) -> str:
    """``name`` when it is a relative path that stays inside the media store; BackupError
    otherwise (``..``, an absolute path, a drive, a backslash, an empty or odd part)."""
    if not isinstance(name, str) or not name or "\x00" in name or "\\" in name:
        raise BackupError(f"the manifest names a media file outside the media store: {name!r}")
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        raise BackupError(f"the manifest names a media file outside the media store: {name!r}")
    if ":" in path.parts[0]:  # "C:..." on a Windows-style store
        raise BackupError(f"the manifest names a media file outside the media store: {name!r}")
    return name


def _media_sources(src: Path, entries: list[dict]) -> list[tuple[str, Path]]:
    """Every entry's name (checked) and its file in the backup, which must be a regular file
    inside the backup's media directory (no symbolic link anywhere on the way)."""
    root = (src / MEDIA_DIR).resolve()
    out = []
    for entry in entries:
        name = safe_media_name(entry.get("name"))
        source = src / MEDIA_DIR / name
        walked = src / MEDIA_DIR
        for part in PurePosixPath(name).parts:
            walked = walked / part
            if walked.is_symlink():
                raise BackupError(
                    f"the backup's media file {name} is a symbolic link; nothing was restored."
                )
        if not source.resolve().is_relative_to(root):
            raise BackupError(f"the manifest names a media file outside the backup: {name!r}")
        _check_destination(name)
        out.append((name, source))
    return out


def _check_destination(name: str) -> None:
    """On a file system store, the file must land inside MEDIA_ROOT once symbolic links there
    are followed (a bucket has no links: its keys are checked by ``safe_media_name``)."""
    location = getattr(default_storage, "location", None)
    if not hasattr(default_storage, "path") or not location:
        return
    try:
        target = Path(default_storage.path(name))
    except NotImplementedError:
        return
    except SuspiciousFileOperation as exc:
        raise BackupError(
            f"the manifest names a media file outside the media store: {name!r}"
        ) from exc
    if not target.resolve().is_relative_to(Path(location).resolve()):
        raise BackupError(
            f"the media file {name} would be written outside the media store (a symbolic "
            "link in it); nothing was restored."
        )


def _restore_media(src: Path, entries: list[dict]) -> None:
    """Copy the backup's files into the media store: all names are checked before the first
    file is written, so a manifest pointing outside the store restores nothing."""
    for name, source in _media_sources(src, entries):
        if default_storage.exists(name):
            continue  # the name is there already (a shared or versioned store)
        with source.open("rb") as handle:
            saved = default_storage.save(name, File(handle, name=os.path.basename(name)))
        if saved != name:
            raise BackupError(f"the media store saved {name} as {saved}")


def verify_backup(src: Path) -> Verification:
    """Compare the configured database and media store with the backup's manifest."""
    manifest = read_manifest(src)
    result = Verification()
    counts = table_counts()
    for table, expected in sorted(manifest["tables"].items()):
        found = counts.get(table)
        if found is None:
            result.problems.append(f"table {table} is missing")
        elif found != expected:
            result.problems.append(f"table {table}: {found} rows, the backup has {expected}")
        else:
            result.tables += 1
            result.rows += found
    by_name = {e["name"]: e for e in manifest["media"]}
    for name, entry in sorted(by_name.items()):
        try:
            with default_storage.open(name, "rb") as handle:
                size, sha = file_digest(handle)
        except FileNotFoundError:
            result.problems.append(f"file {name} is missing")
            continue
        if sha != entry["sha256"] or size != entry["size"]:
            result.problems.append(f"file {name} differs from the backup (SHA-256 {sha})")
        else:
            result.files += 1
    for name in sorted(referenced_files() - set(by_name) - set(manifest["missing"])):
        result.problems.append(f"file {name} is referenced but not in the backup")
    return result
