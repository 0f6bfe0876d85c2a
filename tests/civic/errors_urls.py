"""URLs that fail on purpose, for the error page tests (added to the site's own URLs)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import path

from civic_site.urls import urlpatterns as site_urls


def broken(request):
    raise ZeroDivisionError("secret detail that must never reach a visitor")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("broken/", broken),
    path("forbidden/", forbidden),
    *site_urls,
]
