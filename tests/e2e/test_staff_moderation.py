"""Staff pass a report on ("not ours") or hide it from its page, by keyboard, and the
page reads well at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from reports.models import Report
from tests.e2e.browser import VIEWPORTS, audit, sign_in
from tests.factories import make_authority, make_report, make_service, make_staff

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def setting(transactional_db):
    service = make_service(name="Pothole")
    borough = make_authority(services=[service], name="Borough Council")
    make_authority(services=[service], name="Water Company", boundary=None)
    officer = make_staff(borough, first_name="Olga", last_name="Officer")
    report = make_report(service=service, title="Deep pothole on Elm Street")
    return report, officer


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_staff_moderation_panel_is_accessible(live_server, page, screenshot, setting, viewport):
    report, officer = setting
    page.set_viewport_size(VIEWPORTS[viewport])
    sign_in(page.context, live_server, officer)
    page.goto(live_server.url + report.get_absolute_url())

    section = page.locator("#staff-moderation")
    expect(section.get_by_role("heading", name="Staff: not ours, or hide")).to_be_visible()
    section.scroll_into_view_if_needed()
    screenshot(f"staff-moderation-{viewport}")
    assert audit(page) == []


def test_staff_hide_then_pass_on_by_keyboard(live_server, page, setting):
    report, officer = setting
    sign_in(page.context, live_server, officer)
    page.goto(live_server.url + report.get_absolute_url())

    hide = page.locator("#visibility-form")
    hide.get_by_label("Why").fill("A face in the photo")
    hide.get_by_label("Why").press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Done: the moderation log keeps why.")).to_be_visible()
    expect(page.locator("#moderation-log")).to_contain_text("A face in the photo")

    move = page.locator("#reassign-form")
    move.get_by_label("Pass to").select_option(label="Water Company")
    move.get_by_role("button", name="Pass it on").click()
    expect(page.get_by_text("The report is passed on")).to_be_visible()
    report.refresh_from_db()
    assert report.is_hidden and report.authority.name == "Water Company"
    assert Report.objects.get(pk=report.pk).thread.official_group_id == (
        report.authority.staff_group_id
    )
