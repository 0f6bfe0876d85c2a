from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from civic.kept import CSRF_PLACEHOLDER


def site(request: HttpRequest) -> dict:
    return {"SITE_NAME": settings.SITE_NAME}


def csrf_placeholder(request: HttpRequest) -> dict:
    """In a page being built for the page cache (civic/versions.py), the placeholder the
    cache puts each visitor's CSRF token in. Runs after Django's own `csrf` processor."""
    if getattr(request, "civic_csrf_placeholder", False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}
