"""An authority's public page, and the index of authorities: who fixes what, how fast.

The performance figures come from the same worker-refreshed cache as the stats page
(accountability/stats.py); only the list of open reports and the services are read live.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accountability import stats
from reports.models import Authority, Photo, Report, Service
from reports.views.lists import REPORTS_PER_PAGE, CappedPaginator

# The figures of the authority pages cover this period of the stats.
PERIOD = "12m"


class AuthorityReportsForm(forms.Form):
    order = forms.ChoiceField(
        label=gettext_lazy("Order"),
        required=False,
        choices=[
            ("newest", gettext_lazy("Newest first")),
            ("oldest", gettext_lazy("Oldest first")),
        ],
    )

    def clean_order(self) -> str:
        return self.cleaned_data["order"] or "newest"


def _figures_for(authority: Authority) -> dict | None:
    """This authority's figures over PERIOD, ready to show; None before the worker's
    first round."""
    figures = stats.cached()
    if figures is None:
        return None
    row = stats.authority_row(figures, PERIOD, authority.pk)
    if row is None:
        row = {"received": 0, "open": 0, "fixed": 0, "reopened": 0, "in_time": 0, "due": 0}
    return {
        "received": row["received"],
        "open": row["open"],
        "fixed": row["fixed"],
        "acknowledge_median": stats.humane_duration(row.get("acknowledge_median")),
        "fix_median": stats.humane_duration(row.get("fix_median")),
        "within_target": stats.percent(stats.share(row["in_time"], row["due"])),
        "reopened": stats.percent(stats.share(row["reopened"], row["received"])),
        "open_overdue": figures["open_overdue"].get(authority.pk, 0),
    }


@require_GET
def authority_detail(request: HttpRequest, slug: str) -> HttpResponse:
    authority = get_object_or_404(Authority, slug=slug, is_active=True)
    form = AuthorityReportsForm(request.GET)
    order = form.cleaned_data["order"] if form.is_valid() else "newest"
    reports = (
        Report.objects.visible()
        .open()
        .filter(authority=authority)
        .select_related("service", "thread")
        .prefetch_related(Prefetch("photos", queryset=Photo.objects.order_by("order", "id")))
        .order_by(*(("requested_at", "id") if order == "oldest" else ("-requested_at", "-id")))
    )
    page = CappedPaginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    services = list(
        Service.objects.filter(contacts__authority=authority, is_active=True).order_by(
            "group", "order", "name"
        )
    )
    only_this = urlencode({"authority": authority.slug})
    context = {
        "authority": authority,
        "form": AuthorityReportsForm(initial={"order": order}),
        "order": order,
        "page": page,
        "services": services,
        "figures": _figures_for(authority),
        "period_label": stats.PERIODS[PERIOD][0],
        "csv_url": f"{reverse('accountability:export-csv')}?{only_this}",
        "geojson_url": f"{reverse('accountability:export-geojson')}?{only_this}",
        "open_csv_url": f"{reverse('accountability:export-csv')}?{only_this}&state=open",
        "boundary": authority.boundary,
    }
    return render(request, "accountability/authority.html", context)


@require_GET
def authority_index(request: HttpRequest) -> HttpResponse:
    authorities = list(Authority.objects.filter(is_active=True).only("name", "slug"))
    figures = stats.cached()
    by_slug = {}
    if figures is not None:
        by_slug = {row["slug"]: row for row in stats.league(figures, PERIOD)}
    rows = [
        {"authority": authority, "figures": by_slug.get(authority.slug)}
        for authority in authorities
    ]
    for row in rows:
        if row["figures"] is not None:
            (row["figures"],) = stats.league_for_display([row["figures"]])
    return render(
        request,
        "accountability/authorities.html",
        {"rows": rows, "preparing": figures is None, "period_label": stats.PERIODS[PERIOD][0]},
    )
