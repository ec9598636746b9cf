"""先审后发: the public text a moderator approved (edited), its event, and moderated_at in the
index the public lists read (a citizen's report is public only once checked)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0011_list_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="complaint",
            name="complaints_recent_open311",
        ),
        migrations.AddField(
            model_name="complaint",
            name="public_description",
            field=models.TextField(blank=True, default="", verbose_name="public text"),
        ),
        migrations.AlterField(
            model_name="complaintevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("submitted", "Submitted"),
                    ("registered", "Registered"),
                    ("imported", "Imported from a transfer list"),
                    ("transferred", "Transferred"),
                    ("transferred_down", "Transferred to a town"),
                    ("sent_back", "Sent back to the office"),
                    ("started", "Investigation started"),
                    ("handled", "Handling result recorded"),
                    ("reviewed", "Second review passed"),
                    ("review_returned", "Returned by the second review"),
                    ("closed", "Closed"),
                    ("stage_closed", "Stage-closed"),
                    ("follow_up_done", "Follow-up completed"),
                    ("published", "Published"),
                    ("rejected", "Not accepted"),
                    ("linked", "Linked to an earlier case"),
                    ("promoted", "Put on the ledger"),
                    ("task_reopened", "Ledger task reopened"),
                    ("hidden", "Hidden by moderation"),
                    ("unhidden", "Shown again"),
                    ("moderated", "Checked by moderation"),
                    ("text_edited", "Public text edited by moderation"),
                    ("urged", "Urged"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                fields=[
                    "-received_at",
                    "-id",
                    "category",
                    "status",
                    "channel",
                    "reject_reason",
                    "moderated_at",
                ],
                name="complaints_recent_open311",
            ),
        ),
    ]
