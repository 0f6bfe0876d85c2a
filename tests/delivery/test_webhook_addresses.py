"""Webhooks never reach inside the network: loopback, private, link-local (the cloud
metadata service), shared and reserved addresses are refused, as typed, as a name
resolves, and behind a redirect; only hosts the settings name are let through."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from delivery import webhooks
from delivery.models import Webhook, WebhookDelivery
from delivery.webhooks import send_due_webhooks
from tests import factories
from tests.fakes import FakeWebhookReceiver

ALL_EVENTS = Webhook.Event.values

INSIDE = [
    "http://127.0.0.1:{port}/hooks/civic",
    "https://127.0.0.1:{port}/hooks/civic",
    "http://[::1]:{port}/hooks/civic",
    "http://[::ffff:127.0.0.1]:{port}/hooks/civic",
    "http://0.0.0.0:{port}/hooks/civic",
    "http://10.0.0.5/hooks",
    "http://172.16.3.4/hooks",
    "http://192.168.1.1/hooks",
    "http://100.64.0.1/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://[fe80::1]/hooks",
]


@pytest.fixture
def receiver():
    with FakeWebhookReceiver() as fake:
        yield fake


def _sent_to(authority, service, url: str) -> WebhookDelivery:
    Webhook.objects.create(authority=authority, url=url, events=ALL_EVENTS)
    factories.make_report(service=service)
    assert send_due_webhooks() == 0
    return WebhookDelivery.objects.get()


@pytest.mark.parametrize("template", INSIDE)
def test_an_address_inside_the_network_is_refused(template, authority, service, receiver):
    port = receiver.url.split(":")[2].split("/")[0]
    delivery = _sent_to(authority, service, template.format(port=port))

    assert receiver.received == []
    assert delivery.state == "pending" and delivery.attempts == 1
    assert "inside the network" in delivery.last_error


def test_a_name_that_resolves_to_loopback_is_refused(authority, service, receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []  # the suite lets "localhost" through; not here
    delivery = _sent_to(authority, service, receiver.url)

    assert receiver.received == []
    assert "localhost is at" in delivery.last_error and "inside the network" in delivery.last_error


def test_a_public_looking_name_is_checked_where_it_resolves(
    authority, service, receiver, monkeypatch
):
    port = int(receiver.url.split(":")[2].split("/")[0])
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "hooks.city.example":  # a name whose DNS answers with loopback
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(webhooks.socket, "getaddrinfo", resolve)
    delivery = _sent_to(authority, service, f"http://hooks.city.example:{port}/hooks/civic")

    assert receiver.received == []
    assert "hooks.city.example is at 127.0.0.1" in delivery.last_error


def test_a_redirect_to_loopback_is_not_followed(authority, service, receiver):
    with FakeWebhookReceiver() as redirecting:
        redirecting.status = 307
        redirecting.location = receiver.url.replace("localhost", "127.0.0.1")
        delivery = _sent_to(authority, service, redirecting.url)

    assert len(redirecting.received) == 1
    assert receiver.received == []  # the redirect's target heard nothing
    assert delivery.response_status == 307 and delivery.state == "pending"


def test_an_allowed_host_still_receives(authority, service, receiver):
    Webhook.objects.create(authority=authority, url=receiver.url, events=ALL_EVENTS)
    factories.make_report(service=service)

    assert send_due_webhooks() == 1
    (received,) = receiver.received
    assert received["headers"]["X-Civic-Event"] == "report.created"


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "151.101.0.81"]
)
def test_public_addresses_pass(address):
    assert webhooks.refusal("hooks.city.example", address) is None


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "https://127.0.0.1/h", "http://[::1]/h"]
)
def test_the_form_refuses_an_address_inside_the_network(client, staff, authority, url):
    client.force_login(staff)
    response = client.post(
        reverse("admin:delivery_webhook_add"),
        {"authority": authority.pk, "url": url, "events": ALL_EVENTS, "is_active": "on"},
    )

    assert response.status_code == 200
    assert "inside the network" in response.content.decode()
    assert not Webhook.objects.exists()


def test_the_form_takes_a_public_address(client, staff, authority):
    client.force_login(staff)
    response = client.post(
        reverse("admin:delivery_webhook_add"),
        {"authority": authority.pk, "url": "https://93.184.215.14/h", "events": ALL_EVENTS},
    )

    assert response.status_code == 302
    assert Webhook.objects.get().url == "https://93.184.215.14/h"
