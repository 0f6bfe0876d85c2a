from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from civic import account_views, health, pwa
from civic_site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", health.health, name="health"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("me/", views.my_page, name="me"),
    path("me/account/", views.account, name="account-settings"),
    path("me/account/data.json", views.account_data, name="account-data"),
    path("me/account/delete/", views.account_delete, name="account-delete"),
    # Before allauth's own URLs: the same page, answering 429 over the failed-login limit.
    path("accounts/login/", account_views.login, name="account_login"),
    path("accounts/", include("allauth.urls")),
    # Rooms whose pages live under /reports/, beside the reports themselves.
    path("reports/alerts/", include("alerts.urls")),
    # The three share a prefix and none of their paths: the busiest first, since each
    # room tried and missed costs a list of what was tried.
    path("reports/", include("reports.urls")),
    path("reports/", include("triage.urls")),
    path("reports/", include("accountability.urls")),
    path("authorities/", include("accountability.authority_urls")),
    path("community/", include("discussions.urls")),
    path("open311/", include("open311.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("admin/", admin.site.urls),
    # The footer's language switcher: Django's set_language, remembered on the profile.
    path("i18n/setlang/", views.set_language, name="set_language"),
]

if settings.DEBUG:
    from django.views.static import serve

    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# Lazy: the admin's title follows each request's language.
admin.site.site_header = admin.site.site_title = format_lazy(
    _("{site} administration"), site=settings.SITE_NAME
)
