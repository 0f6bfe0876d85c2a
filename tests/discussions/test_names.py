"""The name beside what people write: the display name they chose, "Reporter" for an
anonymous reporter on their own report, never an email address or a user id."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail
from discussions.notifications import send_due_digests
from tests.discussions.conftest import HTMX
from tests.factories import make_comment, make_report, make_topic, make_user

ID_NAME = re.compile(r"Resident \d+")


@pytest.fixture
def reporter(db):
    return make_user(email="kit@example.org", display_name="Kit Marlowe")


@pytest.mark.parametrize("show_name", [True, False])
def test_reporter_name_on_their_report_follows_their_choice(
    client, service, authority, reporter, show_name
):
    report = make_report(service, reporter=reporter, show_name=show_name)
    make_comment(report.thread, author=reporter, body="It got worse after the rain.")
    page = client.get(report.get_absolute_url()).content.decode()
    if show_name:
        assert "Kit Marlowe" in page
        assert "Reporter" not in re.sub(r"Reported by", "", page)
    else:
        assert "Kit Marlowe" not in page
        assert ">Reporter<" in page
        assert "Anonymous" in page  # the facts box
    assert "kit@example.org" not in page and not ID_NAME.search(page)


def test_anonymous_reporter_keeps_their_name_elsewhere(client, service, authority, reporter):
    report = make_report(service, reporter=reporter, show_name=False)
    topic = make_topic(author=make_user(), title="Benches")
    make_comment(topic, author=reporter, body="Yes to benches")
    make_comment(report.thread, author=reporter, body="Still there")
    assert "Kit Marlowe" in client.get(topic.get_absolute_url()).content.decode()
    assert "Kit Marlowe" not in client.get(report.get_absolute_url()).content.decode()


def test_user_without_any_name_is_never_shown_by_id(client, topic):
    legacy = make_user(display_name=None)  # an account from before display names
    make_comment(topic, author=legacy, body="Hello")
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "A resident" in page and not ID_NAME.search(page) and legacy.email not in page


def test_digest_names_the_commenter_and_hides_an_anonymous_reporter(service, authority, reporter):
    follower = make_user(email="follower@example.org", display_name="Fola")
    report = make_report(service, reporter=reporter, show_name=False)
    from discussions import actions

    actions.set_following(report.thread, follower, True)
    make_comment(report.thread, author=reporter, body="Still there")
    make_comment(report.thread, author=make_user(display_name="Bea Neighbour"), body="Me too")
    send_due_digests(now=timezone.now() + timedelta(hours=1))
    email = OutboundEmail.objects.get(to="follower@example.org")
    assert "Bea Neighbour wrote" in email.body_text
    assert "Reporter wrote" in email.body_text
    assert "Kit Marlowe" not in email.body_text + email.body_html
    assert "Hello Fola" in email.body_text
    assert not ID_NAME.search(email.body_text)


def test_commenting_needs_a_display_name(client, topic):
    nameless = make_user(display_name=None)
    client.force_login(nameless)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Choose your display name to comment" in page
    response = client.post(
        reverse("discussions:comments", args=[topic.pk]), {"body": "My words"}, **HTMX
    )
    assert "Choose your display name" in response.content.decode()
    assert "My words" in response.content.decode()  # what was typed stays
    assert not topic.comments.exists()


def test_open311_output_never_names_the_reporter(client, service, authority, reporter):
    make_report(service, reporter=reporter, show_name=True, contact_name="Kit Marlowe")
    for fmt in ("json", "xml"):
        body = client.get(f"/open311/v2/requests.{fmt}").content.decode()
        assert "Kit Marlowe" not in body and "kit@example.org" not in body


def test_renamed_author_shows_the_new_name(client, topic, reporter):
    make_comment(topic, author=reporter, body="Hello")
    assert "Kit Marlowe" in client.get(topic.get_absolute_url()).content.decode()
    reporter.profile.display_name = "Kit M"
    reporter.profile.save()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Kit M<" in page or "Kit M " in page
    assert "Kit Marlowe" not in page


@pytest.mark.parametrize(
    ("frequency", "after", "emails"),
    [
        ("instant", timedelta(minutes=5), 1),
        ("daily", timedelta(hours=2), 0),
        ("off", timedelta(days=2), 0),
    ],
)
def test_followers_get_comments_as_they_chose(topic, frequency, after, emails):
    follower = make_user(email="f@example.org")
    follower.profile.email_comments = frequency
    follower.profile.save()
    from discussions import actions

    actions.set_following(topic, follower, True)
    make_comment(topic, author=make_user(), body="News")
    send_due_digests(now=timezone.now() + after)
    assert OutboundEmail.objects.filter(to="f@example.org").count() == emails
    if frequency == "daily":  # a day later, the day's news comes in one email
        send_due_digests(now=timezone.now() + timedelta(days=1, minutes=5))
        assert OutboundEmail.objects.filter(to="f@example.org").count() == 1
