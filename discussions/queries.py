"""What a page that shows a thread's discussion needs, in a constant number of queries.

Other apps (reports) call `discussion_context(request, thread)` from their views,
merge the returned dict into their context and include
"discussions/partials/discussion.html". Queries, whatever the thread's size:
one for the viewer's state (signed-in viewers only: follow, support, official
group membership, fresh counters) and one for the page of comments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from discussions.access import (
    thread_access,
    thread_with_viewer_state,
    viewer_state_booleans,
    viewer_state_sql,
)
from discussions.forms import CommentForm
from discussions.models import Comment, Flag, Thread
from discussions.rendering import Viewer, render_tree

# Top-level comments per page; each comes with all its replies.
PAGE_SIZE = 20


def thread_for_viewer(thread_id: int, user) -> Thread:
    """The thread, fresh, annotated with the viewer's state (one query)."""
    thread = thread_with_viewer_state(thread_id, user)
    if thread is None:
        raise Thread.DoesNotExist
    return thread


def viewer_for(thread: Thread, user) -> Viewer:
    """What the comment fragments need to know of the viewer, from `thread_access`.
    Needs `thread` from `thread_for_viewer` (for the membership annotation)."""
    is_member = bool(getattr(thread, "viewer_is_official", False))
    access = thread_access(thread, user, is_official_member=is_member)
    return Viewer(
        user=user,
        can_post=access.post,
        can_moderate=access.moderate,
        now=timezone.now(),
        anonymous_author_id=thread.author_id if thread.author_is_anonymous else None,
    )


# What a comment's fragment and permissions read; the rest (the source text,
# the users' other columns) stays in the database.
DISPLAY_FIELDS = (
    "id",
    "thread_id",
    "parent_id",
    "reply_to_id",
    "author_id",
    "body_html",
    "is_official",
    "is_deleted",
    "is_hidden",
    "hidden_reason",
    "hidden_by_id",
    "path",
    "depth",
    "created_at",
    "edited_at",
    "version",
    "author__id",
    "author__first_name",
    "author__last_name",
    "author__profile__id",
    "author__profile__display_name",
    "reply_to__id",
    "reply_to__author_id",
    "reply_to__author__id",
    "reply_to__author__first_name",
    "reply_to__author__last_name",
    "reply_to__author__profile__id",
    "reply_to__author__profile__display_name",
)


def comments_for_display(thread_id: int, user) -> QuerySet[Comment]:
    qs = (
        Comment.objects.filter(thread_id=thread_id)
        .select_related("author__profile", "reply_to__author__profile")
        .only(*DISPLAY_FIELDS)
    )
    if user.is_authenticated:
        qs = qs.annotate(
            viewer_flagged=Exists(Flag.objects.filter(comment=OuterRef("pk"), user_id=user.pk))
        )
    return qs


@dataclass
class CommentsPage:
    comments: list[Comment]
    has_more: bool
    # The id of the last top-level comment shown: the next page starts after it.
    last_top_id: int | None


def comments_page(
    thread_id: int, user, *, after: int | None = None, size: int = PAGE_SIZE
) -> CommentsPage:
    """`size` top-level comments after top-level comment `after`, with all their
    replies, in display order: one query. The page ends where the (size+1)th
    top-level comment's subtree starts (fixed-width paths sort that way)."""
    start = Comment.path_segment(after + 1) if after else ""
    tops = Comment.objects.filter(thread_id=thread_id, depth=0, path__gte=start).order_by("path")
    next_top = tops.values("path")[size : size + 1]
    comments = list(
        comments_for_display(thread_id, user)
        .filter(path__gte=start)
        .annotate(next_page_path=Subquery(next_top))
        # No sentinel string: how "~" sorts against digits depends on the collation.
        .filter(Q(next_page_path__isnull=True) | Q(path__lt=F("next_page_path")))
        .order_by("path")
    )
    top_ids = [c.pk for c in comments if c.depth == 0]
    return CommentsPage(
        comments=comments,
        has_more=bool(comments) and comments[0].next_page_path is not None,
        last_top_id=top_ids[-1] if top_ids else None,
    )


def _int_param(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def discussion_context(request: HttpRequest, thread: Thread, *, url: str | None = None) -> dict:
    """Everything "discussions/partials/discussion.html" needs, under the key `discussion`.

    The thread's page address is derived from its owner (`Thread.get_absolute_url`);
    `url` is accepted for callers that already know it and is otherwise unused.

    `?comments_after=<id>` on the page shows the next page of comments (the
    "show more" link without JavaScript).
    """
    user = request.user
    if user.is_authenticated and not hasattr(thread, "viewer_follows"):
        thread = thread_for_viewer(thread.pk, user)
    viewer = viewer_for(thread, user)
    after = _int_param(request.GET.get("comments_after"))
    page = comments_page(thread.pk, user, after=after)
    thread_url = thread.get_absolute_url()
    comments_url = reverse("discussions:comments", args=[thread.pk])
    return {
        "discussion": {
            "thread": thread,
            "thread_url": thread_url,
            "comments_html": render_tree(page.comments, viewer),
            "has_comments": bool(page.comments),
            "has_more": page.has_more,
            "after": after,
            "more_url": f"{comments_url}?after={page.last_top_id}",
            "more_href": f"{thread_url}?comments_after={page.last_top_id}#comments-{thread.pk}",
            "comments_url": comments_url,
            "poll_url": poll_url(thread),
            "version": thread.version,
            "can_post": viewer.can_post,
            "can_moderate": viewer.can_moderate,
            "is_authenticated": user.is_authenticated,
            "is_following": bool(getattr(thread, "viewer_follows", False)),
            "is_supporting": bool(getattr(thread, "viewer_supports", False)),
            "form": CommentForm() if viewer.can_post else None,
            # Comments carry a name: someone without a display name chooses one first.
            "needs_display_name": user.is_authenticated
            and not getattr(thread, "viewer_has_name", False),
            "name_url": f"{reverse('account-settings')}?{urlencode({'next': thread_url})}",
            "login_url": f"{reverse('account_login')}?{urlencode({'next': thread_url})}",
        }
    }


# What else a thread's page shows that depends on the signed-in viewer (the volunteers'
# calls): the app that adds it registers a `ViewerState`, whose columns are read in the
# same query as the viewer's part in the thread.
@dataclass(frozen=True)
class ViewerState:
    # SELECT expressions, with %s placeholders.
    columns: tuple[str, ...]
    # (thread id, user) → the placeholders' values, in order.
    params: Callable[[int, object], list]
    # (the expressions' values, user) → a hashable summary of the viewer's state there,
    # or None when the page must be built for them alone.
    decide: Callable[[tuple, object], Hashable | None]


_viewer_states: list[ViewerState] = []


def register_viewer_state(state: ViewerState) -> None:
    if state not in _viewer_states:
        _viewer_states.append(state)


def viewer_signature(thread_id: int, user) -> tuple | None:
    """Everything a thread's page shows that depends on the signed-in `user`: pages are
    shared by viewers with the same signature (civic/versions.py `cached_page`). Viewers
    who took part (commented, flagged, started the thread) sign with their own id. None
    when the page must be built for them alone: they moderate or speak officially here.
    One query, with the registered states' columns."""
    found = _thread_with_viewer_part(thread_id, user)
    if found is None:
        return None
    thread, extra = found
    viewer = viewer_for(thread, user)
    if viewer.can_moderate or thread.viewer_is_official:
        return None
    took_part = thread.viewer_commented or thread.viewer_flagged_any or thread.author_id == user.pk
    signature = [
        user.pk if took_part else 0,
        viewer.can_post,
        thread.viewer_follows,
        thread.viewer_supports,
        thread.viewer_has_name,
    ]
    for state, values in zip(_viewer_states, extra, strict=True):
        part = state.decide(values, user)
        if part is None:
            return None
        signature.append(part)
    return tuple(signature)


def _thread_with_viewer_part(thread_id: int, user) -> tuple[Thread, tuple] | None:
    """The thread with `with_viewer_state`'s annotations and whether `user` commented or
    flagged there, and the registered states' values, in plain SQL: on a page served from
    the cache, building this query through the ORM would cost more than everything else
    together."""
    t = {model.__name__: model._meta.db_table for model in (Thread, Comment, Flag)}
    columns, params = viewer_state_sql(user)
    sql = f"""
        SELECT t.*,{columns},
          EXISTS(SELECT 1 FROM {t["Comment"]} WHERE thread_id = t.id AND author_id = %s)
            AS viewer_commented,
          EXISTS(SELECT 1 FROM {t["Flag"]} f JOIN {t["Comment"]} c ON c.id = f.comment_id
                 WHERE c.thread_id = t.id AND f.user_id = %s)
            AS viewer_flagged_any"""
    params = [*params, user.pk, user.pk]
    aliases = []
    for number, state in enumerate(_viewer_states):
        aliases.append([f"viewer_state_{number}_{i}" for i in range(len(state.columns))])
        for column, alias in zip(state.columns, aliases[-1], strict=True):
            sql += f",\n          {column} AS {alias}"
        params.extend(state.params(thread_id, user))
    sql += f"\n        FROM {t['Thread']} t WHERE t.id = %s"
    rows = list(Thread.objects.raw(sql, [*params, thread_id]))
    if not rows:
        return None
    thread = viewer_state_booleans(rows[0])
    extra = tuple(tuple(getattr(thread, alias) for alias in names) for names in aliases)
    return thread, extra


def poll_url(thread: Thread) -> str:
    return f"{reverse('discussions:comments-since', args=[thread.pk])}?v={thread.version}"


def followed_threads(user) -> QuerySet[Thread]:
    """What `user` follows, most recently active first (for the user's own page)."""
    return (
        Thread.objects.visible()
        .filter(follows__user=user)
        .order_by("-last_activity_at")
        .only("id", "kind", "title", "owner_id", "last_activity_at", "comment_count")
    )
