"""A worker's claim is a lease per row: a round slower than the lease sends nothing twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from civic.models import OutboundEmail
from civic.outbox import queue_email, send_due_emails
from delivery import sending as delivery_module
from delivery.models import Delivery
from delivery.sending import deliver_due
from reports.models import Authority
from tests.factories import make_authority, make_report, make_service

pytestmark = pytest.mark.django_db

# Each send takes longer than half the lease (10 minutes): a round of three takes 18.
SEND_TAKES = timedelta(minutes=6)


class SlowServer:
    """A slow mail server or upstream: every send moves the clock on by SEND_TAKES, and
    while the first worker's second send is under way, a second worker runs a round."""

    traveller = None
    second_worker = None
    sends = 0

    @classmethod
    def send(cls) -> None:
        cls.sends += 1
        cls.traveller.shift(SEND_TAKES)
        if cls.sends == 2 and cls.second_worker:
            run, cls.second_worker = cls.second_worker, None
            run()


class SlowBackend(EmailBackend):
    def send_messages(self, messages):
        SlowServer.send()
        return super().send_messages(messages)


@pytest.fixture
def slow(time_machine):
    time_machine.move_to("2026-12-01 09:00:00Z", tick=False)
    SlowServer.traveller, SlowServer.sends = time_machine, 0
    yield SlowServer
    SlowServer.traveller = SlowServer.second_worker = None


def test_a_slow_round_of_emails_sends_each_one_once_with_two_workers(settings, slow, resident):
    settings.EMAIL_BACKEND = "tests.civic.test_worker_lease.SlowBackend"
    for n in range(3):
        queue_email(f"person{n}@example.org", "report-confirmation", {"report": make_report()})
    second_round = []
    slow.second_worker = lambda: second_round.append(send_due_emails())

    first_round = send_due_emails()

    # The second worker ran 12 minutes into the first one's round: it left alone the email
    # the first was sending (claimed 6 minutes before) and sent the one not claimed yet.
    assert second_round == [1]
    assert first_round == 2
    assert sorted(m.to[0] for m in mail.outbox) == [
        "person0@example.org",
        "person1@example.org",
        "person2@example.org",
    ]
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sent"}
    assert set(OutboundEmail.objects.values_list("attempts", flat=True)) == {1}


def test_a_slow_round_of_deliveries_sends_each_one_once_with_two_workers(monkeypatch, slow):
    service = make_service()
    authority = make_authority(
        services=[service],
        send_method=Authority.SendMethod.OPEN311,
        endpoint="http://upstream.example.org/open311/v2",
    )
    posted = []

    def slow_post(delivery):
        posted.append(delivery.report_id)
        SlowServer.send()
        return f"up-{delivery.report_id}"

    monkeypatch.setitem(delivery_module.SENDERS, Authority.SendMethod.OPEN311, slow_post)
    reports = [make_report(service=service) for _ in range(3)]
    second_round = []
    slow.second_worker = lambda: second_round.append(deliver_due())

    first_round = deliver_due()

    assert second_round == [1] and first_round == 2
    assert sorted(posted) == sorted(r.pk for r in reports)  # each report POSTed once
    deliveries = Delivery.objects.filter(authority=authority)
    assert {d.state for d in deliveries} == {Delivery.State.SENT}
    assert {d.external_id for d in deliveries} == {f"up-{r.pk}" for r in reports}


def test_a_row_taken_over_after_its_lease_is_not_sent_by_the_first_claim(resident, time_machine):
    time_machine.move_to("2026-12-01 09:00:00Z", tick=False)
    queue_email(resident.email, "report-confirmation", {"report": make_report()})
    email = OutboundEmail.objects.get()
    first = OutboundEmail.claim(email.pk)
    assert first and OutboundEmail.claim(email.pk) is None  # held by the first claim
    time_machine.shift(timedelta(minutes=11))
    second = OutboundEmail.claim(email.pk)  # the lease is over: another worker takes it
    assert second and second != first

    stale = OutboundEmail.objects.get()
    stale.claim_token = first
    assert not stale.still_claimed()
    assert OutboundEmail.objects.get().still_claimed()
