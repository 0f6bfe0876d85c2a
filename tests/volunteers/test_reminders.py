"""The worker's volunteer jobs: the reminder the day before (exactly once, following the
date when it moves) and asking the organiser to close the call once it has ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civic.management.commands.work import run_round
from civic.models import OutboundEmail
from tests.volunteers.support import make_opportunity
from volunteers import actions
from volunteers.jobs import run_due

pytestmark = pytest.mark.django_db


def reminders() -> list[str]:
    return list(
        OutboundEmail.objects.filter(subject__startswith="Reminder").values_list("to", flat=True)
    )


@pytest.fixture
def saturday_call(report, organiser, volunteer):
    start = timezone.now() + timedelta(days=5)
    call = make_opportunity(report.thread, organiser, start_at=start)
    call.sign_up(volunteer)
    return call


def test_reminder_goes_out_the_day_before_exactly_once(saturday_call):
    with time_machine.travel(saturday_call.start_at - timedelta(days=2)):
        run_due()
    assert reminders() == []

    with time_machine.travel(saturday_call.start_at - timedelta(hours=23)):
        run_round()
        run_round()
    with time_machine.travel(saturday_call.start_at - timedelta(hours=2)):
        run_round()

    assert reminders() == ["vera@example.org"]


def test_reminder_lead_time_is_a_setting(saturday_call, settings):
    settings.VOLUNTEER_REMINDER_HOURS = 72
    with time_machine.travel(saturday_call.start_at - timedelta(hours=70)):
        run_due()

    assert reminders() == ["vera@example.org"]


def test_moving_the_date_drops_the_old_reminder_and_schedules_a_new_one(saturday_call):
    new_start = saturday_call.start_at + timedelta(days=3)
    actions.update_opportunity(
        saturday_call, {"start_at": new_start, "end_at": new_start + timedelta(hours=2)}
    )

    with time_machine.travel(saturday_call.start_at - timedelta(days=3, hours=12)):
        run_due()  # the day before the old date
    assert reminders() == []

    with time_machine.travel(new_start - timedelta(hours=12)):
        run_due()
        run_due()
    assert reminders() == ["vera@example.org"]


def test_moving_the_date_after_the_reminder_reminds_again_for_the_new_date(saturday_call):
    with time_machine.travel(saturday_call.start_at - timedelta(hours=20)):
        run_due()
        new_start = saturday_call.start_at + timedelta(days=2)
        actions.update_opportunity(
            saturday_call, {"start_at": new_start, "end_at": new_start + timedelta(hours=2)}
        )
    with time_machine.travel(new_start - timedelta(hours=20)):
        run_due()

    assert reminders() == ["vera@example.org", "vera@example.org"]


def test_withdrawn_and_waiting_volunteers_get_no_reminder(report, organiser, volunteer, outsider):
    call = make_opportunity(report.thread, organiser, capacity=1)
    call.sign_up(volunteer)
    call.sign_up(outsider)  # waiting
    with time_machine.travel(call.start_at - timedelta(hours=3)):
        run_due()

    assert reminders() == ["vera@example.org"]


def test_organiser_is_asked_once_to_close_the_call(saturday_call):
    with time_machine.travel(saturday_call.end_at + timedelta(minutes=5)):
        run_due()
        run_due()

    asks = OutboundEmail.objects.filter(subject__startswith="How did it go?")
    assert list(asks.values_list("to", flat=True)) == ["organiser@example.org"]
    assert reverse("volunteers:detail", args=[saturday_call.pk]) in asks.get().body_text
