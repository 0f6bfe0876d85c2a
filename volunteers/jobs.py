"""Worker jobs: the reminder the day before, and "close your call" once it has ended.

Each call is claimed with a conditional UPDATE on its own timestamp (reminded_at,
close_asked_at) inside the transaction that queues its emails, so a reminder goes
out exactly once even with several workers; moving the date clears the timestamp,
which schedules the reminder for the new date instead.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civic.jobs import Job
from volunteers import actions, emails
from volunteers.models import Opportunity, Signup

BATCH = 100


def reminder_lead() -> timedelta:
    return timedelta(hours=getattr(settings, "VOLUNTEER_REMINDER_HOURS", 24))


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind every confirmed volunteer of calls starting within the lead time."""
    now = now or timezone.now()
    due = Opportunity.objects.filter(
        state__in=Opportunity.ACTIVE_STATES,
        reminded_at__isnull=True,
        start_at__gt=now,
        start_at__lte=now + reminder_lead(),
    ).values_list("pk", flat=True)[:BATCH]
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            if not actions.claim_reminder(pk, now):
                continue  # another worker has it
            opportunity = Opportunity.objects.select_related("thread").get(pk=pk)
            signups = list(
                Signup.objects.filter(
                    opportunity=opportunity, state=Signup.State.CONFIRMED, reminded_at__isnull=True
                ).select_related("user")
            )
            for signup in signups:
                signup.opportunity = opportunity
                sent += emails.to_volunteer(signup, "reminder")
            actions.mark_reminded(signups, now)
    return sent


def ask_organisers_to_close(now: datetime | None = None) -> int:
    """Once a call has ended, ask its organiser (once) to close it with an outcome."""
    now = now or timezone.now()
    due = Opportunity.objects.filter(
        state__in=Opportunity.ACTIVE_STATES, close_asked_at__isnull=True, end_at__lte=now
    ).values_list("pk", flat=True)[:BATCH]
    asked = 0
    for pk in list(due):
        with transaction.atomic():
            if not actions.claim_close_question(pk, now):
                continue
            opportunity = Opportunity.objects.select_related("thread", "organiser").get(pk=pk)
            asked += emails.to_organiser(opportunity, "close")
    return asked


def run_due(now: datetime | None = None) -> int:
    """The worker's volunteers job: how many emails it queued."""
    return send_due_reminders(now) + ask_organisers_to_close(now)


# After the digests (30), before the emails (1000) that carry what these queue.
JOBS = [Job("volunteer reminders", run_due, order=40)]
