"""A Bearer token that is not valid is a 401 even when a logged-in session rides along."""

import datetime as dt

import pytest
from django.utils import timezone

from shanshui.orgs.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture
def session(personas, client_as):
    client = client_as(personas.office)
    assert client.get(ME).status_code == 200  # the session alone works
    return client


@pytest.mark.parametrize("header", ["Bearer ssk_not-a-real-token", "Bearer garbage", "Bearer "])
def test_an_invalid_bearer_token_is_401_despite_the_session(session, header):
    response = session.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")
    # Writes too: the session's CSRF-checked path is never reached.
    assert session.post("/api/v1/tasks", HTTP_AUTHORIZATION=header).status_code == 401


def test_a_revoked_or_expired_token_is_401_despite_the_session(personas, session):
    token, raw = api_token_create(user=personas.office, name="sync")
    assert session.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    api_token_revoke(actor=personas.office, token=token)
    assert session.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    _, old = api_token_create(
        user=personas.office, name="old", expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert session.get(ME, HTTP_AUTHORIZATION=f"Bearer {old}").status_code == 401


def test_a_valid_token_acts_as_its_owner_not_the_session(personas, session):
    _, raw = api_token_create(user=personas.district_a, name="district sync")
    body = session.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert body["username"] == personas.district_a.username
