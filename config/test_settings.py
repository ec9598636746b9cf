"""Settings for the test suite: the production module with a few fast, deterministic overrides."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# One process: local memory, as production would refuse without CACHE_URL.
os.environ.setdefault("CACHE_URL", "locmem://")
# No line per request in the captured output (the request log has its own tests).
os.environ.setdefault("LOG_REQUESTS", "false")

from config.settings import *  # noqa: F403

# Argon2 is slow by design; tests create many users. Production's hasher list is tested separately.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# Pages render with the plain static storage (no collectstatic before a test run); the manifest
# storage and WhiteNoise's headers have their own test (shanshui/tests/test_static_files.py).
# WhiteNoise looks files up per request instead of scanning STATIC_ROOT once at start.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
# The live server's thread must not keep connections open past a test, or PostgreSQL refuses to
# drop the test database at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# No connection pool in tests: the test runner creates and drops databases under it, and the
# live server's thread must let go of its connection (the pool has its own tests).
DATABASES["default"]["OPTIONS"].pop("pool", None)  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not the in-memory default: concurrent tests need SQLite's real locking (WAL and
    # the busy timeout), which shared-cache memory databases do not honour.
    # One file per process, so two suites on one checkout never share it, nor two pytest-xdist
    # workers (pytest-django also appends the worker's name); removed at the end.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test-shanshui-{os.getpid()}.sqlite3")  # noqa: F405
    }
# Background tasks (django-tasks) run at once in the process that queues them, so a test sees
# their outcome, whatever the environment says; the database backend and its worker have their
# own tests (shanshui/jobs/tests).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
