"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from django.test import Client

from shanshui.testing.personas import PASSWORD, Personas, make_personas


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()


@pytest.fixture
def client_as():
    """``client_as(user)`` → a test client logged in as ``user``."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def persona_password() -> str:
    return PASSWORD
