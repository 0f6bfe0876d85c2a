"""Everything volunteers asks of reports, in one place.

A call on a report's thread reaches the report only through these functions, so
when report changes move to a new home (reports/actions.py) only this file follows.
"""

from __future__ import annotations

from reports.models import Report


def report_for_thread(thread_id: int) -> Report | None:
    return (
        Report.objects.select_related("authority").filter(thread_id=thread_id).first()
        if thread_id
        else None
    )


def may_mark_fixed(user, report: Report | None) -> bool:
    """The staff responsible for the report (or a superuser) may mark it fixed."""
    if report is None or not report.is_open or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.is_staff and bool(report.authority and report.authority.has_staff(user))


def post_timeline_note(report: Report, note: str, *, by=None) -> None:
    """A public entry on the report's timeline, leaving its state as it is."""
    report.set_state(report.state, by=by, note=note, is_official=False)


def mark_fixed(report: Report, note: str, *, by) -> None:
    report.fix(by=by, note=note)
