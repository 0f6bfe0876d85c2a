"""The report pages: new report (with its htmx helpers), report page (with the staff's
public answer), list, and the map's GeoJSON."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Avg, Count, F, Prefetch, Q
from django.db.models.functions import Floor
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from civic import ratelimit, versions
from civic.models import Profile
from discussions.models import ModerationEntry
from discussions.queries import discussion_context, viewer_signature
from reports import charts, guest, places, routing, staff_views, stats
from reports.access import ReportAccess, report_access, report_for_user
from reports.actions import place_report, submit_report
from reports.forms.fields import ATTRIBUTE_PREFIX
from reports.forms.reading import (
    AddressSearchForm,
    MapFilterForm,
    PinForm,
    PointForm,
    ReportFilterForm,
)
from reports.forms.reopen import StillBrokenForm
from reports.forms.report import GuestAccountForm, PhotoLocationForm, PlacePinForm, ReportForm
from reports.forms.staff import ReassignForm, StaffUpdateForm, VisibilityForm
from reports.models import Photo, Report, ReportUpdate, Service
from reports.reopening import has_confirmed

REPORTS_PER_PAGE = 25
# The map receives up to this many markers; with more reports in its bounds it receives
# clusters instead (counts on a grid), so an answer stays small (well under 100 KB).
GEOJSON_MAX_FEATURES = 300
# Clusters: about this many grid cells across the larger side of the bounds.
GEOJSON_CLUSTER_CELLS = 12
# Bounds smaller than this (degrees; about 200 m) are never clustered: zooming in
# further would not split them. They get the newest markers, capped, and say so.
GEOJSON_MIN_CLUSTER_SPAN = 0.002
# "Is it one of these?": open reports this close to the pin are offered as duplicates.
NEARBY_METRES = 100
NEARBY_MAX = 10
METRES_PER_DEGREE_LAT = 111_320
# Suggestions start after this many characters typed in the address field.
SUGGEST_MIN_LENGTH = 3

# Fields of the new-report form that a GET may prefill (the no-JavaScript "show this
# category's questions" button, or a "report a problem here" link with a position).
PREFILL_FIELDS = (
    "service",
    "lat",
    "lon",
    "address",
    "title",
    "description",
    "name",
    "phone",
    "email",
)


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


def _get_report_for_viewer(request: HttpRequest, pk: int) -> tuple[Report, ReportAccess]:
    """The report with everything its page shows, and what the viewer may do with it."""
    return report_for_user(
        request.user,
        pk,
        queryset=Report.objects.select_related(
            "service", "authority", "reporter__profile", "thread", "duplicate_of"
        ).prefetch_related(
            "photos",
            Prefetch("updates", queryset=ReportUpdate.objects.select_related("author")),
            "service__attributes",
        ),
    )


def _get_report_for_staff(request: HttpRequest, pk: int) -> Report:
    """The report a staff member answers on, with what its status, facts and timeline
    fragments show; 404 when they may not see it, 403 when they may not answer."""
    report, _access = report_for_user(
        request.user,
        pk,
        queryset=Report.objects.select_related(
            "service", "authority", "reporter__profile", "duplicate_of"
        ),
        need="answer",
    )
    return report


def _render_detail(
    request: HttpRequest,
    report: Report,
    access: ReportAccess,
    staff_form: StaffUpdateForm | None = None,
    reassign_form: ReassignForm | None = None,
    visibility_form: VisibilityForm | None = None,
    pin_form: PlacePinForm | None = None,
) -> HttpResponse:
    can_moderate = access.answer
    context = {
        "report": report,
        "photos": list(report.photos.all()),
        "updates": list(report.updates.all()),
        "answers": report.answers(),
        "can_moderate": can_moderate,
    }
    if can_moderate:
        context["staff_form"] = staff_form or StaffUpdateForm(report=report)
        context["assign_form"] = staff_views.assign_form_for(report)
        if not report.has_location:
            context["pin_form"] = pin_form or PlacePinForm(initial={"address": report.address})
    if access.moderate:
        context["reassign_form"] = reassign_form or ReassignForm(report=report)
        context["visibility_form"] = visibility_form or VisibilityForm(report=report)
        if report.thread_id:
            context["moderation_log"] = list(
                ModerationEntry.objects.for_thread(report.thread_id)[:50]
            )
    if report.thread is not None:
        context.update(discussion_context(request, report.thread))
    context["still_broken"] = _still_broken_context(request, report)
    return render(request, "reports/detail.html", context)


def _still_broken_context(request: HttpRequest, report: Report) -> dict | None:
    """The "Still broken" box of a fixed or closed report (one query for a signed-in viewer)."""
    if report.state not in (Report.State.FIXED, Report.State.CLOSED) or report.is_hidden:
        return None
    confirmed = has_confirmed(report, request.user)
    return {
        "confirmed": confirmed,
        "can_confirm": request.user.is_authenticated and not confirmed,
        "form": StillBrokenForm(),
    }


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report page. Built once per data version (civic/versions.py) for visitors
    without a session, and for signed-in residents with the same view of it (see
    `_resident_view`); staff, and whoever moderates here, get it built for them."""

    def build() -> HttpResponse:
        return _render_detail(request, *_get_report_for_viewer(request, pk))

    user = request.user
    if user.is_staff or user.is_superuser:
        return build()  # they may answer or moderate: panels of their own
    # Plain SQL, as the page this keys is served from the cache.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT thread_id, state, reporter_id FROM {Report._meta.db_table}"
            " WHERE id = %s AND NOT is_hidden",
            [pk],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return versions.cached_page(request, build) if not user.is_authenticated else build()
    # Kept under its own thread's version: a comment elsewhere leaves it as it is.
    names = versions.thread_page(row[0])
    if not user.is_authenticated:
        return versions.cached_page(request, build, names=names)
    viewer = _resident_view(user, pk, row)
    if viewer is None:
        return build()
    return versions.cached_page(request, build, names=names, viewer=viewer)


def _resident_view(user, pk: int, row: tuple) -> tuple | None:
    """What the report page shows that depends on a signed-in resident (their state in the
    discussion, the calls and the "still broken" box), as a key, given the report's
    thread, state and reporter; None for whoever moderates its thread. Three queries or
    so, against a dozen and the rendering of the page."""
    thread_id, state, reporter_id = row
    discussion = viewer_signature(thread_id, user)
    if discussion is None:
        return None
    confirmed = state in (Report.State.FIXED, Report.State.CLOSED) and has_confirmed(
        Report.objects.only("id", "closed_at").get(pk=pk), user
    )
    # The reporter sees their own report differently (their name, their follow).
    return (discussion, confirmed, reporter_id == user.pk and user.pk)


@login_required
@require_POST
def staff_update(request: HttpRequest, pk: int) -> HttpResponse:
    """A staff member's public answer from the report page: new status, note, expected date.

    htmx gets the panel's form back (with its errors, or fresh) plus the status, facts and
    timeline out of band; without JavaScript, post/redirect/get to the report page.
    """
    report = _get_report_for_staff(request, pk)
    form = StaffUpdateForm(request.POST, report=report)
    if not form.is_valid():
        # htmx swaps only successful responses, so an invalid form answers 200.
        if request.htmx:
            context = {"report": report, "staff_form": form}
            return render(request, "reports/partials/staff_form.html", context)
        return _render_detail(request, *_get_report_for_viewer(request, pk), staff_form=form)
    form.save(by=request.user)
    message = _("Your update is published on the timeline.")
    if not request.htmx:
        messages.success(request, message)
        return redirect(report)
    context = {
        "report": report,
        "updates": list(report.updates.select_related("author")),
        "staff_form": StaffUpdateForm(report=report, canned_responses=form.canned_responses),
        "message": message,
    }
    return render(request, "reports/partials/staff_updated.html", context)


@login_required
@require_POST
def place_pin(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff give a report whose location was to be confirmed its place on the map."""
    report = _get_report_for_staff(request, pk)
    form = PlacePinForm(request.POST, ident=request.user.pk)
    if not form.is_valid():
        return _render_detail(request, *_get_report_for_viewer(request, pk), pin_form=form)
    lat, lon = form.cleaned_data["point"]
    place_report(report, lat=lat, lon=lon, by=request.user)
    messages.success(request, _("The report is on the map now."))
    return redirect(report)


def _staff_moderation(request: HttpRequest, pk: int, form_class, message: str):
    """The "not ours" and hide/show forms: post/redirect/get, or the page with errors."""
    report, _access = report_for_user(
        request.user,
        pk,
        queryset=Report.objects.select_related("service", "authority"),
        need="moderate",
    )
    form = form_class(request.POST, report=report)
    if form.is_valid() and form.save(by=request.user) is not None:
        messages.success(request, message)
        # Passed on, the report may have left this staff member's reach.
        if report_access(request.user, report).view:
            return redirect(report)
        return redirect("reports:list")
    name = "reassign_form" if form_class is ReassignForm else "visibility_form"
    return _render_detail(request, *_get_report_for_viewer(request, pk), **{name: form})


@login_required
@require_POST
def staff_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_moderation(
        request, pk, ReassignForm, _("The report is passed on; its timeline says so.")
    )


@login_required
@require_POST
def staff_visibility(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_moderation(request, pk, VisibilityForm, _("Done: the moderation log keeps why."))


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    # Visitors without a session share one copy per version and query (civic/versions.py).
    return versions.cached_page(request, lambda: _render_list(request))


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
    return versions.cached_response(request, lambda: _map_data(request.GET), max_age=600)


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


def _prefill(query: QueryDict) -> dict:
    """Initial values for the new-report form from a GET: a "report a problem here" link,
    or the form itself sent by a no-JavaScript button ("Show this category's questions",
    "Find this address", "Put the pin here"), so nothing typed is lost on the way."""
    initial: dict = {name: query[name] for name in PREFILL_FIELDS if query.get(name)}
    for name in query:
        if name.startswith(ATTRIBUTE_PREFIX):
            values = [value for value in query.getlist(name) if value]
            if values:
                initial[name] = values if len(values) > 1 else values[0]
    if query.get("show_name"):
        initial["show_name"] = True
    if query.get("pin"):
        pin = PinForm(query)
        if pin.is_valid():  # a stale or edited link is ignored: the resident places the pin
            initial["lat"], initial["lon"] = pin.cleaned_data["pin"]
    return initial


def _render_new(
    request: HttpRequest,
    form: ReportForm,
    *,
    photos_dropped: bool = False,
    address_search: dict | None = None,
) -> HttpResponse:
    west, south, east, north = settings.SERVICE_AREA
    context = {
        "form": form,
        "photos_dropped": photos_dropped,
        "service_area": f"{west},{south},{east},{north}",
        "confirm_days": guest.CONFIRM_DAYS,
        "js_messages": {
            "placed": _("Pin placed at latitude {lat}, longitude {lon}."),
            "placed_at": _("Pin placed at {place}. Check it on the map, and drag it if needed."),
            "outside": _(
                "The pin is outside the area we cover. Move it to a place inside the area."
            ),
            "locating": _("Finding your location…"),
            "geo_failed": _(
                "We could not get your location. Click the map, or move it and press "
                "“Place pin at map centre”."
            ),
            "marker": _("The problem is here. Drag to adjust."),
            "too_many_photos": _("You can attach at most {limit} photos."),
            "photo_limit": settings.PHOTOS_PER_REPORT,
            # Drafts kept on the device when there is no network (static/js/drafts.js).
            "offline_saved": _(
                "No network: your report is kept on this device. Send it from here when "
                "you are back online."
            ),
            "offline_step": _("No network: this needs a connection. Try again when online."),
            "drafts_waiting": _("{n} report(s) kept on this device, not sent yet."),
            "back_online": _("You are back online: send the reports kept on this device."),
            "draft_label": _("{title} ({photos} photo(s), {when})"),
            "untitled": _("Untitled report"),
            "send": _("Send now"),
            "open_draft": _("Open in the form"),
            "delete_draft": _("Delete"),
            "sending": _("Sending…"),
            "sent": _("Sent: {title}. See it here."),
            "needs_changes": _(
                "This report needs changes before it can be sent: open it in the form."
            ),
            "send_failed": _("It could not be sent just now. Try again in a moment."),
        },
        **(address_search or {}),
    }
    return render(request, "reports/new.html", context)


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _searcher(request: HttpRequest) -> object:
    """Whose rate limit an address search counts against: the user, or the address."""
    return request.user.pk if request.user.is_authenticated else f"ip:{_client_ip(request)}"


def _address_search(request: HttpRequest, query: QueryDict) -> dict:
    """Places matching the address field, for the results list (both with and without
    JavaScript): the gazetteer, then the external geocoder when one is set."""
    form = AddressSearchForm(query)
    found = places.Lookup()
    error = ""
    if not form.is_valid():
        error = form.errors["address"][0]
    else:
        found = places.lookup(form.cleaned_data["address"], ident=_searcher(request))
        if found.problem == "rate_limited":
            error = _(
                "You searched for many addresses in a short time. Please wait a few minutes, "
                "or place the pin on the map."
            )
        elif found.problem:
            error = _(
                "The address search is not answering just now. Please try again in a few "
                "minutes, or place the pin on the map; everything you typed is kept."
            )
    return {
        "places": found.places,
        "searched": form.is_valid() and not error,
        "address_query": form.cleaned_data.get("address", "") if form.is_valid() else "",
        "address_error": error,
        "wait": found.wait,
    }


def _new_step(request: HttpRequest) -> HttpResponse:
    """A step of the form without JavaScript, sent by POST so the CSRF token never lands in
    a URL: "Show this category's questions", "Find this address", "Put the pin here".
    Everything typed comes back; nothing is validated or sent yet."""
    initial = _prefill(request.POST)
    address_search, wait = None, 0
    if request.POST.get("step") == "find":
        address_search = _address_search(request, request.POST)
        wait = address_search.pop("wait")
    form = ReportForm(initial=initial, guest=not request.user.is_authenticated)
    response = _render_new(
        request,
        form,
        photos_dropped=bool(request.FILES.getlist("photos")),
        address_search=address_search,
    )
    return ratelimit.limited(response, wait) if wait else response


def _hold_guest_report(request: HttpRequest, form: ReportForm) -> tuple[HttpResponse | None, int]:
    """A report without an account: held until its email is confirmed. (None, seconds to
    wait) when a cap refused it (the form then carries the message)."""
    if form.is_spam:
        return redirect("reports:guest-sent"), 0
    email = form.cleaned_data["email"].strip().lower()
    wait = ratelimit.hit("guest-report-ip", _client_ip(request)) or ratelimit.hit(
        "guest-report-email", email
    )
    if wait:
        form.add_error(
            None,
            _(
                "Many reports were sent from here or with this email address today, so we "
                "cannot take more without an account. Sign in or sign up to send this one, "
                "or try again tomorrow: everything you typed is kept."
            ),
        )
        return None, wait
    guest.hold_report(**form.hold_kwargs())
    request.session["guest_report_email"] = email
    return redirect("reports:guest-sent"), 0


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """The new-report form, for residents with or without an account."""
    is_guest = not request.user.is_authenticated
    if request.method == "POST":
        if request.POST.get("step") in ("questions", "find") or "pin" in request.POST:
            return _new_step(request)
        form = ReportForm(
            request.POST, request.FILES, geocode_as=_searcher(request), guest=is_guest
        )
        wait = 0
        if form.is_valid() and is_guest:
            response, wait = _hold_guest_report(request, form)
            if response is not None:
                return response
        elif form.is_valid() and (wait := ratelimit.hit("report", request.user.pk)):
            form.add_error(
                None,
                _(
                    "You have sent many reports in a short time. Please wait a few minutes "
                    "and send this one again: everything you typed is kept."
                ),
            )
        elif form.is_valid():
            report = submit_report(reporter=request.user, **form.submit_kwargs())
            messages.success(
                request,
                _(
                    "Thank you! Your report is public and on its way to those responsible. "
                    "Follow its progress on this page."
                ),
            )
            if form.placed_at is not None:
                messages.info(
                    request,
                    _("We placed the pin at %(place)s; check it on the report page.")
                    % {"place": form.placed_at.display_name},
                )
            return redirect(report)
        # The address matched several places: offer them like "Find this address" does.
        address_search = {
            "places": form.places,
            "searched": bool(form.places),
            "address_query": form.cleaned_data.get("address", ""),
        }
        # Browsers cannot put a chosen file back into a file input.
        response = _render_new(
            request,
            form,
            photos_dropped=bool(request.FILES.getlist("photos")),
            address_search=address_search,
        )
        # Over the report limit, or over the address-search one while placing the pin.
        wait = wait or form.geocode_wait
        return ratelimit.limited(response, wait) if wait else response
    initial = _prefill(request.GET)
    if not is_guest:
        initial.setdefault("name", request.user.get_full_name())
        profile = Profile.objects.filter(user=request.user).first()
        if profile is not None:
            initial.setdefault("show_name", profile.show_name_on_reports)
    return _render_new(request, ReportForm(initial=initial, guest=is_guest))


@require_GET
def guest_sent(request: HttpRequest) -> HttpResponse:
    """After a report without an account: what happens next."""
    return render(
        request,
        "reports/guest_sent.html",
        {"email": request.session.get("guest_report_email", ""), "days": guest.CONFIRM_DAYS},
    )


def _link_refused(request: HttpRequest, expired: bool) -> HttpResponse:
    return render(
        request,
        "reports/guest_link.html",
        {"expired": expired, "days": guest.CONFIRM_DAYS},
        status=410 if expired else 404,
    )


def _get_pending(token: str):
    """(pending report, None) for a valid link, or (None, "expired"/"unknown")."""
    pending = guest.find(token)
    if pending is None:
        return None, "unknown"
    if pending.expires_at <= timezone.now():
        return None, "expired"
    return pending, None


def _render_confirm(request, pending, account_form: GuestAccountForm | None = None):
    context = {"pending": pending, "days": guest.CONFIRM_DAYS}
    if pending.report_id and not request.user.is_authenticated:
        if guest.account_exists(pending.email):
            context["has_account"] = True
        else:
            context["account_form"] = account_form or GuestAccountForm()
    return render(request, "reports/guest_confirm.html", context)


@require_http_methods(["GET", "POST"])
def guest_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: a page with one button that publishes the report (a link alone
    must not publish: mail scanners open links), then the offer of an account."""
    pending, problem = _get_pending(token)
    if pending is None:
        return _link_refused(request, expired=problem == "expired")
    if request.method == "POST":
        already = bool(pending.report_id)
        guest.confirm(pending)
        if not already:
            messages.success(
                request,
                _(
                    "Thank you! Your report is public and on its way to those responsible. "
                    "Follow its progress on its page."
                ),
            )
        return redirect("reports:guest-confirm", token=token)
    return _render_confirm(request, pending)


@require_POST
def guest_account(request: HttpRequest, token: str) -> HttpResponse:
    """One step from a confirmed report to an account with the same (proven) email."""
    pending, problem = _get_pending(token)
    if pending is None:
        return _link_refused(request, expired=problem == "expired")
    if not pending.report_id or request.user.is_authenticated:
        return redirect("reports:guest-confirm", token=token)
    if guest.account_exists(pending.email):
        return redirect("reports:guest-confirm", token=token)
    form = GuestAccountForm(request.POST, email=pending.email)
    if not form.is_valid():
        return _render_confirm(request, pending, account_form=form)
    user = guest.create_account(pending, form.cleaned_data["password1"])
    login(request, user, backend="allauth.account.auth_backends.AuthenticationBackend")
    messages.success(
        request,
        _("Your account is ready and you are signed in. This report is on your page now."),
    )
    return redirect(pending.report)


@require_GET
@vary_on_headers("HX-Request")
def geocode(request: HttpRequest) -> HttpResponse:
    """Places matching the typed address ("Find this address", and suggestions as one
    types), each with "Put the pin here"; htmx gets the results fragment."""
    if request.GET.get("suggest"):
        # As one types: the gazetteer only (no outside geocoder, no rate limit), quietly.
        query = " ".join(request.GET.get("address", "").split())[:255]
        found = places.search(query) if len(query) >= SUGGEST_MIN_LENGTH else []
        if not found:
            # Nothing to offer: leave what is shown (such as "Find this address" results).
            return HttpResponse(status=204)
        context = {"places": found, "searched": True, "address_query": query}
        return render(request, "reports/partials/places.html", context)
    address_search = _address_search(request, request.GET)
    wait = address_search.pop("wait")
    # Errors answer 200 (htmx swaps only successful responses, and 429s): the message
    # belongs where the results would be.
    if request.htmx:
        response = render(request, "reports/partials/places.html", address_search)
    else:
        initial = _prefill(request.GET)
        form = ReportForm(initial=initial, guest=not request.user.is_authenticated)
        response = _render_new(request, form, address_search=address_search)
    return ratelimit.limited(response, wait) if wait else response


@require_GET
@vary_on_headers("HX-Request")
def place_search(request: HttpRequest) -> HttpResponse:
    """The home page's "search a street or place": results that centre the map (with
    JavaScript) or link to the map, the nearby reports and a new report there."""
    query = " ".join(request.GET.get("q", "").split())[:255]
    context = {"place_query": query, "places": [], "searched": False, "place_error": ""}
    if query:
        found = places.lookup(query, ident=_searcher(request))
        context["places"] = found.places
        context["searched"] = not found.problem
        if found.problem:
            context["place_error"] = _(
                "The search is not available just now. Please try again in a few minutes."
            )
    else:
        context["place_error"] = _("Type the name of a street or a place first.")
    template = (
        "reports/partials/place_results.html" if request.htmx else "reports/place_search.html"
    )
    return render(request, template, context)


@require_GET
def reverse_geocode(request: HttpRequest) -> JsonResponse:
    """The nearest known street to a point: the address field's text when a pin is placed."""
    form = PointForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": _("lat and lon are required numbers.")}, status=400)
    place = places.nearest_street(form.cleaned_data["lat"], form.cleaned_data["lon"])
    return JsonResponse({"name": place.name if place else ""})


@require_GET
@vary_on_headers("HX-Request")
def service_fields(request: HttpRequest) -> HttpResponse:
    """The chosen category's extra questions, swapped into the new-report form by htmx."""
    code = request.GET.get("service", "")
    if not request.htmx:
        return redirect(f"{reverse('reports:new')}?{urlencode({'service': code})}")
    form = ReportForm(initial={"service": code})
    return render(request, "reports/partials/service_fields.html", {"form": form})


@require_POST
def photo_location(request: HttpRequest) -> HttpResponse:
    """Read the GPS position of the chosen photos before their metadata is stripped."""
    if not request.htmx:
        return redirect("reports:new")
    form = PhotoLocationForm(request.POST, request.FILES)
    if wait := ratelimit.hit("photo-location", _searcher(request)):
        response = render(request, "reports/partials/photo_location.html", {"rate_limited": True})
        return ratelimit.limited(response, wait)
    location = form.location() if form.is_valid() else None
    return render(
        request,
        "reports/partials/photo_location.html",
        {
            "form": form,
            "location": location,
            "in_area": bool(location and routing.in_service_area(*location)),
        },
    )


@require_GET
@vary_on_headers("HX-Request")
def nearby(request: HttpRequest) -> HttpResponse:
    """Open reports within NEARBY_METRES of a point: possible duplicates of a new report."""
    form = PointForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("lat and lon are required numbers."), status=400)
    lat, lon = form.cleaned_data["lat"], form.cleaned_data["lon"]
    dlat = NEARBY_METRES / METRES_PER_DEGREE_LAT
    dlon = NEARBY_METRES / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    candidates = (
        Report.objects.visible()
        .open()
        .in_bbox(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        .select_related("service")
        .order_by("-requested_at", "-id")[: NEARBY_MAX * 2]
    )
    found = []
    for report in candidates:
        # Equirectangular distance: exact enough at 100 m.
        dx = (report.lon - lon) * METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))
        dy = (report.lat - lat) * METRES_PER_DEGREE_LAT
        distance = math.hypot(dx, dy)
        if distance <= NEARBY_METRES:
            found.append((round(distance), report))
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


@require_GET
def report_stats(request: HttpRequest) -> HttpResponse:
    """How each authority and each category answers: a weekly chart, a league table of
    authorities, counts and times per authority and category. Read from the figures the
    worker keeps in the cache (reports/stats.py): no visitor ever computes them."""
    period = stats.period_from(request.GET)
    context = {
        "form": stats.StatsPeriodForm(initial={"period": period}),
        "period": period,
        "refresh_minutes": stats.REFRESH_SECONDS // 60,
    }
    figures = stats.cached()
    if figures is None:
        return render(request, "reports/stats.html", {**context, "preparing": True})
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
    return render(request, "reports/stats.html", context)
