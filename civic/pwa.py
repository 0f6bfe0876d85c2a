"""The installable app: the web app manifest and the service worker, served from the site
root so the worker's scope is the whole site."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# Pages and files a phone keeps to open the site, and the report form, with no network.
SHELL_PAGES = ("home", "reports:new")
SHELL_STATIC = (
    "css/site.css",
    "js/map.js",
    "js/report-map.js",
    "js/new-report.js",
    "js/drafts.js",
    "js/home.js",
    "js/pwa.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "django_htmx/htmx-2.js",
    "django_htmx/htmx-2.min.js",
    "pwa/icon-192.png",
)


@require_GET
def manifest(request: HttpRequest) -> JsonResponse:
    data = {
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME,
        "description": _("Report problems in public space and follow how they are fixed."),
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f5f7f6",
        "theme_color": "#0b4f43",
        "icons": [
            {"src": static("pwa/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("pwa/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("pwa/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [{"name": _("Report a problem"), "url": reverse("reports:new")}],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [reverse(name) for name in SHELL_PAGES] + [static(path) for path in SHELL_STATIC]
    # Our own URLs, as JSON (never user input).
    context = {"shell_json": json.dumps(shell), "offline_json": json.dumps(reverse("reports:new"))}
    body = render_to_string("pwa/sw.js", context)
    # A new shell list (new static names) is a new cache version.
    version = hashlib.sha256("\n".join(shell).encode()).hexdigest()[:12]
    response = HttpResponse(
        body.replace("__VERSION__", version), content_type="application/javascript"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
