"""Operations that span several models.

Every entry point (web form, Open311 POST, demo seeder) submits reports through
`submit_report`. Every change to a report after that — a status with a public
note, hiding, reassigning ("not ours"), marking a duplicate, a staff edit of the
text — is one function below, called alike by the admin, the staff panel on the
report page and the upstream Open311 sync. Each one:

- locks the report row (`select_for_update`) inside one transaction;
- keeps the report's discussion thread in step (hidden, official group, title,
  locked) and bumps its live version, so open pages see the change;
- writes a moderation log entry with the original values;
- tells the followers when the change is public news (never for a hidden report).

Permission checks are the callers' (see `reports.access`); these functions keep
the invariants and refuse what is never allowed, raising `NotAllowed`.
"""

from discussions.actions import NotAllowed
from reports.actions.changes import (
    assign_report,
    change_state,
    edit_details,
    edit_report,
    hide_report,
    mark_duplicate,
    place_report,
    reassign_report,
    reopen_report,
    unhide_report,
)
from reports.actions.common import KEEP, email_reporter_about
from reports.actions.own import edit_own_report, withdraw_own_report
from reports.actions.people import forget_reporter, reinstate_user, suspend_user
from reports.actions.submit import (
    NewReport,
    bulk_import_reports,
    give_to_reporter,
    prepare_report,
    submit_report,
)

__all__ = [
    "KEEP",
    "NewReport",
    "NotAllowed",
    "assign_report",
    "bulk_import_reports",
    "change_state",
    "edit_details",
    "edit_own_report",
    "edit_report",
    "email_reporter_about",
    "forget_reporter",
    "give_to_reporter",
    "hide_report",
    "mark_duplicate",
    "place_report",
    "prepare_report",
    "reassign_report",
    "reinstate_user",
    "reopen_report",
    "submit_report",
    "suspend_user",
    "unhide_report",
    "withdraw_own_report",
]
