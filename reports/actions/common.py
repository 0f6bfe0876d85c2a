"""What every change after submission shares: the lock, the thread kept in step, the
moderation log, the followers and the reporter told, the rooms above told (events)."""

from __future__ import annotations

from datetime import datetime

from django.core.files.base import ContentFile
from django.utils import translation

from civic import versions
from civic.models import language_of
from civic.outbox import queue_email
from discussions.actions import sync_owned_thread
from discussions.models import ModerationEntry
from discussions.notifications import notify_thread_event
from reports import events
from reports.models import Report, ReportUpdate

# "Leave this value as it is", for optional arguments where None is a value.
KEEP = object()


# ---------------------------------------------------------------------------
# Changes after submission


def _lock(report: Report, *, shown_elsewhere: bool = False) -> Report:
    """A fresh copy of the report's row, locked until the transaction ends.

    Every change after submission starts here, so this is where the reports' data
    version is bumped: cached lists, maps and API answers see the change at commit, and
    so does the report's own page, or every report's page when the change is
    `shown_elsewhere` (a duplicate names its original by title, unless it is hidden)."""
    versions.bump(versions.REPORTS, thread=None if shown_elsewhere else report.thread_id)
    return (
        Report.objects.select_for_update(of=("self",))
        .select_related("authority", "service")
        .get(pk=report.pk)
    )


def _copy_back(report: Report, locked: Report, fields) -> None:
    """Give the caller's instance the values the action wrote."""
    for field in fields:
        setattr(report, field, getattr(locked, field))
    for relation in ("authority", "service", "duplicate_of", "assignee"):
        if relation + "_id" in fields or relation in fields:
            # Django caches related objects; drop a stale one.
            report._state.fields_cache.pop(relation, None)


def _sync_thread(report: Report, *, is_locked: bool | None = None) -> None:
    if report.thread_id is None:
        return
    authority = report.authority
    sync_owned_thread(
        report.thread_id,
        title=report.title,
        is_hidden=report.is_hidden,
        official_group_id=authority.staff_group_id if authority else None,
        is_locked=is_locked,
    )


def _is_official(report: Report, by) -> bool:
    return bool(by is not None and report.authority and report.authority.has_staff(by))


def _log(report: Report, action: str, *, by, reason="", original=None, changes=None, now=None):
    return ModerationEntry.record(
        action,
        actor=by,
        target_type=ModerationEntry.Target.REPORT,
        target_id=report.pk,
        thread_id=report.thread_id,
        reason=reason,
        original=original,
        changes=changes,
        now=now,
    )


def _tell_followers(report: Report, text: str, by, already_told=()) -> None:
    if report.thread_id and text and not report.is_hidden:
        # The thread's followers hear about it in their next discussion digest.
        notify_thread_event(
            report.thread_id,
            text,
            url=report.get_absolute_url(),
            actor=by,
            already_told=already_told,
        )


def _changed(report: Report, *, kind: str = events.UPDATED, update=None, also_tell=()) -> None:
    """Tell the rooms above (webhooks) that a report changed in public."""
    events.publish(events.CHANGED, report=report, kind=kind, update=update, also_tell=also_tell)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ---------------------------------------------------------------------------
# Telling the reporter


def email_reporter_about(report: Report, update: ReportUpdate, *, changed: bool) -> tuple:
    """An official status change or public note goes to the reporter at once (not in a
    digest), with the note and the expected date. Returns the user ids told, so
    followers' digests leave them out."""
    if not update.is_official or not (changed or update.note) or report.is_hidden:
        return ()
    if report.reporter_id and update.author_id == report.reporter_id:
        return ()
    to = report.contact_email or (report.reporter.email if report.reporter_id else "")
    if not to:
        return ()
    # In the reporter's language, not the language of the staff member who answered.
    with translation.override(language_of(report.reporter)):
        queue_email(
            to,
            "report-status-update",
            {"report": report, "update": update, "changed": changed},
        )
    return (report.reporter_id,) if report.reporter_id else ()


def _put_files(photo, processed) -> None:
    """Give `photo` (unsaved changes) the processed image and thumbnail, under new names."""
    photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
    photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
    photo.width, photo.height = processed.width, processed.height
