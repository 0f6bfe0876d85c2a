"""The footer's language switcher, in a real browser: a plain form that works without
JavaScript and comes back to the page it was used on."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import VIEWPORTS
from tests.factories import make_authority, make_report, make_service

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def a_report(transactional_db):
    service = make_service(code="pothole", name="Pothole")
    make_authority(services=[service], name="Borough Council")
    return make_report(service=service, title="Deep pothole on Elm Street")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_switching_to_spanish_and_back_keeps_the_page(
    browser, live_server, a_report, screenshot, javascript
):
    context = browser.new_context(java_script_enabled=javascript, locale="en-GB")
    context.route("https://**/*", lambda route: route.fulfill(status=204, body=""))
    page = context.new_page()
    page.goto(live_server.url + "/reports/?state=open")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option(label="Español")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    assert page.url == live_server.url + "/reports/?state=open"
    expect(page.get_by_role("heading", level=1)).to_have_text("Avisos")
    expect(page.get_by_label("Idioma")).to_have_value("es")

    # The choice sticks: the report page is Spanish too, then back to English.
    page.get_by_role("link", name="Deep pothole on Elm Street").click()
    expect(page.get_by_role("button", name="Seguir")).to_be_visible()
    page.get_by_label("Idioma").select_option(label="English")
    page.get_by_role("button", name="Cambiar de idioma").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == live_server.url + a_report.get_absolute_url()
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_footer_in_spanish_fits_the_screen(page, live_server, a_report, screenshot, viewport):
    page.context.set_extra_http_headers({"Accept-Language": "es"})
    page.set_viewport_size(VIEWPORTS[viewport])
    page.goto(live_server.url + "/")
    footer = page.locator(".site-footer")
    footer.scroll_into_view_if_needed()
    screenshot(f"language-footer-es-{viewport}", full_page=False)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    expect(footer.get_by_label("Idioma")).to_be_visible()
    expect(footer.get_by_role("button", name="Cambiar de idioma")).to_be_visible()
