"""The servicerequestupdates extension (mySociety's): GET the public updates of a
time window, POST one update from an authority's back office."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from open311.formats import Open311Error
from open311.formats import render as render_api
from open311.models import ApiKey
from open311.serializers import update_data, updates_queryset
from open311.update_forms import ServiceRequestUpdateForm, UpdateFilterForm
from open311.views import api_view, form_errors
from reports.actions import change_state
from reports.models import Report, ReportUpdate


@api_view("GET", "POST")
def service_request_updates(request: HttpRequest, params, fmt: str) -> HttpResponse:
    """The mySociety extension: GET the public updates of a time window; POST one update
    from an authority's back office (an api_key scoped to that authority)."""
    if request.method == "POST":
        return _post_update(request, params, fmt)
    form = UpdateFilterForm(params)
    if not form.is_valid():
        raise Open311Error(400, *form_errors(form))
    start, end = form.page_bounds()
    updates = form.filter(updates_queryset(), timezone.now())[start:end]
    extensions = form.cleaned_data["extensions"]
    return render_api(fmt, "service_request_updates", [update_data(u, extensions) for u in updates])


def _authenticate_back_office(params) -> ApiKey:
    raw = params.get("api_key", "").strip()
    if not raw:
        raise Open311Error(403, "Missing api_key: posting an update needs an authority's key.")
    key = ApiKey.objects.select_related("authority").get_for_key(raw)
    if key is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed with the update.")
    if key.authority_id is None or not key.can_post_updates:
        raise Open311Error(
            403, "This api_key may not post updates: only an authority's back office key may."
        )
    return key


def _post_update(request: HttpRequest, params, fmt: str) -> HttpResponse:
    key = _authenticate_back_office(params)
    form = ServiceRequestUpdateForm(params)
    if not form.is_valid():
        raise Open311Error(400, *form_errors(form))
    data = form.cleaned_data
    request_id = data["service_request_id"]
    # Scoped per authority: two back offices may use the same ids.
    marker = f"backoffice:{key.authority_id}:{data['update_id']}"
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("authority")
            .filter(pk=request_id)
            .first()
        )
        if report is None or (report.is_hidden and report.authority_id != key.authority_id):
            raise Open311Error(404, f"service_request_id {str(request_id)!r} not found.")
        if report.authority_id != key.authority_id:
            raise Open311Error(
                403,
                f"service_request_id {str(request_id)!r} is not {key.authority.name}'s: "
                "this api_key may update only its own authority's requests.",
            )
        # Idempotent: the same update_id again answers with the update it made.
        existing = ReportUpdate.objects.filter(external_id=marker).only("pk", "report_id").first()
        if existing is not None and existing.report_id != report.pk:
            raise Open311Error(
                400, f"update_id {data['update_id']!r} was already used for another request."
            )
        if existing is None:
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
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return render_api(fmt, "service_request_updates", [{"update_id": str(existing.pk)}])
