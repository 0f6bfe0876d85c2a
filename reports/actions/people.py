"""Suspending and reinstating a person: their sign-in, and what they published."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from civic import versions
from discussions import actions as discussion_actions
from discussions.actions import NotAllowed
from discussions.models import Comment, ModerationEntry, Thread
from reports.actions.changes import hide_report, unhide_report
from reports.models import Report

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


@transaction.atomic
def forget_reporter(user) -> int:
    """Before an account is deleted: its reports stay public but lose every trace of the
    person (private contact details, the name shown), and their threads say "Anonymous".
    Returns how many reports it held."""
    reports = Report.objects.filter(reporter=user)
    count = reports.update(
        reporter=None, contact_name="", contact_email="", contact_phone="", show_name=False
    )
    Thread.objects.filter(report__isnull=False, author=user).update(author_is_anonymous=True)
    if count:
        versions.bump(versions.REPORTS)
    return count
