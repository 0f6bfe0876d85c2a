"""Services, definitions and requests as GeoReport v2 data (see formats.py for output).

Field names and order are the spec's. Every request field the spec lists is
present, None (JSON null, an empty XML element) where this server does not know
it. Private data (the reporter's name, email, phone, device_id, account_id) is
never read here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from reports.models import Photo, Report, ReportUpdate, Service, ServiceAttribute

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def w3c(moment: dt.datetime | None) -> str | None:
    """2010-04-14T06:37:38-08:00: W3C with the offset, in the site's time zone."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def service_data(service: Service) -> dict:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": bool(service.attribute_count),
        "type": service.type,
        "keywords": service.keywords,
        "group": service.group,
    }


def definition_data(service: Service, attributes: Iterable[ServiceAttribute] | None = None) -> dict:
    """The service definition; `attributes` defaults to the service's, in order."""
    if attributes is None:
        attributes = service.attributes.all()
    items = []
    # The spec wants distinct positive orders, 1 first: number them as shown.
    for order, attribute in enumerate(attributes, start=1):
        items.append(
            {
                "variable": attribute.variable,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.datatype_description or None,
                "order": order,
                "description": attribute.description,
                "values": [
                    {"key": str(value.get("key", "")), "name": str(value.get("name", ""))}
                    for value in (attribute.values if attribute.is_list else None) or []
                ],
            }
        )
    return {"service_code": service.code, "attributes": items}


def requests_queryset(extensions: bool) -> QuerySet[Report]:
    """Visible reports with everything the serialiser reads, in a fixed number of queries."""
    updates = ReportUpdate.objects.order_by("created_at", "id")
    if not extensions:
        # status_notes needs only the updates that carry a note.
        updates = updates.exclude(note="")
    prefetches = [
        Prefetch("photos", queryset=Photo.objects.order_by("order", "id"), to_attr="api_photos"),
        Prefetch("updates", queryset=updates, to_attr="api_updates"),
    ]
    if extensions:
        prefetches.append(
            Prefetch(
                "service__attributes",
                queryset=ServiceAttribute.objects.order_by("order", "id"),
                to_attr="api_attributes",
            )
        )
    return (
        Report.objects.visible()
        .select_related("service", "authority")
        .prefetch_related(*prefetches)
        .order_by("-requested_at", "-id")
    )


def public_description(report: Report) -> str | None:
    """The report as one text: its title leads unless the description already does."""
    title, description = report.title.strip(), report.description.strip()
    if not description:
        return title if title and title != report.service.name else None
    if not title or description.startswith(title):
        return description
    return f"{title}\n\n{description}"


def media_url(request: HttpRequest, report: Report) -> str | None:
    if report.api_photos:
        return request.build_absolute_uri(report.api_photos[0].image.url)
    return report.media_url or None


def service_notice(request: HttpRequest, report: Report) -> str:
    """What the POST answer tells the user about their new request."""
    notice = f"Thank you. The report is public at {request.build_absolute_uri(report.get_absolute_url())}"
    if report.authority:
        notice += f"; {report.authority.name} is responsible for it"
    return notice + "."


def request_data(request: HttpRequest, report: Report, extensions: bool = False) -> dict:
    notes = [u.note for u in report.api_updates if u.note.strip()]
    data = {
        "service_request_id": str(report.pk),
        "status": report.open311_status,
        "status_notes": notes[-1] if notes else None,
        "service_name": report.service.name,
        "service_code": report.service.code,
        "description": public_description(report),
        "agency_responsible": report.authority.name if report.authority else None,
        "service_notice": None,
        "requested_datetime": w3c(report.requested_at),
        "updated_datetime": w3c(report.updated_at),
        "expected_datetime": w3c(report.due_at),
        "address": report.address or None,
        "address_id": report.address_id or None,
        "zipcode": report.zipcode or None,
        "lat": report.lat,
        "long": report.lon,
        "media_url": media_url(request, report),
    }
    if extensions:
        # Chicago's field: the original a duplicate was closed in favour of.
        data["parent_service_request_id"] = (
            str(report.duplicate_of_id) if report.duplicate_of_id else None
        )
        data["extended_attributes"] = extended_attributes(request, report)
        data["notes"] = [
            {
                "datetime": w3c(update.created_at),
                "description": update.note or (update.get_state_display() if update.state else ""),
                "type": update.state or "note",
                "official": update.is_official,
            }
            for update in report.api_updates
        ]
    return data


def extended_attributes(request: HttpRequest, report: Report) -> dict:
    """Chicago-style supplemental detail, returned only with extensions=true."""
    answers = []
    for attribute in report.service.api_attributes:
        value = (report.attributes or {}).get(attribute.code)
        if value in (None, "", []):
            continue
        for item in value if isinstance(value, list) else [value]:
            answers.append(
                {
                    "code": attribute.code,
                    "label": attribute.description,
                    "value": item,
                    "name": attribute.value_name(item) if attribute.is_list else item,
                }
            )
    return {
        "channel": report.source,
        "title": report.title,
        "url": request.build_absolute_uri(report.get_absolute_url()),
        "state": report.state,
        "duplicate_of": str(report.duplicate_of_id) if report.duplicate_of_id else None,
        "attributes": answers,
        "photos": [
            {
                "media_url": request.build_absolute_uri(photo.image.url),
                "thumbnail_url": request.build_absolute_uri(photo.thumbnail.url)
                if photo.thumbnail
                else None,
                "width": photo.width,
                "height": photo.height,
                "created_at": w3c(photo.created_at),
            }
            for photo in report.api_photos
        ],
    }


def updates_queryset() -> QuerySet[ReportUpdate]:
    """Public timeline entries of visible reports, oldest first, each with the report's
    state as it stood after the entry (`state_then`), in one query.

    A note changes no state: its state is that of the latest state entry of the same
    report up to it (a correlated subquery on the (report, created_at) index).
    """
    latest_state = (
        ReportUpdate.objects.filter(report=OuterRef("report"))
        .exclude(state="")
        .filter(
            Q(created_at__lt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__lte=OuterRef("id"))
        )
        .order_by("-created_at", "-id")
        .values("state")[:1]
    )
    return (
        ReportUpdate.objects.filter(report__is_hidden=False)
        .annotate(state_then=Coalesce(Subquery(latest_state), F("report__state")))
        .only("id", "report_id", "state", "note", "is_official", "media_url", "created_at")
        .order_by("created_at", "id")
    )


def update_data(update: ReportUpdate, extensions: bool = False) -> dict:
    """One public update as the mySociety servicerequestupdates extension has it.

    Never the author: an update says what happened, not who typed it.
    """
    state = update.state_then
    data = {
        "update_id": str(update.pk),
        "service_request_id": str(update.report_id),
        "status": "open" if state in Report.OPEN_STATES else "closed",
        "updated_datetime": w3c(update.created_at),
        "description": update.note,
        "media_url": update.media_url,
    }
    if extensions:
        data["extended_attributes"] = {
            "state": state,
            "state_changed": bool(update.state),
            "official": update.is_official,
        }
    return data
