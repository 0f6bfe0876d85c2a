"""The public stats page: figures per authority and category, the league table and
the weekly chart, all computed by the worker (accountability/stats.py)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accountability import charts, stats
from civic import kept


@require_GET
def report_stats(request: HttpRequest) -> HttpResponse:
    """How each authority and each category answers: a weekly chart, a league table of
    authorities, counts and times per authority and category. Read from the figures the
    worker keeps in the cache (accountability/stats.py): no visitor ever computes them.
    The page itself is kept until the worker's next figures (at most REFRESH_SECONDS
    old, as it says), for every visitor alike."""
    return kept.cached_page(
        request,
        lambda: _render_stats(request),
        names=(stats.VERSION,),
        max_age=stats.REFRESH_SECONDS,
        viewer=kept.nav_viewer(request),
    )


def _render_stats(request: HttpRequest) -> HttpResponse:
    period = stats.period_from(request.GET)
    context = {
        "form": stats.StatsPeriodForm(initial={"period": period}),
        "period": period,
        "refresh_minutes": stats.REFRESH_SECONDS // 60,
    }
    figures = stats.cached()
    if figures is None:
        return render(request, "accountability/stats.html", {**context, "preparing": True})
    numbers = figures["periods"][period]
    label = stats.PERIODS[period][0]
    context["tables"] = [
        {
            "id": "by-authority",
            "heading": _("By authority"),
            "caption": _("%(period)s: reports received, by authority") % {"period": label},
            "name_header": _("Authority"),
            "rows": stats.for_display(numbers["authorities"]),
        },
        {
            "id": "by-category",
            "heading": _("By category"),
            "caption": _("%(period)s: reports received, by category") % {"period": label},
            "name_header": _("Category"),
            "rows": stats.for_display(numbers["services"]),
        },
    ]
    context["league"] = stats.league_for_display(stats.league(figures, period))
    context["league_caption"] = _(
        "%(period)s: authorities, best share fixed within target first"
    ) % {"period": label}
    context["chart"] = charts.weekly_chart(figures["weeks"])
    context["computed_at"] = datetime.fromisoformat(figures["computed_at"])
    return render(request, "accountability/stats.html", context)
