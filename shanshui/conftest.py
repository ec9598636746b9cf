"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from django.test import Client

from shanshui.testing.personas import PASSWORD, Personas, make_personas


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rate-limit counters never leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield


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


def pytest_sessionfinish(session, exitstatus):
    """Remove the SQLite test database's WAL side files, which outlive the database itself."""
    import os
    from pathlib import Path

    from django.conf import settings

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and str(name).endswith(f"-{os.getpid()}.sqlite3"):
        for suffix in ("-wal", "-shm"):
            Path(str(name) + suffix).unlink(missing_ok=True)
