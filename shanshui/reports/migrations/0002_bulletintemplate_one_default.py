from django.db import migrations, models


def keep_one_default(apps, schema_editor):
    """Several templates marked default (possible before the constraint, e.g. rows written
    outside the administration): keep the one bulletins were issued with — the first by name,
    as bulletin_issue chose it — and unmark the others."""
    BulletinTemplate = apps.get_model("reports", "BulletinTemplate")
    defaults = BulletinTemplate.objects.filter(is_default=True).order_by("name", "pk")
    kept = defaults.values_list("pk", flat=True).first()
    if kept is not None:
        defaults.exclude(pk=kept).update(is_default=False)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        # Backwards there is nothing to restore: one default was always a valid state.
        migrations.RunPython(keep_one_default, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="bulletintemplate",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_default", True)),
                fields=("is_default",),
                name="reports_bulletintemplate_one_default",
            ),
        ),
    ]
