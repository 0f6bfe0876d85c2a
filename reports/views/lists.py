"""The report list, its map data and "is it one of these?" near a new pin."""

from __future__ import annotations

import math

import orjson
from django.core.paginator import Paginator
from django.db.models import Avg, Count, F, Prefetch, Q
from django.db.models.functions import Floor
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from civic import kept
from places import geo
from reports.forms.reading import (
    MapFilterForm,
    PointForm,
    ReportFilterForm,
)
from reports.models import Photo, Report, Service

REPORTS_PER_PAGE = 25
# The map receives up to this many markers; with more reports in its bounds it receives
# clusters instead (counts on a grid), so an answer stays small (well under 100 KB).
GEOJSON_MAX_FEATURES = 300
# Clusters: about this many grid cells across the larger side of the bounds.
GEOJSON_CLUSTER_CELLS = 12
# Bounds smaller than this (degrees; about 200 m) are never clustered: zooming in
# further would not split them. They get the newest markers, capped, and say so.
GEOJSON_MIN_CLUSTER_SPAN = 0.002

NEARBY_METRES = 100
NEARBY_MAX = 10


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows.

    Counting 100,000 reports on every list view would cost more than the page
    itself; past the cap the list says "more than 10,000" and filters narrow it.
    """

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.count > self.COUNT_CAP


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    # Visitors without a session share one copy per version and query (civic/versions.py).
    # Signed-in residents share one copy too, staff another (their links differ).
    return kept.cached_page(request, lambda: _render_list(request), viewer=kept.nav_viewer(request))


def _render_list(request: HttpRequest) -> HttpResponse:
    services = list(Service.objects.all())
    form = ReportFilterForm(request.GET, services=services)
    reports = Report.objects.visible()
    if form.is_valid():
        reports = form.filter(reports)
    show_map = request.GET.get("view") == "map"
    context = {"form": form, "show_map": show_map, "filter_query": form.querystring()}
    if not show_map:
        reports = reports.select_related("service", "thread").prefetch_related(
            Prefetch("photos", queryset=Photo.objects.order_by("order", "id"))
        )
        paginator = CappedPaginator(reports, REPORTS_PER_PAGE)
        context["page"] = paginator.get_page(request.GET.get("page"))
    return render(request, "reports/list.html", context)


@require_GET
def report_geojson(request: HttpRequest) -> HttpResponse:
    """The map's data for bbox=west,south,east,north (and the list's filters): markers
    for the visible reports in the bounds, newest first, or clusters when there are too
    many. Compact: a marker carries its id, position, title and state; the rest of a
    report is fetched when its popup opens (the Open311 detail, `detail_url`).

    Built once per reports' data version and query (civic/versions.py), with an ETag,
    gzipped for clients that accept it."""
    # Nothing in it depends on the clock: only a change of the data renews it.
    return kept.cached_response(request, lambda: _map_data(request.GET), max_age=600)


def _map_data(query: QueryDict) -> HttpResponse:
    form = MapFilterForm(query)
    if not form.is_valid():
        return JsonResponse(
            {"error": _("Invalid map query."), "errors": form.errors.get_json_data()}, status=400
        )
    west, south, east, north = form.cleaned_data["bbox"]
    reports = form.filter(Report.objects.visible().in_bbox(west, south, east, north))
    span = max(north - south, east - west)
    # The clusters first: they count the reports in the bounds (one index scan), and
    # only when few enough are the markers themselves fetched.
    clusters, total = _clusters(reports, span)
    clustered = total > GEOJSON_MAX_FEATURES and span > GEOJSON_MIN_CLUSTER_SPAN
    if clustered:
        features = clusters
    else:
        rows = (
            reports.order_by("-requested_at", "-id")
            .with_due()
            .values_list("id", "title", "lat", "lon", "state", "due_at")[:GEOJSON_MAX_FEATURES]
        )
        now = timezone.now()
        open_states = set(Report.OPEN_STATES)
        features = [
            {
                "type": "Feature",
                "id": pk,
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                # A flag (an overdue report) is added only when true, to keep it small.
                "properties": {"title": title, "state": state}
                | ({"overdue": True} if state in open_states and due and due < now else {}),
            }
            for pk, title, lat, lon, state, due in rows
        ]
    # reverse() once: the id is the URLs' only variable part, filled in by the page.
    report_url = reverse("reports:detail", args=[987654321]).replace("987654321", "{id}")
    detail_url = reverse("open311:request", kwargs={"request_id": "987654321", "fmt": "json"})
    data = {
        "type": "FeatureCollection",
        "features": features,
        "total": total,
        "clustered": clustered,
        "capped": total > len(features) and not clustered,
        "limit": GEOJSON_MAX_FEATURES,
        "states": {code: str(label) for code, label in Report.State.choices},
        "cluster_label": _("{n} reports here; select to zoom in"),
        "open_states": list(Report.OPEN_STATES),
        "report_url": report_url,
        "detail_url": detail_url.replace("987654321", "{id}"),
    }
    return HttpResponse(orjson.dumps(data), content_type="application/json")


def _clusters(reports, span: float) -> tuple[list[dict], int]:
    """Counts of the reports on a grid over the bounds, each at its reports' mean point.

    The cell is a power of two of a degree, fixed to the globe rather than to the
    bounds, so panning at one zoom keeps the same clusters."""
    cell = 2.0 ** math.ceil(math.log2(span / GEOJSON_CLUSTER_CELLS))
    cells = (
        reports.annotate(
            gy=Floor((F("lat") + 90.0) / cell),
            gx=Floor((F("lon") + 180.0) / cell),
        )
        .values("gy", "gx")
        .annotate(
            n=Count("id"),
            n_open=Count("id", filter=Q(state__in=Report.OPEN_STATES)),
            mean_lat=Avg("lat"),
            mean_lon=Avg("lon"),
        )
        .order_by()
    )
    features, total = [], 0
    for row in cells:
        total += row["n"]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(row["mean_lon"], 6), round(row["mean_lat"], 6)],
                },
                "properties": {"count": row["n"], "open": row["n_open"]},
            }
        )
    return features, total


@require_GET
@vary_on_headers("HX-Request")
def nearby(request: HttpRequest) -> HttpResponse:
    """Open reports within NEARBY_METRES of a point: possible duplicates of a new report."""
    form = PointForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("lat and lon are required numbers."), status=400)
    lat, lon = form.cleaned_data["lat"], form.cleaned_data["lon"]
    candidates = (
        geo.near(Report.objects.visible().open(), lat, lon, NEARBY_METRES)
        .select_related("service")
        .order_by("-requested_at", "-id")[: NEARBY_MAX * 2]
    )
    found = [
        (round(geo.distance_metres(lat, lon, report.lat, report.lon)), report)
        for report in candidates
    ]
    found.sort(key=lambda pair: pair[0])
    context = {
        "nearby": [{"distance": d, "report": r} for d, r in found[:NEARBY_MAX]],
        "radius": NEARBY_METRES,
        "lat": lat,
        "lon": lon,
    }
    # The fragment goes inside the new-report form, where a form may not nest.
    context["in_form"] = bool(request.htmx)
    template = "reports/partials/nearby.html" if request.htmx else "reports/nearby.html"
    return render(request, template, context)
