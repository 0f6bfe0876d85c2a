"""Posting limits: fixed-window counters per user in the shared cache."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

# action -> [(window in seconds, most posts allowed in it), ...]
DEFAULT_LIMITS = {
    "comment": [(60, 8), (3600, 60)],
    "topic": [(600, 3), (86400, 10)],
    "flag": [(3600, 30)],
}


def limits(action: str) -> list[tuple[int, int]]:
    configured = getattr(settings, "DISCUSSIONS_RATE_LIMITS", {})
    return configured.get(action, DEFAULT_LIMITS.get(action, []))


def hit(user, action: str) -> bool:
    """Count one `action` by `user`; True if it goes over a limit (and must be refused)."""
    now = int(time.time())
    over = False
    for window, allowed in limits(action):
        key = f"discussions:rate:{action}:{user.pk}:{window}:{now // window}"
        # add() then incr(): atomic on every shared cache backend.
        cache.add(key, 0, window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window + 5)
            count = 1
        over = over or count > allowed
    return over
