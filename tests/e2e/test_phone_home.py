"""The home page on a phone: the map first, a compact header, "Report here", and the
street search centring the map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from places import gazetteer as places
from tests.factories import SQUARE, make_authority, make_service


@pytest.fixture
def city(transactional_db):
    pothole = make_service(code="pothole", name="Pothole")
    make_authority(services=[pothole], boundary=SQUARE)
    places.seed_demo_places()


def test_phone_home_leads_with_the_map_and_report_here(live_server, page, screenshot, city):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/")
    expect(page.locator("#home-map.leaflet-container")).to_be_visible()

    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 120, header
    map_box = page.locator("#home-map").bounding_box()
    assert map_box["y"] < 812 / 2, map_box
    report_here = page.get_by_role("link", name="Report here")
    expect(report_here).to_be_in_viewport()
    screenshot("phone-home", full_page=False)

    # Searching a street centres the map there; "Report here" then carries that point.
    page.get_by_label("Search a street or place").fill("market square")
    page.get_by_role("button", name="Search", exact=True).click()
    show = page.get_by_role("link", name=re.compile(r"Show on the map\s*: Market Square"))
    expect(show).to_be_visible()
    show.click()
    assert page.url.rstrip("/").endswith(live_server.url.rstrip("/")) or "?at=" not in page.url
    expect(report_here).to_have_attribute("href", re.compile(r"pin=51\.512500,-0\.14"))
    report_here.click()
    expect(page.locator("#pin-status")).to_contain_text("Pin placed at")
