"""The discussion as it appears on a report's page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import mark_page, same_document, sign_in
from tests.factories import (
    make_authority,
    make_comment,
    make_report,
    make_service,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_me_too_and_an_official_reply_on_a_report(live_server, page, screenshot):
    service = make_service(name="Pothole")
    authority = make_authority(services=[service], name="Borough Council")
    officer = make_staff(authority, first_name="Olga", last_name="Officer")
    rosa = make_user(first_name="Rosa", last_name="Parks")
    report = make_report(service=service, reporter=rosa, title="Deep pothole on Elm Street")
    question = make_comment(report.thread, author=rosa, body="Any idea when this gets fixed?")
    make_comment(
        report.thread, author=officer, body="A crew is booked for Tuesday.", reply_to=question
    )

    sign_in(page.context, live_server, make_user(first_name="Sam", last_name="Neighbour"))
    page.goto(live_server.url + report.get_absolute_url())
    mark_page(page)
    discussion = page.locator(".discussion")
    expect(discussion.locator(".badge-official")).to_have_text("Official")

    me_too = discussion.get_by_role("button", name="Me too")
    me_too.click()
    expect(discussion.locator(".support-count")).to_have_text("1 supporter")
    expect(discussion.get_by_role("button", name="Me too")).to_have_attribute(
        "aria-pressed", "true"
    )
    discussion.get_by_label("Add a comment").fill("It damaged my bike wheel yesterday.")
    discussion.get_by_role("button", name="Post comment").click()
    expect(discussion.locator("ol.comments > li.comment-node")).to_have_count(2)
    assert same_document(page)
    screenshot("discussion-on-report")
