"""Staff triage in the browser: the queue (audited at desktop and phone width), its
select-all and bulk answer, and canned responses inserted with one click."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from reports.models import Report
from tests.e2e.browser import VIEWPORTS, audit, sign_in
from tests.factories import make_authority, make_report, make_service, make_staff, make_user
from triage.models import CannedResponse

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def desk(transactional_db):
    """An authority with a target, two colleagues, canned responses and a few open
    reports, one of them overdue and assigned."""
    service = make_service(code="pothole", name="Pothole", target_working_days=5)
    authority = make_authority(services=[service], name="Borough Council")
    officer = make_staff(authority, first_name="Olga", last_name="Officer")
    colleague = make_staff(authority, first_name="Cleo", last_name="Ng")
    rosa = make_user(first_name="Rosa", last_name="Parks")
    old = make_report(
        service=service,
        reporter=rosa,
        title="Deep pothole on Elm Street",
        requested_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=20),
    )
    Report.objects.filter(pk=old.pk).update(assignee=colleague)
    reports = [old] + [
        make_report(service=service, title=f"Pothole by number {n}") for n in range(3)
    ]
    CannedResponse.objects.create(
        authority=authority, title="Thanks", text="Thank you, a crew will look at it.", order=1
    )
    CannedResponse.objects.create(
        authority=authority, state="fixed", title="Repaired", text="Our crew repaired it."
    )
    return {"officer": officer, "reports": reports}


def _open_queue(page, live_server, desk, viewport="desktop"):
    sign_in(page.context, live_server, desk["officer"])
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + "/reports/staff/")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_queue_has_no_wcag_violations(live_server, page, screenshot, desk, viewport):
    _open_queue(page, live_server, desk, viewport)
    expect(page.get_by_role("heading", name="Queue: Borough Council")).to_be_visible()
    expect(page.locator(".clock--overdue")).to_have_count(1)
    screenshot(f"a11y-staff-queue-{viewport}")
    problems = audit(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_report_page_staff_panel_has_no_wcag_violations(
    live_server, page, screenshot, desk, viewport
):
    sign_in(page.context, live_server, desk["officer"])
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + desk["reports"][0].get_absolute_url())
    expect(page.locator("#report-status .clock")).to_contain_text("overdue")
    page.locator("#staff-panel").scroll_into_view_if_needed()
    screenshot(f"a11y-staff-panel-{viewport}")
    problems = audit(page)
    assert not problems, "\n".join(problems)


def test_a_canned_response_goes_into_the_note_and_can_be_edited(live_server, page, desk):
    report = desk["reports"][0]
    sign_in(page.context, live_server, desk["officer"])
    page.goto(live_server.url + report.get_absolute_url())
    panel = page.locator("#staff-panel")
    # With JavaScript the buttons replace the no-JavaScript select.
    expect(panel.get_by_label("Ready-made answer", exact=True)).to_be_hidden()
    expect(panel.get_by_role("button", name="Thanks")).to_be_visible()
    # "Repaired" is for "Fixed" only.
    expect(panel.get_by_role("button", name="Repaired")).to_be_hidden()
    panel.get_by_label("Status").select_option("fixed")
    expect(panel.get_by_role("button", name="Repaired")).to_be_visible()

    panel.get_by_role("button", name="Repaired").click()
    note = panel.get_by_label("Public note")
    expect(note).to_have_value("Our crew repaired it.")
    expect(note).to_be_focused()
    page.keyboard.type(" Thanks for your patience.")
    panel.get_by_role("button", name="Publish update").click()

    entries = page.locator("#timeline .timeline__item")
    expect(entries.last.locator(".timeline__note")).to_have_text(
        "Our crew repaired it. Thanks for your patience."
    )


def test_select_all_and_answer_every_report_on_the_page(live_server, page, screenshot, desk):
    _open_queue(page, live_server, desk)
    page.get_by_label("Select every report on this page").check()
    expect(page.locator("input[name='reports']:checked")).to_have_count(4)
    bulk = page.locator("#queue-bulk-form")
    bulk.get_by_label("New status").select_option("acknowledged")
    bulk.get_by_role("button", name="Thanks").click()
    expect(bulk.get_by_label("Public note")).to_have_value("Thank you, a crew will look at it.")
    screenshot("staff-queue-bulk", full_page=True)
    bulk.get_by_role("button", name="Publish on each report").click()

    expect(page.locator(".message--success")).to_contain_text("Done for 4 reports")
    assert set(Report.objects.values_list("state", flat=True)) == {"acknowledged"}


def test_overdue_pins_are_marked_on_the_map(live_server, page, screenshot, desk):
    page.goto(live_server.url + "/reports/?view=map")
    overdue = page.locator(".pin--overdue")
    expect(overdue).to_have_count(1)
    expect(overdue).to_have_attribute(
        "aria-label", "Deep pothole on Elm Street (Submitted, Overdue)"
    )
    expect(page.locator(".pin")).to_have_count(4)
    screenshot("map-overdue-pin", full_page=False)
