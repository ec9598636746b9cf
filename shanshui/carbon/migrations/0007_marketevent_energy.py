from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("carbon", "0006_markets"),
    ]

    operations = [
        migrations.AlterField(
            model_name="marketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("registered", "Enterprise registered"),
                    ("changed", "Changed"),
                    ("compliance", "Compliance data recorded"),
                    ("task_raised", "Ledger task raised"),
                    ("energy", "Monthly energy data recorded"),
                ],
                max_length=20,
            ),
        ),
    ]
