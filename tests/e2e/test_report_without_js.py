"""The whole new-report flow with JavaScript turned off, by a resident without an account:
address search as a list of choices, the category's questions on the next step, the
email link, and the report public and on its way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from civic.models import OutboundEmail
from delivery.models import Delivery
from places import gazetteer as places
from reports.models import Report
from tests.factories import SQUARE, make_authority, make_service_with_every_attribute, worker_round


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "java_script_enabled": False}


@pytest.fixture
def city(transactional_db):
    lights = make_service_with_every_attribute(group="Lighting")
    authority = make_authority(services=[lights], boundary=SQUARE, name="Borough Council")
    places.seed_demo_places()
    return authority


def test_guest_reports_without_javascript_and_confirms_by_email(
    live_server, page, screenshot, city
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/reports/new/")
    expect(page.locator("noscript").first).to_be_attached()

    # 1. Where: the address search answers with a list of choices.
    page.get_by_label("Address or place").fill("queen st")
    page.get_by_role("button", name="Find this address").click()
    assert "csrfmiddlewaretoken" not in page.url
    choice = page.get_by_role("button", name=re.compile(r"Put the pin here\s*: Queen Street"))
    expect(choice).to_be_visible()
    screenshot("nojs-1-address-choices")
    choice.click()
    assert "csrfmiddlewaretoken" not in page.url
    expect(page.get_by_label("Latitude")).to_have_value(re.compile(r"^51\.518"))
    expect(page.locator("#pin-status")).to_have_text("The pin is placed.")
    expect(page.get_by_label("Address or place")).to_have_value("queen st")

    # 2. What: the category, then its questions on the next step.
    page.get_by_label("Category").select_option("streetlight")
    page.get_by_label("Title").fill("Street light out")
    page.get_by_role("button", name="Show this category's questions").click()
    assert "csrfmiddlewaretoken" not in page.url
    expect(page.get_by_label("Title")).to_have_value("Street light out")
    page.get_by_label("Which lamp post is it?").fill("Number 14")
    page.get_by_label("It is off").check()
    page.get_by_label("Your email").fill("walker@example.org")
    screenshot("nojs-2-questions")

    # A mistake comes back with the same messages, and everything typed kept.
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#error-summary")).to_contain_text("Give your report a short title.")
    expect(page.get_by_label("Which lamp post is it?")).to_have_value("Number 14")
    page.get_by_label("Title").fill("Street light out")
    page.get_by_role("button", name="Send report").click()

    # 3. What happens next, said plainly; nothing is public yet.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your email to publish your report"
    )
    expect(page.locator("main")).to_contain_text("walker@example.org")
    screenshot("nojs-3-check-email")
    assert not Report.objects.exists()

    # 4. The link in the email publishes it.
    email = OutboundEmail.objects.get(to="walker@example.org")
    path = re.search(r"(/reports/confirm/[^/\s]+/)", email.body_text).group(1)
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Publish my report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report is published")
    screenshot("nojs-4-published")
    report = Report.objects.get()
    assert report.attributes["where-on-street"] == "Number 14"
    assert report.lat == pytest.approx(51.518, abs=1e-3)
    worker_round()  # its delivery is the worker's
    assert Delivery.objects.filter(report=report, authority=city).exists()
    page.get_by_role("link", name="See “Street light out”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Street light out")


def test_coordinates_typed_by_hand_without_javascript(live_server, page, city):
    page.goto(live_server.url + "/reports/new/")

    page.get_by_text("Or type the latitude and longitude").click()
    page.get_by_label("Latitude").fill("48.85")
    page.get_by_label("Longitude").fill("2.35")
    page.get_by_label("Category").select_option("streetlight")
    page.get_by_role("button", name="Send report").click()

    expect(page.locator("#error-summary")).to_contain_text("outside the area we cover")
    expect(page.get_by_label("Latitude")).to_have_value("48.85")
