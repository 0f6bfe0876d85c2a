"""The demo city has volunteer calls: upcoming ones with a waiting list, and a past one."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from reports.models import ReportUpdate
from volunteers.models import Opportunity, Signup

pytestmark = pytest.mark.django_db


def test_demo_has_upcoming_calls_with_a_waiting_list_and_a_past_outcome():
    call_command("seed_demo", "--reports", "20", stdout=StringIO())

    upcoming = Opportunity.objects.upcoming()
    assert upcoming.count() >= 3
    assert upcoming.filter(state=Opportunity.State.FULL).exists()
    assert Signup.objects.filter(state=Signup.State.WAITLISTED).exists()
    assert upcoming.filter(thread__kind="report").exists()
    assert upcoming.exclude(thread__kind="report").exists()
    past = Opportunity.objects.get(state=Opportunity.State.CLOSED)
    assert past.outcome == Opportunity.Outcome.SOLVED
    assert ReportUpdate.objects.filter(note__startswith="Volunteers solved this problem").exists()

    call_command("seed_demo", "--reports", "20", stdout=StringIO())  # idempotent
    assert Opportunity.objects.count() == 4
