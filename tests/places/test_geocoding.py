"""Address search against a fake Nominatim: a real HTTP server on a local port, so the
request, its timeout and every failure go through urllib as they would in production.

`FakeNominatim` (tests/fakes.py) is also used by the new-report view tests and the browser tests.
"""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
import time_machine

from places import geocoding
from places.geocoding import GeocodingError, Place
from tests.fakes import HIGH_STREET, MARKET_SQUARE, PARIS, FakeNominatim


@pytest.fixture
def nominatim(settings):
    with FakeNominatim() as fake:
        settings.GEOCODER_URL = fake.url
        settings.GEOCODER_USER_AGENT = "Civic tests (https://civic.example.org)"
        yield fake


def test_search_returns_places_from_the_geocoder(nominatim):
    nominatim.places = [HIGH_STREET, MARKET_SQUARE]

    places = geocoding.search("12 High Street")

    assert places == [
        Place(51.5101, -0.1402, "12, High Street, Borough, London, E1 6AN"),
        Place(51.52, -0.1, "Market Square, Borough, London"),
    ]


def test_search_asks_for_the_service_area_only_and_names_the_site(nominatim, settings):
    settings.SERVICE_AREA = (-0.23, 51.47, -0.05, 51.55)

    geocoding.search("  12   High  Street ")

    [request] = nominatim.requests
    assert request["query"] == {
        "q": "12 high street",
        "format": "jsonv2",
        "limit": "5",
        "viewbox": "-0.23,51.55,-0.05,51.47",  # west,north,east,south
        "bounded": "1",
    }
    assert request["headers"]["User-Agent"] == "Civic tests (https://civic.example.org)"
    assert request["headers"]["Accept-Language"] == "en"


def test_places_outside_the_service_area_are_dropped(nominatim):
    nominatim.places = [PARIS, HIGH_STREET]

    assert [p.display_name for p in geocoding.search("12 High Street")] == [
        HIGH_STREET["display_name"]
    ]


def test_unusable_results_are_skipped(nominatim):
    nominatim.places = [
        {"lat": "north", "lon": "-0.14", "display_name": "Bad latitude"},
        {"lat": "51.51", "display_name": "No longitude"},
        {"lat": "nan", "lon": "-0.14", "display_name": "Not a number"},
        {"lat": "51.51", "lon": "-0.14", "display_name": "   "},
        "not an object",
        HIGH_STREET,
    ]

    assert [p.display_name for p in geocoding.search("High Street")] == [
        HIGH_STREET["display_name"]
    ]


def test_answers_are_cached_for_a_day_by_normalised_query(nominatim):
    nominatim.places = [HIGH_STREET]

    with time_machine.travel("2025-03-01 12:00", tick=False) as traveller:
        first = geocoding.search("12 High Street")
        nominatim.places = []
        assert geocoding.search("12  high STREET ") == first
        assert len(nominatim.requests) == 1

        traveller.shift(timedelta(days=1, seconds=1))
        assert geocoding.search("12 High Street") == []
        assert len(nominatim.requests) == 2


def test_an_empty_answer_is_cached_too(nominatim):
    geocoding.search("Nowhere Lane")
    geocoding.search("nowhere lane")

    assert len(nominatim.requests) == 1


def test_a_blank_query_asks_nobody(nominatim):
    assert geocoding.search("   ") == []
    assert nominatim.requests == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, b"Internal Server Error"),
        (429, b"Too many requests"),
        (200, b"<html>Bad gateway</html>"),
        (200, b'{"error": "Unable to geocode"}'),
        (200, b"\xff\xfe not utf-8"),
    ],
    ids=["http-500", "http-429", "not-json", "not-a-list", "not-utf8"],
)
def test_a_failing_geocoder_raises_geocoding_error_and_is_not_cached(nominatim, status, body):
    nominatim.status, nominatim.body = status, body

    with pytest.raises(GeocodingError):
        geocoding.search("12 High Street")

    nominatim.status, nominatim.body, nominatim.places = 200, None, [HIGH_STREET]
    assert len(geocoding.search("12 High Street")) == 1


def test_a_geocoder_that_does_not_answer_in_time_raises_geocoding_error(settings, monkeypatch):
    # A socket that accepts connections (the backlog) but never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.GEOCODER_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/search"
        monkeypatch.setattr(geocoding, "TIMEOUT_SECONDS", 0.2)

        with pytest.raises(GeocodingError, match="timed out"):
            geocoding.search("12 High Street")


def test_an_unreachable_geocoder_raises_geocoding_error(settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.GEOCODER_URL = f"http://127.0.0.1:{port}/search"

    with pytest.raises(GeocodingError):
        geocoding.search("12 High Street")


def test_search_is_off_without_a_geocoder_url(settings):
    settings.GEOCODER_URL = ""

    assert geocoding.is_enabled() is False
    with pytest.raises(GeocodingError):
        geocoding.search("12 High Street")
