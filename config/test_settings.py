"""Settings for the test suite: the production module with a few fast, deterministic overrides."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-" + "x" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *  # noqa: F403

# Argon2 is slow by design; tests create many users. Production's hasher list is tested separately.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# The live server's thread must not keep connections open past a test, or PostgreSQL refuses to
# drop the test database at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not the in-memory default: concurrent tests need SQLite's real locking (WAL and
    # the busy timeout), which shared-cache memory databases do not honour.
    # One file per process, so two suites on one checkout never share it, nor two pytest-xdist
    # workers (pytest-django also appends the worker's name); removed at the end.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(VAR_DIR / f"test-shanshui-{os.getpid()}.sqlite3")  # noqa: F405
    }
# Background jobs run in the request, so a test sees their outcome at once; the thread mode
# has its own tests.
SHANSHUI_JOBS = "inline"
# Notices after events (django-tasks) run right after the commit, whatever the environment says.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
