"""RSS and Atom feeds: they parse, list what they promise, and hold nothing private."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from reports.actions import change_state
from tests.factories import make_report, make_service, make_user

PRIVATE = ("kit@example.org", "0123 456 789", "Kit Marlowe", "secret-device")
ATOM = "{http://www.w3.org/2005/Atom}"


def titles(response) -> list[str]:
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    if root.tag == f"{ATOM}feed":
        return [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    return [item.findtext("title") for item in root.iter("item")]


@pytest.fixture
def reports(db, service, authority):
    reporter = make_user(email="kit@example.org", display_name="Kit Marlowe")
    graffiti = make_service(code="graffiti", name="Graffiti")
    authority.contacts.create(service=graffiti, email="g@example.org")
    return {
        "near": make_report(
            service,
            title="Hole by the school",
            reporter=reporter,
            contact_phone="0123 456 789",
            device_id="secret-device",
            lat=51.5100,
            lon=-0.1400,
        ),
        "far": make_report(graffiti, title="Tag on the bridge", lat=51.5400, lon=-0.0700),
        "hidden": _hidden(service),
    }


def _hidden(service):
    report = make_report(service, title="Hidden one")
    report.is_hidden = True
    report.save(update_fields=["is_hidden"])
    return report


@pytest.mark.parametrize("suffix", ["", "-atom"])
def test_new_reports_feed_lists_visible_reports_and_nothing_private(client, reports, suffix):
    response = client.get(reverse(f"accountability:feed-new{suffix}"))
    assert titles(response) == ["Tag on the bridge (Graffiti)", "Hole by the school (Pothole)"]
    body = response.content.decode()
    for private in PRIVATE:
        assert private not in body
    assert "http://testserver/reports/" in body or "/reports/" in body


def test_feeds_by_service_authority_and_near_a_point(client, reports, authority):
    assert titles(client.get(reverse("accountability:feed-service", args=["graffiti"]))) == [
        "Tag on the bridge (Graffiti)"
    ]
    assert (
        len(titles(client.get(reverse("accountability:feed-authority", args=[authority.slug]))))
        == 2
    )
    near = client.get(
        reverse("accountability:feed-near"), {"lat": 51.5101, "lon": -0.1401, "radius": 300}
    )
    assert titles(near) == ["Hole by the school (Pothole)"]
    assert client.get(reverse("accountability:feed-near"), {"lat": "x"}).status_code == 404
    assert client.get(reverse("accountability:feed-service", args=["nope"])).status_code == 404


def test_named_reporter_shows_in_the_feed_only_by_choice(client, service, authority):
    make_report(service, reporter=make_user(display_name="Dana Open"), show_name=True)
    body = client.get(reverse("accountability:feed-new-atom")).content.decode()
    assert "Dana Open" in body


def test_report_updates_feed_shows_the_public_timeline(client, reports, staff):
    report = reports["near"]
    change_state(report, "acknowledged", by=staff, note="Inspector booked for Monday & Tuesday.")
    response = client.get(reverse("accountability:feed-updates-atom", args=[report.pk]))
    assert titles(response)[0].startswith("Acknowledged")
    assert "Inspector booked for Monday &amp; Tuesday." in response.content.decode()
    assert (
        client.get(reverse("accountability:feed-updates", args=[reports["hidden"].pk])).status_code
        == 404
    )


def test_pages_link_their_feeds(client, reports):
    report = reports["near"]
    page = client.get(report.get_absolute_url()).content.decode()
    assert f'href="{reverse("accountability:feed-updates", args=[report.pk])}"' in page
    assert 'rel="alternate" type="application/rss+xml"' in page
    listing = client.get(reverse("reports:list"), {"service": "graffiti"}).content.decode()
    assert f'href="{reverse("accountability:feed-service", args=["graffiti"])}"' in listing


def test_feed_query_count_does_not_grow_with_reports(
    client, service, authority, django_assert_num_queries
):
    for n in range(30):
        make_report(service, title=f"Report {n}", reporter=make_user())
    # 1: the newest 50 visible reports with their service and reporter's profile.
    with django_assert_num_queries(1):
        client.get(reverse("accountability:feed-new"))
