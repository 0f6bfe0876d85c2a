"""Demo volunteer calls for `manage.py seed_demo`: upcoming calls on reports and topics
with sign-ups and a waiting list, and one past call closed with its outcome."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from discussions.models import Notification, Thread
from reports.models import Report
from volunteers import actions
from volunteers.models import Opportunity, Signup


def _at(days: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _fill(call: Opportunity, people, *, confirmed: int, waiting: int = 0, state=None) -> None:
    """Sign-ups written directly (no emails for demo people), oldest first."""
    rows = []
    for n, person in enumerate(people[: confirmed + waiting]):
        at = call.created_at + timedelta(hours=n + 1)
        rows.append(
            Signup(
                opportunity=call,
                user=person,
                state=state
                or (Signup.State.CONFIRMED if n < confirmed else Signup.State.WAITLISTED),
                show_name=n % 2 == 0,
                note="I can bring a wheelbarrow." if n == 1 else "",
                created_at=at,
                updated_at=at,
                queued_at=at,
            )
        )
    Signup.objects.bulk_create(rows)
    if call.capacity is not None and confirmed >= call.capacity and call.is_active:
        Opportunity.objects.filter(pk=call.pk).update(state=Opportunity.State.FULL)


def call(thread, by, **fields) -> Opportunity:
    """A demo call posted two days ago, at its thread's place unless it has its own."""
    created_at = timezone.now() - timedelta(days=2)
    opportunity = Opportunity(thread=thread, organiser=by, created_at=created_at, **fields)
    opportunity.lat = opportunity.lat if opportunity.lat is not None else thread.lat
    opportunity.lon = opportunity.lon if opportunity.lon is not None else thread.lon
    opportunity.full_clean()
    opportunity.save()
    return opportunity


def seed_volunteers(staff, residents) -> int:
    """Add the demo calls unless there are calls already; returns how many were added."""
    if Opportunity.objects.exists():
        return 0
    reports = list(
        Report.objects.visible().open().select_related("thread").order_by("-requested_at")[:3]
    )
    topic = Thread.objects.visible().topics().with_place().order_by("-created_at").first()
    if len(reports) < 3:
        return 0
    organiser = residents[0]

    full = call(
        reports[0].thread,
        staff,
        title="Clean-up around this spot",
        description="We clear the litter and bag it; the council collects the bags on Monday.",
        start_at=_at(3, 10),
        end_at=_at(3, 12),
        meeting_point="By the noticeboard at the corner",
        capacity=6,
        what_to_bring="Gloves and sturdy shoes. Bags and pickers are provided.",
    )
    _fill(full, residents[1:], confirmed=6, waiting=2)

    calls = [full]
    if topic is not None:
        planting = call(
            topic,
            organiser,
            title="Planting morning",
            description="Bulbs and two young trees, with the park's gardener.",
            start_at=_at(6, 9),
            end_at=_at(6, 12),
            meeting_point="The park's main gate",
            capacity=12,
            what_to_bring="A trowel if you have one.",
        )
        _fill(planting, residents[2:], confirmed=4)
        calls.append(planting)

    open_call = call(
        reports[1].thread,
        organiser,
        title="Paint over the graffiti",
        description="The council supplies the paint; we need a few steady hands.",
        start_at=_at(10, 14),
        end_at=_at(10, 17),
        meeting_point="Outside the library",
        capacity=None,
        what_to_bring="Old clothes.",
    )
    _fill(open_call, residents[3:], confirmed=2)
    calls.append(open_call)

    past = call(
        reports[2].thread,
        organiser,
        title="Litter pick along the path",
        start_at=_at(-5, 10),
        end_at=_at(-5, 12),
        meeting_point="The footbridge",
        capacity=8,
    )
    _fill(past, residents[1:], confirmed=5, state=Signup.State.ATTENDED)
    actions.close_opportunity(
        past,
        Opportunity.Outcome.SOLVED,
        "Twelve bags of litter collected; the path is clear.",
        by=organiser,
    )
    # History, not news: the followers of that report hear nothing of the demo outcome.
    Notification.objects.filter(follow__thread=past.thread).delete()
    calls.append(past)
    return len(calls)
