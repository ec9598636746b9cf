"""Demo data: the README's logins work, and loading twice changes nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from shanshui.orgs.demo import DEMO_PASSWORD
from shanshui.orgs.models import Membership, Role, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo(django_db_setup, django_db_blocker):
    """The whole demo (every app's part, ~4 s) loaded once for this module, inside a transaction
    rolled back after its last test; each test runs in a savepoint within it, as usual."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def snapshot():
    return (
        list(get_user_model().objects.order_by("pk").values_list("username", "password")),
        list(Membership.objects.order_by("pk").values_list("user_id", "unit_id", "role", "post")),
        list(Unit.objects.order_by("pk").values_list("pk", "name", "path")),
    )


def test_load_demo_is_idempotent():
    first = snapshot()
    call_command("load_demo", stdout=io.StringIO())
    assert snapshot() == first


@pytest.mark.parametrize(
    ("username", "unit", "role"),
    [
        ("office", "市督察整改办", Role.OFFICE),
        ("wanzhou", "万州区", Role.UNIT_ADMIN),
        ("yuzhong", "渝中区", Role.UNIT_ADMIN),
        ("sthjj", "市生态环境局", Role.UNIT_ADMIN),
        ("leader", "万州区", Role.LEADER),
    ],
)
def test_demo_personas_log_in_with_the_documented_password(username, unit, role):
    assert Membership.objects.filter(
        user__username=username, unit__short_name=unit, role=role
    ).exists()
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_the_demo_superuser():
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
