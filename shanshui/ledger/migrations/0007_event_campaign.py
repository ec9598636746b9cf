import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_campaign(apps, schema_editor):
    """Every event's campaign from its task, in one UPDATE."""
    Event = apps.get_model("ledger", "Event")
    Task = apps.get_model("ledger", "Task")
    campaign = Task.objects.filter(pk=OuterRef("task_id")).values("campaign_id")[:1]
    Event.objects.filter(campaign__isnull=True).update(campaign=Subquery(campaign))


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0006_task_category_bits_status_cov"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="campaign",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.campaign",
            ),
        ),
        migrations.RunPython(fill_campaign, migrations.RunPython.noop, elidable=True),
    ]
