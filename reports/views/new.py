"""Reporting a problem: the form, its steps without JavaScript, guests' confirmation."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from civic import ratelimit, signed_in
from civic.models import Profile
from places import gazetteer as places
from places import geo
from reports import guest
from reports.actions import prepare_report
from reports.forms.fields import ATTRIBUTE_PREFIX
from reports.forms.reading import (
    AddressSearchForm,
    PinForm,
    PointForm,
)
from reports.forms.report import GuestAccountForm, PhotoLocationForm, ReportForm
from reports.models import Report

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
@signed_in.keeps_user
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
        elif form.is_valid():
            report, wait = _counted_submit(request, form)
            if report is not None:
                return _submitted(request, form, report)
            form.add_error(
                None,
                _(
                    "You have sent many reports in a short time. Please wait a few minutes "
                    "and send this one again: everything you typed is kept."
                ),
            )
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
            "in_area": bool(location and geo.in_service_area(*location)),
        },
    )


def _counted_submit(request: HttpRequest, form: ReportForm) -> tuple[Report | None, int]:
    """The signed-in resident's report, counted against their limit in the same
    transaction (one write, not two): (report, 0), or (None, seconds to wait)."""
    new = prepare_report(reporter=request.user, **form.submit_kwargs())
    return ratelimit.counted("report", request.user.pk, new.create)


def _submitted(request: HttpRequest, form: ReportForm, report: Report) -> HttpResponse:
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
