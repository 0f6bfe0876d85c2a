"""Open data downloads (CSV, GeoJSON) and the page that describes them."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accountability import exports
from civic import ratelimit
from reports.forms.reading import OpenDataFilterForm
from reports.models import Authority, Report, Service

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
}
CHUNKS = {"csv": exports.csv_chunks, "geojson": exports.geojson_chunks}


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    form = OpenDataFilterForm(request.GET)
    if not form.is_valid():
        lines = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
        return HttpResponse(
            "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    # A download reads the whole table: a few per client and hour, like any heavy action.
    if wait := ratelimit.hit("export", _client_ip(request)):
        response = HttpResponse(
            _("Too many downloads from here. Try again in a while.") + "\n",
            content_type="text/plain; charset=utf-8",
        )
        return ratelimit.limited(response, wait)
    reports = form.filter(Report.objects.visible())
    response = StreamingHttpResponse(CHUNKS[fmt](reports), content_type=CONTENT_TYPES[fmt])
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="reports-{stamp}.{fmt}"'
    return response


@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_GET
def export_geojson(request: HttpRequest) -> HttpResponse:
    return _export(request, "geojson")


@require_GET
def open_data(request: HttpRequest) -> HttpResponse:
    """The data dictionary: every column, the formats, the filters, the licence."""
    services = list(Service.objects.all())
    authorities = list(Authority.objects.filter(is_active=True).only("name", "slug"))
    form = OpenDataFilterForm(request.GET or None, services=services, authorities=authorities)
    return render(
        request,
        "accountability/open_data.html",
        {
            "form": form,
            "columns": exports.COLUMNS,
            "licence": settings.DATA_LICENCE,
            "licence_url": settings.DATA_LICENCE_URL,
            "states": Report.State.choices,
            "limits": [
                {"allowed": allowed, "minutes": window // 60}
                for window, allowed in ratelimit.limits("export")
            ],
        },
    )
