"""Trigram index on the case search text (PostgreSQL only), as for ledger tasks."""

from django.db import migrations

from shanshui.lib import trigram


def create_trigram_index(apps, schema_editor):
    trigram.create_trigram_index(
        schema_editor,
        name="complaints_search_trgm",
        table="complaints_complaint",
        column="search_text",
    )


def drop_trigram_index(apps, schema_editor):
    trigram.drop_index(schema_editor, "complaints_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
