"""FactorChange keeps the factors' history only (the targets' moved to TargetEvent in 0008);
the two-high projects' stored blocks_approval goes: approval is decided from the rules in use
when the office approves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("carbon", "0008_target_events_recompute_runs"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="factorchange",
            name="carbon_target",
        ),
        migrations.RemoveField(
            model_name="twohighproject",
            name="blocks_approval",
        ),
    ]
