"""Browser tests of the community section end to end, and the inline forms."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from discussions import queries
from discussions.models import Thread
from tests.e2e.browser import mark_page, same_document, sign_in
from tests.e2e.conftest import ARTIFACTS
from tests.factories import make_comment, make_topic, make_user

pytestmark = pytest.mark.usefixtures("transactional_db")


def test_start_a_topic_with_a_pin_and_find_it_on_the_map(live_server, page, screenshot):
    ada = make_user(first_name="Ada", last_name="Lovelace")
    make_topic(title="Where can I recycle batteries?", kind="question", lat=51.505, lon=-0.12)
    sign_in(page.context, live_server, ada)
    page.goto(live_server.url + "/community/")
    screenshot("community-list")
    page.get_by_role("link", name="Start a topic").click()
    page.get_by_label("An idea to improve the area").check()
    page.get_by_label("Title").fill("A community garden on the empty lot")
    page.get_by_label("Details").fill("It has been empty for *years*.")
    # Put the pin by clicking the map: the coordinates fill in.
    page.locator("#topic-pin").click(position={"x": 200, "y": 120})
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    # The pin is named for a screen reader (it is a button: it can be dragged).
    expect(page.locator("#topic-pin .leaflet-marker-icon")).to_have_attribute("title", "Place")
    page.get_by_label("Place name or address (optional)").fill("Corner of Mill Lane")
    screenshot("community-new-topic")
    page.get_by_role("button", name="Publish topic").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("A community garden on the empty lot")
    topic = Thread.objects.get(title="A community garden on the empty lot")
    assert topic.has_place and topic.author == ada
    expect(page.locator(".topic-body em")).to_have_text("years")
    # The site's pin, not Leaflet's default picture (looked for beside the page: a 404).
    expect(page.locator("#topic-place-map .leaflet-marker-icon.pin")).to_have_count(1)
    screenshot("community-topic")

    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.goto(live_server.url + "/community/map/")
    markers = page.locator("#topics-map .leaflet-marker-icon.pin")
    expect(markers).to_have_count(2)
    page.locator(
        "#topics-map .leaflet-marker-icon[title='A community garden on the empty lot']"
    ).click()
    expect(page.locator(".leaflet-popup-content a")).to_have_text(
        "A community garden on the empty lot"
    )
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    assert missing == []
    screenshot("community-map")


def test_flag_edit_and_moderate_inline(live_server, page, screenshot):
    nia = make_user(first_name="Nia", last_name="Jones")
    mod = make_user(first_name="Mo", last_name="Derator", is_staff=True)
    mod.user_permissions.add(Permission.objects.get(codename="moderate_thread"))
    topic = make_topic(author=nia, title="Parking on the pavement")
    rude = make_comment(topic, author=nia, body="Everyone here is an idiot.")
    sign_in(page.context, live_server, make_user(first_name="Rosa", last_name="Parks"))
    page.goto(live_server.url + topic.get_absolute_url())
    mark_page(page)

    # Post, then fix a typo in place.
    page.get_by_label("Add a comment").fill("Cars block the pram route every mornnig.")
    page.get_by_role("button", name="Post comment").click()
    mine = page.locator("ol.comments > li.comment-node").last
    mine.get_by_role("link", name="Edit").click()
    box = mine.locator(".edit-form textarea")
    expect(box).to_be_focused()
    box.fill("Cars block the pram route every morning.")
    mine.get_by_role("button", name="Save changes").click()
    expect(mine.locator(".comment-body")).to_have_text("Cars block the pram route every morning.")
    expect(mine.locator(".comment-edited")).to_be_visible()

    # Flag the rude one with a reason.
    node = page.locator(f"#node-{rude.pk}")
    node.get_by_role("link", name="Flag").click()
    node.get_by_label("Abusive or harassing").check()
    screenshot("discussion-flag-form")
    node.get_by_role("button", name="Flag comment").click()
    expect(node.locator(".comment-flagged")).to_have_text("You flagged this comment")
    assert same_document(page)

    # A moderator hides it with a public reason.
    page.context.clear_cookies()
    sign_in(page.context, live_server, mod)
    page.reload()
    node.get_by_role("link", name="Hide").click()
    node.get_by_label("Reason, shown publicly").select_option("abusive")
    node.get_by_role("button", name="Hide comment").click()
    expect(node.locator(".comment-placeholder")).to_have_text("Hidden by a moderator: abusive")
    screenshot("discussion-moderated")


def test_show_more_loads_the_next_page_in_place(live_server, page, screenshot):
    topic = make_topic(title="A very long thread")
    author = make_user(first_name="Ada", last_name="Lovelace")
    total = queries.PAGE_SIZE + 5  # two pages
    tops = [make_comment(topic, author=author, body=f"Comment {n}") for n in range(total)]
    make_comment(topic, body="A late reply", reply_to=tops[-1])
    page.goto(live_server.url + topic.get_absolute_url())
    mark_page(page)
    nodes = page.locator("ol.comments > li.comment-node")
    expect(nodes).to_have_count(queries.PAGE_SIZE)
    page.get_by_role("link", name="Show more comments").click()
    expect(nodes).to_have_count(total)
    expect(page.locator(f"#replies-{tops[-1].pk} .comment-body")).to_have_text("A late reply")
    expect(page.get_by_role("link", name="Show more comments")).to_have_count(0)
    assert same_document(page)


def test_everything_works_with_javascript_off(live_server, browser):
    nia = make_user(first_name="Nia", last_name="Jones")
    topic = make_topic(author=nia, title="Recycling bins")
    first = make_comment(topic, author=nia, body="Which day are they collected?")
    context = browser.new_context(java_script_enabled=False)
    context.route("https://**/*", lambda route: route.fulfill(status=204, body=""))
    sign_in(context, live_server, make_user(first_name="Rosa", last_name="Parks"))
    page = context.new_page()
    page.goto(live_server.url + topic.get_absolute_url())

    page.locator(f"#comment-{first.pk}").get_by_role("link", name="Reply").click()
    expect(page).to_have_url(f"{live_server.url}/community/comments/{first.pk}/reply/")
    page.get_by_label("Reply to Nia Jones").fill("Thursdays, early.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "discussion-nojs-reply.png"), full_page=True)
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(f"#replies-{first.pk} .comment-body")).to_have_text("Thursdays, early.")
    expect(page.get_by_text("Your comment has been posted.")).to_be_visible()

    page.get_by_role("button", name="Upvote").click()
    expect(page.locator(".support-count")).to_have_text("1 supporter")
    page.get_by_role("button", name="Unfollow").click()
    expect(page.get_by_role("button", name="Follow")).to_be_visible()
    context.close()
