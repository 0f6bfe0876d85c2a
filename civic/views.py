"""The home page and the user's own page: the two pages that bring the apps together."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from discussions.models import Follow, Thread
from reports.forms.reading import PinForm
from reports.models import Report

HOME_RECENT_REPORTS = 8
HOME_TOPICS = 5
HOME_STATS_SECONDS = 60
MY_REPORTS_PER_PAGE = 25
MY_FOLLOWS = 50


def _home_stats() -> dict:
    month_ago = timezone.now() - timedelta(days=30)
    return Report.objects.visible().aggregate(
        open=Count("id", filter=Q(state__in=Report.OPEN_STATES)),
        fixed_this_month=Count("id", filter=Q(state=Report.State.FIXED, closed_at__gte=month_ago)),
        this_month=Count("id", filter=Q(requested_at__gte=month_ago)),
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # Counting every report costs a scan of the table: once a minute is enough.
    stats = cache.get_or_set("home:stats", _home_stats, HOME_STATS_SECONDS)
    recent = list(
        Report.objects.visible()
        .select_related("service", "thread")
        .order_by("-requested_at", "-id")[:HOME_RECENT_REPORTS]
    )
    topics = list(Thread.objects.visible().topics().order_by("-last_activity_at")[:HOME_TOPICS])
    context = {"stats": stats, "recent": recent, "topics": topics}
    # ?at=lat,lon: a place chosen in "search a street or place" without JavaScript.
    at = PinForm({"pin": request.GET["at"]}) if request.GET.get("at") else None
    if at is not None and at.is_valid():
        context["map_centre"] = "{},{}".format(*at.cleaned_data["pin"])
    return render(request, "home.html", context)


@login_required
@require_GET
def my_page(request: HttpRequest) -> HttpResponse:
    reports = request.user.reports.select_related("service", "thread").order_by(
        "-requested_at", "-id"
    )
    page = Paginator(reports, MY_REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    follows = list(
        Follow.objects.filter(user=request.user, thread__is_hidden=False)
        .exclude(thread__report__is_hidden=True)
        .select_related("thread__report")
        .order_by("-thread__last_activity_at")[:MY_FOLLOWS]
    )
    followed = []
    for follow in follows:
        thread = follow.thread
        report = getattr(thread, "report", None) if thread.kind == Thread.Kind.REPORT else None
        followed.append({"thread": thread, "report": report})
    return render(request, "me.html", {"page": page, "followed": followed})
