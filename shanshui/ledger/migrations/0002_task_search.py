import logging

from django.db import migrations, models

log = logging.getLogger(__name__)


def fill_search_text(apps, schema_editor):
    Task = apps.get_model("ledger", "Task")
    batch = []
    for task in Task.objects.only("pk", "code", "title", "problem").iterator(chunk_size=2000):
        task.search_text = f"{task.code} {task.title} {task.problem}".lower()
        batch.append(task)
        if len(batch) >= 2000:
            Task.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        Task.objects.bulk_update(batch, ["search_text"])


def create_trigram_index(apps, schema_editor):
    """On PostgreSQL, index the search text by trigrams (pg_trgm handles Chinese characters),
    so ``LIKE '%…%'`` searches of three or more characters use the index. Without the right to
    create the extension the search still works, scanning the table."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SAVEPOINT trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception:  # no privilege: leave the search unindexed
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            log.warning("pg_trgm is not available; ledger search will scan the table")
            return
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS ledger_task_search_trgm ON ledger_task "
            "USING gin (search_text gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS ledger_task_search_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["campaign", "code"], include=("id",), name="ledger_task_order_cov"
            ),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
