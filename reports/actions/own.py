"""What a reporter may do to their own report: correct its text for a short while after
sending it, and withdraw it (take it out of public view) at any time. Both go through
the staff actions, so the moderation log keeps the original and who changed it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from discussions.actions import NotAllowed
from reports.actions.changes import edit_report, hide_report
from reports.models import Report

# Long enough to fix a typo or take out a phone number; short enough that nobody has
# answered a report that then says something else.
EDIT_WINDOW = timedelta(minutes=30)


def is_reporter(report: Report, user) -> bool:
    return bool(user.is_authenticated and report.reporter_id and report.reporter_id == user.pk)


def edit_until(report: Report) -> datetime:
    return report.requested_at + EDIT_WINDOW


def may_edit(report: Report, user, now: datetime | None = None) -> bool:
    return (
        is_reporter(report, user)
        and not report.is_hidden
        and (now or timezone.now()) <= edit_until(report)
    )


@transaction.atomic
def edit_own_report(report: Report, *, by, title: str, description: str) -> Report:
    """The reporter's correction, within EDIT_WINDOW of sending the report."""
    if not is_reporter(report, by):
        raise NotAllowed(_("Only the person who made a report may edit it."))
    if not may_edit(report, by):
        raise NotAllowed(
            _("A report can be edited for %(minutes)d minutes after it is sent.")
            % {"minutes": EDIT_WINDOW.seconds // 60}
        )
    return edit_report(
        report, by=by, title=title, description=description, reason=_("Edited by the reporter")
    )


@transaction.atomic
def withdraw_own_report(report: Report, *, by) -> Report:
    """Take one's own report out of public view (staff of its authority still see it)."""
    if not is_reporter(report, by):
        raise NotAllowed(_("Only the person who made a report may withdraw it."))
    return hide_report(report, by=by, reason=_("Withdrawn by the reporter"))
