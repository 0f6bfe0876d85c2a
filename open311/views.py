"""The GeoReport v2 API (/open311/v2/) and its page for developers (/open311/).

A thin adapter: input goes through reports/open311/forms.py, new requests
through reports.actions.prepare_report (the one submit function), output through
serializers.py and formats.py. Every answer, errors included, is in the format
the URL asked for; nothing here ever falls through to a Django HTML page.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt

from civic import commits, kept, ratelimit, versions
from open311 import examples
from open311.formats import FORMATS, Open311Error, error_response
from open311.formats import render as render_api
from open311.forms import (
    MAX_IDS,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    RequestFilterForm,
    ServiceRequestForm,
    is_id,
)
from open311.models import ApiKey
from open311.serializers import (
    SPECIFICATION,
    definition_data,
    request_data,
    requests_queryset,
    service_data,
    service_notice,
)
from reports.actions import NewReport, change_state, prepare_report
from reports.forms.report import active_services
from reports.models import Report, Service

logger = logging.getLogger(__name__)

# Sortable date of the last change to this discovery document or the API's shape.
CHANGESET = "2026-12-02T00:00:00Z"
OPENAPI_PATH = Path(__file__).with_name("openapi.json")
UPDATES_SPECIFICATION = (
    "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Proposed-differences-to-Open311"
)
_TOKEN = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")
# The API's one language, whatever the client's Accept-Language (see language_neutral).
API_LANGUAGE = "en"
# How closely a key's "last used" follows its use.
KEY_USE_PRECISION = timedelta(minutes=1)


def language_neutral(view):
    """One answer for every client, whatever its Accept-Language or language cookie."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with translation.override(API_LANGUAGE):
            response = view(request, *args, **kwargs)
        # LocaleMiddleware would otherwise label it with the client's language.
        response["Content-Language"] = API_LANGUAGE
        return response

    return wrapped


def api_view(*methods: str):
    """Format check, allowed methods, jurisdiction, and errors in the API's format.

    csrf_exempt: Open311 clients authenticate with api_key, not a cookie. The API is
    language-neutral (codes are English-free already; error descriptions are English).
    """
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorator(view):
        @csrf_exempt
        @language_neutral
        @wraps(view)
        def wrapped(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if fmt not in FORMATS:
                return error_response("json", 400, [f"Unknown format {fmt!r}: use .json or .xml."])
            if request.method not in allowed:
                return error_response(
                    fmt,
                    405,
                    [f"{request.method} is not allowed here; use {', '.join(methods)}."],
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            try:
                params = _params(request)
                _check_jurisdiction(params)
                return view(request, params, fmt, *args, **kwargs)
            except Open311Error as error:
                return error_response(fmt, error.status, error.descriptions, error.headers)
            except (SuspiciousOperation, MultiPartParserError, UnreadablePostError) as exc:
                return error_response(fmt, 400, [f"The request could not be read: {exc}"])
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return error_response(
                    fmt, 500, ["Internal error; it has been logged. Please try again later."]
                )

        # Cookie-free: a POST reaches it before sessions (open311/middleware.py).
        wrapped.cookie_free = True
        return wrapped

    return decorator


def _params(request: HttpRequest) -> MultiValueDict:
    """Query string and form body together: real clients send api_key and
    jurisdiction_id in either. The body wins where both name a field."""
    if request.method != "POST":
        return request.GET
    params = MultiValueDict({key: request.GET.getlist(key) for key in request.GET})
    for key in request.POST:
        params.setlist(key, request.POST.getlist(key))
    return params


def _check_jurisdiction(params) -> None:
    # One jurisdiction is served, so the argument is optional; empty means absent.
    jurisdiction = params.get("jurisdiction_id", "").strip()
    if jurisdiction and jurisdiction.lower() != settings.OPEN311_JURISDICTION.lower():
        raise Open311Error(
            404,
            f"jurisdiction_id {jurisdiction!r} not found; this server serves "
            f"{settings.OPEN311_JURISDICTION!r}.",
        )


def _wants_extensions(params) -> bool:
    return params.get("extensions", "").strip().lower() in ("true", "1")


def _cached(request: HttpRequest, build, *, name=versions.REPORTS):
    """A GET answer built once per data version (see civic/versions.py), with an ETag
    and gzip. It depends on nothing else than the URL (format and query included), the
    host of its absolute links and the language: all part of the cache's key."""
    return kept.cached_response(request, build, name=name)


def _base_url(request: HttpRequest) -> str:
    discovery = reverse("open311:discovery", kwargs={"fmt": "json"})
    return request.build_absolute_uri(discovery.rsplit("/", 1)[0])


@api_view("GET")
def discovery(request: HttpRequest, params, fmt: str) -> HttpResponse:
    index_url = request.build_absolute_uri(reverse("open311:index"))
    openapi_url = request.build_absolute_uri(reverse("open311:openapi"))
    data = {
        "changeset": CHANGESET,
        "contact": getattr(
            settings,
            "OPEN311_CONTACT",
            f"{settings.SITE_NAME}: see {index_url} for documentation and contacts.",
        ),
        "key_service": (
            "Reading needs no key. To submit requests, ask the site's staff for an "
            f"api_key: {index_url}#keys"
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": getattr(settings, "OPEN311_ENDPOINT_TYPE", "production"),
                "formats": ["text/xml", "application/json"],
            }
        ],
        # Not in the discovery spec: where the machine-readable description is, and
        # the extension beyond GeoReport v2 that this server speaks.
        "openapi_url": openapi_url,
        "extensions": [
            {
                "name": "servicerequestupdates",
                "specification": UPDATES_SPECIFICATION,
                "url": _base_url(request) + "/servicerequestupdates",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render_api(
        fmt,
        "discovery",
        data,
        headers={"Link": f'<{openapi_url}>; rel="service-desc"'},
    )


@api_view("GET")
def service_list(request: HttpRequest, params, fmt: str) -> HttpResponse:
    def build() -> HttpResponse:
        # Meta.ordering does not apply to aggregate queries: order explicitly.
        services = (
            Service.objects.filter(is_active=True)
            .annotate(attribute_count=Count("attributes"))
            .order_by("group", "order", "name")
        )
        return render_api(fmt, "services", [service_data(s) for s in services])

    return _cached(request, build, name=versions.SERVICES)


def _get_service(code: str) -> Service:
    """The active service `code` with its questions, among those kept in this process
    while the services' version holds (every POST names one; the web form keeps the
    same list)."""
    service = next((s for s in active_services() if s.code == code), None)
    if service is None:
        raise Open311Error(404, f"service_code {code!r} not found.")
    return service


@api_view("GET")
def service_definition(request: HttpRequest, params, fmt: str, code: str) -> HttpResponse:
    def build() -> HttpResponse:
        return render_api(fmt, "service_definition", definition_data(_get_service(code)))

    return _cached(request, build, name=versions.SERVICES)


@api_view("GET", "POST")
def requests_collection(request: HttpRequest, params, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create_request(request, params, fmt)

    def build() -> HttpResponse:
        extensions = _wants_extensions(params)
        form = RequestFilterForm(params)
        if not form.is_valid():
            raise Open311Error(400, *form_errors(form))
        reports = form.filter(requests_queryset(extensions), timezone.now())
        if form.by_ids:
            reports = reports[:MAX_IDS]
        else:
            start, end = form.page_bounds()
            reports = reports[start:end]
        return render_api(
            fmt, "service_requests", [request_data(request, r, extensions) for r in reports]
        )

    # The default date window moves with the clock: an answer is kept a minute at most.
    return _cached(request, build)


@api_view("GET")
def request_detail(request: HttpRequest, params, fmt: str, request_id: str) -> HttpResponse:
    def build() -> HttpResponse:
        extensions = _wants_extensions(params)
        report = None
        if is_id(request_id):
            report = requests_queryset(extensions).filter(pk=int(request_id)).first()
        if report is None:
            raise Open311Error(404, f"service_request_id {request_id!r} not found.")
        return render_api(fmt, "service_requests", [request_data(request, report, extensions)])

    return _cached(request, build)


@api_view("GET")
def token_detail(request: HttpRequest, params, fmt: str, token: str) -> HttpResponse:
    report = None
    if _TOKEN.match(token):
        report = Report.objects.visible().filter(token=token).only("pk", "token").first()
    if report is None:
        raise Open311Error(404, f"token {token!r} not found.")
    return render_api(
        fmt, "service_requests", [{"service_request_id": str(report.pk), "token": report.token}]
    )


@api_view("POST")
def request_reopen(request: HttpRequest, params, fmt: str, request_id: str) -> HttpResponse:
    """A Civic extension: the client that submitted a request says it is still broken
    (`description` is the public note). A fixed or closed request opens again here,
    goes on to the authorities and is told to its followers; an open one gets the note."""
    from reports.actions import reopen_report

    key = _authenticate(params)
    report = None
    if is_id(request_id):
        report = Report.objects.visible().filter(pk=int(request_id), api_key=key).first()
    if report is None:
        raise Open311Error(404, f"service_request_id {request_id!r} not found for this api_key.")
    note = " ".join(params.get("description", "").split())[:2000]
    note = note or "Reopened by the service that submitted it: still broken."
    if report.is_open:
        change_state(report, report.state, note=note, is_official=False)
    else:
        reopen_report(report, note=note)
    report = requests_queryset(False).get(pk=report.pk)
    return render_api(fmt, "service_requests", [request_data(request, report, False)])


def _authenticate(params) -> ApiKey:
    raw = params.get("api_key", "").strip()
    if not raw:
        raise Open311Error(403, "Missing api_key: submitting a request needs a key.")
    key = ApiKey.objects.get_for_key(raw)
    if key is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with create_request.")
    if not key.can_post:
        raise Open311Error(403, "This api_key may read but not submit requests.")
    return key


def _validated(request: HttpRequest, params, key: ApiKey) -> ServiceRequestForm:
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided.")
    service = _get_service(code)
    form = ServiceRequestForm(params, request.FILES, service=service, geocode_as=f"key:{key.pk}")
    if not form.is_valid():
        raise Open311Error(400, *form_errors(form))
    return form


def _prepared(form: ServiceRequestForm, key: ApiKey, now) -> NewReport:
    data = form.cleaned_data
    return prepare_report(
        service=form.service,
        lat=data["lat"],
        lon=data["long"],
        title=form.title(),
        description=data["description"],
        address=data["address_string"],
        address_id=data["address_id"],
        attributes=data["attributes"],
        contact_name=data["contact_name"],
        contact_email=data["email"],
        contact_phone=data["phone"],
        photos=[data["media"]] if data["media"] else [],
        source=Report.Source.API,
        api_key=key,
        device_id=data["device_id"],
        account_id=data["account_id"],
        media_url=data["media_url"],
        requested_at=now,
    )


def _create_request(request: HttpRequest, params, fmt: str) -> HttpResponse:
    key = _authenticate(params)
    # Validated before the transaction (it may look an address up), answered after the
    # rate limit: over the limit, the answer is 429 whatever the request holds.
    try:
        form, problem = _validated(request, params, key), None
    except Open311Error as error:
        form, problem = None, error
    now = timezone.now()
    # Masked and routed (reads) before the transaction, which then only writes.
    new = None if problem else _prepared(form, key, now)

    def write() -> tuple[int, Report | None]:
        # Counted in the transaction of the report it lets in: one write, not two.
        wait = ratelimit.hit("open311-post", key.pk)
        report = None if wait or new is None else new.create()
        if report is not None and (
            key.last_used_at is None or now - key.last_used_at > KEY_USE_PRECISION
        ):
            # To the minute: a write per request would only queue for SQLite's lock.
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return wait, report

    wait, report = commits.together(write)
    if wait:
        window, limit = ratelimit.limits("open311-post")[0]
        raise Open311Error(
            429,
            f"Rate limit exceeded: at most {limit} requests per {window} seconds per "
            f"api_key. Retry in {wait} seconds.",
            headers={"Retry-After": str(wait)},
        )
    if problem is not None:
        raise problem
    service = form.service
    answer = {}
    # The spec: a realtime service returns the id, a batch service a token (and
    # "should not" return both), a blackbox service neither.
    if service.type == Service.Type.REALTIME:
        answer["service_request_id"] = str(report.pk)
    elif service.type == Service.Type.BATCH:
        answer["token"] = report.token
    answer["service_notice"] = service_notice(request, report)
    answer["account_id"] = form.cleaned_data["account_id"] or None
    # 200, not 201: clients such as GeoReporter accept only 200 for a new request.
    return render_api(fmt, "service_requests", [answer])


def form_errors(form) -> list[str]:
    messages = []
    for field, errors in form.errors.items():
        for message in errors:
            messages.append(message if field == "__all__" else f"{field}: {message}")
    return messages


@cache
def _openapi_document() -> dict:
    return json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


@csrf_exempt
@language_neutral
def openapi(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return error_response("json", 405, ["Use GET."], headers={"Allow": "GET, HEAD"})
    document = dict(_openapi_document())
    document["servers"] = [{"url": _base_url(request)}]
    return render_api("json", "openapi", document)


@csrf_exempt
@language_neutral
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    """Anything else under /open311/: the spec's error list, never an HTML page."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    discovery_url = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
    return error_response(
        fmt,
        404,
        [f"No such resource: {request.path}. Start from the discovery document at {discovery_url}"],
    )


def index(request: HttpRequest) -> HttpResponse:
    """The page for app developers: endpoints, examples, how to get a key."""
    base = _base_url(request)
    services = list(Service.objects.filter(is_active=True).only("code", "name", "group"))
    context = {
        "base_url": base,
        "jurisdiction": settings.OPEN311_JURISDICTION,
        "services": services,
        "example_code": services[0].code if services else "pothole",
        "page_size_default": PAGE_SIZE_DEFAULT,
        "page_size_max": PAGE_SIZE_MAX,
        # (window, limit) of the tightest per-key limit.
        "rate_limit": ratelimit.limits("open311-post")[0],
        "service_area": settings.SERVICE_AREA,
        "webhook_timeout": f"{settings.WEBHOOK_TIMEOUT_SECONDS:g}",
        **examples.rendered(request, base),
    }
    return render(request, "open311/index.html", context)
