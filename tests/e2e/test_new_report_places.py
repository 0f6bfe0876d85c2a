"""The new-report page with JavaScript: suggestions from the gazetteer as one types, the
pin filling the address with the nearest street, and the open reports around on the map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from discussions.models import Support
from places import gazetteer as places
from tests.e2e.browser import sign_in
from tests.factories import SQUARE, make_authority, make_report, make_service, make_user


@pytest.fixture
def city(transactional_db):
    pothole = make_service(code="pothole", name="Pothole", group="Roads")
    make_authority(services=[pothole], boundary=SQUARE, name="Borough Council")
    places.seed_demo_places()
    return pothole


def test_typing_offers_places_and_choosing_one_places_the_pin(live_server, page, screenshot, city):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/reports/new/")
    expect(page.locator("#new-report-map.leaflet-container")).to_be_visible()

    page.get_by_label("Address or place").press_sequentially("queen st", delay=20)
    choice = page.get_by_role("button", name=re.compile(r"Put the pin here\s*: Queen Street"))
    expect(choice).to_be_visible()
    screenshot("places-1-suggestions")
    choice.click()

    expect(page.locator("#pin-status")).to_contain_text("Pin placed at Queen Street")
    expect(page.get_by_label("Latitude")).to_have_value(re.compile(r"^51\.518"))
    assert page.url.endswith("/reports/new/")  # no page load


def test_a_pin_on_the_map_fills_the_address_with_the_nearest_street(live_server, page, city):
    page.set_viewport_size({"width": 1280, "height": 900})
    # Open the map right on High Street (lat 51.510).
    page.goto(live_server.url + "/reports/new/?lat=51.5101&lon=-0.1")
    expect(page.locator("#pin-status")).to_contain_text("Pin placed at")

    expect(page.get_by_label("Address or place")).to_have_value("High Street")


def test_open_reports_around_are_on_the_map_and_me_too_is_one_click_away(
    live_server, page, context, screenshot, city
):
    report = make_report(service=city, lat=51.5101, lon=-0.1401, title="Deep pothole")
    neighbour = make_user(email="neighbour@example.org")
    sign_in(context, live_server, neighbour)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/reports/new/?lat=51.5102&lon=-0.1402")

    expect(page.locator(f"#new-report-map [data-report-id='{report.pk}']")).to_be_attached()
    expect(page.locator("#new-map-status")).to_contain_text("1 open report already")
    expect(page.locator("#nearby")).to_contain_text("Deep pothole")
    screenshot("places-2-nearby")
    page.get_by_role("button", name=re.compile(r"Me too\s*: Deep pothole")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Deep pothole")
    assert Support.objects.filter(thread_id=report.thread_id, user=neighbour).exists()
