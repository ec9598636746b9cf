import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0007: on PostgreSQL the column cannot be altered in the transaction that filled
    # it (its foreign-key checks are still pending there).
    dependencies = [
        ("ledger", "0007_event_campaign"),
    ]

    operations = [
        migrations.AlterField(
            model_name="event",
            name="campaign",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("to_status", ""), _negated=True),
                fields=["kind", "at"],
                include=("task", "campaign", "from_status", "to_status"),
                name="ledger_event_status_changes",
            ),
        ),
    ]
