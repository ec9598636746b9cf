"""``manage.py backup`` and ``restore``: a backup restored into a fresh database has the same rows
in every table and the same media files, byte for byte (shanshui.lib.backup).

Nothing here can wait without end: the client programs get no terminal and no password prompt,
every subprocess has a timeout, and a table locked by another session makes the backup fail
within ``SHANSHUI_BACKUP_LOCK_TIMEOUT`` instead of queueing behind it."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from shanshui.complaints.scenarios import make_report
from shanshui.ledger import services as ledger_services
from shanshui.ledger.models import Status
from shanshui.ledger.scenarios import drive, make_campaign, make_task, pdf_bytes, png_bytes
from shanshui.lib import backup

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads only committed rows


@pytest.fixture(autouse=True)
def _bounded(settings):
    """A hung client program fails the test instead of hanging the run."""
    settings.SHANSHUI_BACKUP_TIMEOUT = 120
    settings.SHANSHUI_BACKUP_LOCK_TIMEOUT = 5


@pytest.fixture
def site(personas, settings, tmp_path):
    """A little of everything: a task with evidence, a case with a photo."""
    settings.MEDIA_ROOT = tmp_path / "media"
    campaign = make_campaign(personas.office)
    task = make_task(
        personas.office,
        campaign,
        code="B001",
        implementing=personas.unit_a,
        lead=personas.unit_department,
        accepting=personas.unit_office,
    )
    task = drive(
        task,
        Status.IN_PROGRESS,
        office=personas.office,
        executor=personas.district_a,
        lead_reviewer=personas.department,
    )
    ledger_services.evidence_add(
        actor=personas.district_a,
        task=task,
        files=[
            SimpleUploadedFile("整改方案.pdf", pdf_bytes("整改方案")),
            SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png"),
        ],
    )
    make_report(photos=[SimpleUploadedFile("a.png", png_bytes(colour=(9, 9, 9)))])
    return settings.MEDIA_ROOT


def fresh_database(tmp_path) -> tuple[str, callable]:
    """A new, empty database of the engine under test: its DATABASE_URL and a clean-up."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}", lambda: None
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    s = connection.settings_dict
    user = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    url = f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"

    def drop():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [name],
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


def manage(*args, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    """``manage.py`` in a new process configured as production would be, on the given database
    and media directory."""
    keep = {"PATH", "HOME", "LANG", "PGPASSWORD"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PGCONNECT_TIMEOUT="10",
        SHANSHUI_BACKUP_TIMEOUT="120",
        SHANSHUI_BACKUP_LOCK_TIMEOUT="10",
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="restore-test-" + "r" * 60,
        ALLOWED_HOSTS="localhost",
        CACHE_URL="locmem://",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_restores_into_a_fresh_database_with_the_same_counts_and_files(site, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["engine"] == connection.vendor
    assert manifest["tables"]["ledger_evidence"] == 2
    assert manifest["tables"]["complaints_photo"] == 1
    names = {e["name"] for e in manifest["media"]}
    assert len(names) == 4  # two evidence files, a photo's original and its public copy
    for entry in manifest["media"]:
        assert entry["referenced"]
        assert entry["sha256"] == sha(site / entry["name"]) == sha(out / "media" / entry["name"])
    assert manifest["missing"] == []

    url, drop = fresh_database(tmp_path)
    restored_media = tmp_path / "restored-media"
    try:
        done = manage("restore", str(out), database_url=url, media_root=restored_media)
        assert done.returncode == 0, done.stderr
        assert "Verified:" in done.stdout
        assert f"{len(names)} media files match" in done.stdout
        for entry in manifest["media"]:
            assert sha(restored_media / entry["name"]) == entry["sha256"]

        # A damaged file is found.
        damaged = restored_media / sorted(names)[0]
        damaged.write_bytes(b"not the evidence")
        check = manage("verify_backup", str(out), database_url=url, media_root=restored_media)
        assert check.returncode != 0
        assert f"file {sorted(names)[0]} differs" in check.stderr
    finally:
        drop()


def test_verify_finds_a_changed_count_and_a_missing_file(site, tmp_path, personas):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    call_command("verify_backup", str(out))  # the live site matches its own backup
    personas.citizen.delete()
    (site / sorted(backup.stored_files())[0]).unlink()
    with pytest.raises(CommandError) as caught:
        call_command("verify_backup", str(out))
    text = str(caught.value)
    assert "table auth_user:" in text
    assert "is missing" in text


def test_it_restores_only_into_an_empty_database(site, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    with pytest.raises(CommandError, match="restore only into a new, empty database"):
        call_command("restore", str(out))


def test_it_refuses_a_directory_that_is_not_empty(site, tmp_path):
    out = tmp_path / "backup"
    out.mkdir()
    (out / "something").write_text("x")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", out=str(out))


@pytest.fixture
def site_on_s3(s3_media, site):
    return s3_media


def test_a_bucket_is_listed_and_checked_like_a_directory(site_on_s3, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", out=str(out), no_media=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest["media_copied"] and not (out / "media").exists()
    assert sorted(e["name"] for e in manifest["media"]) == site_on_s3.keys()
    for entry in manifest["media"]:
        assert entry["sha256"] == hashlib.sha256(site_on_s3.read(entry["name"])).hexdigest()
    call_command("verify_backup", str(out))


# --- private, and restored only inside the store ------------------------------------------------


def modes(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root.parent)): stat.S_IMODE(p.stat().st_mode)
        for p in (root, *root.rglob("*"))
    }


def test_a_backup_is_readable_by_its_owner_only(site, tmp_path):
    previous = os.umask(0o022)  # a shell's usual umask: files 644, directories 755
    try:
        out = tmp_path / "backup"
        call_command("backup", out=str(out))
        assert os.umask(0o022) == 0o022  # the backup put the umask back
    finally:
        os.umask(previous)
    found = modes(out)
    assert len(found) > 6  # the directory, the database, the manifest, media dirs and files
    for name, mode in found.items():
        want = 0o700 if (tmp_path / name).is_dir() else 0o600
        assert mode == want, f"{name}: {oct(mode)}"


def test_an_existing_empty_directory_is_made_private(site, tmp_path):
    out = tmp_path / "backup"
    out.mkdir(mode=0o755)
    out.chmod(0o755)
    call_command("backup", out=str(out))
    assert stat.S_IMODE(out.stat().st_mode) == 0o700


def tamper(out: Path, name: str) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["media"][-1]["name"] = name
    (out / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    "name",
    ["../escaped.txt", "ledger/../../escaped.txt", "/tmp/escaped.txt", "./x", "a//b", "a\\..\\b"],
)
def test_a_manifest_naming_a_file_outside_the_store_restores_nothing(
    site, tmp_path, settings, name
):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    tamper(out, name)
    settings_media = tmp_path / "restored-media"
    settings.MEDIA_ROOT = settings_media
    # Refused before the database is even looked at (this one is not empty).
    with pytest.raises(CommandError, match="outside the media store"):
        call_command("restore", str(out))
    entries = json.loads((out / "manifest.json").read_text())["media"]
    with pytest.raises(backup.BackupError, match="outside the media store"):
        backup._restore_media(out, entries)
    assert not settings_media.exists() or not any(settings_media.rglob("*"))
    assert not (tmp_path / "escaped.txt").exists()


def test_a_symbolic_link_in_the_backup_is_refused(site, tmp_path, settings):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    secret = tmp_path / "secret.txt"
    secret.write_text("not media")
    entries = json.loads((out / "manifest.json").read_text())["media"]
    linked = out / "media" / entries[-1]["name"]
    linked.unlink()
    linked.symlink_to(secret)
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    with pytest.raises(backup.BackupError, match="symbolic link"):
        backup._restore_media(out, entries)
    assert not (tmp_path / "restored-media").exists()


def test_a_symbolic_link_in_the_store_does_not_lead_outside_it(site, tmp_path, settings):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    entries = json.loads((out / "manifest.json").read_text())["media"]
    top = entries[0]["name"].split("/")[0]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    restored = tmp_path / "restored-media"
    restored.mkdir()
    (restored / top).symlink_to(elsewhere, target_is_directory=True)
    settings.MEDIA_ROOT = restored
    with pytest.raises(backup.BackupError, match="outside the media store"):
        backup._restore_media(out, entries)
    assert not any(elsewhere.iterdir())


# --- never waiting for ever ---------------------------------------------------------------------


def test_a_client_program_that_hangs_is_stopped(settings):
    settings.SHANSHUI_BACKUP_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(backup.BackupError, match="did not finish within 1 s"):
        backup._run(["sleep", "30"], dict(os.environ))
    assert time.monotonic() - started < 10
    # No terminal to read from: a program waiting for input sees end-of-file at once.
    settings.SHANSHUI_BACKUP_TIMEOUT = 10
    backup._run([sys.executable, "-c", "import sys; sys.exit(len(sys.stdin.read()))"], {})
    assert backup._pg_env({})["PGCONNECT_TIMEOUT"]


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_table_locked_by_another_session_fails_the_backup_instead_of_hanging(
    site, tmp_path, settings
):
    """Another session (a migration, an ``ALTER TABLE``) holding a table exclusively: the
    backup gives up after SHANSHUI_BACKUP_LOCK_TIMEOUT with a message saying so."""
    import psycopg

    settings.SHANSHUI_BACKUP_LOCK_TIMEOUT = 1
    s = connection.settings_dict
    other = psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        connect_timeout=10,
    )
    try:
        other.execute("LOCK TABLE ledger_evidence IN ACCESS EXCLUSIVE MODE")
        started = time.monotonic()
        with pytest.raises(CommandError, match="locked"):
            call_command("backup", out=str(tmp_path / "backup"))
        assert time.monotonic() - started < 30
    finally:
        other.rollback()
        other.close()
