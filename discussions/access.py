"""Who may do what with a thread or a comment: one helper per object.

Every discussion view gets its object through `thread_for_user` or
`comment_for_user`, which return the object and what the user may do with it (the
pattern of healthchecks' `_get_check_for_user`), and answer 404 when the user may
not even see it. A hidden thread (a hidden report's, or a hidden topic) is seen
only by those who may moderate it: to everyone else every URL under it is 404.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from civic import rows
from civic.models import Profile
from discussions.models import Comment, Follow, Support, Thread


@dataclass(frozen=True)
class ThreadAccess:
    view: bool
    # Post a comment or reply (signed in, thread open).
    post: bool
    # Hide and show comments, see the moderation log.
    moderate: bool
    # Speaks officially here (member of the thread's official group).
    official: bool


@dataclass(frozen=True)
class CommentAccess:
    view: bool
    reply: bool
    edit: bool
    delete: bool
    flag: bool
    moderate: bool


def with_viewer_state(qs: QuerySet[Thread], user) -> QuerySet[Thread]:
    """Annotate threads with what `user` has done there and whether they speak officially."""
    if not user.is_authenticated:
        return qs
    memberships = get_user_model().groups.through.objects.filter(
        user_id=user.pk, group_id=OuterRef("official_group_id")
    )
    return qs.annotate(
        viewer_follows=Exists(Follow.objects.filter(thread=OuterRef("pk"), user_id=user.pk)),
        viewer_supports=Exists(Support.objects.filter(thread=OuterRef("pk"), user_id=user.pk)),
        viewer_is_official=Exists(memberships),
        viewer_has_name=Exists(Profile.objects.filter(user_id=user.pk).exclude(display_name="")),
    )


VIEWER_STATE = ("viewer_follows", "viewer_supports", "viewer_is_official", "viewer_has_name")


@functools.cache
def _viewer_state_columns() -> tuple[tuple[str, str], ...]:
    # Each of VIEWER_STATE as an SQL expression over a thread aliased `t`, taking the
    # user's id as its one parameter.
    t = {model.__name__: model._meta.db_table for model in (Follow, Support, Profile)}
    memberships = get_user_model().groups.through._meta.db_table
    expressions = (
        f"EXISTS(SELECT 1 FROM {t['Follow']} WHERE thread_id = t.id AND user_id = %s)",
        f"EXISTS(SELECT 1 FROM {t['Support']} WHERE thread_id = t.id AND user_id = %s)",
        f"EXISTS(SELECT 1 FROM {memberships} WHERE user_id = %s"
        " AND group_id = t.official_group_id)",
        f"EXISTS(SELECT 1 FROM {t['Profile']} WHERE user_id = %s AND display_name <> '')",
    )
    return tuple(zip(VIEWER_STATE, expressions, strict=True))


def viewer_state_sql(user) -> tuple[str, list]:
    """`with_viewer_state`'s annotations as SELECT columns over a thread aliased `t`,
    with their parameters: for raw queries on hot paths, where building the same query
    through the ORM costs more than running it."""
    columns = _viewer_state_columns()
    sql = ",".join(
        f"\n          {expression}\n            AS {name}" for name, expression in columns
    )
    return sql, [user.pk] * len(columns)


def viewer_state_booleans(thread: Thread) -> Thread:
    for name in VIEWER_STATE:
        setattr(thread, name, bool(getattr(thread, name)))  # SQLite answers 0 or 1
    return thread


def thread_with_viewer_state(pk: int, user) -> Thread | None:
    """One thread, annotated as `with_viewer_state` does, in plain SQL; None if absent."""
    if not user.is_authenticated:
        return Thread.objects.filter(pk=pk).first()
    columns = _viewer_state_columns()
    thread = rows.select_one(
        Thread,
        "t.id = %s",
        [*[user.pk] * len(columns), pk],
        using=Thread.objects.db,
        annotations=columns,
    )
    return viewer_state_booleans(thread) if thread is not None else None


def thread_access(thread: Thread, user, *, is_official_member: bool | None = None) -> ThreadAccess:
    """What `user` may do in `thread`. Costs no query for visitors and for residents
    on a visible thread when `is_official_member` is known (`with_viewer_state`)."""
    if not user.is_authenticated:
        return ThreadAccess(view=not thread.is_hidden, post=False, moderate=False, official=False)
    if is_official_member is None:
        is_official_member = getattr(thread, "viewer_is_official", None)
    if is_official_member is None:
        # Only staff can moderate: spare residents the membership query.
        is_official_member = user.is_staff and thread.is_official_member(user)
    moderate = thread.can_moderate(user, is_official_member=is_official_member)
    view = moderate or not thread.is_hidden
    return ThreadAccess(
        view=view,
        post=view and thread.is_open and user.is_active,
        moderate=moderate,
        official=is_official_member,
    )


def thread_for_user(user, pk: int) -> tuple[Thread, ThreadAccess]:
    """The thread (annotated with the viewer's state) and what they may do; 404 when
    there is no such thread or they may not see it. One query, plus one for staff
    on a hidden thread."""
    thread = thread_with_viewer_state(pk, user)
    if thread is None:
        raise Http404
    access = thread_access(thread, user)
    if not access.view:
        raise Http404
    return thread, access


def comment_access(comment: Comment, user, thread: ThreadAccess | None = None) -> CommentAccess:
    thread_perms = thread or thread_access(comment.thread, user)
    if not thread_perms.view:
        return CommentAccess(False, False, False, False, False, False)
    is_open = comment.thread.is_open
    return CommentAccess(
        view=True,
        reply=thread_perms.post and comment.is_replyable,
        edit=is_open and comment.can_edit(user),
        delete=comment.can_delete(user),
        flag=comment.can_flag(user),
        moderate=thread_perms.moderate,
    )


def comment_for_user(user, pk: int) -> tuple[Comment, CommentAccess]:
    """A comment (with its thread and what its fragment shows) and what the user may do
    with it; 404 when there is no such comment or its thread is hidden from them."""
    comment = get_object_or_404(
        Comment.objects.select_related(
            "thread", "author__profile", "reply_to__author__profile", "parent"
        ),
        pk=pk,
    )
    access = comment_access(comment, user)
    if not access.view:
        raise Http404
    return comment, access
