"""Everything volunteers asks of reports, in one place: which report a call's thread
belongs to, who may mark it fixed, and the two changes a call makes to it (through
reports.actions, like every other report change)."""

from __future__ import annotations

from reports.access import report_access
from reports.actions import change_state
from reports.models import Report


def report_for_thread(thread_id: int) -> Report | None:
    return (
        Report.objects.select_related("authority").filter(thread_id=thread_id).first()
        if thread_id
        else None
    )


def may_mark_fixed(user, report: Report | None) -> bool:
    """The staff who answer for the report (or a superuser), while it is open."""
    if report is None or not report.is_open:
        return False
    return report_access(user, report).answer


def post_timeline_note(report: Report, note: str, *, by=None) -> None:
    """A public (not official) entry on the report's timeline; its state stays."""
    change_state(report, report.state, by=by, note=note, is_official=False)


def mark_fixed(report: Report, note: str, *, by) -> None:
    change_state(report, Report.State.FIXED, by=by, note=note)
