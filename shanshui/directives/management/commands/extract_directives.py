"""List a document's directives: ``manage.py extract_directives FILE [--json] [--mode …]``.

The text is cleaned first (``--mode``, default full). ``--json`` prints one JSON object per line
with ``speaker``, ``text``, ``clauses``, ``explicit`` and the rest of each directive.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from shanshui.directives.extract import extract_directives
from shanshui.directives.management.commands.normalize_text import read_text
from shanshui.directives.normalize import MODES, normalize


class Command(BaseCommand):
    help = "List the directives of a speech, report or notice."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .txt (any common Chinese encoding), .docx or .html")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")
        parser.add_argument("--mode", choices=MODES, default="full")

    def handle(self, *args, file, json: bool, mode, **options):
        text = normalize(read_text(file), mode=mode).text
        for n, d in enumerate(extract_directives(text), 1):
            if json:
                self.stdout.write(_dumps(d.as_dict()))
            else:
                lead = "" if d.explicit else f" (→{d.continues + 1})"
                self.stdout.write(f"{n}. [{d.speaker or '—'}]{lead} {d.text}")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)
