"""Volunteering in the browser: sign up in place, the waiting list, promotion after a
withdrawal, and the organiser's roster, at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from civic.models import OutboundEmail
from tests.e2e.browser import VIEWPORTS, audit, mark_page, same_document, sign_in
from tests.factories import make_authority, make_report, make_service, make_user
from tests.volunteers.support import make_opportunity

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def place(transactional_db):
    service = make_service(code="fly-tipping", name="Fly-tipping")
    make_authority(services=[service], name="Borough Council")
    organiser = make_user(email="omar@example.org", first_name="Omar", last_name="Organiser")
    report = make_report(service=service, title="Rubbish dumped in Elm Park")
    call = make_opportunity(
        report.thread,
        organiser,
        title="Clean-up at Elm Park playground",
        meeting_point="The north gate",
        what_to_bring="Gloves",
        capacity=2,
    )
    return {"report": report, "call": call, "organiser": organiser}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_sign_up_in_place_then_the_waiting_list(live_server, page, screenshot, place, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    place["call"].sign_up(make_user(first_name="Ann"))
    sign_in(page.context, live_server, make_user(first_name="Rosa", email="rosa@example.org"))
    page.goto(live_server.url + place["report"].get_absolute_url())
    mark_page(page)
    call = page.locator(f"#call-{place['call'].pk}")
    expect(call).to_contain_text("1 of 2 places taken")

    call.get_by_label("Note for the organiser").fill("I can bring bin bags")
    call.get_by_label("Show my first name in the public list of volunteers").check()
    call.get_by_role("button", name="Sign up").click()

    call = page.locator(f"#call-{place['call'].pk}")
    expect(call).to_contain_text("You are signed up")
    expect(call).to_contain_text("2 of 2 places taken")
    expect(call).to_contain_text("Coming: Rosa")
    assert same_document(page)
    screenshot(f"volunteers-signed-up-{viewport}")

    # Someone else now finds the call full.
    page.context.clear_cookies()
    sign_in(page.context, live_server, make_user(first_name="Sam", email="sam@example.org"))
    page.goto(live_server.url + place["report"].get_absolute_url())
    call = page.locator(f"#call-{place['call'].pk}")
    call.get_by_role("button", name="Join the waiting list").click()
    expect(call.locator("xpath=.")).to_contain_text("You are on the waiting list")
    expect(page.locator(f"#call-{place['call'].pk}")).to_contain_text("1 on the waiting list")
    screenshot(f"volunteers-waiting-{viewport}")
    assert not audit(page), "\n".join(audit(page))


def test_promoted_after_a_withdrawal(live_server, page, screenshot, place):
    confirmed = make_user(first_name="Ann", email="ann@example.org")
    place["call"].sign_up(confirmed)
    place["call"].sign_up(make_user(first_name="Ben"))
    waiting = make_user(first_name="Cleo", email="cleo@example.org")
    place["call"].sign_up(waiting)

    sign_in(page.context, live_server, confirmed)
    page.goto(live_server.url + place["report"].get_absolute_url())
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator(f"#call-{place['call'].pk}")).to_contain_text("You have withdrawn")
    expect(page.locator(f"#call-{place['call'].pk}")).to_contain_text("2 of 2 places taken")

    assert OutboundEmail.objects.filter(
        to="cleo@example.org", subject__startswith="A place is yours"
    ).exists()
    page.context.clear_cookies()
    sign_in(page.context, live_server, waiting)
    page.goto(live_server.url + "/me/")
    expect(page.locator("#my-signups-title ~ ul")).to_contain_text("Confirmed")
    page.set_viewport_size(VIEWPORTS["phone"])
    screenshot("volunteers-my-page-phone")


def test_sign_up_without_javascript(live_server, browser, place):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(context, live_server, make_user(first_name="Nia"))
    page.goto(live_server.url + place["report"].get_absolute_url())
    page.get_by_role("button", name="Sign up").click()

    expect(page.locator(".messages")).to_contain_text("You are signed up")
    expect(page.locator(f"#call-{place['call'].pk}")).to_contain_text("1 of 2 places taken")
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_organisers_roster(live_server, page, screenshot, place, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    place["call"].sign_up(
        make_user(first_name="Ann", last_name="Lee", email="ann@example.org"),
        note="Arrives at 10:30",
    )
    sign_in(page.context, live_server, place["organiser"])
    page.goto(live_server.url + place["report"].get_absolute_url())

    page.get_by_role("link", name="Roster and organiser tools").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Roster")
    table = page.locator("table.roster")
    expect(table).to_contain_text("ann@example.org")
    expect(table).to_contain_text("Arrives at 10:30")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    assert "ann@example.org" in Path(download.value.path()).read_text(encoding="utf-8")
    screenshot(f"volunteers-roster-{viewport}")
    problems = audit(page)
    assert not problems, "\n".join(problems)
