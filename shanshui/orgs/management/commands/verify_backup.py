"""``manage.py verify_backup DIR``: compare this configuration's database and media store with
a backup's manifest (row counts per table, file checksums)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shanshui.lib import backup
from shanshui.orgs.management.commands.restore import report


class Command(BaseCommand):
    help = (
        "Compare the database and the media store with a backup's manifest: the same row count "
        "in every table, every file with the same SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the backup directory")

    def handle(self, *args, directory, **options):
        try:
            result = backup.verify_backup(Path(directory))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        report(self, result)
