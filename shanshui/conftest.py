"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.test import Client
from django.utils import translation
from xdist.scheduler import LoadFileScheduling

from shanshui.testing.clock import ORDINARY_DAY, at_ordinary_day
from shanshui.testing.personas import PASSWORD, Personas, make_personas


@pytest.fixture
def ordinary_day():
    """The clock stopped at ORDINARY_DAY (shanshui.testing.clock) for the whole test.

    Asked for explicitly by the tests that depend on today, never autouse: a clock frozen
    everywhere would hide code that reads it at the wrong moment.
    """
    with at_ordinary_day():
        yield ORDINARY_DAY


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete_on_postgresql():
    """Transactional tests (live server, threads) end with a flush of every table. PostgreSQL's
    TRUNCATE of ~50 tables takes about two seconds, a DELETE of their few rows a few
    milliseconds; Django's foreign keys there are deferred, so the order does not matter.
    Requests the DELETE cannot serve as well (sequence resets, cascades) keep the TRUNCATE."""
    original = PostgresOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [f"{style.SQL_KEYWORD('DELETE FROM')} {self.quote_name(t)};" for t in tables]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PostgresOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rate-limit counters never leak between tests."""
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language. A request through the test client activates
    its language in the test's own thread (LanguageMiddleware), and a test that switched to
    English must not leave later tests of its worker comparing English messages."""
    translation.deactivate()
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


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server on loopback (shanshui.testing.objectstore), once per session."""
    from shanshui.testing.objectstore import s3_server

    with s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_media(s3_endpoint, settings):
    """Media on a fresh bucket of that server for this test: ``STORAGES["default"]`` is the
    S3 storage production uses; the bucket (``.keys()``, ``.read(key)``) is returned."""
    from shanshui.testing.objectstore import media_storage, new_bucket

    bucket = new_bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(s3_endpoint, bucket.name)}
    return bucket


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # before pytest-xdist picks its own
def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs pytest-xdist with ``--dist loadfile``: each test file on one worker, so
    a module's shared data (module-scoped fixtures) is built once. Here the browser tests (the
    ``test_browser.py`` files) also count as one file: one Chromium at a time on a two-core
    machine, so their timeouts mean what they mean in a serial run."""
    if config.getvalue("dist") != "loadfile":
        return None
    browser = "browser tests"

    class FilesAndBrowser(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return browser if scope.endswith("/test_browser.py") else scope

        def _assign_work_unit(self, node) -> None:
            # The browser tests are the longest unit (≈ 45 s): handed out first, while the other
            # worker works through the files, rather than last, when it would have nothing left.
            if browser in self.workqueue:
                self.workqueue.move_to_end(browser, last=False)
            super()._assign_work_unit(node)

    return FilesAndBrowser(config, log)


# Fixtures through which a test reaches the database (pytest-django refuses every other way).
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
        "admin_client",
        "admin_user",
        "django_user_model",
        "django_username_field",
    }
)


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config, items):
    """``SHANSHUI_TESTS_DATABASE_ONLY=1``: only the tests that use the database. CI's second
    pass (PostgreSQL) runs these; the others cannot differ between databases, since
    pytest-django blocks any database access a test has not asked for, and ran in the first."""
    if os.environ.get("SHANSHUI_TESTS_DATABASE_ONLY") != "1":
        return
    keep = [item for item in items if uses_database(item)]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = keep


def pytest_runtest_teardown(item, nextitem):
    """The browser tests share one Chromium per process (shanshui.testing.browser); it is
    stopped when the next test is not a browser test, so no Playwright loop outlives them."""
    if nextitem is None or nextitem.get_closest_marker("browser") is None:
        from shanshui.testing.browser import close_shared

        close_shared()


def pytest_sessionfinish(session, exitstatus):
    """Remove the SQLite test database's WAL side files, which outlive the database itself.

    The file is named by process (config/test_settings.py); pytest-xdist workers are processes
    of their own, and pytest-django appends the worker's name (``_gw0``) to it.
    """
    name = str(settings.DATABASES["default"].get("TEST", {}).get("NAME") or "")
    if f"-{os.getpid()}.sqlite3" in name:
        for suffix in ("-wal", "-shm"):
            Path(name + suffix).unlink(missing_ok=True)
