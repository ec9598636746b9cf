import logging

import django.db.models.deletion
from django.db import migrations, models

log = logging.getLogger(__name__)


def copy_search_text(apps, schema_editor):
    """Every task's search text into the new table, in one statement."""
    schema_editor.execute(
        "INSERT INTO ledger_tasksearch (task_id, text) SELECT id, search_text FROM ledger_task"
    )


def copy_back(apps, schema_editor):
    schema_editor.execute(
        "UPDATE ledger_task SET search_text = COALESCE((SELECT s.text FROM ledger_tasksearch s "
        "WHERE s.task_id = ledger_task.id), '')"
    )


def move_trigram_index(apps, schema_editor):
    """On PostgreSQL, the trigram index moves with the text (as 0002 made it: only where
    pg_trgm can be had; without it the search scans the table)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS ledger_task_search_trgm")
        cursor.execute("SAVEPOINT trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # no privilege: leave the search unindexed
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            log.warning("pg_trgm is not available; ledger search will scan the table")
            return
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS ledger_tasksearch_trgm ON ledger_tasksearch "
            "USING gin (text gin_trgm_ops)"
        )


def move_trigram_index_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ledger_tasksearch_trgm")
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS ledger_task_search_trgm ON ledger_task "
            "USING gin (search_text gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    # The search text leaves ledger_task for a table of its own (models.TaskSearch), so that
    # updates of a task's indexed columns no longer rewrite its trigram entries.
    dependencies = [
        ("ledger", "0010_task_overdue_red_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaskSearch",
            fields=[
                (
                    "task",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="ledger.task",
                    ),
                ),
                ("text", models.TextField(blank=True, default="")),
            ],
        ),
        migrations.RunPython(copy_search_text, copy_back),
        migrations.RunPython(move_trigram_index, move_trigram_index_back),
        migrations.RemoveField(
            model_name="task",
            name="search_text",
        ),
    ]
