"""Print a document's cleaned text: ``manage.py normalize_text FILE [--mode strip|t2s|full]``.

FILE is a text file in any common Chinese encoding (detected), a Word .docx or a web page; ``-``
reads standard input. ``--changes`` prints what was changed, where and why, to standard error.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from shanshui.directives.normalize import MODES, normalize
from shanshui.directives.sources import UnreadableDocument, read_document


def read_text(path: str) -> str:
    data = sys.stdin.buffer.read() if path == "-" else _read_bytes(path)
    try:
        return read_document(data, path).text
    except UnreadableDocument as exc:
        raise CommandError(f"{path}: cannot read it ({exc.code})") from exc


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from exc


class Command(BaseCommand):
    help = "Print a document's cleaned text (pinyin annotations, Traditional, punctuation)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .txt (any common Chinese encoding), .docx or .html")
        parser.add_argument("--mode", choices=MODES, default="full")
        parser.add_argument(
            "--changes", action="store_true", help="list the changes on standard error"
        )

    def handle(self, *args, file, mode, changes, **options):
        result = normalize(read_text(file), mode=mode)
        self.stdout.write(result.text, ending="" if result.text.endswith("\n") else "\n")
        if changes:
            for c in result.changes:
                self.stderr.write(f"{c.start}\t{c.end}\t{c.reason}\t{c.before!r}\t{c.after!r}")
