from __future__ import annotations

import re

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


# --- no answer tells whether an address has an account --------------------------------------

SIGN_UP = {"password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"}
CSRF = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def page(response, email: str) -> str:
    """The page as anyone would compare it: without the address typed and the CSRF token."""
    return CSRF.sub(r"\1", response.content.decode().replace(email, "EMAIL"))


def sign_up(client, email):
    response = client.post("/accounts/signup/", {"email": email, **SIGN_UP}, follow=True)
    return response, page(response, email)


def test_sign_up_with_a_taken_address_answers_exactly_like_a_new_one(client):
    from django.contrib.auth import get_user_model

    from tests.factories import make_user

    make_user(email="taken@example.org")

    new, new_page = sign_up(client, "fresh@example.org")
    client.logout()
    taken, taken_page = sign_up(client, "taken@example.org")

    assert [r[1] for r in new.redirect_chain] == [r[1] for r in taken.redirect_chain]
    assert new.redirect_chain[-1][0] == taken.redirect_chain[-1][0] == "/accounts/confirm-email/"
    assert new.status_code == taken.status_code == 200
    assert "already" not in taken_page.lower()
    assert taken_page.count("Verify") == new_page.count("Verify")
    # No second account; the owner is told by email instead, the newcomer gets a link.
    assert get_user_model().objects.filter(email__iexact="taken@example.org").count() == 1
    send_due_emails()
    [to_owner] = [m for m in mail.outbox if m.to == ["taken@example.org"]]
    [to_newcomer] = [m for m in mail.outbox if m.to == ["fresh@example.org"]]
    assert "already" in to_owner.body.lower() and "/accounts/password/reset/" in to_owner.body
    assert "/accounts/confirm-email/" in to_newcomer.body


def test_sign_in_says_the_same_for_an_unknown_address_and_a_wrong_password(client):
    from tests.factories import make_user

    make_user(email="rosa@example.org", password="the-right-passphrase")

    def attempt(email):
        response = client.post("/accounts/login/", {"login": email, "password": "wrong-one"})
        return response.status_code, page(response, email)

    assert attempt("rosa@example.org") == attempt("nobody@example.org")


def test_password_reset_says_the_same_for_an_unknown_address(client):
    from tests.factories import make_user

    make_user(email="rosa@example.org")

    def reset(email):
        response = client.post("/accounts/password/reset/", {"email": email}, follow=True)
        return [r[0] for r in response.redirect_chain], page(response, email)

    assert reset("rosa@example.org") == reset("nobody@example.org")
    send_due_emails()
    [known] = [m for m in mail.outbox if m.to == ["rosa@example.org"]]
    [unknown] = [m for m in mail.outbox if m.to == ["nobody@example.org"]]
    assert "/accounts/password/reset/key/" in known.body
    assert "/accounts/password/reset/key/" not in unknown.body
