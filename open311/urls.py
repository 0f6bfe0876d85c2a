from django.urls import path, re_path

from open311 import update_views, views

app_name = "open311"

# <fmt> is whatever follows the last dot; the views answer 400 to anything but
# json and xml. Identifiers take everything before it (they may hold dots).
urlpatterns = [
    path("", views.index, name="index"),
    path("v2/openapi.json", views.openapi, name="openapi"),
    re_path(r"^v2/discovery\.(?P<fmt>[^/.]*)\Z", views.discovery, name="discovery"),
    re_path(r"^v2/services\.(?P<fmt>[^/.]*)\Z", views.service_list, name="services"),
    re_path(
        r"^v2/services/(?P<code>[^/]+)\.(?P<fmt>[^/.]*)\Z",
        views.service_definition,
        name="service",
    ),
    re_path(r"^v2/requests\.(?P<fmt>[^/.]*)\Z", views.requests_collection, name="requests"),
    re_path(
        r"^v2/requests/(?P<request_id>[^/]+)\.(?P<fmt>[^/.]*)\Z",
        views.request_detail,
        name="request",
    ),
    re_path(
        r"^v2/requests/(?P<request_id>[^/]+)/reopen\.(?P<fmt>[^/.]*)\Z",
        views.request_reopen,
        name="request-reopen",
    ),
    re_path(
        r"^v2/servicerequestupdates\.(?P<fmt>[^/.]*)\Z",
        update_views.service_request_updates,
        name="service-request-updates",
    ),
    re_path(r"^v2/tokens/(?P<token>[^/]+)\.(?P<fmt>[^/.]*)\Z", views.token_detail, name="token"),
    # Last: any other URL under /open311/ gets the spec's error list, not Django's 404 page.
    re_path(r"^(?P<path>[\s\S]*)\Z", views.not_found, name="not-found"),
]
