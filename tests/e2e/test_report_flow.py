"""The foundation's promise, in a real browser: sign up, report a problem on the map with a
photo, land on the report's page, and find it on the home map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import (
    SQUARE,
    gps_exif,
    jpeg_bytes,
    make_authority,
    make_service,
    make_service_with_every_attribute,
)

PHOTO_POSITION = (51.5155, -0.1355)


@pytest.fixture
def city(transactional_db):
    """Two categories in two groups, and an authority covering the whole service area."""
    lights = make_service_with_every_attribute(group="Lighting")
    pothole = make_service(code="pothole", name="Pothole", group="Roads")
    make_authority(services=[lights, pothole], boundary=SQUARE, name="Borough Council")
    return lights


def test_resident_signs_up_reports_a_problem_and_finds_it_on_the_home_map(
    live_server, page, screenshot, city, tmp_path
):
    photo = tmp_path / "streetlight.jpg"
    photo.write_bytes(jpeg_bytes(size=(640, 480), exif=gps_exif(*PHOTO_POSITION)))
    page.set_viewport_size({"width": 1280, "height": 900})

    # Sign up through the real allauth form.
    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again)").fill("a-long-and-unusual-passphrase")
    screenshot("flow-1-signup")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Open the new-report form and place the pin by clicking the map.
    page.get_by_role("link", name="Report a problem").first.click()
    expect(page.get_by_role("heading", name="Report a problem", level=1)).to_be_visible()
    map_box = page.locator("#new-report-map.leaflet-container")
    expect(map_box).to_be_visible()
    map_box.click(position={"x": 300, "y": 180})
    expect(page.locator("#pin-status")).to_contain_text("Pin placed at")
    assert page.locator("input[name=lat]").input_value()

    # The category's extra questions arrive by htmx.
    page.get_by_label("Category").select_option("streetlight")
    question = page.get_by_label("Which lamp post is it?")
    expect(question).to_be_visible()
    question.fill("The one opposite number 12")
    page.get_by_label("It flickers").check()
    page.get_by_label("Title").fill("Street light flickering all night")
    page.get_by_label("What is wrong?").fill("It flickers on and off after dark.")

    # The photo knows where it was taken: its position is offered before it is stripped.
    page.get_by_label("Photos").set_input_files(str(photo))
    use_photo = page.get_by_role("button", name="Use the photo's location")
    expect(use_photo).to_be_visible()
    use_photo.click()
    expect(page.locator("input[name=lat]")).to_have_value(str(PHOTO_POSITION[0]))
    screenshot("flow-2-new-report-filled")

    page.get_by_role("button", name="Send report").click()

    # The report's own page.
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.get_by_role("heading", name="Street light flickering all night")).to_be_visible()
    expect(page.locator(".report__status .badge")).to_have_text("Submitted")
    expect(page.get_by_text("The one opposite number 12")).to_be_visible()
    thumbnail = page.locator(".photos img").first
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    report_path = page.url.removeprefix(live_server.url)
    screenshot("flow-3-report-page")

    # Anyone finds it on the home map: its marker has an accessible title.
    page.goto(live_server.url + "/")
    marker = page.locator(".leaflet-marker-icon[title^='Street light flickering all night']")
    expect(marker).to_have_count(1)
    marker.click()
    expect(page.locator(".leaflet-popup .popup__title")).to_have_attribute("href", report_path)
    screenshot("flow-4-home-map")


def test_new_report_form_fits_a_phone_screen(live_server, page, screenshot, city):
    from tests.factories import make_user

    make_user(email="phone@example.org", password="a-long-and-unusual-passphrase")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/reports/new/")
    # Guests are sent to sign in, and come back.
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/reports/new/"))
    page.get_by_label("Email").fill("phone@example.org")
    page.get_by_label("Password").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/reports/new/$"))
    expect(page.locator("#new-report-map.leaflet-container")).to_be_visible()

    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#error-summary")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the form is wider than the phone"
    screenshot("new-report-phone")
