from __future__ import annotations

import pytest
from django.core import mail

from civic.models import OutboundEmail
from civic.outbox import send_due_emails

pytestmark = pytest.mark.django_db


def test_sign_up_queues_the_verification_email_even_when_mail_is_down(client, settings):
    settings.EMAIL_BACKEND = "tests.civic.test_outbox.BrokenBackend"
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "display_name": "New Neighbour",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert response.status_code == 302  # signed up, not a server error
    email = OutboundEmail.objects.get(to="new@example.org")
    assert "/accounts/confirm-email/" in email.body_text
    assert send_due_emails() == 0  # the server is down: kept for later

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundEmail.objects.update(next_attempt_at=email.created_at)
    assert send_due_emails() == 1
    assert mail.outbox[0].to == ["new@example.org"]
