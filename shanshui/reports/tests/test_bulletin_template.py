"""Bulletin templates: one default at a time, held by the database and moved by a service."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from shanshui.orgs.models import AuditEntry
from shanshui.reports import services
from shanshui.reports.models import BulletinTemplate


def defaults() -> list[str]:
    return list(BulletinTemplate.objects.filter(is_default=True).values_list("name", flat=True))


def test_the_database_refuses_a_second_default(db):
    BulletinTemplate.objects.create(name="甲", is_default=True)
    BulletinTemplate.objects.create(name="乙")  # any number of others
    with pytest.raises(IntegrityError), transaction.atomic():
        BulletinTemplate.objects.create(name="丙", is_default=True)
    assert defaults() == ["甲"]


def test_the_service_moves_the_default_and_records_it(personas):
    first = BulletinTemplate.objects.create(name="甲", is_default=True)
    second = BulletinTemplate.objects.create(name="乙")
    services.bulletin_template_make_default(actor=personas.office, template=second)
    assert defaults() == ["乙"]
    assert second.is_default
    entry = AuditEntry.objects.get(action="bulletin_template.make_default")
    assert (entry.actor, entry.object_id, entry.data) == (
        personas.office,
        str(second.pk),
        {"previous": [first.pk]},
    )
    # Again on the default itself: nothing to unmark, still one default.
    services.bulletin_template_make_default(actor=personas.office, template=second)
    assert defaults() == ["乙"]


def test_only_the_office_moves_the_default(personas):
    first = BulletinTemplate.objects.create(name="甲", is_default=True)
    second = BulletinTemplate.objects.create(name="乙")
    for user in (personas.district_a, personas.department, personas.leader):
        with pytest.raises(PermissionDenied):
            services.bulletin_template_make_default(actor=user, template=second)
    assert defaults() == [first.name]
    assert not AuditEntry.objects.filter(action="bulletin_template.make_default").exists()


def _admin_form(name: str, *, is_default: bool) -> dict:
    data = {
        "name": name,
        "issuer": "办公室",
        "number_prefix": "渝督改办",
        "title": "关于{campaign}的通报",
        "addressees": "",
        "opening": "",
        "closing": "",
        "copy_to": "",
    }
    if is_default:
        data["is_default"] = "on"
    return data


def test_ticking_default_in_the_administration_moves_it(personas, client_as):
    office = client_as(personas.office)
    old = BulletinTemplate.objects.create(name="旧模板", is_default=True)
    response = office.post(
        reverse("admin:reports_bulletintemplate_add"), _admin_form("新模板", is_default=True)
    )
    assert response.status_code == 302  # saved, no form error
    assert defaults() == ["新模板"]
    # Editing the default without touching the box keeps it the default.
    new = BulletinTemplate.objects.get(name="新模板")
    url = reverse("admin:reports_bulletintemplate_change", args=[new.pk])
    assert office.post(url, _admin_form("新模板", is_default=True)).status_code == 302
    assert defaults() == ["新模板"]
    # Ticking the old one moves it back; unticking leaves none.
    url = reverse("admin:reports_bulletintemplate_change", args=[old.pk])
    assert office.post(url, _admin_form("旧模板", is_default=True)).status_code == 302
    assert defaults() == ["旧模板"]
    assert office.post(url, _admin_form("旧模板", is_default=False)).status_code == 302
    assert defaults() == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_default_bulletins_were_issued_with():
    """Before the constraint several templates could be marked default; bulletin_issue took
    the first by name, and that one stays the default. Migrating back works too."""
    before = [("reports", "0001_initial")]
    executor = MigrationExecutor(connection)
    after = executor.loader.graph.leaf_nodes("reports")
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    Template = old_apps.get_model("reports", "BulletinTemplate")
    for name, is_default in (("b", True), ("a", True), ("c", False), ("d", True)):
        Template.objects.create(name=name, is_default=is_default)
    executor.loader.build_graph()
    executor.migrate(after)
    assert defaults() == ["a"]
    assert BulletinTemplate.objects.count() == 4
