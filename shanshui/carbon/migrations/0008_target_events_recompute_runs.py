"""Targets get their own history (TargetEvent): the target edits kept so far as FactorChange
rows (those with a carbon_target) move into it, and FactorChange keeps the factors' only (0009
drops its carbon_target; a separate migration, because PostgreSQL refuses to alter a table with
rows written in the same transaction). Inventory recomputes after factor changes are recorded
as RecomputeRun rows."""

import datetime as dt

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SAME_SAVE = dt.timedelta(seconds=2)  # the rows of one save differ by microseconds


def _saves(rows):
    """FactorChange rows grouped into the saves that wrote them (target, actor, reason, time)."""
    group = []
    for c in rows:
        if group and (
            (c.carbon_target_id, c.actor_id, c.reason)
            != (group[0].carbon_target_id, group[0].actor_id, group[0].reason)
            or c.at - group[0].at > SAME_SAVE
        ):
            yield group
            group = []
        group.append(c)
    if group:
        yield group


def move_target_changes(apps, schema_editor):
    FactorChange = apps.get_model("carbon", "FactorChange")
    CarbonTarget = apps.get_model("carbon", "CarbonTarget")
    TargetEvent = apps.get_model("carbon", "TargetEvent")
    rows = FactorChange.objects.filter(carbon_target__isnull=False).order_by(
        "carbon_target_id", "at", "pk"
    )
    districts = dict(CarbonTarget.objects.values_list("pk", "district_id"))
    seen, events = set(), []
    for save in _saves(rows):
        target_id = save[0].carbon_target_id
        # A new target was written as one row, "value", with no old value.
        created = target_id not in seen and all(not c.old for c in save)
        seen.add(target_id)
        if created:
            kind, data = "created", {"values": {c.field: c.new for c in save}}
        else:
            kind = "edited"
            data = {"changes": [{"field": c.field, "old": c.old, "new": c.new} for c in save]}
        events.append(
            TargetEvent(
                target_id=target_id,
                at=save[0].at,
                actor_id=save[0].actor_id,
                unit_id=districts.get(target_id),
                kind=kind,
                comment=save[0].reason,
                data=data,
            )
        )
    TargetEvent.objects.bulk_create(events)
    rows.delete()


def move_them_back(apps, schema_editor):
    FactorChange = apps.get_model("carbon", "FactorChange")
    TargetEvent = apps.get_model("carbon", "TargetEvent")
    rows = []
    for e in TargetEvent.objects.filter(kind__in=["created", "edited"]).order_by("at", "pk"):
        if e.kind == "created":
            changes = [
                {"field": "value", "old": "", "new": e.data.get("values", {}).get("value", "")}
            ]
        else:
            changes = e.data.get("changes", [])
        rows += [
            FactorChange(
                subject=f"目标 · {e.target_id}",
                field=c["field"][:40],
                old=c["old"][:60],
                new=c["new"][:60],
                reason=e.comment,
                actor_id=e.actor_id,
                carbon_target_id=e.target_id,
                at=e.at,
            )
            for c in changes
        ]
    FactorChange.objects.bulk_create(rows)  # the events' table goes with this migration


class Migration(migrations.Migration):
    dependencies = [
        ("carbon", "0007_marketevent_energy"),
        ("orgs", "0002_unit_reference_hash"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="RecomputeRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting"),
                            ("running", "Running"),
                            ("done", "Done"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=160)),
                ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("task_id", models.CharField(blank=True, max_length=64)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("cells", models.PositiveIntegerField(blank=True, null=True)),
                ("message", models.TextField(blank=True)),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="TargetEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("created", "Target set"),
                            ("edited", "Target changed"),
                            ("task_raised", "Ledger task raised"),
                            ("task_withdrawn", "Ledger task withdrawn"),
                        ],
                        max_length=20,
                    ),
                ),
                ("from_status", models.CharField(blank=True, max_length=14)),
                ("to_status", models.CharField(blank=True, max_length=14)),
                ("comment", models.TextField(blank=True)),
                ("data", models.JSONField(blank=True, default=dict)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "target",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="carbon.carbontarget",
                    ),
                ),
                (
                    "unit",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orgs.unit",
                    ),
                ),
            ],
            options={
                "ordering": ["target", "at", "pk"],
            },
        ),
        migrations.RunPython(move_target_changes, move_them_back, elidable=False),
    ]
