"""Followers' emails: batched into digests, never lost or doubled, one-click unsubscribe."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail
from discussions import actions
from discussions.models import Follow, Notification
from discussions.notifications import send_due_digests, unsubscribe_token
from discussions.queries import PAGE_SIZE
from reports.actions import change_state
from tests.factories import make_comment, make_user, worker_round


@pytest.fixture
def start():
    return timezone.now()


def emails_to(user):
    return list(OutboundEmail.objects.filter(to=user.email))


def test_a_burst_of_comments_makes_one_email_per_follower(topic, neighbour, resident, start):
    follower = make_user(email="follower@example.org")
    actions.set_following(topic, follower, True)
    with time_machine.travel(start, tick=False):
        for n in range(5):
            # Two people talking: each also follows by commenting.
            make_comment(topic, author=resident if n % 2 else neighbour, body=f"Point {n}")
    assert send_due_digests(now=start + timedelta(seconds=30)) == 0  # gathering the burst
    sent = send_due_digests(now=start + timedelta(minutes=3))
    assert sent == 3  # the follower, the topic's author (neighbour) and the resident
    [email] = emails_to(follower)
    for n in range(5):
        assert f"Point {n}" in email.body_text
    assert "5 new updates" in email.subject and topic.title in email.subject
    # Commenters are not told about their own comments.
    [to_neighbour] = emails_to(neighbour)
    assert "Point 1" in to_neighbour.body_text and "Point 0" not in to_neighbour.body_text
    # Nothing is sent twice.
    assert send_due_digests(now=start + timedelta(minutes=10)) == 0
    assert not Notification.objects.exists()


def test_at_most_one_email_per_follower_every_few_minutes(topic, neighbour, resident, start):
    with time_machine.travel(start, tick=False):
        make_comment(topic, author=resident, body="First")
    send_due_digests(now=start + timedelta(minutes=3))
    assert len(emails_to(neighbour)) == 1
    with time_machine.travel(start + timedelta(minutes=4), tick=False):
        make_comment(topic, author=resident, body="Second")
    assert send_due_digests(now=start + timedelta(minutes=8)) == 0
    assert send_due_digests(now=start + timedelta(minutes=14)) == 1
    second = emails_to(neighbour)[0]
    assert "Second" in second.body_text and "First" not in second.body_text


def test_replies_to_you_are_called_out(topic, neighbour, resident, start):
    with time_machine.travel(start, tick=False):
        mine = make_comment(topic, author=resident, body="My point")
        reply = make_comment(topic, author=neighbour, body="I disagree", reply_to=mine)
    send_due_digests(now=start + timedelta(minutes=3))
    [email] = emails_to(resident)
    assert "Nia Jones replied to you" in email.body_text
    assert reply.get_absolute_url() in email.body_text


def test_a_digest_links_to_the_page_that_shows_the_comment(topic, neighbour, resident, start):
    """On a long thread the new comment is past the first page: the email's link (the
    comment's permanent address) opens the page it is on, not the first."""
    with time_machine.travel(start - timedelta(hours=1), tick=False):
        for n in range(PAGE_SIZE):
            make_comment(topic, author=neighbour, body=f"Earlier point {n}")
    send_due_digests(now=start)
    OutboundEmail.objects.all().delete()
    with time_machine.travel(start, tick=False):
        late = make_comment(topic, author=resident, body="The late point")
    send_due_digests(now=start + timedelta(minutes=3))
    [email] = emails_to(neighbour)
    [link] = re.findall(r"https?://\S+/community/comments/\d+/", email.body_text)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    response = client.get("/" + path)
    assert response.status_code == 302
    assert "comments_after=" in response.url and response.url.endswith(f"#comment-{late.pk}")
    page = client.get(response.url.split("#")[0])
    assert f'id="comment-{late.pk}"' in page.content.decode()
    assert f'id="comment-{late.pk}"' not in client.get(topic.get_absolute_url()).content.decode()


def test_unfollowing_drops_pending_notifications(topic, neighbour, resident, start):
    with time_machine.travel(start, tick=False):
        make_comment(topic, author=resident, body="Hello")
    actions.set_following(topic, neighbour, False)
    assert send_due_digests(now=start + timedelta(minutes=3)) == 0
    assert emails_to(neighbour) == []


def test_deleted_and_hidden_comments_are_left_out(topic, neighbour, resident, staff, start):
    with time_machine.travel(start, tick=False):
        gone = make_comment(topic, author=resident, body="Oops")
        hidden = make_comment(topic, author=resident, body="Spam link")
    actions.delete_comment(gone, resident)
    actions.set_hidden(hidden, by=staff, hidden=True, reason="spam")
    assert send_due_digests(now=start + timedelta(minutes=3)) == 0


def test_status_changes_reach_the_reports_followers(report, staff, resident, start):
    actions.set_following(report.thread, staff, True)
    follower = make_user(email="follower@example.org")
    actions.set_following(report.thread, follower, True)
    with time_machine.travel(start, tick=False):
        change_state(report, report.State.FIXED, by=staff, note="Filled in this morning.")
        worker_round()
    send_due_digests(now=start + timedelta(minutes=3))
    # The reporter was emailed at once (reports' own email); followers get the digest.
    [immediate] = emails_to(resident)
    assert "Filled in this morning." in immediate.body_text
    [email] = emails_to(follower)
    assert "Status: Fixed — Filled in this morning." in email.body_text
    assert report.get_absolute_url() in email.body_text
    assert emails_to(staff) == []  # the actor is not told about their own change


def test_every_email_carries_a_working_unsubscribe_link(topic, neighbour, resident, start):
    with time_machine.travel(start, tick=False):
        make_comment(topic, author=resident, body="Hello")
    send_due_digests(now=start + timedelta(minutes=3))
    [email] = emails_to(neighbour)
    url = re.search(r"<(http[^>]+)>", email.headers["List-Unsubscribe"]).group(1)
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert url in email.body_text and url in email.body_html
    path = url.removeprefix("http://127.0.0.1:8000")

    visitor = Client(enforce_csrf_checks=True)  # signed out, no session
    page = visitor.get(path)
    assert page.status_code == 200 and "Unsubscribe" in page.content.decode()
    assert Follow.objects.filter(thread=topic, user=neighbour).exists()  # GET changes nothing
    done = visitor.post(path, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "You will no longer get emails" in done.content.decode()
    assert not Follow.objects.filter(thread=topic, user=neighbour).exists()


def test_unsubscribe_rejects_tampered_tokens(client, topic, neighbour):
    token = unsubscribe_token(neighbour.pk, topic.pk)
    forged = token.replace(token.split(":")[0], "[1,2]")
    response = client.post(reverse("discussions:unsubscribe", args=[forged]))
    assert response.status_code == 400
    assert Follow.objects.filter(thread=topic, user=neighbour).exists()


def test_subject_and_text_are_not_html_escaped(neighbour, resident, start):
    from tests.factories import make_topic

    topic = make_topic(author=neighbour, title="Cats & dogs <on> the green")
    with time_machine.travel(start, tick=False):
        make_comment(topic, author=resident, body="Fish & chips")
    send_due_digests(now=start + timedelta(minutes=3))
    [email] = emails_to(neighbour)
    assert email.subject == "1 new update on “Cats & dogs <on> the green”"
    assert "Fish & chips" in email.body_text
    assert "Fish &amp; chips" in email.body_html
