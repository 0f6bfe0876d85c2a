"""Outgoing webhooks: queued with the change, signed, sent by the worker to a real HTTP
receiver, retried on failure and never sent twice once a receiver said 2xx."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civic.models import backoff
from delivery.models import Webhook, WebhookDelivery
from delivery.webhooks import send_due_webhooks
from reports.actions import (
    change_state,
    edit_report,
    hide_report,
    mark_duplicate,
    reassign_report,
    reopen_report,
    unhide_report,
)
from reports.models import Report
from tests import factories
from tests.fakes import FakeWebhookReceiver

ALL_EVENTS = Webhook.Event.values


@pytest.fixture
def receiver():
    with FakeWebhookReceiver() as fake:
        yield fake


@pytest.fixture
def hook(authority, receiver):
    webhook = Webhook.objects.create(authority=authority, url=receiver.url, events=ALL_EVENTS)
    receiver.secret = webhook.secret
    return webhook


def _private_report(service, resident):
    return factories.make_report(
        service=service,
        reporter=resident,
        title="Broken bench",
        contact_name="Rosa Private",
        contact_email="rosa.private@example.org",
        contact_phone="+44 7700 900123",
        device_id="device-42",
        account_id="account-42",
    )


def test_a_new_report_is_signed_and_sent_to_the_authoritys_receiver(
    hook, receiver, service, resident
):
    report = _private_report(service, resident)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.webhook, delivery.event, delivery.state) == (hook, "report.created", "pending")

    assert send_due_webhooks() == 1

    [got] = receiver.received
    assert got["signed"], "the HMAC of t.body checks out with the webhook's secret"
    assert got["path"] == "/hooks/civic"
    assert got["headers"]["X-Civic-Event"] == "report.created"
    assert got["headers"]["X-Civic-Delivery"] == str(delivery.delivery_id)
    assert got["headers"]["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(got["body"])
    assert body["event"] == "report.created"
    assert body["authority"] == "borough"
    request = body["service_request"]
    assert request["service_request_id"] == str(report.pk)
    assert request["status"] == "open"
    assert request["extended_attributes"]["state"] == "submitted"
    assert body["update"]["status"] == "open"
    # Public fields only: nothing of the reporter's private data.
    raw = got["body"].decode()
    for private in ("Rosa", "rosa.private", "7700", "device-42", "account-42", resident.email):
        assert private not in raw
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("sent", 1, 200)
    assert delivery.sent_at is not None


def test_a_wrong_secret_fails_the_receivers_check(hook, receiver, service):
    receiver.secret = "not-the-secret"
    factories.make_report(service=service)

    send_due_webhooks()

    assert [got["signed"] for got in receiver.received] == [False]


def test_two_worker_rounds_send_a_delivered_event_once(hook, receiver, service):
    factories.make_report(service=service)

    assert send_due_webhooks() == 1
    assert send_due_webhooks() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=2)):
        assert send_due_webhooks() == 0

    assert len(receiver.received) == 1


def test_a_500_is_retried_with_backoff_under_the_same_delivery_id(hook, receiver, service):
    receiver.status = 500
    factories.make_report(service=service)
    start = timezone.now()

    assert send_due_webhooks() == 0

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert "HTTP 500" in delivery.last_error
    assert delivery.next_attempt_at >= start + backoff(1)
    # Not due before its time.
    assert send_due_webhooks() == 0
    assert len(receiver.received) == 1

    receiver.status = 204
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
        assert send_due_webhooks() == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("sent", 2, 204)
    ids = {got["headers"]["X-Civic-Delivery"] for got in receiver.received}
    assert ids == {str(delivery.delivery_id)}
    assert all(got["signed"] for got in receiver.received)


def test_a_receiver_slower_than_the_timeout_is_retried(hook, receiver, service, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    receiver.hold = 5
    factories.make_report(service=service)

    assert send_due_webhooks() == 0

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("pending", 1, None)
    assert "timed out" in delivery.last_error
    receiver.hold = 0
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
        assert send_due_webhooks() == 1
    assert len(receiver.received) == 2


def test_a_refused_connection_is_retried(authority, service, db):
    with FakeWebhookReceiver() as gone:
        url = gone.url
    Webhook.objects.create(authority=authority, url=url, events=ALL_EVENTS)
    factories.make_report(service=service)

    assert send_due_webhooks() == 0

    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending" and delivery.attempts == 1 and delivery.last_error


def test_after_the_last_try_a_delivery_waits_for_retry_now(
    hook, receiver, service, settings, staff_client
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.status = 503
    factories.make_report(service=service)
    send_due_webhooks()
    delivery = WebhookDelivery.objects.get()
    with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1)):
        send_due_webhooks()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 2)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert send_due_webhooks() == 0

    response = staff_client.post(
        reverse("admin:delivery_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )

    assert response.status_code == 302
    receiver.status = 200
    assert send_due_webhooks() == 1
    assert len(receiver.received) == 3


def test_retry_now_leaves_sent_deliveries_alone(hook, receiver, service, staff_client):
    factories.make_report(service=service)
    send_due_webhooks()
    delivery = WebhookDelivery.objects.get()

    staff_client.post(
        reverse("admin:delivery_webhookdelivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )

    assert send_due_webhooks() == 0
    assert len(receiver.received) == 1


# ---------------------------------------------------------------------------
# Which changes queue which event, for whom


def _events() -> list[tuple[str, int | None]]:
    return list(WebhookDelivery.objects.order_by("id").values_list("event", "webhook_id"))


def test_each_report_action_queues_its_event(hook, service, staff, other_authority):
    report = factories.make_report(service=service)
    original = factories.make_report(service=service)
    WebhookDelivery.objects.all().delete()

    change_state(report, Report.State.FIXED, by=staff, note="Done.")
    reopen_report(report, note="Still there.")
    edit_report(report, by=staff, title="Broken bench, corrected")
    mark_duplicate(report, original, by=staff)

    assert [event for event, _hook in _events()] == [
        "report.updated",
        "report.reopened",
        "report.updated",
        "report.updated",
    ]
    last = WebhookDelivery.objects.order_by("-id").first().payload
    assert last["service_request"]["parent_service_request_id"] == str(original.pk)
    assert last["update"]["extended_attributes"]["state"] == "duplicate"


def test_only_the_chosen_events_of_active_webhooks_of_that_authority(
    authority, other_authority, service, staff
):
    wants_updates = Webhook.objects.create(
        authority=authority, url="https://a.example/hook", events=["report.updated"]
    )
    Webhook.objects.create(
        authority=authority, url="https://b.example/hook", events=ALL_EVENTS, is_active=False
    )
    Webhook.objects.create(
        authority=other_authority, url="https://c.example/hook", events=ALL_EVENTS
    )

    report = factories.make_report(service=service)
    change_state(report, Report.State.ACKNOWLEDGED, by=staff)

    assert _events() == [("report.updated", wants_updates.pk)]


def test_a_hidden_report_sends_nothing_until_shown_again(hook, service, staff):
    report = factories.make_report(service=service)
    WebhookDelivery.objects.all().delete()

    hide_report(report, by=staff, reason="Personal data")
    change_state(report, Report.State.FIXED, by=staff, note="Hidden and fixed.")
    assert _events() == []

    unhide_report(report, by=staff)
    assert _events() == [("report.updated", hook.pk)]


def test_a_passed_on_report_tells_both_authorities(hook, service, staff, other_authority):
    theirs = Webhook.objects.create(
        authority=other_authority, url="https://water.example/hook", events=ALL_EVENTS
    )
    report = factories.make_report(service=service)
    WebhookDelivery.objects.all().delete()

    reassign_report(report, by=staff, authority=other_authority, note="Water main.")

    assert sorted(_events()) == sorted([("report.updated", hook.pk), ("report.updated", theirs.pk)])


def test_the_event_is_rolled_back_with_its_change(hook, service, staff):
    from django.db import transaction

    report = factories.make_report(service=service)
    WebhookDelivery.objects.all().delete()

    with pytest.raises(RuntimeError), transaction.atomic():
        change_state(report, Report.State.FIXED, by=staff)
        raise RuntimeError("the change fails after the action")

    assert _events() == []


# ---------------------------------------------------------------------------
# Admin


def test_staff_manage_their_authoritys_webhooks_only(
    client, staff, other_staff, authority, other_authority, hook
):
    theirs = Webhook.objects.create(authority=other_authority, url="https://water.example/h")
    client.force_login(staff)

    listing = client.get(reverse("admin:delivery_webhook_changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert hook.url in page and "water.example" not in page
    assert client.get(reverse("admin:delivery_webhook_change", args=[theirs.pk])).status_code == 302
    detail = client.get(reverse("admin:delivery_webhook_change", args=[hook.pk]))
    assert hook.secret in detail.content.decode()

    # A new webhook can only be for their own authority.
    refused = client.post(
        reverse("admin:delivery_webhook_add"),
        {"authority": other_authority.pk, "url": "https://x.example/h", "events": ALL_EVENTS},
    )
    assert refused.status_code == 200 and not Webhook.objects.filter(url__contains="x.example")
    made = client.post(
        reverse("admin:delivery_webhook_add"),
        {
            "authority": authority.pk,
            "url": "https://mine.example/h",
            "events": ["report.created"],
            "is_active": "on",
        },
    )
    assert made.status_code == 302
    new = Webhook.objects.get(url="https://mine.example/h")
    assert new.events == ["report.created"] and len(new.secret) == 64


def test_other_staff_and_residents_see_no_webhooks_or_log(
    client, other_staff, resident, hook, service
):
    factories.make_report(service=service)
    client.force_login(other_staff)
    log = client.get(reverse("admin:delivery_webhookdelivery_changelist"))
    assert log.status_code == 200 and log.context["cl"].result_count == 0
    assert WebhookDelivery.objects.count() == 1

    client.force_login(resident)
    assert client.get(reverse("admin:delivery_webhook_changelist")).status_code == 302


def test_the_delivery_log_shows_state_attempts_status_and_error(
    staff_client, hook, receiver, service
):
    receiver.status = 500
    factories.make_report(service=service)
    send_due_webhooks()

    response = staff_client.get(reverse("admin:delivery_webhookdelivery_changelist"))

    page = response.content.decode()
    assert "report.created" in page and "HTTP 500" in page and ">500<" in page
    delivery = WebhookDelivery.objects.get()
    detail = staff_client.get(reverse("admin:delivery_webhookdelivery_change", args=[delivery.pk]))
    assert detail.status_code == 200 and "service_request_id" in detail.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_the_delivery_log_runs_a_constant_number_of_queries(
    rows, staff_client, hook, service, django_assert_num_queries
):
    for _ in range(rows):
        factories.make_report(service=service)

    with django_assert_num_queries(8):
        # 1. session  2. user  3. the authorities for the list filter
        # 4-5. counts: matching and all in scope (the scope: a subquery on the user's
        # authority groups)  6-7. the user's and their groups' permissions  8. the page of deliveries with their webhooks and authorities
        response = staff_client.get(reverse("admin:delivery_webhookdelivery_changelist"))

    assert len(response.context["cl"].result_list) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_the_webhook_list_runs_a_constant_number_of_queries(
    rows, staff_client, authority, django_assert_num_queries
):
    for n in range(rows):
        Webhook.objects.create(authority=authority, url=f"https://h{n}.example/", events=ALL_EVENTS)

    with django_assert_num_queries(8):
        # 1. session  2. user  3. the authorities for the list filter
        # 4-5. counts: matching and all in scope (the scope: a subquery on the user's
        # authority groups)  6-7. the user's and their groups' permissions  8. the page of webhooks with authority and their waiting/given-up counts
        response = staff_client.get(reverse("admin:delivery_webhook_changelist"))

    assert len(response.context["cl"].result_list) == rows
