"""``manage.py restore DIR``: load a backup into this configuration's empty database and media
store, then verify it (shanshui.lib.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shanshui.lib import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the (new, empty) database and the media "
        "store this process is configured for (DATABASE_URL, MEDIA_ROOT or SHANSHUI_S3_*), then "
        "compare row counts and file checksums with the backup's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", help="the backup directory")

    def handle(self, *args, directory, **options):
        try:
            result = backup.restore_backup(Path(directory))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        report(self, result)


def report(command: BaseCommand, result: backup.Verification) -> None:
    if not result.ok:
        raise CommandError(
            f"{len(result.problems)} differences from the backup:\n" + "\n".join(result.problems)
        )
    command.stdout.write(
        f"Verified: {result.tables} tables with {result.rows} rows and {result.files} media "
        "files match the backup."
    )
