"""Who may do what with a report: one helper for every view and template.

`report_for_user(user, pk)` returns the report and a `ReportAccess` saying what the
user may do with it (the pattern of healthchecks' `_get_check_for_user`); views pass
the access to templates, which never decide permissions themselves. The rules:

- everyone sees a visible report; a hidden one only its authority's staff group
  (and superusers), to everyone else it does not exist (404);
- staff of the responsible authority (group member with staff status) and
  superusers answer officially: status, note, expected date, duplicate; and
  moderate: hide, edit, reassign ("not ours"), read the moderation log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from reports.models import Report


@dataclass(frozen=True)
class ReportAccess:
    view: bool
    # Publish a status, note or expected date on the timeline (officially).
    answer: bool
    # Hide/show, edit the text, reassign, mark duplicate, read the moderation log.
    moderate: bool


NOTHING = ReportAccess(view=False, answer=False, moderate=False)
READ_ONLY = ReportAccess(view=True, answer=False, moderate=False)
EVERYTHING = ReportAccess(view=True, answer=True, moderate=True)


def report_access(user, report: Report) -> ReportAccess:
    """What `user` may do with `report` (needs `report.authority` loaded).

    Costs no query for visitors and residents on a visible report (staff status is
    checked first), one for staff and for anyone on a hidden report."""
    if not user.is_authenticated:
        return NOTHING if report.is_hidden else READ_ONLY
    if user.is_superuser:
        return EVERYTHING
    if not user.is_staff and not report.is_hidden:
        return READ_ONLY
    member = bool(report.authority_id and report.authority.has_staff(user))
    if member and user.is_staff and user.is_active:
        return EVERYTHING
    # A group member without staff status may see a hidden report, not act on it.
    return READ_ONLY if member or not report.is_hidden else NOTHING


def report_for_user(
    user, pk: int, *, queryset: QuerySet[Report] | None = None, need: str = "view"
) -> tuple[Report, ReportAccess]:
    """The report and what `user` may do with it.

    404 when there is no such report or the user may not see it; 403 when they may
    see it but lack `need` ("answer" or "moderate")."""
    if queryset is None:
        queryset = Report.objects.select_related("service", "authority")
    report = get_object_or_404(queryset, pk=pk)
    access = report_access(user, report)
    if not access.view:
        raise Http404
    if need != "view" and not getattr(access, need):
        raise PermissionDenied
    return report, access
