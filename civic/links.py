"""Absolute links for places that have no request to build them from: emails,
feeds, deliveries to authorities. Every one starts with settings.SITE_URL."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """`path` (a site path, or a URL that is already absolute, such as a file in
    object storage) as an absolute URL on this site."""
    path = str(path or "")
    if path.startswith(("http://", "https://")):
        return path
    if not path.startswith("/"):
        path = "/" + path
    return settings.SITE_URL.rstrip("/") + path


def absolute_reverse(viewname: str, *args, **kwargs) -> str:
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))
