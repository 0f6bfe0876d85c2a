"""Deadlines: a service's target in working days, a report's due time, its clock.

A report is due at its staff's expected date when they set one, else at its service's
target (`Report.target_at`, set at submission from `Service.target_working_days`).
Working days skip Saturdays, Sundays and the dates of the `HOLIDAYS` setting, in the
site's time zone. A target of N working days ends at the end of the Nth working day
after the report came in, as "expected by Friday" means by the end of Friday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = [
    "add_working_days",
    "clock_text",
    "is_working_day",
    "target_for",
    "working_days_between",
]

# The end of the day, in the site's time zone: what "due on Friday" means.
END_OF_DAY = time(23, 59)
SATURDAY = 5


@lru_cache(maxsize=4)
def _holidays(raw: tuple[str, ...]) -> frozenset[date]:
    return frozenset(date.fromisoformat(str(day).strip()) for day in raw if str(day).strip())


def holidays() -> frozenset[date]:
    """The `HOLIDAYS` setting (ISO dates; env HOLIDAYS="2026-12-25,2026-12-26")."""
    return _holidays(tuple(str(day) for day in getattr(settings, "HOLIDAYS", ())))


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in holidays()


def add_working_days(start: datetime, days: int) -> datetime:
    """`start` moved on by `days` working days, at the same local time of day.

    From a Saturday, one working day is the Monday (or the next working day after it)."""
    local = timezone.localtime(start)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


def target_for(service, requested_at: datetime) -> datetime | None:
    """When a report of `service` made at `requested_at` is due by the service's target
    (the end of the last working day), or None when the service has no target."""
    days = getattr(service, "target_working_days", None)
    if not days:
        return None
    due = timezone.localtime(add_working_days(requested_at, days))
    return timezone.make_aware(datetime.combine(due.date(), END_OF_DAY))


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def clock_text(report, now: datetime | None = None) -> str:
    """The report's clock, in working days: "due in 2 days", "due today", "3 days
    overdue"; for a fixed report "fixed within target" or "fixed 2 days late"; empty
    when it has no due time or is closed otherwise."""
    due = report.due_at
    if due is None:
        return ""
    due_day = timezone.localdate(due)
    if report.state == report.State.FIXED:
        if report.closed_at is None or report.closed_at <= due:
            return _("fixed within target")
        late = max(1, working_days_between(due_day, timezone.localdate(report.closed_at)))
        return ngettext("fixed %(count)d day late", "fixed %(count)d days late", late) % {
            "count": late
        }
    if not report.is_open:
        return ""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if now > due:
        late = max(1, working_days_between(due_day, today))
        return ngettext("%(count)d day overdue", "%(count)d days overdue", late) % {"count": late}
    if due_day <= today:
        return _("due today")
    left = max(1, working_days_between(today, due_day))
    return ngettext("due in %(count)d day", "due in %(count)d days", left) % {"count": left}
