"""Settings for the scale-out nodes: production settings, reachable over plain HTTP on
loopback, with rate limits small enough to reach in a test."""

from civic.settings import *  # noqa: F403

# The nodes speak plain HTTP on 127.0.0.1: secure-only cookies would never come back.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# No collectstatic step: static files from the finders, as in development.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True
RATE_LIMITS = {"comment": [(3600, 3)]}
