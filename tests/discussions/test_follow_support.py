"""Follow and support buttons, with every persona."""

from __future__ import annotations

from django.test import RequestFactory
from django.urls import reverse

from discussions.models import Follow, Support, Thread
from discussions.queries import discussion_context, followed_threads
from tests.discussions.conftest import HTMX
from tests.factories import make_comment


def support(client, thread, on: bool, **extra):
    return client.post(
        reverse("discussions:thread-support", args=[thread.pk]),
        {"on": "true" if on else "false"},
        **extra,
    )


def follow(client, thread, on: bool, **extra):
    return client.post(
        reverse("discussions:thread-follow", args=[thread.pk]),
        {"on": "true" if on else "false"},
        **extra,
    )


def test_me_too_on_a_report_counts_each_resident_once(client, resident, report_thread):
    client.force_login(resident)
    first = support(client, report_thread, True, **HTMX)
    again = support(client, report_thread, True, **HTMX)
    html = again.content.decode()
    assert first.status_code == again.status_code == 200
    assert "Me too" in html and "1 supporter" in html and 'aria-pressed="true"' in html
    report_thread.refresh_from_db()
    assert report_thread.support_count == 1 == Support.objects.count()
    withdrawn = support(client, report_thread, False, **HTMX).content.decode()
    assert "0 supporters" in withdrawn and 'aria-pressed="false"' in withdrawn
    report_thread.refresh_from_db()
    assert report_thread.support_count == 0


def test_ideas_are_upvoted_and_the_button_works_without_javascript(client, resident, topic):
    client.force_login(resident)
    response = support(client, topic, True)
    assert response.status_code == 302
    assert Thread.objects.get(pk=topic.pk).support_count == 1
    assert "Upvote" in client.get(topic.get_absolute_url()).content.decode()


def test_anonymous_visitor_is_asked_to_sign_in(anonymous, topic):
    response = support(anonymous, topic, True)
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert follow(anonymous, topic, True).status_code == 302
    assert not Support.objects.exists()
    page = anonymous.get(topic.get_absolute_url()).content.decode()
    assert "Sign in to join the discussion" in page


def test_follow_and_unfollow(client, resident, topic):
    client.force_login(resident)
    html = follow(client, topic, True, **HTMX).content.decode()
    assert "Unfollow" in html
    assert Follow.objects.filter(thread=topic, user=resident).exists()
    html = follow(client, topic, False, **HTMX).content.decode()
    assert ">Follow<" in html
    assert not Follow.objects.filter(thread=topic, user=resident).exists()


def test_commenting_follows_and_the_author_can_unfollow(client, resident, topic):
    make_comment(topic, author=resident)
    assert list(followed_threads(resident)) == [topic]
    client.force_login(resident)
    assert "Unfollow" in client.get(topic.get_absolute_url()).content.decode()
    follow(client, topic, False)
    assert list(followed_threads(resident)) == []


def test_report_page_context_knows_the_viewers_state(client, resident, report_thread):
    client.force_login(resident)  # the reporter: follows from the start
    support(client, report_thread, True)
    request = RequestFactory().get(report_thread.url)
    request.user = resident
    discussion = discussion_context(request, report_thread)["discussion"]
    assert discussion["is_following"] and discussion["is_supporting"]
    assert discussion["thread"].support_count == 1
