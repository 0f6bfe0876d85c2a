"""Closing the loop: "Has this been fixed?" once by signed link, "Still broken" by
residents, and the reopening sent back to the authority (email or Open311)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail
from delivery.models import Delivery, ReopenNotice
from delivery.reopen_notices import send_reopen_notices
from delivery.sending import deliver_due
from open311.models import ApiKey
from reports.actions import change_state
from reports.models import Authority, Contact, Questionnaire, Report
from reports.reopening import send_questionnaires
from tests.factories import jpeg_upload, make_authority, make_report, make_service, make_user

LINK = re.compile(r"https?://\S+/reports/fixed/\S+/")


def _sent_report(service, reporter, **kw):
    report = make_report(service, reporter=reporter, **kw)
    assert deliver_due() == 1  # to the authority, by email
    return report


def _questionnaire_path(email) -> str:
    url = LINK.search(email.body_text).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def sent(service, authority, resident):
    return _sent_report(service, resident, title="Hole by the school")


def test_reporter_is_asked_once_after_the_delay(sent, resident):
    start = timezone.now()
    assert send_questionnaires(now=start + timedelta(days=27)) == 0
    assert send_questionnaires(now=start + timedelta(days=29)) == 1
    assert send_questionnaires(now=start + timedelta(days=40)) == 0  # once
    email = OutboundEmail.objects.get(to=resident.email, subject__startswith="Has this")
    assert LINK.search(email.body_text)


def test_marking_fixed_asks_at_once(sent, resident, staff):
    change_state(sent, "fixed", by=staff)
    assert send_questionnaires() == 1
    assert send_questionnaires() == 0


def test_yes_fixed_closes_it_as_fixed_by_the_reporter_and_the_link_works_once(
    client, sent, resident
):
    send_questionnaires(now=timezone.now() + timedelta(days=29))
    path = _questionnaire_path(OutboundEmail.objects.get(subject__startswith="Has this"))
    assert client.get(path).status_code == 200  # a GET (a mail scanner) changes nothing
    assert Report.objects.get(pk=sent.pk).state == "submitted"
    response = client.post(path, {"answer": "fixed"})
    assert response.status_code == 302
    report = Report.objects.get(pk=sent.pk)
    assert report.state == "fixed"
    last = report.updates.last()
    assert last.author == resident and not last.is_official
    assert "Fixed, says the person who reported it." in last.note
    again = client.post(path, {"answer": "not_fixed"})
    assert again.status_code == 410 and "already answered" in again.content.decode()
    assert Report.objects.get(pk=sent.pk).state == "fixed"


def test_no_still_there_reopens_with_a_public_entry(client, sent, staff):
    change_state(sent, "fixed", by=staff)
    send_questionnaires()
    path = _questionnaire_path(OutboundEmail.objects.get(subject__startswith="Has this"))
    client.post(path, {"answer": "not_fixed", "note": "The hole is back after the rain."})
    report = Report.objects.get(pk=sent.pk)
    assert (report.state, report.reopen_count) == ("submitted", 1)
    assert report.updates.last().note == "The hole is back after the rain."
    page = client.get(report.get_absolute_url()).content.decode()
    assert "The hole is back after the rain." in page and "Reopened" in page


def test_questionnaire_links_expire_and_refuse_forgeries(client, sent, staff):
    change_state(sent, "fixed", by=staff)
    send_questionnaires()
    path = _questionnaire_path(OutboundEmail.objects.get(subject__startswith="Has this"))
    assert client.get(path[:-3] + "xx/").status_code == 410
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.post(path, {"answer": "not_fixed"})
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert Questionnaire.objects.get().answered_at is None


def test_reporter_alone_reopens_and_the_authority_is_emailed(
    client, sent, resident, staff, authority
):
    change_state(sent, "fixed", by=staff)
    client.force_login(resident)
    response = client.post(
        reverse("reports:still-broken", args=[sent.pk]),
        {"note": "Still a hole.", "photos": jpeg_upload()},
    )
    assert response.status_code == 302
    report = Report.objects.get(pk=sent.pk)
    assert (report.state, report.reopen_count, report.photos.count()) == ("submitted", 1, 1)
    assert send_reopen_notices() == 1
    email = OutboundEmail.objects.get(subject__startswith="Reopened")
    assert email.to == authority.contacts.get().email
    assert "Still a hole." in email.body_text


def test_three_others_reopen_and_followers_are_told(client, sent, staff):
    change_state(sent, "closed", by=staff)
    neighbours = [make_user() for _ in range(3)]
    for n, neighbour in enumerate(neighbours):
        client.force_login(neighbour)
        client.post(reverse("reports:still-broken", args=[sent.pk]), {"note": ""})
        expected = "submitted" if n == 2 else "closed"
        assert Report.objects.get(pk=sent.pk).state == expected
    # Twice by the same person counts once.
    assert ReopenNotice.objects.count() == 1
    assert "Still broken, say 3 residents." in Report.objects.get(pk=sent.pk).updates.last().note


def test_still_broken_needs_a_signed_in_resident_and_a_closed_report(client, sent, resident):
    url = reverse("reports:still-broken", args=[sent.pk])
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(resident)
    client.post(url)  # still open: refused with a message
    assert Report.objects.get(pk=sent.pk).reopen_count == 0
    assert not Report.objects.get(pk=sent.pk).still_broken.exists()


@pytest.mark.django_db(transaction=True)
def test_reopen_reaches_a_civic_upstream_over_open311(live_server, settings):
    upstream_service = make_service(code="roads-defect", name="Road defect")
    make_authority(services=[upstream_service], send_method=Authority.SendMethod.NONE)
    _key, raw_key = ApiKey.create_key("Civic community site")
    service = make_service(code="pothole", name="Pothole")
    city = make_authority(
        services=[],
        send_method=Authority.SendMethod.OPEN311,
        endpoint=f"{live_server.url}/open311/v2/",
        api_key=raw_key,
        jurisdiction=settings.OPEN311_JURISDICTION,
    )
    Contact.objects.create(authority=city, service=service, upstream_service_code="roads-defect")
    resident = make_user()
    report = make_report(service=service, title="Pothole by the gate", reporter=resident)
    assert deliver_due() == 1
    upstream = Report.objects.get(pk=int(Delivery.objects.get(report=report).external_id))
    change_state(upstream, "fixed", note="Filled.")
    change_state(report, "fixed", is_official=True, note="Filled.")

    from reports.actions import reopen_report

    reopen_report(report, by=resident, note="Sunk again.")
    assert send_reopen_notices() == 1
    upstream.refresh_from_db()
    assert (upstream.state, upstream.reopen_count) == ("submitted", 1)
    assert upstream.updates.last().note == "Sunk again."
    # Only the client that submitted it may reopen it there.
    _other, other_key = ApiKey.create_key("Someone else")
    from django.test import Client

    answer = Client().post(
        f"/open311/v2/requests/{upstream.pk}/reopen.json", {"api_key": other_key}
    )
    assert answer.status_code == 404
