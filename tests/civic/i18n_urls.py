"""The site's URLs under language prefixes, for the locale middleware's guard test."""

from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns

from civic_site.urls import urlpatterns as site_urls

urlpatterns = i18n_patterns(*site_urls)
