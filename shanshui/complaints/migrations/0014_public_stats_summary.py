"""The public statistics' summary (ComplaintStat), filled from the cases already there."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    from shanshui.complaints import stats

    stats.rebuild(
        complaint_model=apps.get_model("complaints", "Complaint"),
        stat_model=apps.get_model("complaints", "ComplaintStat"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0013_replies_and_follow_up"),
        ("orgs", "0002_unit_reference_hash"),
    ]

    operations = [
        migrations.CreateModel(
            name="ComplaintStat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=64, unique=True)),
                ("month", models.DateField()),
                (
                    "facet",
                    models.CharField(
                        choices=[
                            ("status", "Status"),
                            ("channel", "Channel"),
                            ("finding", "Finding"),
                            ("category", "Type"),
                        ],
                        max_length=8,
                    ),
                ),
                ("value", models.CharField(max_length=16)),
                ("n", models.IntegerField(default=0)),
                (
                    "district",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="orgs.unit",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["facet", "month"], name="complaints_stat_facet_month"),
                    models.Index(
                        fields=["district", "facet", "month"], name="complaints_stat_district"
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
