"""POST requests with an address instead of coordinates (address_string or address_id)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from delivery.models import Delivery
from places import gazetteer as places
from reports.models import Report
from tests import factories
from tests.factories import worker_round
from tests.fakes import FakeNominatim, nominatim_place
from tests.open311.conftest import API, assert_errors, decode

pytestmark = pytest.mark.django_db


@pytest.fixture
def address_post(valid_post):
    del valid_post["lat"], valid_post["long"]
    return valid_post


@pytest.fixture
def demo_places(db):
    places.seed_demo_places()


def _answer_id(response, fmt: str) -> int:
    body = decode(response)
    if fmt == "xml":
        return int(body.find("request").findtext("service_request_id"))
    return int(body[0]["service_request_id"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_address_string_found_in_the_gazetteer_places_the_report(
    client, full_service, address_post, demo_places, fmt
):
    response = client.post(
        f"{API}/requests.{fmt}", {**address_post, "address_string": "14 queen st"}
    )

    assert response.status_code == 200, response.content
    report = Report.objects.get(pk=_answer_id(response, fmt))
    assert report.has_location
    assert report.lat == pytest.approx(51.518, abs=1e-6)
    assert report.address == "14 queen st"
    worker_round()
    assert Delivery.objects.filter(report=report).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_address_id_found_in_the_gazetteer_places_the_report(
    client, full_service, address_post, demo_places, fmt
):
    response = client.post(f"{API}/requests.{fmt}", {**address_post, "address_id": "RV11AA"})

    assert response.status_code == 200, response.content
    report = Report.objects.get(pk=_answer_id(response, fmt))
    assert (report.lat, report.lon) == (51.511, -0.14)
    assert report.address_id == "RV11AA"
    # The client sent no text: the place's name describes it.
    assert report.address == "RV1 1AA"


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("extra", [{"address_string": "7 Nowhere Close"}, {"address_id": "x-99"}])
def test_an_address_nobody_finds_is_stored_to_be_confirmed(
    client, service, full_service, address_post, settings, fmt, extra
):
    default = factories.make_authority(
        services=[service], name="City Desk", slug="city-desk", boundary=None
    )
    settings.DEFAULT_AUTHORITY_SLUG = "city-desk"

    response = client.post(f"{API}/requests.{fmt}", {**address_post, **extra})

    assert response.status_code == 200, response.content
    report = Report.objects.get(pk=_answer_id(response, fmt))
    assert not report.has_location and report.lat is None
    # Routed to the default authority, which receives it like any other.
    assert report.authority == default
    worker_round()
    assert Delivery.objects.filter(report=report, authority=default).exists()
    # Listed with a clear note, not mapped.
    listing = client.get(reverse("reports:list")).content.decode()
    assert "Location to be confirmed: not on the map yet" in listing
    geojson = client.get(reverse("reports:geojson"), {"bbox": "-0.23,51.47,-0.05,51.55"}).json()
    assert geojson["features"] == []
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Location to be confirmed" in page and 'id="report-map"' not in page
    # The API answers it without a point.
    detail = client.get(f"{API}/requests/{report.pk}.json").json()[0]
    assert detail["lat"] is None and detail["long"] is None


def test_the_external_geocoder_is_asked_when_the_gazetteer_has_nothing(
    client, full_service, address_post, settings
):
    with FakeNominatim() as fake:
        settings.GEOCODER_URL = fake.url
        fake.places = [nominatim_place(51.505, -0.12, "5 Far Lane, Riverside")]
        response = client.post(
            f"{API}/requests.json", {**address_post, "address_string": "5 Far Lane"}
        )

    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.lat, report.lon) == (51.505, -0.12)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_with_only_an_address_gets_the_same_error_list(
    client, full_service, address_post, fmt
):
    del address_post["attribute[depth]"]

    response = client.post(
        f"{API}/requests.{fmt}", {**address_post, "address_string": "12 High Street"}
    )

    assert_errors(response, 400, "attribute[depth] is required", fmt=fmt)
    assert not Report.objects.exists()


def test_staff_place_a_report_to_be_confirmed_from_its_page(
    client, service, authority, staff, other_staff, settings
):
    settings.DEFAULT_AUTHORITY_SLUG = "borough"
    report = factories.make_report(service=service, lat=None, lon=None, address="Nowhere")
    assert not report.has_location

    client.force_login(other_staff)
    refused = client.post(reverse("triage:place-pin", args=[report.pk]), {"lat": "51.5"})
    assert refused.status_code == 403

    client.force_login(staff)
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Place the pin" in page
    bad = client.post(reverse("triage:place-pin", args=[report.pk]), {"lat": "51.5"})
    assert "Give a street or place, or both latitude and longitude." in bad.content.decode()
    response = client.post(
        reverse("triage:place-pin", args=[report.pk]), {"lat": "51.5", "lon": "-0.1"}
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.lat, report.lon) == (51.5, -0.1)
    assert report.thread.lat == 51.5
    assert report.updates.filter(note__startswith="The location is confirmed").exists()
