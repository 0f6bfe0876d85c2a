"""The map's compact data in a real browser: a marker's popup loads the report's details
on demand, and where there are too many reports the map shows clusters to zoom into."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reports.views import lists as views
from tests.factories import SQUARE, make_authority, make_report, make_service

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def pothole():
    service = make_service(code="pothole", name="Pothole")
    make_authority(services=[service], boundary=SQUARE, name="Borough Council")
    return service


def test_a_popup_loads_the_reports_details_when_opened(live_server, page, pothole):
    report = make_report(service=pothole, title="Deep pothole on Elm Street", address="3 Elm St")

    page.goto(live_server.url + "/reports/?view=map")
    marker = page.locator(f"#list-map .leaflet-marker-icon[title^='{report.title}']")
    marker.click()

    expect(page.locator(".leaflet-popup .popup__title")).to_have_text(report.title)
    expect(page.locator(".leaflet-popup .popup__meta")).to_have_text(
        "Pothole · Submitted · 3 Elm St"
    )
    page.screenshot(path="/tmp/i12api-map-popup.png")


def test_too_many_reports_show_as_clusters_that_zoom_in(live_server, page, pothole, monkeypatch):
    monkeypatch.setattr(views, "GEOJSON_MAX_FEATURES", 3)
    for n in range(8):
        make_report(service=pothole, lat=51.5 + n * 0.0003, lon=-0.12 + n * 0.0003)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/reports/?view=map")
    clusters = page.locator("#list-map .cluster")
    expect(clusters.first).to_be_visible()
    expect(page.locator("#list-map-status")).to_have_text("8 reports in this part of the map.")
    page.screenshot(path="/tmp/i12api-map-clusters.png")
    zoom = page.evaluate("civicMap.get('list-map').getZoom()")

    clusters.first.click()

    page.wait_for_function(f"civicMap.get('list-map').getZoom() > {zoom}")
