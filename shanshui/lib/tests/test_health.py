"""/healthz: the verdict for everyone, the parts only for the clients /metrics lets in, and a
probe that costs reads, not writes (shanshui.lib.health, orgs.views.healthz)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from shanshui.lib import health
from shanshui.testing.objectstore import free_port, media_storage

OUTSIDE = "203.0.113.9"  # a public address, not in SHANSHUI_METRICS_ALLOW
PARTS = {"database", "cache", "storage", "worker"}


@pytest.fixture(autouse=True)
def _fresh(settings, tmp_path, db):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SHANSHUI_METRICS_ALLOW = ["127.0.0.1", "10.0.0.0/8"]
    settings.SHANSHUI_METRICS_TOKEN = ""
    settings.TRUSTED_PROXIES = 0


def dead_store(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media_storage(f"http://127.0.0.1:{free_port()}", "gone", timeout_s=1),
    }


def dead_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_an_outside_caller_gets_the_verdict_only(client):
    response = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert client.head("/healthz", REMOTE_ADDR=OUTSIDE).status_code == 200


def test_an_allowed_caller_gets_every_part(client, settings):
    body = client.get("/healthz", REMOTE_ADDR="10.1.2.3").json()
    assert body["status"] == "ok"
    assert (body["database"], body["cache"], body["storage"]) == ("ok", "ok", "ok")
    assert body["database_detail"]  # the vendor: for operators only
    # No worker to ask (the immediate task backend): unknown, which is not a failure.
    assert body["worker"] in ("unknown", "ok")

    settings.SHANSHUI_METRICS_TOKEN = "t0ken-for-monitoring"
    by_token = client.get(
        "/healthz", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer t0ken-for-monitoring"
    )
    assert set(by_token.json()) >= PARTS
    wrong = client.get("/healthz", REMOTE_ADDR=OUTSIDE, HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.json() == {"status": "ok"}


def test_a_forwarded_request_from_an_unknown_proxy_gets_the_verdict_only(client):
    # Loopback, but forwarded by a proxy the app was not told about (TRUSTED_PROXIES=0): the
    # real client is unknown, so no details (the same rule as /metrics).
    response = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=OUTSIDE)
    assert response.json() == {"status": "ok"}


def test_a_failing_store_is_a_503_that_names_it_only_to_allowed_callers(client, settings):
    dead_store(settings)
    outside = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert outside.status_code == 503
    assert outside.json() == {"status": "fail"}
    inside = client.get("/healthz", REMOTE_ADDR="127.0.0.1")
    assert inside.status_code == 503
    body = inside.json()
    assert body["storage"] == "unavailable" and body["status"] == "fail"
    assert body["database"] == "ok"


def test_a_failing_cache_or_database_is_a_503(client, settings, monkeypatch):
    working = settings.CACHES
    dead_cache(settings)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"
    assert response.json()["cache_detail"]  # the exception's class, no address or secret
    settings.CACHES = working  # the cache is back
    assert client.get("/healthz").json()["cache"] == "ok"

    def no_database():
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:  # undone before the test database is torn down
        patched.setattr(health.connection, "cursor", no_database)
        response = client.get("/healthz")
        outside = client.get("/healthz", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 503 and response.json()["database"] == "unavailable"
    assert outside.status_code == 503 and outside.json() == {"status": "fail"}


def test_a_call_writes_nothing_to_the_store_nor_the_cache(client, settings):
    media = settings.MEDIA_ROOT
    key = cache.make_key(health.CACHE_KEY)
    assert client.get("/healthz").status_code == 200
    written = cache._expire_info[key]  # the local-memory cache: when the key was set
    for _ in range(5):
        assert client.get("/healthz", REMOTE_ADDR=OUTSIDE).status_code == 200
    assert cache._expire_info[key] == written  # read, never written again
    assert not media.exists() or not any(media.rglob("*"))  # no probe files, not even deleted
    assert [k for k in cache._cache if "healthz" in k] == [key]

    # The key gone (evicted, a restarted cache): written once more, then only read.
    cache.delete(health.CACHE_KEY)
    assert client.get("/healthz").json()["cache"] == "ok"
    assert cache.get(health.CACHE_KEY) == "1"


def test_an_outage_and_a_recovery_show_at_once(client, settings):
    assert client.get("/healthz").json()["storage"] == "ok"
    working = settings.STORAGES
    dead_store(settings)
    assert client.get("/healthz").json()["storage"] == "unavailable"
    settings.STORAGES = working
    assert client.get("/healthz").json()["storage"] == "ok"


def test_the_worker_heartbeat(client, settings):
    settings.SHANSHUI_WORKER_HEARTBEAT = "shanshui.lib.tests.test_health.heartbeat"
    global LAST_BEAT
    LAST_BEAT = timezone.now() - timedelta(seconds=20)
    assert client.get("/healthz").json()["worker"] == "ok"
    LAST_BEAT = timezone.now() - timedelta(hours=1)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["worker"] == "stale"
    assert response.json()["worker_detail"] == LAST_BEAT.isoformat()
    assert client.get("/healthz", REMOTE_ADDR=OUTSIDE).json() == {"status": "fail"}


LAST_BEAT = None


def heartbeat():
    return LAST_BEAT
