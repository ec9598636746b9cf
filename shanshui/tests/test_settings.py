"""Settings come from the environment and refuse an insecure production configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ConfigError, env_bool, parse_database_url

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-production-secret-" + "z" * 20


def load_settings(**env):
    """Import config.settings in a fresh interpreter with exactly ``env``; return (code, output)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DJANGO_SETTINGS_MODULE",
            "CACHE_URL",
        }
        and not k.startswith("SHANSHUI_DB_")
    }
    clean.update(env)
    script = (
        "import config.settings as s, json;"
        "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'],"
        "'name': str(s.DATABASES['default']['NAME']), 'hasher': s.PASSWORD_HASHERS[0],"
        "'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE, 'secure': s.SESSION_COOKIE_SECURE,"
        "'init': s.DATABASES['default'].get('OPTIONS', {}).get('init_command', ''),"
        "'cache': s.CACHES['default']['BACKEND'],"
        "'pool': s.DATABASES['default'].get('OPTIONS', {}).get('pool'),"
        "'max_age': s.DATABASES['default'].get('CONN_MAX_AGE')}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result.returncode, result.stdout + result.stderr


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    code, output = load_settings(DEBUG="false", ALLOWED_HOSTS="example.org")
    assert code != 0
    assert "SECRET_KEY is not set and DEBUG is off" in output


def test_it_refuses_a_weak_secret_key_in_production():
    code, output = load_settings(DEBUG="false", SECRET_KEY="short", ALLOWED_HOSTS="example.org")
    assert code != 0 and "too weak" in output
    code, output = load_settings(
        DEBUG="false", SECRET_KEY="django-insecure-" + "x" * 60, ALLOWED_HOSTS="example.org"
    )
    assert code != 0 and "too weak" in output


def test_it_refuses_production_without_allowed_hosts():
    code, output = load_settings(DEBUG="false", SECRET_KEY=STRONG_KEY)
    assert code != 0 and "ALLOWED_HOSTS" in output


def test_it_refuses_production_without_a_shared_cache():
    # Rate limits, lockouts and import progress would be per process with local memory.
    code, output = load_settings(DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.org")
    assert code != 0
    assert "CACHE_URL is not set and DEBUG is off" in output
    code, output = load_settings(
        DEBUG="false", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.org", CACHE_URL="memcached://x"
    )
    assert code != 0 and "CACHE_URL must be a redis:// address" in output
    # One process on purpose, and development, keep local memory.
    for env in ({"DEBUG": "false", "CACHE_URL": "locmem://"}, {"DEBUG": "true"}):
        code, output = load_settings(SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="example.org", **env)
        assert code == 0, output
        assert '"cache": "django.core.cache.backends.locmem.LocMemCache"' in output


def test_it_refuses_a_malformed_boolean():
    code, output = load_settings(DEBUG="maybe")
    assert code != 0 and "DEBUG must be a boolean" in output


def test_production_settings_are_secure():
    code, output = load_settings(
        DEBUG="false",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="shanshui.example.org",
        DATABASE_URL="postgres://shanshui:pw@db.internal:5432/shanshui",
        CACHE_URL="redis://cache.internal:6379/0",
        SHANSHUI_DB_POOL_MAX="2",
    )
    assert code == 0, output
    assert '"engine": "django.db.backends.postgresql"' in output
    assert '"cache": "django.core.cache.backends.redis.RedisCache"' in output
    # One pool per process, sized from the environment; Django wants CONN_MAX_AGE 0 with it.
    assert '"pool": {"min_size": 1, "max_size": 2, "timeout": 10}' in output
    assert '"max_age": 0' in output
    assert '"hasher": "django.contrib.auth.hashers.Argon2PasswordHasher"' in output
    assert '"secure": true' in output
    assert '"tz": "Asia/Shanghai"' in output and '"lang": "zh-hans"' in output


def test_development_defaults_to_sqlite_in_wal_mode_under_var():
    code, output = load_settings(DEBUG="true")
    assert code == 0, output
    assert "sqlite3" in output and "var/shanshui.sqlite3" in output
    assert "journal_mode=WAL" in output


def test_database_urls():
    base = Path("/srv/app")
    pg = parse_database_url(
        "postgres://u:p%40ss@127.0.0.1:5433/shanshui?sslmode=require", base_dir=base
    )
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "shanshui",
        "u",
        "p@ss",
        "127.0.0.1",
        "5433",
    )
    assert pg["OPTIONS"] == {
        "sslmode": "require",
        "options": "-c random_page_cost=1.1",
        "pool": {"min_size": 1, "max_size": 4, "timeout": 10},
    }
    assert pg["CONN_MAX_AGE"] == 0 and pg["CONN_HEALTH_CHECKS"]
    own = parse_database_url(
        "postgres://u@h/x?options=-c%20work_mem%3D64MB", base_dir=base, pool_max=0
    )
    assert own["OPTIONS"] == {"options": "-c work_mem=64MB"}
    assert own["CONN_MAX_AGE"] == 60
    assert parse_database_url("postgresql://postgres@127.0.0.1/x", base_dir=base)["PORT"] == ""
    assert (
        parse_database_url("sqlite:///var/db.sqlite3", base_dir=base)["NAME"]
        == "/srv/app/var/db.sqlite3"
    )
    assert (
        parse_database_url("sqlite:////data/db.sqlite3", base_dir=base)["NAME"]
        == "/data/db.sqlite3"
    )
    with pytest.raises(ConfigError):
        parse_database_url("mysql://x/y", base_dir=base)
    with pytest.raises(ConfigError):
        parse_database_url("postgres://host/", base_dir=base)


def test_database_url_behind_pgbouncer():
    base = Path("/srv/app")
    db = parse_database_url(
        "postgres://u@127.0.0.1:6432/shanshui", base_dir=base, pgbouncer=True, pool_max=2
    )
    # Transaction pooling: nothing may outlive a transaction on the server connection.
    assert db["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert db["OPTIONS"]["prepare_threshold"] is None
    assert "options" not in db["OPTIONS"]  # PgBouncer refuses the startup parameter
    assert db["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 2, "timeout": 10}
    with pytest.raises(ConfigError, match="PgBouncer"):
        parse_database_url(
            "postgres://u@h/x?options=-c%20work_mem%3D64MB", base_dir=base, pgbouncer=True
        )
    with pytest.raises(ConfigError, match="pool"):
        parse_database_url("postgres://u@h/x", base_dir=base, pool_max=-1)


def test_env_bool(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False
    monkeypatch.delenv("X_FLAG")
    assert env_bool("X_FLAG", True) is True
