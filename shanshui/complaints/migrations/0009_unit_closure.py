"""The case's closure, closing time and follow-up date copied onto its units, as its status and
deadline already are (services._transition keeps them equal): what waits to be published or
followed up is then listed and counted from the case units' indexes alone."""

from django.db import migrations, models

FIELDS = ("closure", "closed_at", "follow_up_due")


def copy_closure(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # One statement for a million rows, touching only the units of closed cases.
        schema_editor.execute(
            "UPDATE complaints_complaintunit AS cu"
            " SET closure = c.closure, closed_at = c.closed_at, follow_up_due = c.follow_up_due"
            " FROM complaints_complaint AS c"
            " WHERE c.id = cu.complaint_id"
            " AND (c.closure <> '' OR c.closed_at IS NOT NULL OR c.follow_up_due IS NOT NULL)"
        )
        return
    ComplaintUnit = apps.get_model("complaints", "ComplaintUnit")
    Complaint = apps.get_model("complaints", "Complaint")
    ComplaintUnit.objects.update(
        **{
            name: models.Subquery(
                Complaint.objects.filter(pk=models.OuterRef("complaint_id")).values(name)[:1]
            )
            for name in FIELDS
        }
    )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0008_unit_deadline")]

    operations = [
        migrations.AddField(
            model_name="complaintunit",
            name="closure",
            field=models.CharField(
                blank=True,
                choices=[("closed", "Closed"), ("stage_closed", "Stage-closed")],
                default="",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="complaintunit",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="complaintunit",
            name="follow_up_due",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.RunPython(copy_closure, migrations.RunPython.noop),
    ]
