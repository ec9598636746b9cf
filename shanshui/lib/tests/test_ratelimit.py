"""Rate limits counted in the cache: local memory, and Redis as in production."""

from __future__ import annotations

import os
import socket

import pytest
from django.core.cache import cache
from django.test import override_settings

from shanshui.lib import ratelimit
from shanshui.lib.ratelimit import Limit, RateLimitExceeded


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_parse_limits():
    assert Limit.parse("10/3600") == Limit(10, 3600)
    for bad in ("10", "a/b", "10/0", "-1/60"):
        with pytest.raises(ValueError):
            Limit.parse(bad)


def _exercise():
    limit = Limit(3, 60)
    now = 1_000_040.0  # 20 s into window 16667 of 60 s (1_000_020 … 1_000_080)
    assert [ratelimit.hit("t", "1.2.3.4", limit=limit, now=now) for _ in range(3)] == [1, 2, 3]
    with pytest.raises(RateLimitExceeded) as exc:
        ratelimit.hit("t", "1.2.3.4", limit=limit, now=now)
    assert exc.value.retry_after == 40
    # Another client and another limit name count separately.
    assert ratelimit.hit("t", "5.6.7.8", limit=limit, now=now) == 1
    assert ratelimit.hit("other", "1.2.3.4", limit=limit, now=now) == 1
    # The next window starts afresh.
    assert ratelimit.hit("t", "1.2.3.4", limit=limit, now=now + 60) == 1
    assert ratelimit.peek("t", "1.2.3.4", limit=limit, now=now) == 4


def test_local_memory_counts_per_window():
    _exercise()


def test_limits_come_from_settings(settings):
    settings.SHANSHUI_RATE_LIMITS = {"complaint_web": "1/60"}
    ratelimit.hit("complaint_web", "ip")
    with pytest.raises(RateLimitExceeded):
        ratelimit.hit("complaint_web", "ip")


def test_client_addresses_are_not_stored_in_the_clear():
    ratelimit.hit("t", "203.0.113.9", limit=Limit(5, 60))
    keys = list(cache._cache.keys())  # local memory backend
    assert keys and not any("203.0.113.9" in k for k in keys)


@pytest.fixture
def redis_up():
    """Skips the test when no Redis answers on 127.0.0.1:6379, except with
    SHANSHUI_REQUIRE_REDIS=1 (set by CI, which starts one), where that fails the test."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return
    except OSError as exc:
        reason = f"no Redis on 127.0.0.1:6379 ({exc})"
    if os.environ.get("SHANSHUI_REQUIRE_REDIS") == "1":
        pytest.fail(f"{reason}, and SHANSHUI_REQUIRE_REDIS=1 requires it")
    pytest.skip(f"{reason}; CI starts one")


@pytest.mark.usefixtures("redis_up")
def test_redis_backend_counts_the_same_way():
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "shanshui-test",
        }
    }
    with override_settings(CACHES=redis_cache):
        from django.core.cache import cache as redis

        redis.clear()
        try:
            _exercise()
        finally:
            redis.clear()
