"""The product promises forms usable on a phone and by keyboard and screen-reader users.

Every key page is audited with axe-core (WCAG 2.0/2.1, levels A and AA) at desktop width and
at a 375 px phone width, and the new-report form is walked through with the Tab key.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accountability import stats
from civic.models import OutboundEmail
from discussions.actions import create_topic, post_comment
from discussions.models import Thread
from places import gazetteer as places
from reports import guest
from reports.actions import change_state
from reports.photos import process_photo
from tests.e2e.browser import VIEWPORTS, audit, sign_in
from tests.factories import (
    CENTRE,
    SQUARE,
    jpeg_upload,
    make_attribute,
    make_authority,
    make_report,
    make_service,
    make_staff,
    make_user,
)
from tests.fakes import HIGH_STREET, MARKET_SQUARE, FakeNominatim
from tests.volunteers.support import demo_call_for

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def city(transactional_db):
    """A small city with something on every page: a category with questions, an authority,
    a report with a photo, a timeline and a threaded discussion, and a community topic."""
    service = make_service(code="pothole", name="Pothole", group="Roads")
    make_attribute(service, "depth", description="How deep is it?", order=1)
    authority = make_authority(services=[service], boundary=SQUARE, name="Borough Council")
    officer = make_staff(authority, first_name="Olga", last_name="Officer")
    resident = make_user(email="rosa@example.org", first_name="Rosa", last_name="Parks")
    neighbour = make_user(first_name="Sam", last_name="Neighbour")

    report = make_report(
        service=service,
        reporter=resident,
        title="Deep pothole on Elm Street",
        address="12 Elm Street",
        show_name=True,
        photos=[process_photo(jpeg_upload(size=(640, 480)))],
    )
    change_state(report, "acknowledged", by=officer, note="A crew will look at it this week.")
    question = post_comment(report.thread, resident, "Any idea when this gets fixed?")
    post_comment(report.thread, officer, "A crew is booked for **Tuesday**.", reply_to=question)
    post_comment(report.thread, neighbour, "It damaged my bike wheel yesterday.")

    topic = create_topic(
        author=neighbour,
        kind=Thread.Kind.IDEA,
        title="More benches on the green",
        body="We need three benches, near the pond.",
        lat=CENTRE[0],
        lon=CENTRE[1],
        address="The green",
    )
    post_comment(topic, resident, "And a bin beside each one.")
    # A report sent without an account, waiting for its email to be confirmed.
    guest.hold_report(
        email="guest@example.org",
        service=service,
        lat=CENTRE[0],
        lon=CENTRE[1],
        title="Broken bench",
    )
    body = OutboundEmail.objects.get(to="guest@example.org").body_text
    confirm_path = re.search(r"(/reports/confirm/[^/\s]+/)", body).group(1)
    places.save_places(
        [
            places.PlaceRow("Queen Street", "street", 51.518, -0.14),
            places.PlaceRow("Queen's Playground", "landmark", 51.519, -0.10),
        ]
    )
    return {"resident": resident, "report": report, "topic": topic, "confirm_path": confirm_path}


# (name, path or a function of the city giving it, signed in as the resident?)
PAGES = {
    "home": ("/", False),
    "report-list": ("/reports/", False),
    "report-map": ("/reports/?view=map", False),
    "report": (lambda city: city["report"].get_absolute_url(), True),
    "new-report": ("/reports/new/", True),
    "topic-list": ("/community/", False),
    "topic": (lambda city: city["topic"].get_absolute_url(), False),
    "topic-map": ("/community/map/", False),
    "new-topic": ("/community/new/", True),
    "sign-in": ("/accounts/login/", False),
    "sign-up": ("/accounts/signup/", False),
    "open311": ("/open311/", False),
    "me": ("/me/", True),
    # The figures as the worker leaves them in the cache.
    "stats": (lambda city: stats.refresh() and "/reports/stats/", False),
    "open-data": ("/reports/data/", False),
    "authorities": (lambda city: stats.refresh() and "/authorities/", False),
    "authority": (
        lambda city: stats.refresh() and f"/authorities/{city['report'].authority.slug}/",
        False,
    ),
    "volunteers": (lambda city: demo_call_for(city) and "/volunteers/", False),
    "volunteer-call": (lambda city: demo_call_for(city).get_absolute_url(), True),
    "volunteer-report": (lambda city: demo_call_for(city).thread.get_absolute_url(), False),
    "volunteer-new": (lambda city: f"/volunteers/new/{city['report'].thread_id}/", True),
    "volunteer-roster": (lambda city: f"/volunteers/{demo_call_for(city).pk}/roster/", True),
    "new-report-guest": ("/reports/new/", False),
    "guest-sent": ("/reports/new/sent/", False),
    "guest-confirm": (lambda city: city["confirm_path"], False),
    "guest-link-invalid": ("/reports/confirm/not-a-real-token/", False),
    "place-search": ("/reports/places/?q=queen", False),
}


def open_page(page, live_server, city, name: str, viewport: str) -> None:
    path, signed_in = PAGES[name]
    if callable(path):
        path = path(city)
    if signed_in:
        sign_in(page.context, live_server, city["resident"])
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + path)  # waits for the load event: styles, scripts, images
    if page.locator("[data-geojson-url]").count():
        # The markers have arrived and been announced.
        expect(page.locator(".map-status")).not_to_be_empty()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_wcag_violations(live_server, page, screenshot, city, name, viewport):
    open_page(page, live_server, city, name, viewport)
    screenshot(f"a11y-{name}-{viewport}")
    problems = audit(page)
    assert not problems, "\n".join(problems)


# The pages a Spanish-speaking resident meets first, audited in Spanish too: other words,
# longer labels (they must still fit a phone), the same promises.
SPANISH_PAGES = [
    "home",
    "report-list",
    "report",
    "new-report",
    "new-report-guest",
    "topic-list",
    "topic",
    "volunteers",
    "volunteer-call",
    "sign-up",
    "me",
    "stats",
]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", SPANISH_PAGES)
def test_page_in_spanish_has_no_wcag_violations(
    live_server, page, screenshot, city, name, viewport
):
    page.context.set_extra_http_headers({"Accept-Language": "es"})
    open_page(page, live_server, city, name, viewport)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator(".skip-link")).to_have_text("Saltar al contenido")
    screenshot(f"a11y-es-{name}-{viewport}")
    problems = audit(page)
    assert not problems, "\n".join(problems)


def submit_new_report_without_a_title(page) -> None:
    # The category's questions arrive by htmx; then a required field is left empty.
    page.get_by_label("Category").select_option("pothole")
    expect(page.get_by_label("How deep is it?")).to_be_visible()
    page.get_by_role("button", name="Send report").click()
    expect(page.locator("#error-summary")).to_be_focused()


def sign_in_with_a_wrong_password(page) -> None:
    page.get_by_label("Email").fill("rosa@example.org")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_be_visible()


def sign_up_with_passwords_that_differ(page) -> None:
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Display name").fill("Newcomer")
    page.get_by_label("Password", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again)").fill("another-long-passphrase")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field--error")).to_have_count(1)


def publish_an_empty_topic(page) -> None:
    page.get_by_role("button", name="Publish topic").click()
    expect(page.locator(".field--error").first).to_be_visible()


def post_an_empty_comment(page) -> None:
    # Without the browser's own check, to get the server's error message back.
    page.locator(".comment-form textarea").evaluate("box => box.removeAttribute('required')")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-form .field-error")).to_be_visible()


# Forms as they come back with errors: the state screen-reader users most need to get right.
ERROR_STATES = {
    "new-report": submit_new_report_without_a_title,
    "report": post_an_empty_comment,
    "new-topic": publish_an_empty_topic,
    "sign-in": sign_in_with_a_wrong_password,
    "sign-up": sign_up_with_passwords_that_differ,
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(ERROR_STATES))
def test_form_with_errors_has_no_wcag_violations(
    live_server, page, screenshot, city, name, viewport
):
    open_page(page, live_server, city, name, viewport)
    ERROR_STATES[name](page)
    screenshot(f"a11y-{name}-errors-{viewport}")
    problems = audit(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_address_search_results_have_no_wcag_violations(
    live_server, page, screenshot, city, settings, viewport
):
    with FakeNominatim() as nominatim:
        settings.GEOCODER_URL = nominatim.url
        nominatim.places = [HIGH_STREET, MARKET_SQUARE]
        open_page(page, live_server, city, "new-report", viewport)
        page.get_by_label("Address or place").fill("High Street")
        page.get_by_role("button", name="Find this address").click()
        expect(page.locator("#address-results .places__item")).to_have_count(2)
        screenshot(f"a11y-new-report-places-{viewport}")
        problems = audit(page)
    assert not problems, "\n".join(problems)


# Every control of the new-report form, in tab order.
NEW_REPORT_CONTROLS = [
    "#pin-at-centre",
    "#id_address",
    "#id_service",
    "#id_title",
    "#id_description",
    "#id_photos",
    "#id_name",
    "#report-form button[type=submit]",
]


def box_shadows(page, selectors: list[str]) -> dict[str, str]:
    """Each control's box-shadow at rest: some buttons wear one without focus."""
    return page.evaluate(
        """(selectors) => Object.fromEntries(selectors.map(
          (s) => [s, getComputedStyle(document.querySelector(s)).boxShadow]))""",
        selectors,
    )


def focused_has_visible_indicator(page, rest_shadow: str = "none") -> bool:
    """An outline, or a box-shadow the element does not have at rest."""
    return page.evaluate(
        """(restShadow) => {
          const style = getComputedStyle(document.activeElement);
          const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
          return outline || (style.boxShadow !== "none" && style.boxShadow !== restShadow);
        }""",
        rest_shadow,
    )


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_new_report_form_works_with_the_keyboard_alone(live_server, page, city, viewport):
    open_page(page, live_server, city, "new-report", viewport)
    expect(page.locator("#pin-at-centre")).to_be_visible()
    rest_shadows = box_shadows(page, NEW_REPORT_CONTROLS)

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert focused_has_visible_indicator(page)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    reached: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        match = page.evaluate(
            "(selectors) => selectors.find((s) => document.activeElement.matches(s)) || null",
            NEW_REPORT_CONTROLS,
        )
        if match:
            assert focused_has_visible_indicator(page, rest_shadows[match]), (
                f"{match} shows no focus indicator"
            )
            reached.append(match)
        if match == NEW_REPORT_CONTROLS[-1]:
            break
    assert reached == NEW_REPORT_CONTROLS
