#!/usr/bin/env python
import os
import sys

# Commands that only read or write source files (never serve requests nor touch deployment
# data) may run on a developer's checkout without deployment configuration.
SOURCE_ONLY_COMMANDS = {"makemigrations", "makemessages", "compilemessages"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in SOURCE_ONLY_COMMANDS:
        os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
