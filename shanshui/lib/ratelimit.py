"""Rate limits on public writes, counted in the cache (Redis in production, local memory by
default). 频率限制

A limit is "count/seconds" (``"10/3600"``: ten per hour), named in ``SHANSHUI_RATE_LIMITS``.
Counting uses fixed windows keyed by the window number, with ``cache.add`` + ``cache.incr``,
which are atomic on Redis and within one process on local memory: many app processes behind a
proxy share their counters only with a shared cache, which is why production uses Redis.

``hit(name, who)`` counts one attempt and raises :class:`RateLimitExceeded` (with the seconds to
wait) once the limit is passed; ``peek`` reads without counting.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


class RateLimitExceeded(Exception):
    def __init__(self, name: str, retry_after: int) -> None:
        super().__init__(f"rate limit {name} exceeded; retry after {retry_after} s")
        self.name = name
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        try:
            count, seconds = (int(part) for part in str(text).split("/", 1))
        except ValueError as exc:
            raise ValueError(f"a rate limit is 'count/seconds', not {text!r}") from exc
        if count < 0 or seconds <= 0:
            raise ValueError(f"a rate limit needs count >= 0 and seconds > 0, not {text!r}")
        return cls(count, seconds)


def limit_for(name: str) -> Limit:
    return Limit.parse(settings.SHANSHUI_RATE_LIMITS[name])


def _key(name: str, who: str, window: int) -> str:
    # Addresses and keys are hashed: the cache never holds them in the clear.
    digest = hashlib.sha256(f"{name}\0{who}".encode()).hexdigest()[:32]
    return f"rl:{name}:{digest}:{window}"


def hit(name: str, who: str, *, limit: Limit | None = None, now: float | None = None) -> int:
    """Count one attempt by ``who`` under limit ``name``; return the attempts in the window.

    Raises RateLimitExceeded when this attempt is over the limit (it is still counted, so a
    client hammering the endpoint stays blocked until the window ends).
    """
    limit = limit or limit_for(name)
    now = time.time() if now is None else now
    window = int(now // limit.seconds)
    key = _key(name, who, window)
    if cache.add(key, 1, timeout=limit.seconds + 5):
        used = 1
    else:
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=limit.seconds + 5)
            used = 1
    if used > limit.count:
        retry_after = max(1, int((window + 1) * limit.seconds - now))
        raise RateLimitExceeded(name, retry_after)
    return used


def peek(name: str, who: str, *, limit: Limit | None = None, now: float | None = None) -> int:
    limit = limit or limit_for(name)
    now = time.time() if now is None else now
    return int(cache.get(_key(name, who, int(now // limit.seconds))) or 0)
