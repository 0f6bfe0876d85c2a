"""Flags and moderation: who may flag, hide and unhide, and what everyone sees."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse

from discussions.models import Flag
from discussions.queries import discussion_context
from tests.discussions.conftest import HTMX
from tests.factories import make_comment, make_user


def comments_html(thread, user) -> str:
    request = RequestFactory().get(thread.get_absolute_url())
    request.user = user
    return str(discussion_context(request, thread)["discussion"]["comments_html"])


def flag(client, comment, reason="spam", **extra):
    return client.post(
        reverse("discussions:comment-flag", args=[comment.pk]), {"reason": reason}, **extra
    )


def moderate(client, comment, **data):
    return client.post(reverse("discussions:comment-moderate", args=[comment.pk]), data)


def test_resident_flags_a_comment_once(client, resident, neighbour, topic):
    comment = make_comment(topic, author=neighbour, body="Buy cheap watches")
    client.force_login(resident)
    form = client.get(reverse("discussions:comment-flag", args=[comment.pk]), **HTMX)
    assert "What is wrong with this comment?" in form.content.decode()
    first = flag(client, comment, **HTMX)
    assert first.status_code == 200 and "You flagged this comment" in first.content.decode()
    second = flag(client, comment, **HTMX)
    assert second.status_code == 403
    assert second.content.decode() == "You have already flagged this comment."
    assert Flag.objects.filter(comment=comment).count() == 1
    comment.refresh_from_db()
    assert comment.flag_count == 1 and not comment.is_hidden


def test_flag_needs_a_reason(client, resident, neighbour, topic):
    comment = make_comment(topic, author=neighbour)
    client.force_login(resident)
    response = flag(client, comment, reason="")
    assert "Please choose a reason." in response.content.decode()
    assert not Flag.objects.exists()


def test_anonymous_visitor_cannot_flag(anonymous, neighbour, topic):
    comment = make_comment(topic, author=neighbour)
    response = flag(anonymous, comment)
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert not Flag.objects.exists()


def test_author_cannot_flag_their_own_comment(client, neighbour, topic):
    comment = make_comment(topic, author=neighbour)
    client.force_login(neighbour)
    assert flag(client, comment).status_code == 403


def test_three_flags_hide_a_comment_pending_review(client, neighbour, topic):
    comment = make_comment(topic, author=neighbour, body="Something nasty")
    for _ in range(3):
        client.force_login(make_user())
        assert flag(client, comment, reason="abuse").status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden and comment.is_pending_review
    client.logout()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Something nasty" not in page
    assert "Hidden pending review" in page


def test_staff_hide_with_a_public_reason_on_their_authoritys_thread(
    client, staff, resident, report_thread
):
    comment = make_comment(report_thread, author=resident, body="Rant about neighbours")
    client.force_login(make_user())
    flag(client, comment)
    client.force_login(staff)
    form = client.get(reverse("discussions:comment-moderate", args=[comment.pk]), **HTMX)
    assert "Reason, shown publicly" in form.content.decode()
    response = moderate(client, comment, action="hide", reason="off-topic")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_by == staff
    assert comment.hidden_reason == "off-topic" and comment.flag_count == 0
    assert not Flag.objects.filter(is_resolved=False).exists()
    # What the report page shows (through the context it includes).
    html = comments_html(report_thread, resident)
    assert "Hidden by a moderator: off-topic" in html and "Rant about" not in html


def test_hiding_needs_a_reason(client, staff, resident, report_thread):
    comment = make_comment(report_thread, author=resident)
    client.force_login(staff)
    response = moderate(client, comment, action="hide", reason="")
    assert "Please give a reason" in response.content.decode()
    other = moderate(client, comment, action="hide", reason="other", other_reason="")
    assert "Please write the reason." in other.content.decode()
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_staff_unhide_a_comment(client, staff, resident, report_thread):
    comment = make_comment(report_thread, author=resident)
    client.force_login(staff)
    moderate(client, comment, action="hide", reason="other", other_reason="wrong report")
    comment.refresh_from_db()
    assert comment.hidden_reason == "wrong report"
    response = client.post(
        reverse("discussions:comment-moderate", args=[comment.pk]), {"action": "unhide"}, **HTMX
    )
    assert response.status_code == 200
    comment.refresh_from_db()
    assert not comment.is_hidden and comment.hidden_reason == ""


def test_staff_of_another_authority_cannot_hide_on_a_thread_not_theirs(
    client, other_staff, resident, report_thread
):
    comment = make_comment(report_thread, author=resident, body="Stays visible")
    client.force_login(other_staff)
    assert client.get(reverse("discussions:comment-moderate", args=[comment.pk])).status_code == (
        403
    )
    response = moderate(client, comment, action="hide", reason="spam")
    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_resident_cannot_moderate(client, resident, neighbour, report_thread):
    comment = make_comment(report_thread, author=neighbour)
    client.force_login(resident)
    assert moderate(client, comment, action="hide", reason="spam").status_code == 403


def test_moderators_see_the_hidden_text_and_others_do_not(client, staff, resident, report_thread):
    comment = make_comment(report_thread, author=resident, body="The hidden words")
    client.force_login(staff)
    moderate(client, comment, action="hide", reason="spam")
    for user, sees in ((staff, True), (resident, False)):
        assert ("The hidden words" in comments_html(report_thread, user)) is sees


def test_superuser_and_granted_staff_moderate_community_topics(
    client, superuser, other_staff, neighbour, topic
):
    comment = make_comment(topic, author=neighbour)
    client.force_login(other_staff)
    assert moderate(client, comment, action="hide", reason="spam").status_code == 403
    other_staff.user_permissions.add(Permission.objects.get(codename="moderate_thread"))
    assert moderate(client, comment, action="hide", reason="spam").status_code == 302
    client.force_login(superuser)
    assert moderate(client, comment, action="unhide").status_code == 302
    comment.refresh_from_db()
    assert not comment.is_hidden
