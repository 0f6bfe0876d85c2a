"""The servicerequestupdates extension (mySociety's): GET the public updates of a
time window, POST one update from an authority's back office or from the client that
submitted the request."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from open311.formats import Open311Error
from open311.formats import render as render_api
from open311.models import ApiKey
from open311.serializers import update_data, updates_queryset
from open311.update_forms import ServiceRequestUpdateForm, UpdateFilterForm
from open311.views import api_view, form_errors
from reports.actions import change_state, reopen_report
from reports.models import Report, ReportUpdate


@api_view("GET", "POST")
def service_request_updates(request: HttpRequest, params, fmt: str) -> HttpResponse:
    """The mySociety extension: GET the public updates of a time window; POST one update,
    from an authority's back office (an api_key scoped to that authority: official), or
    from the client that submitted the request (a resident's public note, or reopening)."""
    if request.method == "POST":
        return _post_update(request, params, fmt)
    form = UpdateFilterForm(params)
    if not form.is_valid():
        raise Open311Error(400, *form_errors(form))
    start, end = form.page_bounds()
    updates = form.filter(updates_queryset(), timezone.now())[start:end]
    extensions = form.cleaned_data["extensions"]
    return render_api(fmt, "service_request_updates", [update_data(u, extensions) for u in updates])


def _authenticate_updater(params) -> ApiKey:
    """An authority's back office (it speaks officially for its authority's requests),
    or a client that submits requests (it passes on its residents' updates to those)."""
    raw = params.get("api_key", "").strip()
    if not raw:
        raise Open311Error(403, "Missing api_key: posting an update needs a key.")
    key = ApiKey.objects.get_for_key(raw)
    if key is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with the update.")
    if not (_is_back_office(key) or key.can_post):
        raise Open311Error(
            403,
            "This api_key may not post updates: an authority's back office key may, and a "
            "client's key may on the requests it submitted.",
        )
    return key


def _is_back_office(key: ApiKey) -> bool:
    return key.authority_id is not None and key.can_post_updates


def _post_update(request: HttpRequest, params, fmt: str) -> HttpResponse:
    key = _authenticate_updater(params)
    form = ServiceRequestUpdateForm(params)
    if not form.is_valid():
        raise Open311Error(400, *form_errors(form))
    data = form.cleaned_data
    request_id = data["service_request_id"]
    back_office = _is_back_office(key)
    # Scoped per key's owner: two back offices (or clients) may use the same ids.
    if back_office:
        marker = f"backoffice:{key.authority_id}:{data['update_id']}"
    else:
        marker = f"client:{key.pk}:{data['update_id']}"
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("authority")
            .filter(pk=request_id)
            .first()
        )
        if back_office:
            _check_back_office(key, report, request_id)
        elif report is None or report.is_hidden or report.api_key_id != key.pk:
            raise Open311Error(
                404, f"service_request_id {str(request_id)!r} not found for this api_key."
            )
        # Idempotent: the same update_id again answers with the update it made.
        existing = ReportUpdate.objects.filter(external_id=marker).only("pk", "report_id").first()
        if existing is not None and existing.report_id != report.pk:
            raise Open311Error(
                400, f"update_id {data['update_id']!r} was already used for another request."
            )
        if existing is None and back_office:
            # Dated when it arrives, not by updated_datetime: a client polling GET
            # servicerequestupdates by time must not miss a back-dated update.
            existing = change_state(
                report,
                form.new_state(report),
                note=data["description"],
                is_official=True,
                external_id=marker,
                media_url=data["media_url"],
            )
        elif existing is None:
            existing = _client_update(report, data, marker)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return render_api(fmt, "service_request_updates", [{"update_id": str(existing.pk)}])


def _check_back_office(key: ApiKey, report: Report | None, request_id: int) -> None:
    if report is None or (report.is_hidden and report.authority_id != key.authority_id):
        raise Open311Error(404, f"service_request_id {str(request_id)!r} not found.")
    if report.authority_id != key.authority_id:
        raise Open311Error(
            403,
            f"service_request_id {str(request_id)!r} is not {key.authority.name}'s: "
            "this api_key may update only its own authority's requests.",
        )


def _client_update(report: Report, data: dict, marker: str) -> ReportUpdate:
    """A resident's update passed on by the client that submitted the request: a public
    note, never official; OPEN on a fixed or closed request reopens it (as "still
    broken" does here). A client cannot close a request: CLOSED only adds the note."""
    note = data["description"] or str(_("An update from the service that submitted it."))
    if data["status"] in ("open", "reopen", "submitted") and not report.is_open:
        update = reopen_report(report, note=note)
        ReportUpdate.objects.filter(pk=update.pk).update(external_id=marker)
        return update
    return change_state(report, report.state, note=note, is_official=False, external_id=marker)
