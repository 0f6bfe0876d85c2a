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
