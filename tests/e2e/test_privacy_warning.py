"""The privacy warning in a browser: a comment with a phone number in it is shown again
with a warning and a "post as it is" box, and once posted the page shows a marker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import audit, mark_page, same_document, sign_in
from tests.factories import make_authority, make_report, make_service, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TYPED = "Call me on 612 345 678 if you need more"
NUMBER = "612 345 678"
MARKER = "[phone number hidden]"
VIEWPORTS = {
    "phone": {"width": 390, "height": 844},
    "desktop": {"width": 1280, "height": 800},
}


def _report():
    service = make_service(name="Streetlight")
    make_authority(services=[service], name="Borough Council")
    return make_report(service=service, title="Streetlight out on Mill Lane")


def _post_warned(page, thread_pk: int):
    """Type the number, post, and return the comment form as htmx swapped it back in."""
    form = page.locator(f"#comment-form-{thread_pk}")
    form.get_by_label("Add a comment").fill(TYPED)
    with page.expect_request(lambda r: r.method == "POST" and "/comments" in r.url) as sent:
        form.get_by_role("button", name="Post comment").click()
    # The browser's real path: htmx posts the form and swaps the fragment in place.
    assert sent.value.headers.get("hx-request") == "true"
    expect(form.locator(".field-error")).to_be_visible()
    return form


def test_a_phone_number_in_a_comment_is_warned_of_then_hidden(live_server, page, browser):
    report = _report()
    thread_pk = report.thread.pk
    sign_in(page.context, live_server, make_user(first_name="Rosa", last_name="Resident"))
    page.goto(live_server.url + report.get_absolute_url())
    mark_page(page)

    form = _post_warned(page, thread_pk)
    box = form.get_by_label("Add a comment")
    warning = form.locator(".field-error")
    expect(warning).to_have_attribute("role", "alert")
    expect(warning).to_contain_text("a phone number")
    expect(warning).to_contain_text(NUMBER)
    expect(warning).to_contain_text(MARKER)
    # What they typed is still there, and the warning describes the field.
    expect(box).to_have_value(TYPED)
    expect(box).to_have_attribute("aria-invalid", "true")
    warning_id = warning.get_attribute("id")
    assert warning_id in box.get_attribute("aria-describedby").split()
    # Nothing was posted yet.
    expect(page.locator(f"#comments-{thread_pk} .comment-body")).to_have_count(0)

    # Keyboard only: from the box, Tab reaches the checkbox, Space ticks it, Tab reaches
    # the button and Enter posts.
    checkbox = form.get_by_role("checkbox", name="Post as it is")
    expect(checkbox).not_to_be_checked()
    box.focus()
    page.keyboard.press("Tab")
    expect(checkbox).to_be_focused()
    page.keyboard.press("Space")
    expect(checkbox).to_be_checked()
    page.keyboard.press("Tab")
    expect(form.get_by_role("button", name="Post comment")).to_be_focused()
    with page.expect_request(lambda r: r.method == "POST" and "/comments" in r.url) as sent:
        page.keyboard.press("Enter")
    assert sent.value.headers.get("hx-request") == "true"

    posted = page.locator(f"#comments-{thread_pk} .comment-body")
    expect(posted).to_have_count(1)
    expect(posted).to_have_text(f"Call me on {MARKER} if you need more")
    expect(page.locator(f"#discussion-status-{thread_pk}")).to_have_text("Your comment is posted.")
    # A fresh, empty form with no warning left behind.
    expect(page.get_by_label("Add a comment")).to_have_value("")
    expect(page.locator(f"#comment-form-{thread_pk} .field-error")).to_have_count(0)
    assert same_document(page)
    assert NUMBER not in page.content()

    visitor_context = browser.new_context()
    visitor_context.route("https://**/*", lambda route: route.fulfill(status=204, body=""))
    visitor = visitor_context.new_page()
    visitor.goto(live_server.url + report.get_absolute_url())
    expect(visitor.locator(".comment-body")).to_have_text(f"Call me on {MARKER} if you need more")
    assert NUMBER not in visitor.content()
    visitor_context.close()


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_warning_at_phone_and_desktop_width(live_server, page, screenshot, size):
    page.set_viewport_size(VIEWPORTS[size])
    report = _report()
    sign_in(page.context, live_server, make_user(first_name="Rosa", last_name="Resident"))
    page.goto(live_server.url + report.get_absolute_url())

    form = _post_warned(page, report.thread.pk)
    checkbox = form.get_by_role("checkbox", name="Post as it is")
    width = VIEWPORTS[size]["width"]
    # Nothing wider than the screen, and the box and its label inside the form.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    outer = form.bounding_box()
    for part in (form.locator(".field-error"), checkbox, form.locator(".privacy-confirm label")):
        inner = part.bounding_box()
        assert inner is not None and inner["x"] >= outer["x"] - 1
        assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
    # The warning state passes the site's accessibility audit (axe, targets, references).
    assert audit(page) == []
    # What the resident sees: the field, its warning and the box, in the middle of the screen.
    form.locator(".field-error").evaluate("el => el.scrollIntoView({block: 'center'})")
    screenshot(f"privacy-warning-{size}", full_page=False)
