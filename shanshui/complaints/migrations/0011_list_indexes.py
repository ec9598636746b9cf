"""Indexes for the filtered and overdue case lists, Open311's filtered lists, and what waits
to be published or followed up. In their own migration: PostgreSQL cannot build an index in
the transaction that has just updated the rows (0009, 0010)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("complaints", "0010_category_bits")]

    operations = [
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                fields=["batch", "status", "-received_at", "-id", "category_bits"],
                name="complaints_batch_status",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                fields=["-received_at", "-id", "category", "status", "channel", "reject_reason"],
                name="complaints_recent_open311",
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(status__in=["transferred", "investigating", "handled"]),
                fields=["-received_at", "-id", "deadline"],
                name="complaints_open_recent",
            ),
        ),
        migrations.AddIndex(
            model_name="complaintunit",
            index=models.Index(
                condition=models.Q(role="handling"),
                fields=["unit", "status", "closed_at", "complaint"],
                name="complaints_unit_closed",
            ),
        ),
        migrations.AddIndex(
            model_name="complaintunit",
            index=models.Index(
                condition=models.Q(closure="stage_closed", role="handling"),
                fields=["unit", "status", "follow_up_due", "complaint"],
                name="complaints_unit_follow_up",
            ),
        ),
    ]
