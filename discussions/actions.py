"""Operations on discussions that touch several rows: every view, the admin and
other apps go through these. Permission checks live in the views' scoped
helpers; these functions keep the invariants (counters, versions, follows,
notifications) and refuse what is never allowed (posting on a locked thread,
editing after the window)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import privacy, rows, versions
from discussions.live import bump_version
from discussions.markup import render_markdown
from discussions.models import (
    FLAGS_TO_HIDE,
    Comment,
    Flag,
    Follow,
    ModerationEntry,
    Notification,
    Support,
    Thread,
)
from discussions.notifications import tell_followers


class NotAllowed(Exception):
    """The action is refused; the message says why, for the person refused."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@transaction.atomic
def create_topic(
    *,
    author,
    kind: str,
    title: str,
    body: str = "",
    lat: float | None = None,
    lon: float | None = None,
    address: str = "",
    now: datetime | None = None,
) -> Thread:
    """A community topic, followed by its author."""
    now = now or timezone.now()
    masked = {"title": privacy.mask(title), "body": privacy.mask(body)}
    thread = Thread.objects.create(
        kind=kind,
        title=masked["title"].text,
        body=masked["body"].text,
        body_html=render_markdown(masked["body"].text),
        author=author,
        lat=lat,
        lon=lon,
        address=address,
        created_at=now,
        last_activity_at=now,
    )
    privacy.keep(thread, masked, new=True)
    Follow.objects.create(thread=thread, user=author, created_at=now)
    versions.bump(versions.THREADS)  # topic lists and the home page show it
    return thread


def post_comment(thread: Thread, author, body: str, **options) -> Comment:
    """Add a comment (or a reply to `reply_to`): the author follows the thread
    and every other follower gets it in their next digest (`prepare_comment` tells the
    options). In the caller's transaction when there is one."""
    return prepare_comment(thread, author, body, **options).create()


@dataclass(frozen=True)
class NewComment:
    """A comment checked, masked and rendered, to be written by `create`."""

    comment: Comment
    masked: privacy.Masked

    def create(self) -> Comment:
        with transaction.atomic(savepoint=False):
            return _create_comment(self)


def prepare_comment(
    thread: Thread,
    author,
    body: str,
    *,
    reply_to: Comment | None = None,
    now=None,
    official: bool | None = None,
) -> NewComment:
    """What it takes to add a comment, read and built before its transaction, which
    then holds the write lock only for the writes. `official` is whether the author
    speaks officially here, when the caller has read it (else one query). Refuses
    (NotAllowed) a comment on a closed thread or a reply to what takes none."""
    now = now or timezone.now()
    if not thread.is_open:
        raise NotAllowed(_("This discussion is closed to new comments."))
    parent = None
    if reply_to is not None:
        if reply_to.thread_id != thread.pk or not reply_to.is_replyable:
            raise NotAllowed(_("You cannot reply to this comment."))
        parent = reply_to.placement_for_reply()
    masked = privacy.mask(body)
    comment = Comment(
        thread=thread,
        parent=parent,
        reply_to=reply_to,
        author=author,
        body=masked.text,
        body_html=render_markdown(masked.text),
        is_official=thread.is_official_member(author) if official is None else official,
        depth=parent.depth + 1 if parent else 0,
        created_at=now,
    )
    return NewComment(comment, masked)


def _create_comment(new: NewComment) -> Comment:
    comment, now = new.comment, new.comment.created_at
    thread, parent = comment.thread, comment.parent
    comment.version = bump_version(thread.pk, comments=1, last_activity_at=now)
    # Its place in the tree names its own id: taken first, so the row is written once.
    comment.pk = rows.next_pk(Comment)
    segment = Comment.path_segment(comment.pk)
    comment.path = f"{parent.path}/{segment}" if parent else segment
    rows.insert(comment)
    privacy.keep(comment, {"body": new.masked}, new=True)
    author = comment.author
    rows.insert(Follow(thread=thread, user=author, created_at=now), ignore_conflicts=True)
    tell_followers(thread.pk, comment=comment, exclude_user_id=author.pk, now=now)
    return comment


@transaction.atomic
def edit_comment(comment: Comment, by, body: str, now=None) -> Comment:
    now = now or timezone.now()
    if not comment.can_edit(by, now):
        raise NotAllowed(_("You can only edit your own comment in the first 15 minutes."))
    masked = privacy.mask(body)
    comment.body = masked.text
    comment.body_html = render_markdown(masked.text)
    comment.edited_at = now
    comment.version = bump_version(comment.thread_id)
    comment.save(update_fields=["body", "body_html", "edited_at", "version"])
    privacy.keep(comment, {"body": masked})
    return comment


@transaction.atomic
def delete_comment(comment: Comment, by) -> Comment:
    """The author withdraws a comment: its text goes, its place and replies stay."""
    if not comment.can_delete(by):
        raise NotAllowed(_("You can only delete your own comments."))
    comment.is_deleted = True
    comment.body = ""
    comment.body_html = ""
    comment.version = bump_version(comment.thread_id, comments=-1)
    comment.save(update_fields=["is_deleted", "body", "body_html", "version"])
    Notification.objects.filter(comment=comment).delete()
    privacy.forget(comment, "body")
    return comment


@transaction.atomic
def flag_comment(comment: Comment, user, reason: str) -> Flag:
    """Record `user`'s flag; the third open flag hides the comment pending review."""
    if not comment.can_flag(user):
        raise NotAllowed(_("You cannot flag this comment."))
    try:
        with transaction.atomic():
            flag = Flag.objects.create(comment=comment, user=user, reason=reason[:200])
    except IntegrityError:
        raise NotAllowed(_("You have already flagged this comment.")) from None
    Comment.objects.filter(pk=comment.pk).update(flag_count=F("flag_count") + 1)
    comment.refresh_from_db(fields=["flag_count", "is_hidden"])
    # The thread's page, as the flagger sees it, marks what they flagged.
    versions.bump(versions.THREADS, thread=comment.thread_id)
    if comment.flag_count >= FLAGS_TO_HIDE and not comment.is_hidden:
        comment.is_hidden = True
        comment.hidden_by = None
        comment.hidden_reason = ""
        comment.version = bump_version(comment.thread_id)
        comment.save(update_fields=["is_hidden", "hidden_by", "hidden_reason", "version"])
    return flag


@transaction.atomic
def set_hidden(comment: Comment, *, by, hidden: bool, reason: str = "") -> Comment:
    """A moderator's decision: hide with a public reason, or show again. Either
    way the comment's open flags count as reviewed; the moderation log keeps
    who decided, why, and what the comment was before."""
    original = {
        "is_hidden": comment.is_hidden,
        "hidden_reason": comment.hidden_reason,
        "flag_count": comment.flag_count,
    }
    comment.is_hidden = hidden
    comment.hidden_by = by if hidden else None
    comment.hidden_reason = reason[:200] if hidden else ""
    comment.flag_count = 0
    comment.version = bump_version(comment.thread_id)
    comment.save(update_fields=["is_hidden", "hidden_by", "hidden_reason", "flag_count", "version"])
    Flag.objects.filter(comment=comment, is_resolved=False).update(is_resolved=True)
    ModerationEntry.record(
        ModerationEntry.Action.COMMENT_HIDE if hidden else ModerationEntry.Action.COMMENT_UNHIDE,
        actor=by,
        target_type=ModerationEntry.Target.COMMENT,
        target_id=comment.pk,
        thread_id=comment.thread_id,
        reason=reason,
        original=original,
        changes={"is_hidden": hidden, "hidden_reason": comment.hidden_reason},
    )
    return comment


@transaction.atomic
def moderate_comment_text(comment: Comment, *, by, body: str, reason: str = "") -> Comment:
    """A moderator rewrites a comment (say, to remove a phone number): the text is
    rendered again, live pages get it, and the original stays in the moderation log."""
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.is_deleted:
        raise NotAllowed(_("A deleted comment cannot be edited."))
    masked = privacy.mask(body)
    body = masked.text
    if body == locked.body:
        return comment
    original = {"body": locked.body}
    comment.body = body
    comment.body_html = render_markdown(body)
    comment.edited_at = timezone.now()
    comment.version = bump_version(comment.thread_id)
    comment.save(update_fields=["body", "body_html", "edited_at", "version"])
    ModerationEntry.record(
        ModerationEntry.Action.COMMENT_EDIT,
        actor=by,
        target_type=ModerationEntry.Target.COMMENT,
        target_id=comment.pk,
        thread_id=comment.thread_id,
        reason=reason,
        original=original,
        changes={"body": body},
    )
    privacy.keep(comment, {"body": masked})
    return comment


def sync_owned_thread(
    thread_id: int,
    *,
    title: str,
    is_hidden: bool,
    official_group_id: int | None,
    is_locked: bool | None = None,
) -> int:
    """Make an owned thread (a report's) follow its owner: title, visibility, the
    group that speaks officially there, and optionally whether it is locked.

    Call inside the owner's transaction. Bumps the live version, so open pages
    pick the change up at their next poll; returns the new version.
    """
    changes = {
        "title": title[: Thread._meta.get_field("title").max_length],
        "is_hidden": is_hidden,
        "official_group_id": official_group_id,
    }
    if is_locked is not None:
        changes["is_locked"] = is_locked
    if is_hidden:
        # A hidden thread emails nobody: what was waiting for a digest goes.
        Notification.objects.filter(follow__thread_id=thread_id).delete()
    return bump_version(thread_id, **changes)


@transaction.atomic
def set_thread_state(
    thread: Thread, *, by, locked: bool | None = None, hidden: bool | None = None, reason=""
) -> Thread:
    """A moderator locks/unlocks or hides/shows a community topic (a report's thread
    follows its report: hide the report instead), with the moderation log entry."""
    if not thread.is_topic and hidden is not None:
        raise NotAllowed(_("A report's discussion is hidden with its report."))
    locked_row = Thread.objects.select_for_update().get(pk=thread.pk)
    changes, entries = {}, []
    if locked is not None and locked != locked_row.is_locked:
        changes["is_locked"] = locked
        entries.append(
            ModerationEntry.Action.THREAD_LOCK if locked else ModerationEntry.Action.THREAD_UNLOCK
        )
    if hidden is not None and hidden != locked_row.is_hidden:
        changes["is_hidden"] = hidden
        entries.append(
            ModerationEntry.Action.THREAD_HIDE if hidden else ModerationEntry.Action.THREAD_UNHIDE
        )
    if not changes:
        return thread
    original = {field: getattr(locked_row, field) for field in changes}
    if changes.get("is_hidden"):
        Notification.objects.filter(follow__thread_id=thread.pk).delete()
    thread.version = bump_version(thread.pk, **changes)
    for field, value in changes.items():
        setattr(thread, field, value)
    for action in entries:
        ModerationEntry.record(
            action,
            actor=by,
            target_type=ModerationEntry.Target.THREAD,
            target_id=thread.pk,
            thread_id=thread.pk,
            reason=reason,
            original=original,
            changes=changes,
        )
    return thread


def set_following(thread: Thread, user, following: bool) -> bool:
    if following:
        _follow, changed = Follow.objects.get_or_create(thread=thread, user=user)
    else:
        changed = bool(Follow.objects.filter(thread=thread, user=user).delete()[0])
    if changed:
        # Its page, as the follower sees it, says whether they follow.
        versions.bump(versions.THREADS, thread=thread.pk)
    return following


@transaction.atomic
def set_support(thread: Thread, user, supporting: bool) -> int:
    """Add or withdraw `user`'s support (one each); returns the new count."""
    if supporting:
        _support, changed = Support.objects.get_or_create(thread=thread, user=user)
        delta = 1
    else:
        changed = bool(Support.objects.filter(thread=thread, user=user).delete()[0])
        delta = -1
    if changed:
        Thread.objects.filter(pk=thread.pk).update(support_count=F("support_count") + delta)
        versions.bump(versions.THREADS, thread=thread.pk)  # pages show the count
    thread.support_count = Thread.objects.values_list("support_count", flat=True).get(pk=thread.pk)
    return thread.support_count
