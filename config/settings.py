"""Shanshui settings. Every deployment value comes from the environment (see docs/deployment.md).

Nothing here checks whether tests are running: the test suite uses ``config.test_settings``,
a small override of this module.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _

from config.env import (
    ConfigError,
    env_bool,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SHANSHUI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

# A development key is acceptable only with DEBUG on; production must bring its own.
_DEV_SECRET_KEY = "django-insecure-shanshui-development-only-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "SECRET_KEY is not set and DEBUG is off: refusing to start. "
            "Set SECRET_KEY to a long random value (or DEBUG=true for local development)."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ConfigError(
        "SECRET_KEY is too weak for production (needs 50+ characters, not a django-insecure key)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "shanshui.orgs.apps.ShanshuiAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "shanshui.jobs",
    "shanshui.orgs",
    "shanshui.ledger",
    "shanshui.complaints",
    "shanshui.monitoring",
    "shanshui.reports",
    "shanshui.directives",
    "shanshui.carbon",
]

MIDDLEWARE = [
    # First: the request id, the log line and the metrics cover everything below; a database
    # outage becomes a 503 (shanshui/lib/observability.py).
    "shanshui.lib.observability.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "shanshui.lib.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shanshui.orgs.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shanshui.orgs.middleware.RequestHygieneMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shanshui.orgs.context_processors.scope",
                "shanshui.ledger.context_processors.notifications",
            ],
        },
    },
]

# Database: SQLite under var/ (WAL) by default, PostgreSQL via DATABASE_URL in production.
_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": (
        parse_database_url(
            _database_url,
            base_dir=BASE_DIR,
            # Connections per app process (docs/deployment.md, "Connections"): a gunicorn sync
            # worker needs one; a threaded one as many as its threads.
            pool_min=env_int("SHANSHUI_DB_POOL_MIN", 1),
            pool_max=env_int("SHANSHUI_DB_POOL_MAX", 4),
            pool_timeout=env_int("SHANSHUI_DB_POOL_TIMEOUT", 10),
            pgbouncer=env_bool("SHANSHUI_DB_PGBOUNCER", False),
        )
        if _database_url
        else sqlite_database(VAR_DIR / "shanshui.sqlite3")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache and rate-limit counters: local memory by default (one process); Redis in production,
# so every app process shares the same counters (CACHE_URL=redis://host:6379/0). Rate limits,
# login lockouts, statistics and import progress would silently be per process otherwise, so
# production refuses to start without it; ``locmem://`` says on purpose that there is only one.
CACHE_URL = env_str("CACHE_URL")
if not CACHE_URL and not DEBUG:
    raise ConfigError(
        "CACHE_URL is not set and DEBUG is off: refusing to start. Set CACHE_URL to the shared "
        "Redis (redis://host:6379/0) that every app process uses for rate limits, login lockouts "
        "and import progress, or CACHE_URL=locmem:// for a single process on a single machine."
    )
if CACHE_URL == "locmem://":
    CACHE_URL = ""
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "shanshui"),
        }
    }
elif CACHE_URL:
    raise ConfigError(
        "CACHE_URL must be a redis:// address, or locmem:// for one process (unset: local memory "
        "with DEBUG on)."
    )
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shanshui",
        }
    }

# Authentication: Argon2 first; older hashes are upgraded on the next login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = ["shanshui.orgs.backends.LockoutModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lock an account after this many failed logins within the window; it unlocks by itself.
LOGIN_LOCKOUT_ATTEMPTS = env_int("LOGIN_LOCKOUT_ATTEMPTS", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_LOCKOUT_ATTEMPTS_ANY_IP = env_int("LOGIN_LOCKOUT_ATTEMPTS_ANY_IP", 20)
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

# Internationalisation: Simplified Chinese by default, English available.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# Media (evidence files, photos) are never served from a public URL: views check scope first.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
# Where media live: this machine's MEDIA_ROOT by default; an S3-compatible bucket (private, no
# public URLs) when SHANSHUI_S3_BUCKET is set, so every app host sees the same files. Files are
# always streamed through the permission-checked views (shanshui.lib.downloads).
SHANSHUI_S3_BUCKET = env_str("SHANSHUI_S3_BUCKET")
if SHANSHUI_S3_BUCKET:
    from shanshui.lib.mediastore import s3_storage_options

    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": s3_storage_options(
            bucket=SHANSHUI_S3_BUCKET,
            endpoint_url=env_str("SHANSHUI_S3_ENDPOINT_URL"),
            region=env_str("SHANSHUI_S3_REGION"),
            access_key=env_str("SHANSHUI_S3_ACCESS_KEY_ID"),
            secret_key=env_str("SHANSHUI_S3_SECRET_ACCESS_KEY"),
            addressing_style=env_str("SHANSHUI_S3_ADDRESSING_STYLE", "path"),
            prefix=env_str("SHANSHUI_S3_PREFIX"),
            timeout_s=env_int("SHANSHUI_S3_TIMEOUT_S", 10),
        ),
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Static files: hashed, compressed copies made by `collectstatic` and served by WhiteNoise with a
# far-future expiry (a release changes the names, so nobody runs last week's scripts); in
# development (DEBUG) the finders serve the sources as they are.
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "shanshui.lib.staticfiles.HashedStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 30

# E-mail: console in development, SMTP in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "shanshui@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers. Behind TLS in production; the proxy header is opt-in.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every HTML page (shanshui/lib/csp.py): scripts and styles only
# from this site, images also from the map tile host. Report-only to try a change out live.
SHANSHUI_CSP_REPORT_ONLY = env_bool("SHANSHUI_CSP_REPORT_ONLY", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
if env_bool("USE_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logs go to standard error: one JSON object per line in production (time, level, logger,
# message, request_id, user_id, path, status, duration_ms; shanshui/lib/jsonlog.py), plain text
# with DEBUG on. LOG_FORMAT=json|plain chooses otherwise.
LOG_FORMAT = env_str("LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in ("json", "plain"):
    raise ConfigError("LOG_FORMAT must be json or plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "shanshui.lib.jsonlog.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per request (shanshui.lib.observability); LOG_REQUESTS=false leaves them to
        # the proxy's access log.
        "shanshui.request": {"level": "INFO" if env_bool("LOG_REQUESTS", True) else "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "botocore": {"level": "WARNING"},  # "found credentials" on every new client
        # Every background job logs its start and end at INFO; failures are logged as errors.
        "django_tasks": {"level": "WARNING"},
    },
}

# Observability (docs/deployment.md): /metrics answers these addresses or networks, or a client
# with "Authorization: Bearer <SHANSHUI_METRICS_TOKEN>"; everyone else gets a 404.
SHANSHUI_METRICS_ALLOW = env_list("SHANSHUI_METRICS_ALLOW", ["127.0.0.1", "::1"])
SHANSHUI_METRICS_TOKEN = env_str("SHANSHUI_METRICS_TOKEN")
# /healthz: the worker is "stale" when jobs wait longer than this and it gave no sign of life;
# SHANSHUI_WORKER_HEARTBEAT names a function returning its last heartbeat (shanshui.lib.health).
SHANSHUI_WORKER_STALE_SECONDS = env_int("SHANSHUI_WORKER_STALE_SECONDS", 300)
SHANSHUI_WORKER_HEARTBEAT = env_str(
    "SHANSHUI_WORKER_HEARTBEAT", "shanshui.jobs.services.last_heartbeat"
)

# manage.py backup / restore (shanshui.lib.backup): how long pg_dump and the row counts wait
# for a table another session holds exclusively, and a limit on a whole pg_dump or pg_restore
# run (0: none — a large database takes as long as it takes).
SHANSHUI_BACKUP_LOCK_TIMEOUT = env_int("SHANSHUI_BACKUP_LOCK_TIMEOUT", 60)
SHANSHUI_BACKUP_TIMEOUT = env_int("SHANSHUI_BACKUP_TIMEOUT", 0)

# Panels other apps add to the home page (see orgs.views.home).
# The public page at / for a visitor not logged in (orgs.views.home hands over to it).
SHANSHUI_FRONT_DOOR = "shanshui.complaints.views_front.front_door"
SHANSHUI_HOME_PANELS = [
    "shanshui.ledger.views.home_panel",
    "shanshui.complaints.views.home_panel",
    "shanshui.jobs.views.home_panel",
]
# Panels other apps add to the ledger's task page (a case promoted to the task, …).
SHANSHUI_TASK_PANELS = [
    "shanshui.complaints.views.task_panel",
    "shanshui.directives.views.task_panel",
]

# Demo data loaders run in order by `manage.py load_demo` (never in production).
SHANSHUI_DEMO_LOADERS = [
    "shanshui.orgs.demo.load_demo",
    "shanshui.ledger.demo.load_demo",
    "shanshui.complaints.demo.load_demo",
    "shanshui.monitoring.demo.load_demo",
    "shanshui.reports.demo.load_bulletin_templates",
    "shanshui.directives.demo.load_demo",
    "shanshui.carbon.demo.load_demo",
    "shanshui.carbon.demo.load_projects",
    "shanshui.carbon.demo.load_targets",
    "shanshui.carbon.demo.load_markets",
]
# The source article (Chongqing Daily on the meeting of 23 February 2022) beside the project: the
# demo takes it in as the first meeting document when it is there.
SHANSHUI_SEED_DIR = Path(env_str("SHANSHUI_SEED_DIR", str(BASE_DIR.parent / "shared" / "seed")))

# Ledger
SHANSHUI_EVIDENCE_MAX_BYTES = env_int("SHANSHUI_EVIDENCE_MAX_MB", 50) * 1024 * 1024
# Public objections accepted from one address in 24 hours, across all tasks.
SHANSHUI_OBJECTIONS_PER_IP_PER_DAY = env_int("SHANSHUI_OBJECTIONS_PER_IP_PER_DAY", 5)
# Warning thresholds (see shanshui/ledger/warnings.py and docs/ledger.md); {} keeps the defaults.
SHANSHUI_WARNING_RULES: dict[str, int] = {}
# Reminders: working days before a deadline on which units are reminded.
SHANSHUI_DEADLINE_REMINDER_WORKDAYS = [15, 5]
SHANSHUI_SITE_URL = env_str("SHANSHUI_SITE_URL", "http://127.0.0.1:8000")

# Messages live in the session, not a cookie: the administration shows new Open311 keys once
# through a message.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Reverse proxies in front of the app that append to X-Forwarded-For (0: none; REMOTE_ADDR is the
# client). Client addresses decide rate limits and login lockouts.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)

# Public supervision (complaints)
# Rate limits on public writes, "count/seconds", per client address and per Open311 key.
# Sheets above this size (≈ 1,000 rows) are checked and imported in the background.
SHANSHUI_IMPORT_BACKGROUND_BYTES = env_int("SHANSHUI_IMPORT_BACKGROUND_BYTES", 200 * 1024)
# Background work on Django's task API (django-tasks; django.tasks from Django 6): large imports,
# notices after events, scheduled jobs. The database backend stores the queue in the database and
# `manage.py run_worker` runs it (`make run` starts one beside the dev server); the immediate
# backend ("django_tasks.backends.immediate.ImmediateBackend") runs each task at once, in the
# process that queued it (the tests use it).
TASKS = {
    "default": {
        "BACKEND": env_str("SHANSHUI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A task whose worker has not beaten for this long is failed (the worker died in it); a task of
# a worker without a heartbeat (a bare db_worker) is failed after SHANSHUI_TASK_TIMEOUT.
SHANSHUI_WORKER_LOST_AFTER = env_int("SHANSHUI_WORKER_LOST_AFTER", 60)
SHANSHUI_TASK_TIMEOUT = env_int("SHANSHUI_TASK_TIMEOUT", 3600)
# Scheduled jobs: run once a day at or after the local time "at" (run_worker queues them, or
# `manage.py run_schedule` from a timer); the office sees each one's last run on its home page.
SHANSHUI_SCHEDULE = {
    "warning_sweep": {
        "call": "shanshui.ledger.sweep.scheduled_sweep",
        "at": env_str("SHANSHUI_SWEEP_AT", "00:30"),
        "label": _("Daily warning sweep"),
    },
    "reminders": {
        "call": "shanshui.ledger.reminders.scheduled_reminders",
        "at": env_str("SHANSHUI_REMINDERS_AT", "08:00"),
        "label": _("Daily reminders"),
    },
    "carbon_market_sweep": {
        "call": "shanshui.carbon.markets.scheduled_sweep",
        "at": env_str("SHANSHUI_CARBON_SWEEP_AT", "01:00"),
        "label": _("Daily carbon-market surrender check"),
    },
    # Compares the public statistics' summary with a recount of the cases; a drift is logged
    # (WARNING), repaired by a rebuild and reported on the office panel (complaints.stats_check).
    "complaint_stats_check": {
        "call": "shanshui.complaints.stats_check.scheduled_check",
        "at": env_str("SHANSHUI_COMPLAINT_STATS_CHECK_AT", "03:30"),
        "label": _("Daily check of the complaint statistics"),
    },
}
for _name, _job in SHANSHUI_SCHEDULE.items():
    _h, _, _m = _job["at"].partition(":")
    if not (len(_h) == len(_m) == 2 and _h.isdigit() and _m.isdigit() and _h < "24" and _m < "60"):
        raise ConfigError(f"The time of day of {_name} must be HH:MM, not {_job['at']!r}.")
# Text messages (短信 / 政务短信): the gateway class (shanshui.lib.messaging); the console one
# writes each message to standard output.
SHANSHUI_SMS_BACKEND = env_str("SHANSHUI_SMS_BACKEND", "shanshui.lib.messaging.ConsoleSms")

SHANSHUI_RATE_LIMITS = {
    "complaint_web": env_str("SHANSHUI_RATE_COMPLAINT_WEB", "10/3600"),
    "open311_post_ip": env_str("SHANSHUI_RATE_OPEN311_IP", "60/3600"),
    "open311_post_key": env_str("SHANSHUI_RATE_OPEN311_KEY", "1000/3600"),
    "objection": env_str("SHANSHUI_RATE_OBJECTION", "3/600"),
    "track": env_str("SHANSHUI_RATE_TRACK", "60/600"),
    # The report form's "already reported nearby?" look-ups (a few per report).
    "nearby": env_str("SHANSHUI_RATE_NEARBY", "120/600"),
}
SHANSHUI_COMPLAINT_PHOTO_MAX_BYTES = env_int("SHANSHUI_COMPLAINT_PHOTO_MAX_MB", 10) * 1024 * 1024
SHANSHUI_COMPLAINT_MAX_PHOTOS = 6
# Working days from transfer to handling result, for cases outside any campaign's policy.
SHANSHUI_COMPLAINT_HANDLE_WORKDAYS = env_int("SHANSHUI_COMPLAINT_HANDLE_WORKDAYS", 15)
# Repeat detection: same enterprise, or within this distance of a case open or closed within
# the window.
SHANSHUI_COMPLAINT_REPEAT_RADIUS_M = env_int("SHANSHUI_COMPLAINT_REPEAT_RADIUS_M", 200)
SHANSHUI_COMPLAINT_REPEAT_WINDOW_DAYS = env_int("SHANSHUI_COMPLAINT_REPEAT_WINDOW_DAYS", 365)
# Maps (Leaflet): the base map (shanshui/lib/maps.py). With SHANSHUI_TIANDITU_KEY, 天地图's
# vector tiles (vec_w) with their place names (cva_w) on top, credited with the published map's
# review number (审图号); or any XYZ template in SHANSHUI_MAP_TILE_URL, which wins over the key.
# With neither, no tile is requested at all: the maps draw the shipped outline of the districts
# (static/geo/). SHANSHUI_MAP_TILE_CRS says whether the tiles are WGS84 (天地图) or GCJ-02 (高德,
# 腾讯): points picked on GCJ-02 tiles are converted before they are stored.
SHANSHUI_TIANDITU_KEY = env_str("SHANSHUI_TIANDITU_KEY")
SHANSHUI_MAP_TILE_URL = env_str("SHANSHUI_MAP_TILE_URL")
SHANSHUI_MAP_TILE_SUBDOMAINS = env_str("SHANSHUI_MAP_TILE_SUBDOMAINS")
SHANSHUI_MAP_TILE_ATTRIBUTION = env_str("SHANSHUI_MAP_TILE_ATTRIBUTION")
SHANSHUI_MAP_TILE_CRS = env_str("SHANSHUI_MAP_TILE_CRS", "wgs84")
# The 审图号 of the map 天地图 serves, written in the attribution; check it against 天地图's own
# notice when that changes.
SHANSHUI_MAP_REVIEW_NUMBER = env_str("SHANSHUI_MAP_REVIEW_NUMBER", "GS(2024)0568号")
if SHANSHUI_MAP_TILE_CRS not in ("wgs84", "gcj02"):
    raise ConfigError("SHANSHUI_MAP_TILE_CRS must be wgs84 or gcj02.")

# Open311 discovery
SHANSHUI_OPEN311_JURISDICTION = env_str("SHANSHUI_OPEN311_JURISDICTION", "cq.gov.cn")
SHANSHUI_OPEN311_CONTACT = env_str(
    "SHANSHUI_OPEN311_CONTACT", "重庆市生态环境保护督察整改工作领导小组办公室 12369"
)
SHANSHUI_OPEN311_ENDPOINT_TYPE = env_str("SHANSHUI_OPEN311_ENDPOINT_TYPE", "production")

# The ledger's covering index (INCLUDE) serves PostgreSQL; SQLite builds it without the extra
# column, which is fine for the embedded default.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
