import django.db.models.deletion
from django.db import migrations, models

from shanshui.lib.trigram import create_trigram_index, drop_index


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
    """On PostgreSQL, the trigram index moves with the text (where pg_trgm can be had)."""
    drop_index(schema_editor, "ledger_task_search_trgm")
    create_trigram_index(
        schema_editor, name="ledger_tasksearch_trgm", table="ledger_tasksearch", column="text"
    )


def move_trigram_index_back(apps, schema_editor):
    drop_index(schema_editor, "ledger_tasksearch_trgm")
    create_trigram_index(
        schema_editor, name="ledger_task_search_trgm", table="ledger_task", column="search_text"
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
