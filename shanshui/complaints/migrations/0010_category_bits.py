"""Every case's types as bits on the case (Complaint.category_bits, set at intake with its
ComplaintCategory rows): the case lists filter by type inside the case's indexes."""

from django.db import migrations, models

# models.CATEGORY_BITS as it is now: water 1, air 2, noise 4, … other 128.
ORDER = ["water", "air", "noise", "ecology", "soil", "radiation", "solid_waste", "other"]


def fill_bits(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # One statement for a million cases.
        schema_editor.execute(
            "UPDATE complaints_complaint SET category_bits = b.bits FROM ("
            " SELECT complaint_id,"
            " bit_or(1 << (array_position(%s::varchar[], category::varchar) - 1)) AS bits"
            " FROM complaints_complaintcategory GROUP BY complaint_id"
            ") AS b WHERE complaints_complaint.id = b.complaint_id AND b.bits IS NOT NULL",
            [ORDER],
        )
        return
    Complaint = apps.get_model("complaints", "Complaint")
    ComplaintCategory = apps.get_model("complaints", "ComplaintCategory")
    for i, category in enumerate(ORDER):
        Complaint.objects.filter(
            pk__in=ComplaintCategory.objects.filter(category=category).values("complaint_id")
        ).update(category_bits=models.F("category_bits").bitor(1 << i))


class Migration(migrations.Migration):
    dependencies = [("complaints", "0009_unit_closure")]

    operations = [
        migrations.AddField(
            model_name="complaint",
            name="category_bits",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_bits, migrations.RunPython.noop),
    ]
