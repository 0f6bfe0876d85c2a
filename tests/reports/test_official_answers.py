"""Official answers reach the reporter at once and appear live on open report pages."""

from __future__ import annotations

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail
from discussions import actions as discussion_actions
from discussions.models import Notification, Thread
from discussions.notifications import send_due_digests
from reports.actions import change_state
from tests.factories import make_comment, make_report, make_user, worker_round

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_official_status_change_is_emailed_to_the_reporter_at_once(
    service, authority, resident, staff
):
    report = make_report(service, reporter=resident, title="Hole on St John's Road & Mill Lane")
    expected = timezone.now() + timedelta(days=5)
    change_state(report, "in_progress", by=staff, note="Crew booked.", expected_at=expected)
    email = OutboundEmail.objects.get(to=resident.email)
    assert email.subject == (
        f"Report #{report.pk} is now In progress: Hole on St John's Road & Mill Lane"
    )
    assert "Crew booked." in email.body_text
    assert "Expected by" in email.body_text and str(expected.year) in email.body_text
    assert f"/reports/{report.pk}/" in email.body_text
    # Not told twice: the reporter's digest leaves this out.
    assert not Notification.objects.filter(follow__user=resident).exists()


def test_followers_hear_by_digest_and_a_note_alone_is_emailed(service, authority, resident, staff):
    report = make_report(service, reporter=resident)
    follower = make_user(email="follower@example.org")
    discussion_actions.set_following(Thread.objects.get(pk=report.thread_id), follower, True)
    change_state(report, report.state, by=staff, note="We have seen it.")
    worker_round()
    assert OutboundEmail.objects.filter(to=resident.email).count() == 1
    assert not OutboundEmail.objects.filter(to=follower.email).exists()  # batched
    send_due_digests(now=timezone.now() + timedelta(minutes=5))
    assert "We have seen it." in OutboundEmail.objects.get(to=follower.email).body_text


def test_non_official_changes_send_no_immediate_email(service, authority, resident):
    report = make_report(service, reporter=resident)
    change_state(report, "fixed", by=resident)
    assert not OutboundEmail.objects.filter(to=resident.email).exists()


def test_guest_reporter_is_emailed_too(service, authority, staff):
    report = make_report(service, contact_email="guest@example.org")
    change_state(report, "acknowledged", by=staff)
    assert OutboundEmail.objects.filter(to="guest@example.org").count() == 1


def test_live_poll_brings_the_new_timeline_out_of_band(
    client, service, authority, staff, django_assert_num_queries
):
    report = make_report(service)
    thread = Thread.objects.get(pk=report.thread_id)
    url = reverse("discussions:comments-since", args=[thread.pk]) + f"?v={thread.version}"
    change_state(report, "acknowledged", by=staff, note="Inspector on Monday.")
    for n in range(3):
        make_comment(thread, body=f"Comment {n}")
    # 1 the thread's version, 2 the thread, 3 the changed comments,
    # 4 the report with its service, authority, reporter and duplicate, 5 its timeline.
    with django_assert_num_queries(5):
        response = client.get(url, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<section id="timeline"[^>]* hx-swap-oob="true"', html)
    assert "Inspector on Monday." in html
    assert 'id="report-status" hx-swap-oob="true"' in html
