"""/volunteers/: upcoming calls on a map and in a list, with filters; the home page's few."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_topic
from tests.volunteers.support import make_opportunity
from volunteers import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls(report, organiser):
    now = timezone.now()
    return {
        "soon": make_opportunity(
            report.thread,
            organiser,
            title="Soon by the park",
            start_at=now + timedelta(days=2),
            lat=51.51,
            lon=-0.14,
        ),
        "later": make_opportunity(
            report.thread,
            organiser,
            title="Later far away",
            start_at=now + timedelta(days=20),
            lat=51.54,
            lon=-0.06,
        ),
        "cancelled": make_opportunity(report.thread, organiser, title="Called off"),
    }


def titles(response) -> list[str]:
    return [c.title for c in response.context["calls"]]


def test_list_shows_upcoming_calls_with_map_points(client, calls):
    actions.cancel_opportunity(calls["cancelled"])

    response = client.get(reverse("volunteers:list"))

    html = response.content.decode()
    assert titles(response) == ["Soon by the park", "Later far away"]
    assert 'data-lat="51.51" data-lon="-0.14"' in html
    assert reverse("volunteers:feed") in html
    assert "<script>" not in html  # the map is drawn by static/js/volunteers.js


def test_this_week_filter(client, calls):
    response = client.get(reverse("volunteers:list"), {"when": "week"})

    assert "Later far away" not in titles(response)
    assert "Soon by the park" in titles(response)


def test_near_me_filter(client, calls):
    response = client.get(reverse("volunteers:list"), {"lat": "51.511", "lon": "-0.141", "km": "1"})

    assert titles(response) == ["Soon by the park"]


def test_ended_calls_leave_the_list(client, report, organiser):
    make_opportunity(
        report.thread, organiser, title="Gone", start_at=timezone.now() + timedelta(minutes=1)
    )

    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        response = client.get(reverse("volunteers:list"))

    assert titles(response) == []
    assert "No upcoming calls" in response.content.decode()


def test_home_page_shows_the_next_calls(client, calls):
    html = client.get(reverse("home")).content.decode()

    assert "Lend a hand" in html
    assert "Soon by the park" in html


def test_calls_on_hidden_topics_are_not_listed(client, organiser):
    topic = make_topic(author=organiser)
    make_opportunity(topic, organiser, title="Secret meeting")
    topic.is_hidden = True
    topic.save(update_fields=["is_hidden"])

    assert "Secret meeting" not in client.get(reverse("volunteers:list")).content.decode()
