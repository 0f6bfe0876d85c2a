"""Every change to a report after submission: state, duplicate, hide, "not ours",
edits, assignment, reopening, its place on the map."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import privacy
from civic.outbox import queue_email
from discussions.actions import NotAllowed
from discussions.models import ModerationEntry, Thread
from reports import events, routing
from reports.actions.common import (
    KEEP,
    _changed,
    _copy_back,
    _is_official,
    _iso,
    _lock,
    _log,
    _sync_thread,
    _tell_followers,
    email_reporter_about,
)
from reports.deadlines import target_for
from reports.models import Authority, Report, ReportUpdate, Service


def _timeline_entry(*, note: str = "", **fields) -> ReportUpdate:
    """A new entry on the public timeline. Its note is masked like any public text: staff
    paste a resident's details by mistake as anyone does (the original is kept)."""
    masked = privacy.mask(note)
    update = ReportUpdate.objects.create(note=masked.text, **fields)
    privacy.keep(update, {"note": masked}, new=True)
    return update


@transaction.atomic
def change_state(
    report: Report,
    state: str,
    *,
    by=None,
    note: str = "",
    expected_at=KEEP,
    is_official: bool | None = None,
    external_id: str = "",
    media_url: str = "",
    now: datetime | None = None,
    event: str = events.UPDATED,
) -> ReportUpdate:
    """Move `report` to `state` (or keep it, to add a note) and record it on the public
    timeline; optionally set or clear the day a fix is expected (`expected_at`).

    The timeline entry is official when `by` is staff of the responsible authority
    (or when `is_official` says so: an upstream status or a back office's update).
    Leaving "duplicate" forgets the original and reopens the discussion. The
    authority's webhooks get `event`. Returns the timeline entry.
    """
    if state not in Report.State.values:
        raise NotAllowed(_("Unknown status: %(state)s.") % {"state": state})
    now = now or timezone.now()
    locked = _lock(report)
    if is_official is None:
        is_official = _is_official(locked, by)
    changed = state != locked.state
    original = {"state": locked.state, "expected_at": _iso(locked.expected_at)}
    fields = ["updated_at"]
    is_locked = None
    if changed:
        if locked.state == Report.State.DUPLICATE:
            locked.duplicate_of = None
            fields.append("duplicate_of")
            is_locked = False
            original["duplicate_of"] = report.duplicate_of_id
        locked.state = state
        fields += ["state", "closed_at"]
        # The first answer, whichever it is, acknowledges the report (stats: time to
        # acknowledge).
        if state != Report.State.SUBMITTED and locked.acknowledged_at is None:
            locked.acknowledged_at = now
            fields.append("acknowledged_at")
        locked.closed_at = now if state in Report.CLOSED_STATES else None
    if expected_at is not KEEP and expected_at != locked.expected_at:
        locked.expected_at = expected_at
        fields.append("expected_at")
    locked.updated_at = now
    locked.save(update_fields=fields)
    update = _timeline_entry(
        report=locked,
        author=by,
        state=state if changed else "",
        note=note,
        is_official=is_official,
        external_id=external_id,
        media_url=media_url,
        created_at=now,
    )
    note = update.note
    _sync_thread(locked, is_locked=is_locked)
    _log(
        locked,
        ModerationEntry.Action.STATE,
        by=by,
        reason=note,
        original=original,
        changes={"state": state, "expected_at": _iso(locked.expected_at)},
        now=now,
    )
    status = _("Status: %(state)s") % {"state": locked.get_state_display()} if changed else ""
    told = email_reporter_about(locked, update, changed=changed)
    _tell_followers(
        locked, " — ".join(str(part) for part in (status, note) if part), by, already_told=told
    )
    _changed(locked, kind=event, update=update)
    _copy_back(report, locked, fields)
    return update


@transaction.atomic
def mark_duplicate(
    report: Report, original: Report, *, by=None, note: str = "", expected_at=KEEP
) -> ReportUpdate:
    """Close `report` as a duplicate of `original`: its timeline says so, its discussion
    is locked (the conversation carries on at the original) and the log keeps what it was."""
    if original.pk == report.pk:
        raise NotAllowed(_("A report cannot be a duplicate of itself."))
    if original.is_hidden or original.duplicate_of_id == report.pk:
        raise NotAllowed(
            _("Report #%(number)d cannot be the original of this one.") % {"number": original.pk}
        )
    locked = _lock(report)
    previous = {"duplicate_of": locked.duplicate_of_id, "state": locked.state}
    locked.duplicate_of = original
    locked.save(update_fields=["duplicate_of"])
    _log(
        locked,
        ModerationEntry.Action.DUPLICATE,
        by=by,
        reason=note,
        original=previous,
        changes={"duplicate_of": original.pk},
    )
    update = change_state(locked, Report.State.DUPLICATE, by=by, note=note, expected_at=expected_at)
    _sync_thread(locked, is_locked=True)
    _copy_back(report, locked, ["duplicate_of", "state", "updated_at", "closed_at", "expected_at"])
    report.duplicate_of = original
    return update


@transaction.atomic
def hide_report(report: Report, *, by, reason: str) -> Report:
    """Take a report (and its whole discussion) out of public view, with the reason.

    Lists, the map, the API and every discussion URL stop showing it; its
    followers get no more emails; staff of its authority still see it all."""
    return _set_hidden(report, hidden=True, by=by, reason=reason)


@transaction.atomic
def unhide_report(report: Report, *, by, reason: str = "") -> Report:
    """Show a hidden report (and its discussion) again."""
    return _set_hidden(report, hidden=False, by=by, reason=reason)


def _set_hidden(report: Report, *, hidden: bool, by, reason: str) -> Report:
    locked = _lock(report, shown_elsewhere=True)
    if locked.is_hidden != hidden:
        locked.is_hidden = hidden
        locked.save(update_fields=["is_hidden"])
        _sync_thread(locked)
        _log(
            locked,
            ModerationEntry.Action.HIDE if hidden else ModerationEntry.Action.UNHIDE,
            by=by,
            reason=reason,
            original={"is_hidden": not hidden},
            changes={"is_hidden": hidden},
        )
        if not hidden:
            # Public again: the webhooks hear of it (they heard nothing while it was hidden).
            _changed(locked)
    _copy_back(report, locked, ["is_hidden"])
    return report


@transaction.atomic
def reassign_report(
    report: Report,
    *,
    by=None,
    service: Service | None = None,
    authority: Authority | None = None,
    note: str = "",
    reason: str = "",
) -> ReportUpdate:
    """ "Not ours": move the report to another category and/or authority.

    Without `authority`, routing decides anew for the (new) category, as if the
    report had been submitted under it, leaving out the authority that passes it
    on when it is the one saying "not ours". Every newly responsible authority
    gets a delivery; the discussion's official voice moves to the new
    authority's staff; the public timeline says where the report went (with
    `note`, public); `reason` is for the moderation log only.
    """
    locked = _lock(report)
    old_service, old_authority = locked.service, locked.authority
    new_service = service or old_service
    if authority is not None:
        if not authority.is_active:
            raise NotAllowed(_("%(name)s is not active.") % {"name": authority.name})
        targets = [authority]
    else:
        targets = routing.route(new_service, locked.lat, locked.lon)
        if new_service == old_service:
            targets = [a for a in targets if a != old_authority]
    if not targets:
        raise NotAllowed(
            _("No other authority takes “%(service)s” here: choose one.")
            % {"service": new_service.name}
        )
    primary = targets[0]
    if primary == old_authority and new_service == old_service:
        raise NotAllowed(_("The report is already with %(name)s.") % {"name": primary.name})
    now = timezone.now()
    # Official when said by the authority passing it on (or an administrator).
    is_official = _is_official(locked, by)
    locked.service, locked.authority, locked.updated_at = new_service, primary, now
    fields = ["service", "authority", "updated_at"]
    if new_service != old_service:
        # The new category's target counts from when the report came in.
        locked.target_at = target_for(new_service, locked.requested_at)
        fields.append("target_at")
    locked.save(update_fields=fields)
    events.publish(events.ROUTED, report=locked, authorities=targets)
    parts = []
    if primary != old_authority:
        parts.append(_("Passed to %(authority)s.") % {"authority": primary.name})
    if new_service != old_service:
        parts.append(_("Moved to the category “%(service)s”.") % {"service": new_service.name})
    if note:
        parts.append(note)
    update = _timeline_entry(
        report=locked, author=by, note=" ".join(parts), is_official=is_official, created_at=now
    )
    _sync_thread(locked)
    _log(
        locked,
        ModerationEntry.Action.REASSIGN,
        by=by,
        reason=reason or privacy.mask(note).text,
        original={
            "service": old_service.code,
            "authority": old_authority.slug if old_authority else None,
        },
        changes={"service": new_service.code, "authority": primary.slug},
        now=now,
    )
    _tell_followers(locked, update.note, by)
    # The authority that passed it on hears of it too: it is no longer theirs.
    _changed(locked, update=update, also_tell=[old_authority])
    _copy_back(report, locked, ["service_id", "authority_id", "updated_at", "target_at"])
    report.service, report.authority = new_service, primary
    return update


@transaction.atomic
def edit_report(
    report: Report,
    *,
    by,
    title: str | None = None,
    description: str | None = None,
    reason: str = "",
) -> Report:
    """Staff correct a report's title or description (a phone number in the text, a
    misleading title). The original text is kept in the moderation log; the
    discussion's title follows."""
    locked = _lock(report, shown_elsewhere=True)
    original, changes, masked = {}, {}, {}
    for name, value in (("title", title), ("description", description)):
        if value is not None:
            masked[name] = privacy.mask(value)
    title = masked["title"].text if "title" in masked else None
    description = masked["description"].text if "description" in masked else None
    if title is not None and title != locked.title:
        if not title.strip():
            raise NotAllowed(_("A report needs a title."))
        original["title"], changes["title"] = locked.title, title
    if description is not None and description != locked.description:
        original["description"], changes["description"] = locked.description, description
    if not changes:
        return report
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*changes, "updated_at"])
    privacy.keep(locked, {name: masked[name] for name in changes})
    _sync_thread(locked)
    _log(
        locked,
        ModerationEntry.Action.EDIT,
        by=by,
        reason=reason,
        original=original,
        changes=changes,
    )
    _changed(locked)
    _copy_back(report, locked, [*changes, "updated_at"])
    return report


@transaction.atomic
def assign_report(report: Report, *, to, by, now: datetime | None = None) -> Report:
    """Give the report to a colleague of its authority's staff to look after (`to`
    None: nobody). Private to the staff: the moderation log keeps it, the public
    timeline does not; the new assignee is emailed (unless they assigned themselves)."""
    locked = _lock(report)
    if to is not None:
        authority = locked.authority
        if authority is None or not authority.active_staff().filter(pk=to.pk).exists():
            raise NotAllowed(
                _("%(name)s is not on the staff of the authority responsible for report #%(id)d.")
                % {"name": to.get_full_name() or to.email, "id": locked.pk}
            )
    new_id = to.pk if to is not None else None
    if locked.assignee_id != new_id:
        previous = locked.assignee_id
        locked.assignee = to
        locked.save(update_fields=["assignee"])
        _log(
            locked,
            ModerationEntry.Action.ASSIGN,
            by=by,
            original={"assignee": previous},
            changes={"assignee": new_id},
            now=now,
        )
        if to is not None and (by is None or by.pk != to.pk) and to.email:
            queue_email(to.email, "report-assigned", {"report": locked, "assignee": to, "by": by})
    _copy_back(report, locked, ["assignee_id"])
    report.assignee = to
    return report


@transaction.atomic
def reopen_report(report: Report, *, by=None, note: str = "", now: datetime | None = None):
    """A fixed or closed report that is still broken goes back to open: a public
    timeline entry, the public reopen count, followers told, and a notice back to each
    authority it was delivered to (by email, or to its Open311 system)."""
    if report.is_open:
        raise NotAllowed(_("This report is still open."))
    now = now or timezone.now()
    text = note or _("Reopened: it is still broken.")
    update = change_state(
        report,
        Report.State.SUBMITTED,
        by=by,
        note=text,
        is_official=False,
        now=now,
        event=events.REOPENED,
    )
    Report.objects.filter(pk=report.pk).update(reopen_count=F("reopen_count") + 1)
    report.reopen_count += 1
    events.publish(events.RETURNED, report=report, note=text, at=now)
    return update


@transaction.atomic
def place_report(report: Report, *, lat: float, lon: float, by=None) -> Report:
    """Give a report whose location was to be confirmed its point (staff, from its page).

    The report and its thread get the point, and the timeline says who placed it.
    """
    locked = _lock(report)
    now = timezone.now()
    locked.lat, locked.lon, locked.updated_at = lat, lon, now
    locked.save(update_fields=["lat", "lon", "updated_at"])
    _copy_back(report, locked, ["lat", "lon", "updated_at"])
    if locked.thread_id:
        Thread.objects.filter(pk=locked.thread_id).update(lat=lat, lon=lon)
    update = ReportUpdate.objects.create(
        report=locked,
        author=by,
        note=str(_("The location is confirmed: the report is on the map now.")),
        is_official=_is_official(locked, by),
        created_at=now,
    )
    _changed(locked, update=update)
    return report


# Fields staff may correct in the admin that no other action owns. The contact details
# are private: the log keeps that they changed, never their values.
DETAIL_FIELDS = (
    "address",
    "lat",
    "lon",
    "attributes",
    "contact_name",
    "contact_email",
    "contact_phone",
    "show_name",
    "media_url",
)
PRIVATE_FIELDS = {"contact_name", "contact_email", "contact_phone"}


@transaction.atomic
def edit_details(report: Report, *, by, changes: dict, reason: str = "") -> Report:
    """Staff correct a report's details (its place, its answers, the reporter's contact
    or whether they are named): the row, its thread's place and the moderation log."""
    unknown = set(changes) - set(DETAIL_FIELDS)
    if unknown:
        raise NotAllowed(f"Not a detail of a report: {', '.join(sorted(unknown))}.")
    locked = _lock(report)
    changed = {name: value for name, value in changes.items() if getattr(locked, name) != value}
    if not changed:
        return report
    original = {
        name: "(private)" if name in PRIVATE_FIELDS else getattr(locked, name) for name in changed
    }
    for name, value in changed.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*changed, "updated_at"])
    if locked.thread_id and changed.keys() & {"lat", "lon", "address", "show_name"}:
        Thread.objects.filter(pk=locked.thread_id).update(
            lat=locked.lat,
            lon=locked.lon,
            address=locked.address,
            author_is_anonymous=not locked.show_name,
        )
    shown = {
        name: "(private)" if name in PRIVATE_FIELDS else value for name, value in changed.items()
    }
    _log(
        locked, ModerationEntry.Action.EDIT, by=by, reason=reason, original=original, changes=shown
    )
    _copy_back(report, locked, [*changed, "updated_at"])
    return report
