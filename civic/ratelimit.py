"""Rate limits: fixed-window counters in the shared cache.

The cache is the database cache or Redis (shared by every gunicorn worker and
node), so a limit holds across processes. One small mechanism for every kind of
posting: comments, topics, flags, reports from the web, Open311 submissions.
django-ratelimit does the same with a request object, but flags the database
cache (this project's one-machine default) as unsupported, so it is not used.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

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
    # Reports without an account, per IP address and per email address.
    "guest-report-ip": [(86400, 10)],
    "guest-report-email": [(86400, 5)],
}


def limits(scope: str) -> list[tuple[int, int]]:
    """The limits of `scope`; settings.RATE_LIMITS overrides them per scope."""
    return getattr(settings, "RATE_LIMITS", {}).get(scope, DEFAULT_LIMITS.get(scope, []))


def hit(scope: str, ident: object) -> int:
    """Count one action by `ident` in `scope`.

    Returns 0 when it is allowed, else the seconds until the exceeded window ends
    (for a Retry-After header or a message).
    """
    now = time.time()
    wait = 0
    for window, allowed in limits(scope):
        bucket = int(now // window)
        key = f"rate:{scope}:{ident}:{window}:{bucket}"
        # add() then incr(): atomic on every shared cache backend.
        cache.add(key, 0, window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window + 5)
            count = 1
        if count > allowed:
            wait = max(wait, int((bucket + 1) * window - now) + 1)
    return wait
