"""Tiny helpers that read deployment values from the environment and fail loudly.

Kept free of Django imports so settings can use them before Django is configured.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(Exception):
    """A deployment value is missing or malformed."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_database_url(
    url: str,
    *,
    base_dir: Path,
    pool_min: int = 1,
    pool_max: int = 4,
    pool_timeout: int = 10,
    pgbouncer: bool = False,
) -> dict:
    """Turn a DATABASE_URL into a Django DATABASES entry.

    Supported: ``sqlite:///relative/or/absolute.db`` and
    ``postgres://user:password@host:port/name?sslmode=require`` (also ``postgresql://``).

    PostgreSQL connections come from Django's psycopg pool, one pool per process holding
    ``pool_min``..``pool_max`` connections; a request that finds none free waits ``pool_timeout``
    seconds and then fails as a database error (the 503 page), never opening more. With
    ``pool_max`` 0 there is no pool and each request opens and closes its own connection.

    ``pgbouncer`` is for a PgBouncer in transaction pooling in front of the server: a session may
    land on another server connection at every transaction, so nothing may outlive one —
    no server-side cursors (``DISABLE_SERVER_SIDE_CURSORS``), no prepared statements
    (``prepare_threshold`` None), and no ``options`` startup parameter, which PgBouncer refuses
    (set ``random_page_cost`` with ``ALTER DATABASE … SET`` instead, docs/deployment.md).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query))
    if scheme == "sqlite":
        raw_path = unquote(parts.path)
        if raw_path in {"", "/"}:
            raise ConfigError(
                "DATABASE_URL for SQLite needs a file path, e.g. sqlite:///var/db.sqlite3"
            )
        # sqlite:///var/db.sqlite3 is relative to the project;
        # sqlite:////srv/db.sqlite3 is absolute.
        path = Path(raw_path[1:]) if raw_path.startswith("/") else Path(raw_path)
        if not path.is_absolute():
            path = base_dir / path
        return sqlite_database(path)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError("DATABASE_URL for PostgreSQL needs a database name")
        if pgbouncer:
            if "options" in options:
                raise ConfigError(
                    "DATABASE_URL must not carry options= behind PgBouncer (it refuses the "
                    "startup parameter); use ALTER DATABASE … SET instead."
                )
            # psycopg prepares a statement after a few runs; behind a transaction pooler the
            # next run may reach a server connection that never saw it.
            options["prepare_threshold"] = None
        else:
            # Planner costs for data held in memory or on SSD: PostgreSQL's default
            # random_page_cost (4) assumes spinning disks and makes it read a whole table rather
            # than look up a few thousand rows by index. An ``options`` given in the URL
            # replaces this.
            options.setdefault("options", "-c random_page_cost=1.1")
        if pool_max < 0 or pool_min < 0 or pool_timeout <= 0:
            raise ConfigError("Database pool sizes must be >= 0 and its timeout > 0 seconds.")
        if pool_max:
            # Django requires CONN_MAX_AGE 0 with a pool: the pool keeps the connections, and
            # with CONN_HEALTH_CHECKS it checks one before lending it (after a server restart
            # the broken ones are dropped, not handed to a request).
            options["pool"] = {
                "min_size": min(pool_min, pool_max),
                "max_size": pool_max,
                "timeout": pool_timeout,
            }
        db: dict = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            # Without a pool, a process keeps its connection for a minute between requests.
            "CONN_MAX_AGE": 0 if pool_max else 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
        if pgbouncer:
            db["DISABLE_SERVER_SIDE_CURSORS"] = True
        return db
    raise ConfigError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgres)")


def sqlite_database(path: Path) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # WAL lets readers work while one writer commits; IMMEDIATE avoids
            # "database is locked" upgrades from read to write inside a transaction.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        },
    }
