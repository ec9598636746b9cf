from django.db import migrations, models

from shanshui.lib import trigram


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
    """On PostgreSQL, index the search text by trigrams (pg_trgm handles Chinese characters)."""
    trigram.create_trigram_index(
        schema_editor, name="ledger_task_search_trgm", table="ledger_task", column="search_text"
    )


def drop_trigram_index(apps, schema_editor):
    trigram.drop_index(schema_editor, "ledger_task_search_trgm")


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
