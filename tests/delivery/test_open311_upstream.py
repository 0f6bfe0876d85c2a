"""Two instances talking Open311 to each other: this server is a valid upstream."""

from __future__ import annotations

import pytest

from delivery.models import Delivery
from delivery.sending import deliver_due, fetch_upstream_updates
from open311.models import ApiKey
from reports.actions import change_state
from reports.models import Authority, Contact, Report
from tests.factories import make_authority, make_report, make_service


@pytest.mark.django_db(transaction=True)
def test_report_reaches_an_open311_upstream_and_its_closure_comes_back(live_server, settings):
    # The city's own system: its own category, handled there.
    upstream_service = make_service(code="roads-defect", name="Road defect")
    make_authority(services=[upstream_service], send_method=Authority.SendMethod.NONE)
    _key, raw_key = ApiKey.create_key("Civic community site")
    # This site: potholes go to the city by Open311.
    service = make_service(code="pothole", name="Pothole")
    city = make_authority(
        services=[],
        send_method=Authority.SendMethod.OPEN311,
        endpoint=f"{live_server.url}/open311/v2/",
        api_key=raw_key,
        jurisdiction=settings.OPEN311_JURISDICTION,
    )
    Contact.objects.create(authority=city, service=service, upstream_service_code="roads-defect")
    report = make_report(
        service=service,
        title="Pothole by the school gate",
        description="Children step round it into the road.",
        contact_name="Rosa Parks",
        contact_email="rosa@example.org",
        address="1 School Lane",
    )

    assert deliver_due() == 1

    delivery = Delivery.objects.get(report=report)
    assert delivery.state == Delivery.State.SENT
    upstream = Report.objects.get(pk=int(delivery.external_id))
    assert upstream.service == upstream_service
    assert upstream.source == Report.Source.API
    assert upstream.title == "Pothole by the school gate"
    assert "Children step round it" in upstream.description
    assert (upstream.lat, upstream.lon) == (report.lat, report.lon)
    assert upstream.address == "1 School Lane"
    assert (upstream.contact_name, upstream.contact_email) == ("Rosa Parks", "rosa@example.org")

    # Nothing new upstream: nothing changes here.
    assert fetch_upstream_updates() == 0
    # The city answers in its own system: the note comes back as an official update.
    change_state(upstream, "acknowledged", note="An inspector will visit on Monday.")
    assert fetch_upstream_updates() == 1
    assert fetch_upstream_updates() == 0  # asking again adds nothing twice
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    note = report.updates.last()
    assert (note.note, note.is_official) == ("An inspector will visit on Monday.", True)
    # The city fixes it: the report closes here too.
    change_state(upstream, "fixed", note="Filled and sealed today.")
    assert fetch_upstream_updates() == 1
    report.refresh_from_db()
    assert report.state == Report.State.FIXED
    last = report.updates.last()
    assert (last.state, last.note, last.is_official) == ("fixed", "Filled and sealed today.", True)
    assert report.updates.count() == 3
