"""Two people at once: staff answer on a report, and the resident's open page shows it
without a reload. Also a look at the alert and account pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import VIEWPORTS, audit, mark_page, same_document, sign_in
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_authority, make_report, make_service, make_staff, make_user

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_staff_status_change_appears_live_on_the_residents_open_page(live_server, browser):
    service = make_service(name="Pothole")
    authority = make_authority(services=[service], name="Borough Council")
    officer = make_staff(authority, first_name="Olga", last_name="Officer")
    rosa = make_user(first_name="Rosa", last_name="Parks")
    report = make_report(service=service, reporter=rosa, title="Deep pothole on Elm Street")
    url = live_server.url + report.get_absolute_url()

    resident_context = browser.new_context()
    staff_context = browser.new_context()
    for context in (resident_context, staff_context):
        context.route("https://**/*", lambda route: route.fulfill(status=204, body=""))
    sign_in(resident_context, live_server, rosa)
    sign_in(staff_context, live_server, officer)
    resident = resident_context.new_page()
    resident.goto(url)
    mark_page(resident)
    expect(resident.locator("#report-status .badge")).to_have_text("Submitted")

    staff = staff_context.new_page()
    staff.goto(url)
    panel = staff.locator("#staff-panel")
    panel.get_by_label("Status").select_option("in_progress")
    panel.get_by_label("Public note").fill("A crew is on site today.")
    panel.get_by_role("button", name="Publish update").click()
    expect(staff.locator("#staff-panel-status")).to_contain_text("published")

    # The resident's page, untouched, picks it up through the live poll.
    expect(resident.locator("#report-status .badge")).to_have_text("In progress", timeout=10_000)
    expect(resident.locator("#timeline .timeline__item").last).to_contain_text(
        "A crew is on site today.", timeout=10_000
    )
    assert same_document(resident)
    ARTIFACTS.mkdir(exist_ok=True)
    resident.screenshot(path=str(ARTIFACTS / "live-answer-resident.png"), full_page=True)
    resident_context.close()
    staff_context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_alert_page_draws_an_area_by_clicking(live_server, page, screenshot, viewport):
    make_authority(services=[make_service(name="Pothole")], name="Borough Council")
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page.context, live_server, make_user(first_name="Ana", last_name="Lopez"))
    page.goto(live_server.url + "/reports/alerts/new/")
    page.get_by_label("An area I draw").check()
    box = page.locator("#alert-map.leaflet-container")
    expect(box).to_be_visible()
    for x, y in ((60, 60), (200, 60), (200, 160), (60, 160)):
        box.click(position={"x": x, "y": y})
    corners = page.get_by_label("Area corners").input_value().strip().splitlines()
    assert len(corners) == 4
    screenshot(f"alert-new-{viewport}")
    page.get_by_role("button", name="Email me").click()
    expect(page.get_by_role("heading", name="My page")).to_be_visible()
    expect(page.locator("#alerts-title + ul")).to_contain_text("an area you drew")


def test_account_page(live_server, page, screenshot):
    sign_in(page.context, live_server, make_user(first_name="Ana", last_name="Lopez"))
    page.goto(live_server.url + "/me/account/")
    expect(page.get_by_label("Display name")).to_have_value("Ana Lopez")
    screenshot("account-settings")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_new_pages_have_no_accessibility_problems(live_server, page, viewport):
    service = make_service(name="Pothole")
    authority = make_authority(services=[service], name="Borough Council")
    user = make_user(first_name="Ana", last_name="Lopez")
    report = make_report(service=service, reporter=user, title="Deep pothole")
    from reports.actions import change_state

    change_state(report, "fixed", by=make_staff(authority))
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page.context, live_server, user)
    for path in (
        "/me/account/",
        "/me/account/delete/",
        "/reports/alerts/new/",
        report.get_absolute_url(),
    ):
        page.goto(live_server.url + path)
        problems = audit(page)
        assert not problems, f"{path}:\n" + "\n".join(problems)
