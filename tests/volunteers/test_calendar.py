"""Calendar files: one call and the feed of every upcoming call, parsed back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from civic.models import OutboundEmail
from tests.factories import worker_round
from tests.volunteers.support import make_opportunity
from volunteers import actions

pytestmark = pytest.mark.django_db


def test_one_calls_ics_parses_with_its_time_and_place(client, call):
    response = client.get(reverse("volunteers:ics", args=[call.pk]))

    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    [event] = cal.walk("VEVENT")
    assert str(event["summary"]) == "Clean-up at Elm Park"
    assert event.decoded("dtstart") == call.start_at
    assert event.decoded("dtend") == call.end_at
    assert str(event["location"]) == "The north gate"
    assert str(event["uid"]).startswith(f"volunteer-call-{call.pk}@")


def test_moved_call_keeps_its_uid_with_a_higher_sequence(client, call):
    later = call.start_at + timedelta(days=1)
    actions.update_opportunity(call, {"start_at": later, "end_at": later + timedelta(hours=1)})

    [event] = Calendar.from_ical(
        client.get(reverse("volunteers:ics", args=[call.pk])).content
    ).walk("VEVENT")

    assert event.decoded("dtstart") == later
    assert int(event["sequence"]) == 1


def test_feed_lists_upcoming_calls_only(client, report, organiser):
    soon = make_opportunity(report.thread, organiser, title="Soon")
    make_opportunity(
        report.thread, organiser, title="Later", start_at=soon.start_at + timedelta(days=9)
    )
    cancelled = make_opportunity(report.thread, organiser, title="Cancelled one")
    actions.cancel_opportunity(cancelled)

    cal = Calendar.from_ical(client.get(reverse("volunteers:feed")).content)

    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["Soon", "Later"]


def test_confirmation_email_links_the_calendar_file(call, volunteer):
    call.sign_up(volunteer)
    worker_round()  # the confirmation is the worker's

    email = OutboundEmail.objects.get(to="vera@example.org")
    ics = reverse("volunteers:ics", args=[call.pk])
    assert email.subject == "You are signed up: Clean-up at Elm Park"
    assert ics in email.body_text and ics in email.body_html
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_ics_of_a_past_call_still_parses(client, report, organiser):
    call = make_opportunity(
        report.thread, organiser, start_at=timezone.now() + timedelta(minutes=5)
    )
    body = client.get(reverse("volunteers:ics", args=[call.pk])).content

    assert Calendar.from_ical(body).walk("VEVENT")
