"""``manage.py backup --out DIR``: the database, the media and a manifest (shanshui.lib.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shanshui.lib import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or a copy of SQLite) and the media store, with a "
        "manifest of row counts and file checksums, into a new directory."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="a new (or empty) directory")
        parser.add_argument(
            "--no-media",
            action="store_true",
            help="list and check the media files without copying them (a versioned bucket)",
        )

    def handle(self, *args, out, no_media, **options):
        try:
            manifest = backup.make_backup(Path(out), copy_media=not no_media)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        media = manifest["media"]
        self.stdout.write(
            f"Backup in {out}: {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows; {len(media)} media files "
            f"({sum(e['size'] for e in media)} bytes"
            f"{', copied' if manifest['media_copied'] else ', listed only'}; "
            f"{sum(1 for e in media if not e['referenced'])} not referenced by any row)."
        )
        if manifest["missing"]:
            raise CommandError(
                f"{len(manifest['missing'])} files that rows point at are missing from the "
                "media store: " + ", ".join(manifest["missing"][:20])
            )
