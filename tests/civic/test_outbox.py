from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from civic.models import OutboundEmail
from civic.outbox import queue_email, send_due_emails
from tests.factories import make_report

pytestmark = pytest.mark.django_db


class BrokenBackend:
    """A mail backend whose server is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server unreachable")


def test_queued_email_is_sent_by_the_worker(service, authority, resident):
    report = make_report(service=service, reporter=resident, notify=True)
    call_command("work", "--once")

    confirmations = [m for m in mail.outbox if m.to == [resident.email]]
    assert len(confirmations) == 1
    assert report.title in confirmations[0].subject
    assert confirmations[0].alternatives  # an HTML part too
    assert OutboundEmail.objects.get(to=resident.email).state == OutboundEmail.State.SENT


def test_failing_mail_server_keeps_the_email_and_retries_later(settings, resident):
    settings.EMAIL_BACKEND = "tests.civic.test_outbox.BrokenBackend"
    with time_machine.travel("2026-11-26 12:00:00+00:00", tick=False):
        queue_email(
            resident.email, "report-confirmation", {"report": make_report(), "authorities": []}
        )
        assert send_due_emails() == 0
        email = OutboundEmail.objects.get()
        assert email.state == OutboundEmail.State.PENDING
        assert email.attempts == 1
        assert "mail server unreachable" in email.last_error
        assert email.next_attempt_at == timezone.now() + timedelta(minutes=1)
        # Not due yet: nothing happens.
        assert send_due_emails() == 0
        assert OutboundEmail.objects.get().attempts == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel("2026-11-26 12:01:01+00:00", tick=False):
        assert send_due_emails() == 1
    email.refresh_from_db()
    assert email.state == OutboundEmail.State.SENT
    assert email.attempts == 2
    assert len(mail.outbox) == 1


def test_backoff_grows_and_is_capped(settings, resident):
    settings.EMAIL_BACKEND = "tests.civic.test_outbox.BrokenBackend"
    settings.OUTBOX_MAX_BACKOFF_SECONDS = 600
    queue_email(resident.email, "report-confirmation", {"report": make_report(), "authorities": []})
    delays = []
    for _ in range(6):
        email = OutboundEmail.objects.get()
        with time_machine.travel(email.next_attempt_at, tick=False):
            send_due_emails()
            email.refresh_from_db()
            delays.append((email.next_attempt_at - timezone.now()).total_seconds())
    assert delays == [60, 120, 240, 480, 600, 600]
    assert OutboundEmail.objects.get().state == OutboundEmail.State.PENDING


def test_a_row_claimed_by_another_worker_is_not_sent_twice(resident):
    queue_email(resident.email, "report-confirmation", {"report": make_report(), "authorities": []})
    OutboundEmail.objects.update(state=OutboundEmail.State.SENDING, claimed_at=timezone.now())
    assert send_due_emails() == 0
    assert mail.outbox == []


def test_a_row_left_by_a_crashed_worker_is_picked_up_again(resident):
    queue_email(resident.email, "report-confirmation", {"report": make_report(), "authorities": []})
    OutboundEmail.objects.update(
        state=OutboundEmail.State.SENDING, claimed_at=timezone.now() - timedelta(minutes=11)
    )
    assert send_due_emails() == 1
    assert len(mail.outbox) == 1


def test_admin_retry_now_makes_a_pending_email_due(admin_client, settings, resident):
    settings.EMAIL_BACKEND = "tests.civic.test_outbox.BrokenBackend"
    queue_email(resident.email, "report-confirmation", {"report": make_report(), "authorities": []})
    send_due_emails()
    email = OutboundEmail.objects.get()
    assert email.next_attempt_at > timezone.now()

    response = admin_client.post(
        "/admin/civic/outboundemail/",
        {"action": "retry_now", "_selected_action": [email.pk]},
        follow=True,
    )
    assert response.status_code == 200
    email.refresh_from_db()
    assert email.next_attempt_at <= timezone.now()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due_emails() == 1
