"""Examples for the developer page, made by the real serialisers from unsaved objects,
so the page can never drift from what the API answers."""

from __future__ import annotations

import datetime as dt
import json
import xml.dom.minidom

from django.http import HttpRequest

from open311.formats import to_json, to_xml
from open311.serializers import (
    definition_data,
    request_data,
    service_data,
    service_notice,
    update_data,
)
from reports.models import Authority, Report, ReportUpdate, Service, ServiceAttribute

WHEN = dt.datetime(2026, 11, 26, 17, 20, 42, tzinfo=dt.UTC)


def _service() -> Service:
    service = Service(
        code="pothole",
        name="Pothole",
        description="A hole in the road surface.",
        group="Roads",
        keywords="road, hole, tarmac",
    )
    service.attribute_count = 1
    return service


def _report(service: Service) -> Report:
    report = Report(
        pk=1234,
        service=service,
        title="Deep pothole outside the library",
        description="Deep pothole outside the library\nAbout 30 cm across, cyclists swerve.",
        lat=51.5101,
        lon=-0.1402,
        address="12 High Street",
        authority=Authority(name="Borough Council"),
        state=Report.State.ACKNOWLEDGED,
        requested_at=WHEN,
        updated_at=WHEN + dt.timedelta(hours=2),
        attributes={"depth": 30},
        source=Report.Source.API,
    )
    report.api_photos = []
    report.api_updates = [
        ReportUpdate(state=Report.State.SUBMITTED, created_at=WHEN),
        ReportUpdate(
            state=Report.State.ACKNOWLEDGED,
            note="An inspector will visit this week.",
            is_official=True,
            created_at=WHEN + dt.timedelta(hours=2),
        ),
    ]
    service.api_attributes = [
        ServiceAttribute(
            code="depth",
            datatype=ServiceAttribute.Datatype.NUMBER,
            required=True,
            description="How deep is it, in centimetres?",
        )
    ]
    return report


def _updates(report: Report) -> list[ReportUpdate]:
    """The example report's timeline as GET servicerequestupdates reads it."""
    for number, update in enumerate(report.api_updates, start=5670):
        update.pk, update.report_id = number, report.pk
        update.state_then = update.state or report.state
    return report.api_updates


def _pretty_json(data) -> str:
    return json.dumps(json.loads(to_json(data)), indent=2, ensure_ascii=False)


def _pretty_xml(root: str, data) -> str:
    text = xml.dom.minidom.parseString(to_xml(root, data)).toprettyxml(indent="  ")
    return text.replace('<?xml version="1.0" ?>', '<?xml version="1.0" encoding="UTF-8"?>')


def rendered(request: HttpRequest, base_url: str) -> dict:
    service = _service()
    report = _report(service)
    definition = definition_data(service, service.api_attributes)
    created = [
        {
            "service_request_id": "1234",
            "service_notice": service_notice(request, report),
            "account_id": None,
        }
    ]
    one = [request_data(request, report)]
    extended = [request_data(request, report, extensions=True)]
    errors = [{"code": 400, "description": "attribute[depth] is required (How deep is it?)."}]
    updates = [update_data(u) for u in _updates(report)]
    posted = [{"update_id": "5678"}]
    event = {
        "event": "report.updated",
        "created_at": report.updated_at.isoformat(timespec="seconds"),
        "authority": "borough",
        "service_request": request_data(request, report, extensions=True),
        "update": update_data(report.api_updates[-1], extensions=True),
    }
    return {
        "example_updates_json": _pretty_json(updates),
        "example_updates_xml": _pretty_xml("service_request_updates", updates),
        "example_update_posted_json": _pretty_json(posted),
        "example_update_posted_xml": _pretty_xml("service_request_updates", posted),
        "example_webhook_json": _pretty_json(event),
        "example_services_json": _pretty_json([service_data(service)]),
        "example_definition_json": _pretty_json(definition),
        "example_created_json": _pretty_json(created),
        "example_created_xml": _pretty_xml("service_requests", created),
        "example_request_json": _pretty_json(one),
        "example_request_xml": _pretty_xml("service_requests", one),
        "example_extended_json": _pretty_json(extended),
        "example_error_json": _pretty_json(errors),
        "example_error_xml": _pretty_xml("errors", errors),
    }
