"""A staff member answers on the report page itself, and the page updates in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import VIEWPORTS, audit, mark_page, same_document, sign_in
from tests.factories import make_authority, make_report, make_service, make_staff, make_user

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def report_and_officer(transactional_db):
    service = make_service(name="Pothole")
    authority = make_authority(services=[service], name="Borough Council")
    officer = make_staff(authority, first_name="Olga", last_name="Officer")
    rosa = make_user(first_name="Rosa", last_name="Parks")
    report = make_report(service=service, reporter=rosa, title="Deep pothole on Elm Street")
    return report, officer


def test_staff_sets_in_progress_and_the_timeline_updates_in_place(
    live_server, page, screenshot, report_and_officer
):
    report, officer = report_and_officer
    sign_in(page.context, live_server, officer)
    page.goto(live_server.url + report.get_absolute_url())
    mark_page(page)
    panel = page.locator("#staff-panel")
    expect(panel.get_by_role("heading", name="Staff: update this report")).to_be_visible()
    # The original report's number only matters for "Duplicate".
    expect(panel.get_by_label("Original report number")).to_be_hidden()

    panel.get_by_label("Status").select_option("in_progress")
    panel.get_by_label("Public note").fill("A crew is on site today.")
    panel.get_by_role("button", name="Publish update").click()

    entries = page.locator("#timeline .timeline__item")
    expect(entries).to_have_count(2)
    expect(entries.last).to_contain_text("In progress")
    expect(entries.last).to_contain_text("Official")
    expect(entries.last.locator(".timeline__note")).to_have_text("A crew is on site today.")
    expect(page.locator("#report-status .badge")).to_have_text("In progress")
    expect(page.locator("#staff-panel-status")).to_have_text(
        "Your update is published on the timeline."
    )
    # A fresh form, showing the new status, ready for the next answer.
    expect(panel.get_by_label("Public note")).to_have_value("")
    expect(panel.get_by_label("Status")).to_have_value("in_progress")
    expect(panel.get_by_role("button", name="Publish update")).to_be_focused()
    assert same_document(page)
    panel.scroll_into_view_if_needed()
    screenshot("staff-update")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_staff_panel_with_errors_has_no_wcag_violations(
    live_server, page, screenshot, report_and_officer, viewport
):
    report, officer = report_and_officer
    sign_in(page.context, live_server, officer)
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + report.get_absolute_url())
    problems = audit(page)
    assert not problems, "\n".join(problems)

    panel = page.locator("#staff-panel")
    panel.get_by_label("Status").select_option("duplicate")
    panel.get_by_label("Original report number").fill(str(report.pk))
    panel.get_by_role("button", name="Publish update").click()

    # The panel comes back with its errors; focus goes to the first field to correct.
    expect(panel.get_by_role("alert")).to_be_visible()
    expect(panel.get_by_label("Original report number")).to_be_focused()
    expect(panel.get_by_label("Original report number")).to_have_accessible_description(
        "Only for “Duplicate”: the number of the report this one repeats, such as 123. "
        "Error: A report cannot be a duplicate of itself. Type the original's number."
    )
    panel.scroll_into_view_if_needed()
    screenshot(f"staff-update-errors-{viewport}", full_page=False)
    problems = audit(page)
    assert not problems, "\n".join(problems)
