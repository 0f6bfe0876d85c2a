"""Suspending a user: sign-in refused, what they published hidden; and undoing it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from discussions.models import Comment, ModerationEntry, Thread
from reports import actions
from reports.models import Report
from tests.factories import make_comment, make_report, make_topic, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def admin_user(db):
    return make_user(email="admin@example.org", is_staff=True, is_superuser=True)


def _user_action(client, action: str, user, reason: str = ""):
    return client.post(
        reverse("admin:auth_user_changelist"),
        {"action": action, "_selected_action": [user.pk], "reason": reason, "index": 0},
    )


def test_suspending_refuses_sign_in_and_hides_what_they_published(
    client, admin_user, resident, service, staff
):
    spammer = make_user(email="spammer@example.org")
    report = make_report(service=service, reporter=spammer, title="Buy cheap watches")
    topic = make_topic(author=spammer, title="Cheap watches here")
    comment = make_comment(report.thread, author=spammer, body="Visit my shop")
    kept = make_comment(report.thread, author=resident, body="This is spam")
    client.force_login(admin_user)

    response = _user_action(client, "suspend", spammer, reason="Advertising")

    assert response.status_code == 302
    spammer.refresh_from_db()
    assert not spammer.is_active
    assert Report.objects.get(pk=report.pk).is_hidden
    assert Thread.objects.get(pk=topic.pk).is_hidden
    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert not Comment.objects.get(pk=kept.pk).is_hidden
    entry = ModerationEntry.objects.get(action="suspend")
    assert entry.actor == admin_user and entry.reason == "Advertising"
    assert entry.original["reports"] == [report.pk] and entry.original["is_active"] is True
    # Sign-in is refused, and the public sees none of it.
    client.logout()
    client.post(reverse("account_login"), {"login": spammer.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get(report.get_absolute_url()).status_code == 404
    assert client.get(reverse("discussions:topic-detail", args=[topic.pk])).status_code == 404


def test_suspending_needs_a_reason(client, admin_user, resident):
    client.force_login(admin_user)

    _user_action(client, "suspend", resident)

    resident.refresh_from_db()
    assert resident.is_active
    assert not ModerationEntry.objects.exists()


def test_a_suspended_user_is_signed_out_of_open_sessions(client, admin_user, resident):
    client.force_login(resident)
    actions.suspend_user(resident, by=admin_user, reason="Abuse")

    # (The new-report form is open to guests: "my page" needs the sign-in.)
    response = client.get(reverse("me"))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reinstating_shows_again_only_what_the_suspension_hid(client, admin_user, staff, service):
    user = make_user(email="hasty@example.org")
    report = make_report(service=service, reporter=user)
    hidden_earlier = make_report(service=service, reporter=user, title="Hidden for a reason")
    actions.hide_report(hidden_earlier, by=staff, reason="Personal data")
    actions.suspend_user(user, by=admin_user, reason="Mistaken for a spammer")
    client.force_login(admin_user)

    _user_action(client, "reinstate", user, reason="Not a spammer after all")

    user.refresh_from_db()
    assert user.is_active
    assert not Report.objects.get(pk=report.pk).is_hidden
    assert Report.objects.get(pk=hidden_earlier.pk).is_hidden
    assert ModerationEntry.objects.filter(action="reinstate", target_id=user.pk).exists()
    assert get_user_model().objects.get(pk=user.pk).check_password(PASSWORD)
