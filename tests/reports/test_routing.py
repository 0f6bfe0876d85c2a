from __future__ import annotations

import pytest

from delivery.models import Delivery
from reports import routing
from tests.factories import make_authority, make_report, make_service

pytestmark = pytest.mark.django_db

WEST = {
    "type": "Polygon",
    "coordinates": [[[-0.2, 51.4], [-0.1, 51.4], [-0.1, 51.6], [-0.2, 51.6], [-0.2, 51.4]]],
}
EAST = {
    "type": "MultiPolygon",
    "coordinates": [[[[-0.1, 51.4], [0.0, 51.4], [0.0, 51.6], [-0.1, 51.6], [-0.1, 51.4]]]],
}


def test_point_goes_to_the_authority_whose_area_holds_it():
    service = make_service()
    west = make_authority(services=[service], boundary=WEST)
    east = make_authority(services=[service], boundary=EAST)
    assert routing.route(service, 51.5, -0.15) == [west]
    assert routing.route(service, 51.5, -0.05) == [east]


def test_overlapping_authorities_each_get_a_delivery():
    service = make_service()
    council = make_authority(services=[service], boundary=WEST)
    utility = make_authority(services=[service], boundary=WEST)
    report = make_report(service=service, lat=51.5, lon=-0.15)
    assert set(Delivery.objects.filter(report=report).values_list("authority", flat=True)) == {
        council.pk,
        utility.pk,
    }


def test_authority_without_a_contact_for_the_service_is_skipped():
    pothole, leak = make_service(), make_service()
    make_authority(services=[pothole], boundary=WEST)
    water = make_authority(services=[leak], boundary=WEST)
    assert routing.route(leak, 51.5, -0.15) == [water]


def test_inactive_authority_is_skipped():
    service = make_service()
    make_authority(services=[service], boundary=WEST, is_active=False)
    assert routing.route(service, 51.5, -0.15) == []


def test_configured_default_authority_catches_the_rest(settings):
    service = make_service()
    make_authority(services=[service], boundary=WEST)
    fallback = make_authority(services=[], boundary=None, slug="city-hall")
    settings.DEFAULT_AUTHORITY_SLUG = "city-hall"
    assert routing.route(service, 51.5, 0.05) == [fallback]
    report = make_report(service=service, lat=51.5, lon=0.05)
    assert report.authority == fallback


def test_routing_follows_the_admins_changes_at_once():
    """Who takes what is kept in the process; every change to it is seen by the next report."""
    from reports.models import Contact

    service = make_service()
    west = make_authority(services=[service], boundary=WEST)
    water = make_authority(services=[], boundary=WEST)
    assert routing.route(service, 51.5, -0.15) == [west]
    # Another authority takes the service too.
    Contact.objects.create(authority=water, service=service, email="water@example.org")
    assert routing.route(service, 51.5, -0.15) == [west, water]
    # One is switched off; the other's area moves east.
    west.is_active = False
    west.save()
    assert routing.route(service, 51.5, -0.15) == [water]
    water.boundary = EAST
    water.save()
    assert routing.route(service, 51.5, -0.15) == []
    assert routing.route(service, 51.5, -0.05) == [water]


def test_the_kept_services_route_by_what_was_kept_with_them_and_renew_with_them(
    django_assert_num_queries, monkeypatch
):
    """A service as both POSTs find it (among the active ones the process keeps) reads
    its candidates once; a change bumps the services' version, and the next list (and
    its services) is read anew."""
    from reports.forms.report import active_services
    from reports.models import Contact

    service = make_service()
    west = make_authority(services=[service], boundary=WEST)

    def kept():
        return next(s for s in active_services() if s.pk == service.pk)

    assert routing.route(kept(), 51.5, -0.15) == [west]
    same = kept()
    with monkeypatch.context() as patched, django_assert_num_queries(0):
        patched.setattr(routing.versions, "current", None)  # no version read either
        assert routing.route(same, 51.5, -0.15) == [west]
    water = make_authority(services=[], boundary=WEST)
    Contact.objects.create(authority=water, service=service, email="water@example.org")
    assert kept() is not same
    assert routing.route(kept(), 51.5, -0.15) == [west, water]
