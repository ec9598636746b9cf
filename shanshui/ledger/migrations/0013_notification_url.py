from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0012_gates_sites_photo_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="url",
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
