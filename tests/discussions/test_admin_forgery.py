"""The admin cannot forge: a comment stays where, by whom and as official as it was
posted; text and visibility edits go through the actions; thread addresses cannot
point outside the site."""

from __future__ import annotations

import pytest
from django.urls import reverse

from discussions.models import Comment, ModerationEntry, Thread
from tests.admin_forms import post_change_form
from tests.factories import make_comment, make_report, make_user


def _comment_url(comment: Comment) -> str:
    return reverse("admin:discussions_comment_change", args=[comment.pk])


def test_staff_cannot_move_a_comment_reassign_its_author_or_make_it_official(
    client, staff, resident, report_thread, other_authority, service, superuser
):
    comment = make_comment(report_thread, author=resident, body="Is this fixed?")
    elsewhere = make_report(service=service).thread
    Thread.objects.filter(pk=elsewhere.pk).update(official_group=other_authority.staff_group)
    count_before = Thread.objects.get(pk=report_thread.pk).comment_count
    client.force_login(staff)

    response = post_change_form(
        client,
        _comment_url(comment),
        form_id="comment_form",
        thread=str(elsewhere.pk),
        author=str(superuser.pk),
        is_official="on",
        path="0000000001",
        flag_count="0",
        version="999",
    )

    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.thread_id == report_thread.pk
    assert comment.author == resident
    assert not comment.is_official
    assert comment.path == Comment.path_segment(comment.pk)
    assert Thread.objects.get(pk=report_thread.pk).comment_count == count_before
    assert not Comment.objects.filter(thread=elsewhere).exists()


def test_editing_a_comment_in_the_admin_renders_it_again_and_keeps_the_original(
    client, staff, resident, report_thread
):
    comment = make_comment(report_thread, author=resident, body="Call me on 07700 900123")
    version_before = Thread.objects.get(pk=report_thread.pk).version
    client.force_login(staff)

    response = post_change_form(
        client,
        _comment_url(comment),
        form_id="comment_form",
        body="Call me on **[number removed]**",
        moderation_reason="Phone number",
    )

    assert response.status_code == 302
    comment.refresh_from_db()
    assert "<strong>[number removed]</strong>" in comment.body_html
    assert "07700" not in comment.body_html
    thread = Thread.objects.get(pk=report_thread.pk)
    assert thread.version > version_before and comment.version == thread.version
    entry = ModerationEntry.objects.get(action="comment_edit")
    assert entry.original == {"body": "Call me on 07700 900123"}
    assert entry.actor == staff and entry.reason == "Phone number"


def test_hiding_a_comment_in_the_admin_form_goes_through_the_action(
    client, staff, resident, report_thread
):
    comment = make_comment(report_thread, author=resident, body="Rude words")
    client.force_login(staff)

    post_change_form(
        client,
        _comment_url(comment),
        form_id="comment_form",
        is_hidden="on",
        hidden_reason="abusive",
    )

    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_by == staff
    assert comment.version == Thread.objects.get(pk=report_thread.pk).version
    assert ModerationEntry.objects.filter(action="comment_hide", target_id=comment.pk).exists()


def test_nobody_adds_comments_in_the_admin(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:discussions_comment_add")).status_code == 403


# --- thread addresses -----------------------------------------------------------------


def test_a_thread_address_cannot_be_set_in_the_admin(client, superuser, topic, report):
    client.force_login(superuser)
    for thread in (topic, report.thread):
        url = reverse("admin:discussions_thread_change", args=[thread.pk])
        post_change_form(client, url, form_id="thread_form", url="https://evil.example/")
    client.post(
        reverse("admin:discussions_thread_change", args=[report.thread_id]),
        {"url": "https://evil.example/", "owner_id": "999"},
    )
    for thread in (topic, report.thread):
        thread.refresh_from_db()
        assert "evil" not in thread.get_absolute_url()
    assert Thread.objects.get(pk=report.thread_id).owner_id == report.pk


def test_a_report_thread_redirects_only_to_its_report(client, report):
    response = client.get(reverse("discussions:topic-detail", args=[report.thread_id]))

    assert response.status_code == 302
    assert response["Location"] == report.get_absolute_url()


def test_digest_links_come_from_the_derived_address(client, report, resident):
    from datetime import timedelta

    from django.utils import timezone

    from civic.models import OutboundEmail
    from discussions.notifications import send_due_digests

    follower = make_user(email="follower@example.org")
    from discussions.actions import set_following

    set_following(report.thread, follower, True)
    make_comment(report.thread, author=resident, body="New comment")

    send_due_digests(now=timezone.now() + timedelta(hours=1))

    email = OutboundEmail.objects.get(to=follower.email)
    assert report.get_absolute_url() in email.body_text
    # The comment's own link (its permanent address) leads to the same page.
    comment = report.thread.comments.get()
    assert comment.get_absolute_url() in email.body_text
    response = client.get(comment.get_absolute_url())
    assert response["Location"] == f"{report.get_absolute_url()}#comment-{comment.pk}"


@pytest.mark.parametrize("name", ["Borough Council", "borough council ", "BOROUGH COUNCIL"])
def test_an_authority_with_a_taken_name_is_a_form_error(client, superuser, authority, name):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:reports_authority_add"),
        {
            "name": name,
            "slug": "borough-2",
            "send_method": "email",
            "is_active": "on",
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Another authority is already called" in response.content.decode()


def test_a_pending_digest_link_cannot_be_edited_in_the_admin(client, superuser, report, resident):
    from discussions.actions import set_following
    from discussions.models import Notification

    set_following(report.thread, make_user(), True)
    make_comment(report.thread, author=resident, body="Hello")
    pending = Notification.objects.get()
    client.force_login(superuser)

    response = client.post(
        reverse("admin:discussions_notification_change", args=[pending.pk]),
        {"url": "https://evil.example/", "text": "Click here"},
    )

    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.url == "" and pending.text == ""
