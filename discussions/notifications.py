"""Email for followers, batched: one digest per follower and thread every few minutes.

A comment or an event hands its followers to the worker: one task row, written in the
comment's transaction (civic/tasks.py), so the request costs the same for a thread
with one follower or thousands and nothing is lost if the process dies. The task
writes one `Notification` row per follower. The worker then
calls `send_due_digests()`: for every follow with a due row it takes all of that
follow's pending rows, deletes them and queues one email in a single transaction
(so nothing is sent twice, even with several workers).

A row is due `DIGEST_DELAY` after it is written (to gather a burst), and never
sooner than `DIGEST_INTERVAL` after the previous email to that follower about
that thread.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext

from civic import tasks
from civic.links import absolute_url
from civic.models import Profile, language_of
from civic.outbox import queue_email
from discussions.markup import plain_excerpt
from discussions.models import Comment, Follow, Notification, Thread, public_name

UNSUBSCRIBE_SALT = "discussions.unsubscribe"


def digest_delay() -> timedelta:
    return timedelta(seconds=getattr(settings, "DISCUSSIONS_DIGEST_DELAY", 120))


def digest_interval() -> timedelta:
    return timedelta(seconds=getattr(settings, "DISCUSSIONS_DIGEST_INTERVAL", 600))


DAILY = timedelta(days=1)


def _due_at(now: datetime, last_emailed_at: datetime | None, frequency: str = "") -> datetime:
    """When a new row is due: after the burst delay, and no sooner than the follower's
    interval since their last email about the thread (a day for "once a day", which
    also waits a day after the first news, to gather the day's)."""
    due = now + digest_delay()
    if frequency == Profile.Frequency.DAILY:
        return max(due, (last_emailed_at or now) + DAILY)
    if last_emailed_at is not None:
        due = max(due, last_emailed_at + digest_interval())
    return due


FOLLOWERS_TASK = "discussions.followers"


def tell_followers(
    thread_id: int,
    *,
    comment: Comment | None = None,
    text: str = "",
    url: str = "",
    exclude_user_id: int | None = None,
    now: datetime | None = None,
    already_told: tuple[int, ...] = (),
) -> None:
    """Hand the thread's followers (but the actor, and those `already_told` another
    way, such as a reporter emailed at once) to the worker: each gets `comment`, or
    `text` linking to `url`, in their next digest."""
    tasks.defer(
        FOLLOWERS_TASK,
        thread_id=thread_id,
        comment_id=comment.pk if comment else None,
        text=str(text)[:500],
        url=url[:255],
        exclude_user_id=exclude_user_id,
        at=(now or timezone.now()).isoformat(),
        already_told=list(already_told),
    )


def queue_for_followers(
    thread_id: int,
    *,
    comment_id: int | None,
    text: str,
    url: str,
    exclude_user_id: int | None,
    at: str,
    already_told: list[int],
) -> int:
    """The task: one pending notification per follower, made at `at`. Returns how many
    were written."""
    now = parse_datetime(at)
    comment = Comment.objects.filter(pk=comment_id).first() if comment_id else None
    if comment_id and comment is None:
        return 0  # deleted for good meanwhile: nothing to tell
    follows = Follow.objects.filter(thread_id=thread_id)
    if exclude_user_id is not None:
        follows = follows.exclude(user_id=exclude_user_id)
    if already_told:
        follows = follows.exclude(user_id__in=already_told)
    # Each follower's choice for this kind of news (comments or status changes);
    # no profile means the default, as it happens.
    preference = "user__profile__email_comments" if comment else "user__profile__email_status"
    rows = [
        Notification(
            follow_id=follow_id,
            comment=comment,
            text=text,
            url=url,
            created_at=now,
            due_at=_due_at(now, last_emailed_at, frequency or ""),
        )
        for follow_id, last_emailed_at, frequency in follows.values_list(
            "pk", "last_emailed_at", preference
        )
        if frequency != Profile.Frequency.OFF
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


tasks.register(FOLLOWERS_TASK, queue_for_followers)


def notify_thread_event(
    thread: Thread | int, text: str, *, url: str = "", actor=None, already_told=()
) -> None:
    """Tell the thread's followers about something that is not a comment
    (a report's status change): `text` is shown as is, `url` links to it."""
    thread_id = thread if isinstance(thread, int) else thread.pk
    tell_followers(
        thread_id,
        text=str(text),
        url=url,
        exclude_user_id=getattr(actor, "pk", None),
        already_told=tuple(pk for pk in already_told if pk),
    )


def unsubscribe_token(user_id: int, thread_id: int) -> str:
    return signing.dumps([user_id, thread_id], salt=UNSUBSCRIBE_SALT, compress=False)


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    try:
        user_id, thread_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return int(user_id), int(thread_id)


def absolute(url: str) -> str:
    return absolute_url(url)


def send_due_digests(now: datetime | None = None, limit: int = 200) -> int:
    """Queue one digest email per follow that has a due notification; returns how many."""
    now = now or timezone.now()
    follow_ids = list(
        Notification.objects.filter(due_at__lte=now)
        .order_by()
        .values_list("follow_id", flat=True)
        .distinct()[:limit]
    )
    return sum(_send_digest(follow_id, now) for follow_id in follow_ids)


def _send_digest(follow_id: int, now: datetime) -> int:
    with transaction.atomic():
        pending = Notification.objects.filter(follow_id=follow_id).select_related(
            "follow__user__profile",
            "follow__thread",
            "comment__author__profile",
            "comment__reply_to",
        )
        if connection.features.has_select_for_update_skip_locked:
            # Another worker holding these rows is sending them: skip, don't wait.
            pending = pending.select_for_update(skip_locked=True, of=("self",))
        items = list(pending.order_by("created_at", "pk"))
        if not items or not any(item.due_at <= now for item in items):
            return 0
        Notification.objects.filter(pk__in=[item.pk for item in items]).delete()
        follow = items[0].follow
        user, thread = follow.user, follow.thread
        entries = [_entry(item, user) for item in items if _still_shown(item)]
        if not entries or not user.is_active or not user.email or thread.is_hidden:
            return 0
        token = unsubscribe_token(user.pk, thread.pk)
        unsubscribe = absolute(reverse("discussions:unsubscribe", args=[token]))
        with translation.override(language_of(user)):
            queue_email(
                user.email,
                "discussion-digest",
                {
                    "thread": thread,
                    "thread_url": absolute(thread.get_absolute_url()),
                    "entries": entries,
                    "count_text": ngettext(
                        "%(count)d new update", "%(count)d new updates", len(entries)
                    )
                    % {"count": len(entries)},
                    "recipient_name": public_name(user),
                    "unsubscribe_url": unsubscribe,
                },
                headers={
                    "List-Unsubscribe": f"<{unsubscribe}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        Follow.objects.filter(pk=follow.pk).update(last_emailed_at=now)
        return 1


def _still_shown(item: Notification) -> bool:
    if item.comment_id is None:
        return True
    return not (item.comment.is_deleted or item.comment.is_hidden)


def _entry(item: Notification, user) -> dict:
    thread_url = absolute(item.follow.thread.get_absolute_url())
    if item.comment_id is None:
        return {
            "is_event": True,
            "text": item.text,
            "url": absolute(item.url) if item.url else thread_url,
            "created_at": item.created_at,
        }
    comment = item.comment
    reply_to = comment.reply_to
    return {
        "is_event": False,
        "author": item.follow.thread.author_name_for(comment.author),
        "is_official": comment.is_official,
        "is_reply_to_you": reply_to is not None and reply_to.author_id == user.pk,
        "text": plain_excerpt(comment.body, 400),
        # Its permanent address: on a long thread the comment may be on a later page.
        "url": absolute(comment.get_absolute_url()),
        "created_at": comment.created_at,
    }
