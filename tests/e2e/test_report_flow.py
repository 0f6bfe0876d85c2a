"""The foundation's promise, in a real browser: sign up, report a problem on the map with a
photo, land on the report's page, and find it on the home map; or place the report by its
address, for those who cannot use a map."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from civic.models import OutboundEmail
from reports.models import Report
from tests.factories import (
    SQUARE,
    gps_exif,
    jpeg_bytes,
    make_authority,
    make_service,
    make_service_with_every_attribute,
    make_user,
)
from tests.fakes import HIGH_STREET, MARKET_SQUARE, PARIS, FakeNominatim

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
    page.get_by_label("Display name").fill("Newcomer")
    page.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again)").fill("a-long-and-unusual-passphrase")
    screenshot("flow-1-signup")
    page.get_by_role("button", name="Create account").click()
    # The same answer whether or not the address has an account: check your inbox.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    screenshot("flow-1b-verify-email")
    email = OutboundEmail.objects.get(to="newcomer@example.org")
    link = re.search(r"/accounts/confirm-email/\S+/", email.body_text).group(0)
    page.goto(live_server.url + link)
    page.get_by_role("button", name="Confirm").click()
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
    # Loaded, not only in the page: wait for the image itself (a busy machine is slow).
    thumbnail.evaluate(
        "img => img.complete && img.naturalWidth > 0 ? true"
        " : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth > 0)))"
    )
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
    make_user(email="phone@example.org", password="a-long-and-unusual-passphrase")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/reports/new/?next=x")
    # Guests may report with their email; signing in from the form comes back to it.
    page.get_by_role("link", name="Sign in").last.click()
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


@pytest.fixture
def nominatim(settings):
    """A fake Nominatim on a local port, which the live server's geocoder asks."""
    with FakeNominatim() as fake:
        settings.GEOCODER_URL = fake.url
        yield fake


def test_resident_places_a_report_by_its_address_without_touching_the_map(
    live_server, page, screenshot, city, nominatim
):
    nominatim.places = [HIGH_STREET, MARKET_SQUARE, PARIS]
    make_user(email="nomap@example.org", password="a-long-and-unusual-passphrase")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/accounts/login/?next=/reports/new/")
    page.get_by_label("Email").fill("nomap@example.org")
    page.get_by_label("Password").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#new-report-map.leaflet-container")).to_be_visible()

    page.get_by_label("Address or place").fill("12 High Street")
    page.get_by_role("button", name="Find this address").click()

    # The results arrive in a live region; places outside the area are not offered.
    results = page.locator("#address-results[aria-live=polite]")
    expect(results).to_contain_text("2 places match “12 High Street”")
    expect(results).not_to_contain_text("Paris")
    choose = page.get_by_role("button", name=re.compile(r"^Put the pin here\W+12, High Street"))
    expect(choose).to_be_visible()
    # By keyboard: the button is a real button.
    choose.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#pin-status")).to_contain_text("Pin placed at 12, High Street")
    expect(page.locator("#pin-status")).to_be_focused()
    expect(page.locator("input[name=lat]")).to_have_value("51.5101")
    expect(page.locator("input[name=lon]")).to_have_value("-0.1402")
    expect(page.locator(".leaflet-marker-icon.pin--here")).to_have_count(1)
    assert page.url.endswith("/reports/new/"), "the choice must not leave the page"

    page.get_by_label("Category").select_option("pothole")
    page.get_by_label("Title").fill("Pothole outside number 12")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the address results are wider than the phone"
    screenshot("flow-5-address-search-phone")

    page.get_by_role("button", name="Send report").click()

    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.get_by_role("heading", name="Pothole outside number 12")).to_be_visible()
    report = Report.objects.get(title="Pothole outside number 12")
    assert (report.lat, report.lon) == (51.5101, -0.1402)
    assert report.address == "12 High Street"
    assert [r["query"]["q"] for r in nominatim.requests] == ["12 high street"]
    screenshot("flow-6-report-placed-by-address")


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_a_resident_finds_the_address_and_sends_the_report(
    live_server, page, screenshot, city, nominatim
):
    nominatim.places = [HIGH_STREET, MARKET_SQUARE]
    make_user(email="nojs@example.org", password="a-long-and-unusual-passphrase")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/accounts/login/?next=/reports/new/")
    page.get_by_label("Email").fill("nojs@example.org")
    page.get_by_label("Password").fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Sign in").click()
    # The notice in <noscript> (Playwright's text search skips noscript elements).
    assert "Without it, type the address below" in page.content()

    page.get_by_label("Category").select_option("pothole")
    page.get_by_label("Title").fill("Pothole by the market")
    page.get_by_label("Address or place").fill("Market Square")
    page.get_by_role("button", name="Find this address").click()

    # The whole page comes back (posted: no CSRF token in a URL) with the results and
    # everything typed.
    expect(page).to_have_url(re.compile(r"/reports/new/#address-results$"))
    expect(page.locator("#address-results")).to_contain_text("2 places match “Market Square”")
    expect(page.get_by_label("Title")).to_have_value("Pothole by the market")
    # Measured on the page as shown, its stylesheet applied (under a loaded machine the
    # text can be on screen before it is).
    page.wait_for_load_state("load")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, "the address results are wider than the phone"
    screenshot("flow-7-no-javascript-address-results")
    page.get_by_role("button", name=re.compile(r"^Put the pin here\W+Market Square")).click()

    expect(page.locator("#pin-status")).to_have_text("The pin is placed.")
    expect(page.get_by_label("Title")).to_have_value("Pothole by the market")
    expect(page.get_by_label("Category")).to_have_value("pothole")
    page.get_by_role("button", name="Send report").click()

    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get(title="Pothole by the market")
    assert (report.lat, report.lon) == (51.52, -0.1)
    assert report.address == "Market Square"
    screenshot("flow-8-no-javascript-report")
