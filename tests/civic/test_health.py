"""/health/: what a load balancer asks before sending traffic."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civic.management.commands.work import run_round
from civic.models import OutboundEmail


@pytest.mark.django_db
def test_healthy_with_a_live_worker_and_reports_the_backlog(
    client, django_assert_num_queries, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)  # a busy machine must not age the beat
    run_round()  # the worker's heartbeat
    OutboundEmail.objects.create(
        to="a@example.org",
        subject="Waiting",
        body_text="…",
        next_attempt_at=timezone.now() - timedelta(minutes=5),
    )
    with django_assert_num_queries(7):
        # SELECT 1; due count and oldest for each retried table: the outbox, the tasks
        # requests handed on, deliveries, reopen notices, comments sent upstream and
        # webhook deliveries.
        response = client.get(reverse("health"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["worker"] == {"ok": True, "last_round_seconds_ago": 0}
    assert body["backlog"]["civic.outboundemail"]["due"] == 1
    assert body["backlog"]["civic.outboundemail"]["oldest_due_seconds"] == 300
    assert body["backlog"]["civic.task"] == {"due": 0, "oldest_due_seconds": 0}
    assert body["backlog"]["delivery.delivery"] == {"due": 0, "oldest_due_seconds": 0}
    assert body["backlog"]["delivery.updatepush"] == {"due": 0, "oldest_due_seconds": 0}
    assert body["backlog"]["delivery.reopennotice"] == {"due": 0, "oldest_due_seconds": 0}
    assert body["backlog"]["delivery.webhookdelivery"] == {"due": 0, "oldest_due_seconds": 0}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_unhealthy_when_no_worker_ever_ran(client):
    response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["worker"] == {"ok": False, "last_round_seconds_ago": None}


@pytest.mark.django_db
def test_unhealthy_when_the_worker_stopped(client, settings):
    settings.HEALTH_WORKER_STALE_SECONDS = 120
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        run_round()
        assert client.get(reverse("health")).status_code == 200
        traveller.shift(timedelta(seconds=121))
        response = client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["worker"] == {"ok": False, "last_round_seconds_ago": 121}


def test_unhealthy_when_the_database_is_unreachable(client):
    # No database access in this test: every query fails, as with the server down.
    response = client.get(reverse("health"))
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is False
    assert body["backlog"] is None


@pytest.mark.django_db
def test_load_balancers_may_probe_with_head(client):
    run_round()
    assert client.head(reverse("health")).status_code == 200
