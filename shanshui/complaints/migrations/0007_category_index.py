"""The main-type index, in its own migration: PostgreSQL cannot build an index in the
transaction that has just updated the rows (deferred foreign-key triggers are pending)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("complaints", "0006_main_category")]

    operations = [
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['category', '-received_at'], name='complaints_category_recent'),
        ),
    ]
