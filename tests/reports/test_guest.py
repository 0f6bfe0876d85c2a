"""Reports without an account: held, confirmed by email, published like any other."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from civic.management.commands.work import run_round
from civic.models import OutboundEmail
from delivery.models import Delivery
from discussions.models import Follow
from reports.models import PendingPhoto, PendingReport, Report
from tests.factories import CENTRE, jpeg_upload, make_user, worker_round

NEW = reverse("reports:new")
SENT = reverse("reports:guest-sent")


def _post(client, files=(), **overrides):
    data = {
        "service": "pothole",
        "lat": str(CENTRE[0]),
        "lon": str(CENTRE[1]),
        "address": "12 High Street",
        "title": "Deep pothole",
        "description": "By the bus stop.",
        "name": "Ada Lovelace",
        "phone": "0123 456",
        "email": "ada@example.org",
        "website": "",
        **overrides,
    }
    data = {k: v for k, v in data.items() if v is not None}
    if files:
        data["photos"] = list(files)
    return client.post(NEW, data)


def _confirm_path() -> str:
    email = OutboundEmail.objects.get(subject__startswith="Confirm your report")
    match = re.search(r"https?://[^/\s]+(/reports/confirm/[^/\s]+/)", email.body_text)
    assert match, email.body_text
    return match.group(1)


def test_guest_report_is_held_unpublished_until_the_email_is_confirmed(
    anonymous, authority, service
):
    response = _post(anonymous, files=[jpeg_upload()])

    assert response.status_code == 302 and response.url == SENT
    # Held: no report anywhere (list, map, API), nothing delivered.
    assert not Report.objects.exists()
    assert not Delivery.objects.exists()
    pending = PendingReport.objects.get()
    assert pending.email == "ada@example.org" and pending.title == "Deep pothole"
    assert PendingPhoto.objects.filter(pending=pending).count() == 1
    # One email: the confirmation link, through the outbox.
    email = OutboundEmail.objects.get()
    assert email.to == "ada@example.org"
    assert "works for 7 days" in email.body_text
    page = anonymous.get(SENT).content.decode()
    assert "We sent a link to <strong>ada@example.org</strong>" in page
    assert "nobody sees the report and nobody receives it" in page
    assert "Deep pothole" not in anonymous.get(reverse("reports:list")).content.decode()


def test_confirming_publishes_and_routes_it_like_a_signed_in_report(
    anonymous, authority, service, settings, django_capture_on_commit_callbacks
):
    _post(anonymous, files=[jpeg_upload()])
    link = _confirm_path()
    pending_files = [p.image.name for p in PendingPhoto.objects.all()]

    page = anonymous.get(link)
    assert page.status_code == 200
    assert "Publish my report" in page.content.decode()
    assert not Report.objects.exists()  # opening the link alone publishes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = anonymous.post(link)
    assert response.status_code == 302

    report = Report.objects.get()
    worker_round()
    assert report.reporter is None
    assert report.contact_email == "ada@example.org"
    assert report.contact_name == "Ada Lovelace" and report.contact_phone == "0123 456"
    assert report.authority == authority
    assert report.photos.count() == 1
    assert Delivery.objects.filter(report=report, authority=authority).count() == 1
    assert OutboundEmail.objects.filter(
        to="ada@example.org", subject__startswith=f"Your report #{report.pk}"
    ).exists()
    # The held photo is gone once the report has its own copy.
    assert not PendingPhoto.objects.exists()
    assert not (settings.MEDIA_ROOT / pending_files[0]).exists()
    # The same link now says it is published and offers an account.
    html = anonymous.get(link).content.decode()
    assert "Your report is published" in html
    assert report.get_absolute_url() in html
    assert "Create my account" in html
    # A second click does not publish twice.
    anonymous.post(link)
    assert Report.objects.count() == 1


def test_an_account_in_one_step_owns_and_follows_the_report(anonymous, authority, service):
    _post(anonymous)
    link = _confirm_path()
    anonymous.post(link)
    report = Report.objects.get()

    response = anonymous.post(
        link + "account/", {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    )

    assert response.status_code == 302 and response.url == report.get_absolute_url()
    user = get_user_model().objects.get(email="ada@example.org")
    assert user.first_name == "Ada"
    assert EmailAddress.objects.get(user=user).verified
    report.refresh_from_db()
    assert report.reporter == user
    assert Follow.objects.filter(user=user, thread=report.thread).exists()
    # Signed in: the account is theirs now.
    assert anonymous.get(reverse("me")).status_code == 200


def test_account_form_errors_keep_the_page(anonymous, authority, service):
    _post(anonymous)
    link = _confirm_path()
    anonymous.post(link)

    response = anonymous.post(link + "account/", {"password1": "abc", "password2": "abd"})

    assert response.status_code == 200
    assert "The two passwords differ" in response.content.decode()
    assert not get_user_model().objects.filter(email="ada@example.org").exists()


def test_no_account_is_offered_when_the_email_has_one(anonymous, authority, service):
    make_user(email="ada@example.org")
    _post(anonymous)
    link = _confirm_path()
    anonymous.post(link)

    html = anonymous.get(link).content.decode()
    assert "Create my account" not in html
    assert "There is already an account with ada@example.org" in html
    anonymous.post(link + "account/", {"password1": "x-long-pass", "password2": "x-long-pass"})
    assert get_user_model().objects.filter(email="ada@example.org").count() == 1


def test_an_expired_link_is_refused_clearly_and_the_worker_deletes_the_report(
    anonymous, authority, service, settings
):
    _post(anonymous, files=[jpeg_upload()])
    link = _confirm_path()
    photo = settings.MEDIA_ROOT / PendingPhoto.objects.get().image.name
    assert photo.exists()

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = anonymous.get(link)
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert anonymous.post(link).status_code == 410
        assert not Report.objects.exists()

        done = run_round()

    assert done["expired guest reports"] == 1
    assert not PendingReport.objects.exists()
    assert not photo.exists()
    # Once deleted, the link is simply not valid.
    response = anonymous.get(link)
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_the_worker_keeps_reports_that_are_not_expired(anonymous, authority, service):
    _post(anonymous)
    with time_machine.travel(timezone.now() + timedelta(days=6)):
        assert run_round()["expired guest reports"] == 0
    assert PendingReport.objects.count() == 1


def test_a_made_up_link_is_not_valid(anonymous, db):
    response = anonymous.get(reverse("reports:guest-confirm", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_guest_needs_an_email_and_keeps_what_was_typed(anonymous, service):
    response = _post(anonymous, email="")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Type your email address: we send the link that publishes your report there." in html
    assert 'value="Deep pothole"' in html
    assert not PendingReport.objects.exists()


def test_guest_reports_are_capped_per_email_per_day(anonymous, service, settings):
    settings.RATE_LIMITS = {"guest-report-email": [(86400, 2)]}
    _post(anonymous, email="ada@example.org")
    _post(anonymous, email="ADA@example.org")

    response = _post(anonymous, email="ada@example.org")

    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Many reports were sent from here or with this email address today" in (
        response.content.decode()
    )
    assert PendingReport.objects.count() == 2
    # Another address is still fine.
    assert _post(anonymous, email="grace@example.org").status_code == 302


def test_guest_reports_are_capped_per_ip_address_per_day(anonymous, service, settings):
    settings.RATE_LIMITS = {"guest-report-ip": [(86400, 1)]}
    _post(anonymous, email="one@example.org")

    response = _post(anonymous, email="two@example.org")

    assert response.status_code == 429
    assert PendingReport.objects.count() == 1
    other = anonymous.post(NEW, {}, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200  # (an empty form: just errors, from another address)


def test_the_honeypot_catches_robots_silently(anonymous, service):
    response = _post(anonymous, website="https://spam.example")

    assert response.status_code == 302 and response.url == SENT
    assert not PendingReport.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_signed_in_residents_see_no_email_field_and_publish_at_once(resident_client, service):
    html = resident_client.get(NEW).content.decode()
    assert 'name="email"' not in html and 'name="website"' not in html

    response = _post(resident_client, email=None, website=None)

    assert response.status_code == 302
    assert Report.objects.count() == 1
    assert not PendingReport.objects.exists()


@pytest.mark.parametrize("photos", [1, 3])
def test_confirm_page_runs_a_fixed_number_of_queries(
    photos, anonymous, authority, service, django_assert_num_queries
):
    _post(anonymous, files=[jpeg_upload() for _ in range(photos)])
    link = _confirm_path()
    anonymous.cookies.clear()

    with django_assert_num_queries(1):
        # 1. the pending report with its category (no session: a fresh visitor)
        response = anonymous.get(link)

    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 30])
def test_the_form_without_an_account_runs_a_fixed_number_of_queries(
    count, anonymous, db, django_assert_num_queries
):
    from tests.factories import make_attribute, make_service

    for n in range(count):
        make_attribute(make_service(code=f"category-{n}"), "detail")

    with django_assert_num_queries(3):
        # 1. the services' version (then in the shared cache); 2. the active categories
        # 3. their questions (prefetched): kept in the process until the version changes
        response = anonymous.get(NEW)
    with django_assert_num_queries(0):
        anonymous.get(NEW)

    assert response.content.decode().count('<option value="category-') == count
    assert 'name="email"' in response.content.decode()
