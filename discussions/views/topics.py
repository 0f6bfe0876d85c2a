"""Community topics: list, map (+ its GeoJSON), new topic, topic page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from civic import kept, ratelimit
from discussions import actions
from discussions.access import with_viewer_state
from discussions.forms import BboxForm, TopicFilterForm, TopicForm
from discussions.models import Thread
from discussions.queries import discussion_context
from discussions.views.common import posted

TOPICS_PER_PAGE = 20
MAP_LIMIT = 500


@require_GET
def topic_list(request: HttpRequest) -> HttpResponse:
    # Visitors without a session share one copy per version and query (civic/versions.py).
    return kept.cached_page(
        request, lambda: _render_topic_list(request), viewer=kept.nav_viewer(request)
    )


def _render_topic_list(request: HttpRequest) -> HttpResponse:
    filters = TopicFilterForm(request.GET)
    topics = Thread.objects.visible().topics().select_related("author__profile")
    if kind := filters.kind_value():
        topics = topics.filter(kind=kind)
    topics = topics.order_by(*filters.ordering())
    # Two queries: the count and the page.
    page = Paginator(topics, TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "discussions/topic_list.html", {"filters": filters, "page": page})


@require_GET
def topic_map(request: HttpRequest) -> HttpResponse:
    filters = TopicFilterForm(request.GET)
    geojson_url = reverse("discussions:topics-geojson")
    if kind := filters.kind_value():
        geojson_url += f"?kind={kind}"
    return render(
        request, "discussions/topic_map.html", {"filters": filters, "geojson_url": geojson_url}
    )


@require_GET
def topics_geojson(request: HttpRequest) -> JsonResponse:
    """Topics with a place inside `bbox=west,south,east,north` (the service area by default)."""
    form = BboxForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    filters = TopicFilterForm(request.GET)
    topics = Thread.objects.visible().topics().with_place().in_bbox(*form.cleaned_data["bbox"])
    if kind := filters.kind_value():
        topics = topics.filter(kind=kind)
    rows = topics.order_by("-last_activity_at").values(
        "pk", "kind", "title", "lat", "lon", "comment_count", "support_count"
    )[:MAP_LIMIT]
    placeholder = 999999999
    url_pattern = reverse("discussions:topic-detail", args=[placeholder])
    kinds = dict(Thread.Kind.choices)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
            "properties": {
                "id": row["pk"],
                "title": row["title"],
                "kind": row["kind"],
                "kind_label": str(kinds.get(row["kind"], "")),
                "url": url_pattern.replace(str(placeholder), str(row["pk"])),
                "comments": row["comment_count"],
                "supporters": row["support_count"],
            },
        }
        for row in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@login_required
@require_http_methods(["GET", "POST"])
def topic_create(request: HttpRequest) -> HttpResponse:
    form = TopicForm(posted(request))
    wait = 0
    if request.method == "POST" and form.is_valid():
        if wait := ratelimit.hit("topic", request.user.pk):
            form.add_error(
                None, _("You have started several topics recently. Please try again later.")
            )
        else:
            data = form.cleaned_data
            thread = actions.create_topic(
                author=request.user,
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                lat=data["lat"],
                lon=data["lon"],
                address=data["address"],
            )
            messages.success(request, _("Your topic is published."))
            return redirect(thread.get_absolute_url())
    response = render(request, "discussions/topic_form.html", {"form": form})
    return ratelimit.limited(response, wait) if wait else response


@require_GET
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = with_viewer_state(Thread.objects.visible().select_related("author__profile"), request.user)
    thread = get_object_or_404(qs, pk=pk)
    if not thread.is_topic:
        # A report's thread lives on its owner's page, an address derived from
        # the owner (never a stored one): no redirect can leave the site.
        if thread.owner_id is None:
            raise Http404
        return redirect(thread.get_absolute_url())
    return render(
        request,
        "discussions/topic_detail.html",
        {"topic": thread, **discussion_context(request, thread)},
    )
