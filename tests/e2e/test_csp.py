"""The strict Content-Security-Policy in a real browser: every map page, the new-report flow,
posting a comment, the staff panel and the admin work, and the browser reports no violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import sign_in
from tests.factories import (
    SQUARE,
    make_authority,
    make_report,
    make_service,
    make_staff,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.usefixtures("transactional_db")

# Runs in every document before its own scripts (added by the browser, so the CSP does not
# apply to it): it records each violation the page raises.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


@pytest.fixture
def violations(page):
    """Every CSP violation and script error seen on any page of the test."""
    seen: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            seen.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            or "Content-Security-Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"script error: {error}"))

    def collect() -> list[str]:
        return seen + page.evaluate("window.__cspViolations || []")

    return collect


@pytest.fixture
def city(transactional_db):
    pothole = make_service(code="pothole", name="Pothole")
    authority = make_authority(services=[pothole], boundary=SQUARE, name="Borough Council")
    resident = make_user(first_name="Rosa", last_name="Parks")
    report = make_report(service=pothole, reporter=resident, title="Deep pothole on Elm Street")
    topic = make_topic(
        title="Where can I recycle batteries?", kind="question", lat=51.505, lon=-0.12
    )
    return {
        "service": pothole,
        "authority": authority,
        "resident": resident,
        "report": report,
        "topic": topic,
    }


def test_map_pages_run_under_the_policy(live_server, page, violations, city):
    report = city["report"]
    marker = f".leaflet-marker-icon[title^='{report.title}']"

    page.goto(live_server.url + "/")
    expect(page.locator("#home-map " + marker)).to_have_count(1)
    assert violations() == []

    page.goto(live_server.url + "/reports/?view=map")
    expect(page.locator("#list-map " + marker)).to_have_count(1)
    page.locator("#list-map " + marker).click()
    expect(page.locator(".leaflet-popup .popup__title")).to_have_text(report.title)
    assert violations() == []

    page.goto(live_server.url + report.get_absolute_url())
    expect(page.locator("#report-map .pin--here")).to_have_count(1)
    assert violations() == []

    page.goto(live_server.url + "/community/map/")
    expect(page.locator("#topics-map .leaflet-marker-icon")).to_have_count(1)
    page.goto(live_server.url + city["topic"].get_absolute_url())
    expect(page.locator("#topic-place-map .leaflet-marker-icon")).to_have_count(1)
    assert violations() == []

    sign_in(page.context, live_server, city["resident"])
    page.goto(live_server.url + "/community/new/")
    page.locator("#topic-pin").click(position={"x": 200, "y": 120})
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    assert violations() == []


def test_new_report_and_a_comment_under_the_policy(live_server, page, violations, city):
    sign_in(page.context, live_server, city["resident"])
    page.goto(live_server.url + "/reports/new/")
    page.locator("#new-report-map.leaflet-container").click(position={"x": 300, "y": 180})
    expect(page.locator("#pin-status")).to_contain_text("Pin placed at")
    page.get_by_label("Category").select_option("pothole")
    page.get_by_label("Title").fill("Broken kerb by the bus stop")
    page.get_by_label("What is wrong?").fill("The kerb stone is loose.")
    page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.get_by_role("heading", name="Broken kerb by the bus stop")).to_be_visible()

    discussion = page.locator(".discussion")
    discussion.get_by_label("Add a comment").fill("It is getting worse every day.")
    discussion.get_by_role("button", name="Post comment").click()
    expect(discussion.locator("ol.comments > li.comment-node")).to_have_count(1)
    assert violations() == []


def test_staff_panel_and_admin_under_the_policy(live_server, page, violations, city):
    officer = make_staff(city["authority"], first_name="Olga", last_name="Officer")
    report = city["report"]
    sign_in(page.context, live_server, officer)
    page.goto(live_server.url + report.get_absolute_url())
    panel = page.locator("#staff-panel")
    panel.get_by_label("Status").select_option("duplicate")
    expect(panel.get_by_label("Original report number")).to_be_visible()
    panel.get_by_label("Status").select_option("in_progress")
    panel.get_by_label("Public note").fill("A crew is on site today.")
    panel.get_by_role("button", name="Publish update").click()
    expect(page.locator("#report-status .badge")).to_have_text("In progress")
    assert violations() == []

    admin = make_user(email="root@example.org", is_staff=True, is_superuser=True)
    sign_in(page.context, live_server, admin)
    for path in [
        "/admin/",
        "/admin/reports/report/",
        f"/admin/reports/report/{report.pk}/change/",
        "/admin/delivery/delivery/",
        "/admin/discussions/comment/",
        "/admin/auth/user/",
    ]:
        page.goto(live_server.url + path)
        expect(page.locator("#content")).to_be_visible()
    assert violations() == []


def test_a_comment_over_the_rate_limit_shows_why_in_place(
    live_server, page, violations, city, settings
):
    # htmx swaps a 429 fragment like a success (htmx-config in base.html).
    settings.RATE_LIMITS = {"comment": [(60, 0)]}
    sign_in(page.context, live_server, city["resident"])
    page.goto(live_server.url + city["report"].get_absolute_url())
    discussion = page.locator(".discussion")
    discussion.get_by_label("Add a comment").fill("Still there this morning.")
    discussion.get_by_role("button", name="Post comment").click()
    expect(discussion.get_by_text("You are posting too quickly")).to_be_visible()
    expect(discussion.get_by_label("Add a comment")).to_have_value("Still there this morning.")
    expect(discussion.locator("ol.comments > li.comment-node")).to_have_count(0)
    assert violations() == []


def test_the_live_poll_asks_only_while_the_page_is_visible(live_server, page, violations, city):
    # The condition used to be JavaScript inside hx-trigger (needs eval); it is in
    # discussion.js now. The page's clock is Playwright's: no test time passes.
    page.clock.install()
    page.add_init_script(
        """
        window.__hidden = true;
        window.__polls = 0;
        Object.defineProperty(document, "visibilityState", {
          get: () => (window.__hidden ? "hidden" : "visible"),
        });
        // htmx:beforeSend fires only for a request that is really sent.
        document.addEventListener("htmx:beforeSend", (e) => {
          if (e.detail.elt.classList.contains("discussion-poll")) window.__polls += 1;
        });
        """
    )
    page.goto(live_server.url + city["report"].get_absolute_url())
    expect(page.locator(".discussion-poll")).to_have_count(1)
    page.clock.run_for(20_000)
    assert page.evaluate("window.__polls") == 0

    page.evaluate("window.__hidden = false")
    page.clock.run_for(5_000)
    assert page.evaluate("window.__polls") >= 1
    assert violations() == []
