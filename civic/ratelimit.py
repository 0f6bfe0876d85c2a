"""Rate limits: fixed-window counters that count atomically wherever they are kept.

One small mechanism for every kind of posting: comments, topics, flags, reports from
the web, photo-location checks, address searches, Open311 submissions. The counters
are shared by every gunicorn worker and node, and each one is counted up atomically,
so concurrent requests cannot overrun a limit:

- "database" (the default without Redis): a row per window in civic.RateCounter,
  counted by one `INSERT … ON CONFLICT DO UPDATE SET count = count + 1 WHERE count
  < limit`; the database decides, under its row (PostgreSQL) or file (SQLite) lock.
- "redis" (the default when REDIS_URL is set): Redis INCR on a key that expires
  with its window.
- "cache": the default cache's add() + incr(); atomic only where the backend's
  incr is (LocMemCache in one process, Redis), never on the database cache, whose
  incr is a get then a set. Kept for tests and single-process use.

settings.RATE_LIMIT_STORAGE picks one; django-ratelimit flags the database cache
as unsupported, so it is not used.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache as memoize
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone

from civic import commits

T = TypeVar("T")

# scope -> [(window in seconds, most actions allowed in it), ...]
DEFAULT_LIMITS: dict[str, list[tuple[int, int]]] = {
    "comment": [(60, 8), (3600, 60)],
    "topic": [(600, 3), (86400, 10)],
    "flag": [(3600, 30)],
    "report": [(600, 10), (86400, 50)],
    "photo-location": [(600, 60)],
    # Address searches reach an outside geocoder (the public Nominatim allows 1 request/s).
    "geocode": [(60, 10), (3600, 60)],
    "open311-post": [(60, 60)],
    # Area alerts: each guest sign-up sends a confirmation email.
    "alert": [(600, 5), (86400, 20)],
    # Reports without an account, per IP address and per email address.
    "guest-report-ip": [(86400, 10)],
    "guest-report-email": [(86400, 5)],
    # Open data downloads, per IP address: each one reads the whole table.
    "export": [(3600, 30)],
}


def limits(scope: str) -> list[tuple[int, int]]:
    """The limits of `scope`; settings.RATE_LIMITS overrides them per scope."""
    return getattr(settings, "RATE_LIMITS", {}).get(scope, DEFAULT_LIMITS.get(scope, []))


def storage() -> str:
    configured = getattr(settings, "RATE_LIMIT_STORAGE", "")
    if configured:
        return configured
    return "redis" if getattr(settings, "REDIS_URL", "") else "database"


def _count_in_database(key: str, allowed: int, expires_at: datetime) -> bool:
    """Count one action in the row `key` unless it has reached `allowed`; True if counted.

    One statement, the same on SQLite and PostgreSQL: the window's first action creates
    the row, a later one counts it up while it is under the limit, and RETURNING says
    which happened (no row when the limit is reached)."""
    from civic.models import RateCounter

    if allowed < 1:
        return False
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    name = connection.ops.quote_name("key")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({name}, count, expires_at) VALUES (%s, 1, %s)"
            f" ON CONFLICT ({name}) DO UPDATE SET count = {table}.count + 1"
            f" WHERE {table}.count < %s RETURNING count",
            [key, expires_at, allowed],
        )
        return cursor.fetchone() is not None


@memoize
def _redis(url: str):
    """One client (and connection pool) per URL and process, not one per request."""
    import redis

    return redis.Redis.from_url(url)


def _count_in_redis(key: str, allowed: int, ttl: int) -> bool:
    client = _redis(getattr(settings, "RATE_LIMIT_REDIS_URL", "") or settings.REDIS_URL)
    # The cache's key prefix keeps sites (or test runs) that share one Redis apart.
    name = f"{cache.key_prefix}:civic:rate:{key}" if cache.key_prefix else f"civic:rate:{key}"
    pipe = client.pipeline()
    pipe.incr(name)
    pipe.expire(name, ttl)
    count, _ = pipe.execute()
    return count <= allowed


def _count_in_cache(key: str, allowed: int, ttl: int) -> bool:
    cache.add(key, 0, ttl)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        count = 1
    return count <= allowed


def hit(scope: str, ident: object) -> int:
    """Count one action by `ident` in `scope`.

    Returns 0 when it is allowed, else the seconds until the exceeded window ends
    (for a Retry-After header or a message).
    """
    now = time.time()
    kind = storage()
    wait = 0
    for window, allowed in limits(scope):
        bucket = int(now // window)
        key = f"rate:{scope}:{ident}:{window}:{bucket}"
        ends = (bucket + 1) * window
        if kind == "database":
            counted = _count_in_database(
                key, allowed, datetime.fromtimestamp(ends, tz=UTC) + timedelta(seconds=5)
            )
        elif kind == "redis":
            counted = _count_in_redis(key, allowed, window + 5)
        else:
            counted = _count_in_cache(key, allowed, window + 5)
        if not counted:
            wait = max(wait, math.ceil(ends - now))
    return wait


def counted(scope: str, ident: object, create: Callable[[], T]) -> tuple[T | None, int]:
    """`create()`, counted against `ident`'s limit in `scope` in the same transaction
    (one write, not two, and shared with other requests' on SQLite: civic/commits.py):
    (its result, 0), or (None, seconds to wait) over the limit, with nothing created."""

    def write() -> tuple[T | None, int]:
        if wait := hit(scope, ident):
            return None, wait
        return create(), 0

    return commits.together(write)


def purge_expired() -> int:
    """Delete the database counters whose window is over (the worker calls this)."""
    from civic.models import RateCounter

    deleted, _ = RateCounter.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def limited(response: HttpResponse, wait: int) -> HttpResponse:
    """Make `response` a 429 Too Many Requests that says when to try again."""
    response.status_code = 429
    response["Retry-After"] = str(max(int(wait), 1))
    return response
