"""Factories for the volunteer tests (and the browser tests)."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from volunteers.actions import create_opportunity

_seq = itertools.count(1)


def make_opportunity(thread, organiser, **kw):
    n = next(_seq)
    # Calls are posted to the minute (the form has no seconds).
    start = kw.pop("start_at", timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    kw.setdefault("end_at", start + timedelta(hours=2))
    kw.setdefault("title", f"Clean-up {n}")
    kw.setdefault("meeting_point", "The north gate")
    kw.setdefault("capacity", 12)
    return create_opportunity(thread, organiser, start_at=start, **kw)


def demo_call_for(city: dict):
    """The accessibility audit's call: on the city's report, organised by its resident,
    with one other volunteer. Made on first use, so the audit's city stays as it is."""
    from tests.factories import make_user
    from volunteers.models import Opportunity

    existing = Opportunity.objects.filter(thread=city["report"].thread).first()
    if existing is not None:
        return existing
    call = make_opportunity(
        city["report"].thread,
        city["resident"],
        title="Fill the pothole with the council crew",
        capacity=6,
        what_to_bring="Gloves",
        lat=51.51,
        lon=-0.14,
    )
    call.sign_up(
        make_user(first_name="Vera", last_name="Volunteer"), note="I have a car", show_name=True
    )
    return call
