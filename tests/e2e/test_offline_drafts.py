"""Offline: the service worker keeps the report form; reports sent with no network are kept
as drafts on the device (several, with photos) and sent once the network is back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reports.models import Photo, Report
from tests.e2e.browser import sign_in
from tests.factories import SQUARE, jpeg_bytes, make_authority, make_service, make_user


@pytest.fixture
def city(transactional_db):
    pothole = make_service(code="pothole", name="Pothole")
    make_authority(services=[pothole], boundary=SQUARE)


def _fill(page, title: str, photo=None) -> None:
    if page.locator("details.coordinates").get_attribute("open") is None:
        page.get_by_text("Or type the latitude and longitude").click()
    page.get_by_label("Latitude").fill("51.51")
    page.get_by_label("Longitude").fill("-0.14")
    page.get_by_label("Category").select_option("pothole")
    page.get_by_label("Title").fill(title)
    if photo is not None:
        page.get_by_label("Photos").set_input_files(str(photo))


def test_reports_made_offline_are_kept_and_sent_when_back_online(
    live_server, page, context, screenshot, city, tmp_path
):
    resident = make_user(email="offline@example.org")
    sign_in(context, live_server, resident)
    photo = tmp_path / "pothole.jpg"
    photo.write_bytes(jpeg_bytes(size=(320, 240)))
    page.goto(live_server.url + "/reports/new/")
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker, which keeps the page
    expect(page.get_by_role("heading", name="Report a problem", level=1)).to_be_visible()

    context.set_offline(True)
    _fill(page, "Pothole by the school", photo)
    page.get_by_role("button", name="Send report").click()
    drafts = page.locator("#drafts-list li")
    expect(drafts).to_have_count(1)
    expect(page.locator("#drafts-status")).to_contain_text("No network")
    _fill(page, "Second pothole")
    page.get_by_role("button", name="Send report").click()
    expect(drafts).to_have_count(2)
    expect(drafts.first).to_contain_text("Pothole by the school (1 photo(s)")
    assert not Report.objects.exists()

    # Still offline, the page opens from the service worker's copy, drafts and all.
    page.reload()
    expect(page.get_by_role("heading", name="Report a problem", level=1)).to_be_visible()
    expect(drafts).to_have_count(2)
    screenshot("offline-drafts")

    context.set_offline(False)
    expect(page.locator("#drafts-status")).to_contain_text("You are back online")
    drafts.first.get_by_role("button", name="Send now").click()
    expect(page.locator("#drafts-status")).to_contain_text("Sent: Pothole by the school")
    expect(drafts).to_have_count(1)
    drafts.first.get_by_role("button", name="Send now").click()
    expect(page.locator("#drafts-status")).to_contain_text("Sent: Second pothole")
    expect(drafts).to_have_count(0)

    reports = {r.title: r for r in Report.objects.all()}
    assert set(reports) == {"Pothole by the school", "Second pothole"}
    assert reports["Pothole by the school"].reporter == resident
    assert Photo.objects.filter(report=reports["Pothole by the school"]).count() == 1
