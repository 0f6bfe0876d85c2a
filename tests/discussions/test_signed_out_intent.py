"""“Me too” or “Follow” pressed while signed out is carried out after sign-in or sign-up."""

from __future__ import annotations

import re

from django.urls import reverse

from civic.models import OutboundEmail
from discussions.models import Follow, Support, Thread
from tests.factories import make_user


def _press(client, thread, action: str):
    return client.post(reverse("discussions:thread-intent", args=[thread.pk]), {"action": action})


def test_signed_out_me_too_is_added_after_signing_in(client, resident, report_thread):
    page = client.get(report_thread.get_absolute_url()).content.decode()
    assert reverse("discussions:thread-intent", args=[report_thread.pk]) in page

    response = _press(client, report_thread, "support")

    resume = reverse("discussions:thread-resume", args=[report_thread.pk])
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next={resume.replace('/', '%2F')}"
    assert not Support.objects.exists()
    signed_in = client.post(
        response.url, {"login": resident.email, "password": "correct-horse-battery"}
    )
    assert signed_in.status_code == 302 and signed_in.url == resume
    done = client.get(resume, follow=True)
    assert Support.objects.filter(thread=report_thread, user=resident).exists()
    assert Thread.objects.get(pk=report_thread.pk).support_count == 1
    assert "Thank you for your support." in done.content.decode()


def test_signed_out_follow_is_done_after_signing_up(client, report_thread):
    response = _press(client, report_thread, "follow")
    resume = reverse("discussions:thread-resume", args=[report_thread.pk])

    signup = client.post(
        f"{reverse('account_signup')}?next={resume}",
        {
            "email": "newbie@example.org",
            "display_name": "Newbie",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "next": resume,
        },
    )
    # The address is confirmed by the emailed link; that signs the new account in and
    # comes back to what was asked.
    assert signup.status_code == 302
    body = OutboundEmail.objects.get(to="newbie@example.org").body_text
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", body).group(1)
    confirmed = client.post(link)
    assert confirmed.status_code == 302 and confirmed.url == resume
    client.get(resume)

    assert Follow.objects.filter(thread=report_thread, user__email="newbie@example.org").exists()
    assert response.status_code == 302


def test_the_resume_link_alone_changes_nothing(client, report_thread):
    visitor = make_user()
    client.force_login(visitor)

    client.get(reverse("discussions:thread-resume", args=[report_thread.pk]))

    assert not Support.objects.exists() and not Follow.objects.filter(user=visitor).exists()


def test_an_intent_for_another_thread_is_not_applied_here(client, resident, report_thread, topic):
    _press(client, topic, "support")
    client.force_login(resident)

    client.get(reverse("discussions:thread-resume", args=[report_thread.pk]))

    assert not Support.objects.exists()
