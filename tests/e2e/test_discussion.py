"""Browser tests of the live discussion on a community topic (no report needed)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import mark_page, same_document, sign_in
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_comment, make_topic, make_user

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_reply_appears_in_place_without_reload(live_server, page, screenshot):
    ada = make_user(first_name="Ada", last_name="Lovelace")
    ben = make_user(first_name="Ben", last_name="Okri")
    topic = make_topic(author=ada, title="More benches on the green")
    first = make_comment(topic, author=ada, body="We need **three** benches, near the pond.")
    make_comment(topic, author=ben, body="And a bin beside each one.")
    sign_in(page.context, live_server, ben)
    page.goto(live_server.url + topic.get_absolute_url())
    mark_page(page)

    page.locator(f"#comment-{first.pk} .comment-actions").get_by_text("Reply").click()
    box = page.locator(f"#slot-{first.pk} textarea")
    expect(box).to_be_focused()
    box.fill("Yes, and one facing the sunset.")
    page.locator(f"#slot-{first.pk}").get_by_role("button", name="Post reply").click()

    reply = page.locator(f"#replies-{first.pk} > li .comment-body")
    expect(reply).to_have_text("Yes, and one facing the sunset.")
    expect(page.locator(f"#slot-{first.pk} form")).to_have_count(0)
    expect(page.locator(".discussion-status")).to_have_text("Your comment is posted.")
    assert same_document(page)
    screenshot("discussion-reply-in-place")


def test_comment_posted_in_one_browser_appears_in_another(live_server, page, browser):
    ada = make_user(first_name="Ada", last_name="Lovelace")
    ben = make_user(first_name="Ben", last_name="Okri")
    topic = make_topic(author=ada, title="Night buses on route 12")
    make_comment(topic, author=ada, body="The last bus leaves far too early.")
    url = live_server.url + topic.get_absolute_url()

    sign_in(page.context, live_server, ada)
    page.goto(url)
    other_context = browser.new_context()
    other_context.route("https://**/*", lambda route: route.fulfill(status=204, body=""))
    sign_in(other_context, live_server, ben)
    other = other_context.new_page()
    other.goto(url)
    mark_page(other)

    page.get_by_label("Add a comment").fill("I have asked the operator about a later one.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-body").last).to_have_text(
        "I have asked the operator about a later one."
    )

    arrived = other.locator(".comment-body", has_text="I have asked the operator")
    expect(arrived).to_be_visible(timeout=10_000)
    expect(other.locator(".discussion-count")).to_have_text("2 comments")
    expect(other.locator(".discussion-status")).to_have_text("A new comment has arrived.")
    assert same_document(other)
    ARTIFACTS.mkdir(exist_ok=True)
    other.screenshot(path=str(ARTIFACTS / "discussion-live-second-browser.png"), full_page=True)
    other_context.close()

    # The fresh form that took the used one's place is empty, and it posts again.
    box = page.get_by_label("Add a comment")
    expect(box).to_have_value("")
    box.fill("They will look at it next month.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-body").last).to_have_text("They will look at it next month.")
    expect(page.locator(".comment-body")).to_have_count(3)


def test_hostile_comment_opens_no_dialog(live_server, page, screenshot):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    mallory = make_user(first_name="Mallory", last_name="Evil")
    topic = make_topic(title="Street lights")
    hostile = (
        "<img src=x onerror=alert(1)> look [here](javascript:alert(2)) "
        '<a href="javascript:alert(3)">there</a> <svg onload=alert(4)></svg>'
    )
    make_comment(topic, body=hostile)
    sign_in(page.context, live_server, mallory)
    page.goto(live_server.url + topic.get_absolute_url())
    # The same text posted through the page (the htmx fragment path) too.
    page.get_by_label("Add a comment").fill(hostile + " <b onmouseover=alert(5)>hover</b>")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("ol.comments > li.comment-node")).to_have_count(2)

    bodies = page.locator(".comment-body")
    bodies.first.click()
    bodies.last.hover()
    page.get_by_text("hover").last.hover()
    assert page.locator(".comment-body img, .comment-body svg, .comment-body b").count() == 0
    assert page.locator(".comment-body a[href^='javascript']").count() == 0
    expect(bodies.first).to_contain_text("<img src=x onerror=alert(1)>")
    page.reload()
    assert dialogs == []
    screenshot("discussion-hostile-comment")


def test_discussion_on_a_small_screen(live_server, page, screenshot):
    page.set_viewport_size({"width": 375, "height": 800})
    ada = make_user(first_name="Ada", last_name="Lovelace")
    topic = make_topic(author=ada, title="A playground for the estate", kind="idea")
    first = make_comment(topic, author=ada, body="The old one was removed in 2019.")
    reply = make_comment(topic, body="> removed in 2019\n\nAnd never replaced.", reply_to=first)
    deeper = make_comment(topic, body="Let's ask the council.", reply_to=reply)
    deepest = make_comment(topic, body="I will write to them.", reply_to=deeper)
    make_comment(topic, author=ada, body="Thank you!", reply_to=deepest)
    sign_in(page.context, live_server, ada)
    page.goto(live_server.url + topic.get_absolute_url())
    expect(page.locator(".comment-replying-to")).to_have_count(1)
    form = page.locator(".comment-form").first
    box = form.locator("textarea").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("discussion-375")
