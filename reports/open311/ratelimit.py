"""Per-key rate limit: a fixed-window counter in the shared cache.

The cache is the database cache or Redis in production (shared by every
gunicorn worker and node), so the count holds across processes.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

DEFAULT_LIMIT = 60  # submissions per key per window
DEFAULT_WINDOW = 60  # seconds


def limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "OPEN311_RATE_LIMIT", DEFAULT_LIMIT)),
        int(getattr(settings, "OPEN311_RATE_WINDOW", DEFAULT_WINDOW)),
    )


def hit(key_id: int) -> int:
    """Count one request for this key; 0 if allowed, else seconds until the window ends."""
    limit, window = limits()
    now = time.time()
    bucket = int(now // window)
    cache_key = f"open311:rate:{key_id}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # Expired between add and incr: this request opens the window.
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        return max(1, int((bucket + 1) * window - now) + 1)
    return 0
