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

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civic import versions
from civic.models import language_of
from civic.outbox import queue_email
from discussions import actions as discussion_actions
from discussions.actions import NotAllowed, sync_owned_thread
from discussions.models import Comment, Follow, ModerationEntry, Thread
from discussions.notifications import notify_thread_event
from reports import events, routing
from reports.deadlines import target_for
from reports.models import Authority, Photo, Report, ReportUpdate, Service
from reports.photos import ProcessedPhoto

__all__ = [
    "KEEP",
    "NotAllowed",
    "assign_report",
    "bulk_import_reports",
    "change_state",
    "edit_report",
    "hide_report",
    "mark_duplicate",
    "reassign_report",
    "reinstate_user",
    "submit_report",
    "suspend_user",
    "unhide_report",
]

# "Leave this value as it is", for optional arguments where None is a value.
KEEP = object()


@transaction.atomic
def submit_report(
    *,
    service: Service,
    lat: float | None,
    lon: float | None,
    title: str,
    description: str = "",
    address: str = "",
    address_id: str = "",
    attributes: dict | None = None,
    reporter=None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    show_name: bool = False,
    photos: Sequence[ProcessedPhoto] = (),
    source: str = Report.Source.WEB,
    api_key=None,  # the open311.ApiKey it came through
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    requested_at=None,
    notify: bool = True,
) -> Report:
    """Create a report with everything it owns, in one transaction.

    The report, its photos, its discussion thread (followed by the reporter),
    one delivery per authority that routing picks, the first timeline entry and
    the confirmation email are all written together: after commit, nothing
    else is needed for the report to be safe.
    """
    now = requested_at or timezone.now()
    if reporter is not None:
        contact_email = contact_email or reporter.email
        contact_name = contact_name or reporter.get_full_name()
    authorities = routing.route(service, lat, lon)
    primary = authorities[0] if authorities else None
    thread = _new_thread(
        title=title, reporter=reporter, lat=lat, lon=lon, address=address, authority=primary, at=now
    )
    thread.author_is_anonymous = not show_name
    thread.save()
    report = Report(
        service=service,
        title=title,
        description=description,
        lat=lat,
        lon=lon,
        address=address,
        address_id=address_id,
        attributes=attributes or {},
        reporter=reporter,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        show_name=show_name,
        authority=primary,
        source=source,
        api_key=api_key,
        device_id=device_id,
        account_id=account_id,
        media_url=media_url,
        requested_at=now,
        updated_at=now,
        target_at=target_for(service, now),
        thread=thread,
    )
    report.save()
    # Cached lists, maps and API answers; no other report's page shows it.
    versions.bump(versions.REPORTS, thread=thread.pk)
    # The thread's page is derived from its owner (discussions knows no reports).
    thread.owner_id = report.pk
    thread.save(update_fields=["owner_id"])
    for order, processed in enumerate(photos):
        photo = Photo(report=report, order=order, width=processed.width, height=processed.height)
        photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        photo.save()
    first = ReportUpdate.objects.create(
        report=report, author=reporter, state=Report.State.SUBMITTED, created_at=now
    )
    if reporter is not None:
        Follow.objects.create(thread=thread, user=reporter, created_at=now)
    # Its deliveries to the authorities and its webhooks' events (delivery/).
    events.publish(events.SUBMITTED, report=report, update=first, authorities=authorities)
    if notify and contact_email:
        queue_email(
            contact_email,
            "report-confirmation",
            {"report": report, "authorities": authorities},
        )
    return report


def _new_thread(*, title, reporter, lat, lon, address, authority, at) -> Thread:
    return Thread(
        kind=Thread.Kind.REPORT,
        title=title,
        author=reporter,
        lat=lat,
        lon=lon,
        address=address,
        official_group_id=authority.staff_group_id if authority else None,
        created_at=at,
        last_activity_at=at,
    )


def bulk_import_reports(rows: Sequence[dict], *, source: str = Report.Source.IMPORT) -> int:
    """Import many historical reports at once (demo data, migrations from another system).

    Each row holds `service`, `lat`, `lon`, `title`, `requested_at` and optionally
    `description`, `address`, `attributes`, `reporter`, `state`, `updated_at`.
    The rows get what `submit_report` gives a report (thread, routing, timeline,
    the reporter's follow) with bulk inserts; their deliveries count as already
    sent and no email is queued, since they are history, not news.
    """
    candidates: dict[int, list] = {}
    threads, reports = [], []
    for row in rows:
        service = row["service"]
        if service.pk not in candidates:
            candidates[service.pk] = routing.candidates(service)
        authorities = routing.route(service, row["lat"], row["lon"], candidates[service.pk])
        primary = authorities[0] if authorities else None
        at = row["requested_at"]
        thread = _new_thread(
            title=row["title"],
            reporter=row.get("reporter"),
            lat=row["lat"],
            lon=row["lon"],
            address=row.get("address", ""),
            authority=primary,
            at=at,
        )
        thread.author_is_anonymous = not row.get("show_name", False)
        threads.append(thread)
        state = row.get("state", Report.State.SUBMITTED)
        updated = row.get("updated_at", at)
        reports.append(
            (
                Report(
                    service=service,
                    title=row["title"],
                    description=row.get("description", ""),
                    lat=row["lat"],
                    lon=row["lon"],
                    address=row.get("address", ""),
                    attributes=row.get("attributes", {}),
                    reporter=row.get("reporter"),
                    contact_email=row["reporter"].email if row.get("reporter") else "",
                    show_name=row.get("show_name", False),
                    state=state,
                    authority=primary,
                    source=source,
                    requested_at=at,
                    updated_at=updated,
                    target_at=target_for(service, at),
                    acknowledged_at=updated if state != Report.State.SUBMITTED else None,
                    closed_at=updated if state in Report.CLOSED_STATES else None,
                ),
                authorities,
            )
        )
    Thread.objects.bulk_create(threads)
    for thread, (report, _authorities) in zip(threads, reports, strict=True):
        report.thread = thread
    Report.objects.bulk_create([report for report, _a in reports])
    versions.bump(versions.REPORTS)
    # One UPDATE links every thread to its owner, the report.
    report_pk = Report.objects.filter(thread=OuterRef("pk")).values("pk")[:1]
    Thread.objects.filter(pk__in=[t.pk for t in threads]).update(owner_id=Subquery(report_pk))
    updates, follows = [], []
    for report, _authorities in reports:
        updates.append(
            ReportUpdate(
                report=report,
                author=report.reporter,
                state=Report.State.SUBMITTED,
                created_at=report.requested_at,
            )
        )
        if report.state != Report.State.SUBMITTED:
            updates.append(
                ReportUpdate(
                    report=report,
                    state=report.state,
                    is_official=True,
                    created_at=report.updated_at,
                )
            )
        if report.reporter_id:
            follows.append(Follow(thread_id=report.thread_id, user_id=report.reporter_id))
    ReportUpdate.objects.bulk_create(updates)
    Follow.objects.bulk_create(follows, ignore_conflicts=True)
    events.publish(events.IMPORTED, routed=reports)
    return len(reports)


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
        if state == Report.State.ACKNOWLEDGED and locked.acknowledged_at is None:
            locked.acknowledged_at = now
            fields.append("acknowledged_at")
        locked.closed_at = now if state in Report.CLOSED_STATES else None
    if expected_at is not KEEP and expected_at != locked.expected_at:
        locked.expected_at = expected_at
        fields.append("expected_at")
    locked.updated_at = now
    locked.save(update_fields=fields)
    update = ReportUpdate.objects.create(
        report=locked,
        author=by,
        state=state if changed else "",
        note=note,
        is_official=is_official,
        external_id=external_id,
        media_url=media_url,
        created_at=now,
    )
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
    text = " ".join(parts)
    update = ReportUpdate.objects.create(
        report=locked, author=by, note=text, is_official=is_official, created_at=now
    )
    _sync_thread(locked)
    _log(
        locked,
        ModerationEntry.Action.REASSIGN,
        by=by,
        reason=reason or note,
        original={
            "service": old_service.code,
            "authority": old_authority.slug if old_authority else None,
        },
        changes={"service": new_service.code, "authority": primary.slug},
        now=now,
    )
    _tell_followers(locked, text, by)
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
    original, changes = {}, {}
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


# ---------------------------------------------------------------------------
# Suspending a user


@transaction.atomic
def suspend_user(user, *, by, reason: str) -> ModerationEntry:
    """Suspend `user`: they can no longer sign in (their sessions end), and what they
    have published — reports, topics, comments — is hidden with its discussion.

    The log entry lists what this hid, so `reinstate_user` shows exactly that again
    (and not what a moderator had hidden for its own reasons)."""
    if not reason.strip():
        raise NotAllowed(_("Say why the account is suspended."))
    if by is not None and user.pk == by.pk:
        raise NotAllowed(_("You cannot suspend your own account."))
    user_model = type(user)
    locked = user_model.objects.select_for_update().get(pk=user.pk)
    hidden_by_suspension = _("Hidden while its author's account is suspended.")
    reports = list(Report.objects.filter(reporter=locked, is_hidden=False))
    for report in reports:
        hide_report(report, by=by, reason=hidden_by_suspension)
    topics = list(Thread.objects.topics().filter(author=locked, is_hidden=False))
    for topic in topics:
        discussion_actions.set_thread_state(topic, by=by, hidden=True, reason=hidden_by_suspension)
    comments = list(
        Comment.objects.filter(author=locked, is_hidden=False, is_deleted=False).select_related(
            "thread"
        )
    )
    for comment in comments:
        discussion_actions.set_hidden(
            comment, by=by, hidden=True, reason=str(_("hidden by a moderator"))
        )
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    user.is_active = False
    return ModerationEntry.record(
        ModerationEntry.Action.SUSPEND,
        actor=by,
        target_type=ModerationEntry.Target.USER,
        target_id=user.pk,
        reason=reason,
        original={
            "is_active": True,
            "reports": [r.pk for r in reports],
            "topics": [t.pk for t in topics],
            "comments": [c.pk for c in comments],
        },
        changes={"is_active": False},
    )


@transaction.atomic
def reinstate_user(user, *, by, reason: str = "") -> ModerationEntry:
    """Undo a suspension: the user may sign in again and what the suspension hid is
    shown again (what a moderator hid otherwise stays hidden)."""
    user_model = type(user)
    locked = user_model.objects.select_for_update().get(pk=user.pk)
    suspension = (
        ModerationEntry.objects.filter(
            action=ModerationEntry.Action.SUSPEND,
            target_type=ModerationEntry.Target.USER,
            target_id=user.pk,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    hid = suspension.original if suspension else {}
    for report in Report.objects.filter(pk__in=hid.get("reports", []), is_hidden=True):
        unhide_report(report, by=by, reason=reason)
    for topic in Thread.objects.filter(pk__in=hid.get("topics", []), is_hidden=True):
        discussion_actions.set_thread_state(topic, by=by, hidden=False, reason=reason)
    for comment in Comment.objects.filter(pk__in=hid.get("comments", []), is_hidden=True):
        discussion_actions.set_hidden(comment, by=by, hidden=False, reason=reason)
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    user.is_active = True
    return ModerationEntry.record(
        ModerationEntry.Action.REINSTATE,
        actor=by,
        target_type=ModerationEntry.Target.USER,
        target_id=user.pk,
        reason=reason,
        original={"is_active": False},
        changes={"is_active": True},
    )


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
