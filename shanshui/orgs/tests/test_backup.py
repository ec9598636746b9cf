"""``manage.py backup`` and ``restore``: a backup restored into a fresh database has the same rows
in every table and the same media files, byte for byte (shanshui.lib.backup)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
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
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return url, drop


def manage(*args, database_url: str, media_root: Path) -> subprocess.CompletedProcess:
    """``manage.py`` in a new process configured as production would be, on the given database
    and media directory."""
    keep = {"PATH", "HOME", "LANG", "PGPASSWORD"}
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
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
        capture_output=True,
        text=True,
        timeout=300,
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
