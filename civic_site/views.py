"""The home page and the user's own page: the two pages that bring the apps together."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from alerts.matching import unsubscribe_token
from civic import kept
from civic.forms import DeleteAccountForm, LanguageForm, ProfileForm
from civic.models import Profile
from civic_site.account import delete_account, export_user_data, renew_pages_that_name
from discussions.models import Follow, Thread
from reports.forms.reading import PinForm
from reports.models import Report
from volunteers.models import Opportunity, Signup

HOME_RECENT_REPORTS = 8
HOME_TOPICS = 5
HOME_STATS_SECONDS = 60
MY_REPORTS_PER_PAGE = 25
MY_FOLLOWS = 50
HOME_VOLUNTEER_CALLS = 3


def _home_stats() -> dict:
    month_ago = timezone.now() - timedelta(days=30)
    return Report.objects.visible().aggregate(
        open=Count("id", filter=Q(state__in=Report.OPEN_STATES)),
        fixed_this_month=Count("id", filter=Q(state=Report.State.FIXED, closed_at__gte=month_ago)),
        this_month=Count("id", filter=Q(requested_at__gte=month_ago)),
    )


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # Visitors without a session share one copy per version (civic/versions.py).
    # Signed-in residents share one copy too, staff another (their links differ).
    return kept.cached_page(request, lambda: _render_home(request), viewer=kept.nav_viewer(request))


def _render_home(request: HttpRequest) -> HttpResponse:
    # Counting every report costs a scan of the table: once a minute is enough.
    stats = cache.get_or_set("home:stats", _home_stats, HOME_STATS_SECONDS)
    recent = list(
        Report.objects.visible()
        .select_related("service", "thread")
        .order_by("-requested_at", "-id")[:HOME_RECENT_REPORTS]
    )
    topics = list(Thread.objects.visible().topics().order_by("-last_activity_at")[:HOME_TOPICS])
    context = {"stats": stats, "recent": recent, "topics": topics}
    context["volunteer_calls"] = list(
        Opportunity.objects.visible().upcoming().with_counts()[:HOME_VOLUNTEER_CALLS]
    )
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
    alerts = [
        {
            "alert": alert,
            "stop_url": reverse("alerts:unsubscribe", args=[unsubscribe_token(alert)]),
        }
        for alert in request.user.alerts.select_related("authority", "service").order_by("pk")
    ]
    my_signups = list(Signup.objects.upcoming_for(request.user))
    return render(
        request,
        "me.html",
        {"page": page, "followed": followed, "alerts": alerts, "my_signups": my_signups},
    )


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """The person's own settings: display name, the name-on-reports default, emails."""
    profile = Profile.for_user(request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        if "display_name" in form.changed_data:
            renew_pages_that_name(request.user)
        messages.success(request, _("Your settings are saved."))
        next_url = request.POST.get("next", "")
        if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts=None):
            return redirect(next_url)
        return redirect("account-settings")
    return render(
        request,
        "account/settings.html",
        {"form": form, "next": request.GET.get("next", request.POST.get("next", ""))},
        status=200,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The footer's language switcher: Django's own set_language (it checks the language
    and the `next` page, and sets the cookie), and for a signed-in person the choice is
    kept on their profile too, so the emails they get are in that language."""
    form = LanguageForm(request.POST)
    if not form.is_valid():  # not a language this site ships: nothing changes
        next_url = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return redirect(next_url if safe else "/")
    response = django_set_language(request)
    if request.user.is_authenticated:
        Profile.objects.update_or_create(
            user=request.user, defaults={"language": form.cleaned_data["language"]}
        )
    return response


@login_required
@require_GET
def account_data(request: HttpRequest) -> HttpResponse:
    """Download my data: everything held about the signed-in person, as JSON."""
    response = JsonResponse(export_user_data(request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-civic-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        delete_account(user)
        messages.success(
            request, _("Your account is deleted. Your reports stay, without your name.")
        )
        return redirect("home")
    return render(request, "account/delete.html", {"form": form})
