from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from delivery.models import Delivery
from delivery.sending import deliver_due
from reports.models import Authority
from tests.factories import make_authority, make_report, make_service

pytestmark = pytest.mark.django_db


def test_email_delivery_reaches_the_contact_with_private_details(service, authority):
    report = make_report(
        service=service,
        contact_name="Rosa Parks",
        contact_email="rosa@example.org",
        contact_phone="0123 456",
        address="1 High Street",
    )
    call_command("work", "--once")

    delivery = Delivery.objects.get(report=report)
    assert delivery.state == Delivery.State.SENT
    [message] = [m for m in mail.outbox if authority.email in m.to]
    assert report.title in message.subject
    assert "rosa@example.org" in message.body
    assert "0123 456" in message.body
    assert f"/reports/{report.pk}/" in message.body
    assert message.extra_headers["Reply-To"] == "rosa@example.org"


def test_unreachable_open311_upstream_is_retried_with_backoff():
    service = make_service()
    authority = make_authority(
        services=[service],
        send_method=Authority.SendMethod.OPEN311,
        endpoint="http://127.0.0.1:9/open311/v2",  # nothing listens on the discard port
    )
    with time_machine.travel("2026-11-26 09:00:00+00:00", tick=False):
        report = make_report(service=service)
        assert deliver_due() == 0
        delivery = Delivery.objects.get(report=report, authority=authority)
        assert delivery.state == Delivery.State.PENDING
        assert delivery.attempts == 1
        assert "127.0.0.1:9" in delivery.last_error
        assert delivery.next_attempt_at == timezone.now() + timedelta(minutes=1)
        assert deliver_due() == 0  # not due yet
    assert Delivery.objects.get(pk=delivery.pk).attempts == 1


def test_authority_without_an_email_keeps_the_delivery_pending_with_the_reason():
    service = make_service()
    make_authority(services=[], email="")
    authority = Authority.objects.last()
    from reports.models import Contact

    Contact.objects.create(authority=authority, service=service, email="")
    report = make_report(service=service)
    deliver_due()
    delivery = Delivery.objects.get(report=report)
    assert delivery.state == Delivery.State.PENDING
    assert "has no email address" in delivery.last_error
