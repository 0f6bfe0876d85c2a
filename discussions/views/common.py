"""Scoped getters and response helpers shared by the discussion views."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from discussions.models import Comment, Thread
from discussions.queries import PAGE_SIZE, with_viewer_state


def get_thread(pk: int, user=None) -> Thread:
    """A visible thread, or 404; with `user`, annotated with their state there."""
    qs = Thread.objects.visible()
    if user is not None:
        qs = with_viewer_state(qs, user)
    return get_object_or_404(qs, pk=pk)


def get_comment(pk: int) -> Comment:
    """A comment in a visible thread, with what its fragment shows, or 404."""
    comment = get_object_or_404(
        Comment.objects.select_related(
            "thread", "author__profile", "reply_to__author__profile", "parent"
        ),
        pk=pk,
    )
    if comment.thread.is_hidden:
        raise Http404
    return comment


def refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    """Say why an action is refused. htmx gets the sentence as plain text (the page's
    script shows it in the discussion's status line); a plain request gets a page."""
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return render(request, "discussions/refused.html", {"message": message}, status=status)


def back_to_thread(thread: Thread, comment: Comment | None = None) -> HttpResponse:
    """Post/redirect/get: back to the page showing the thread, at the comment."""
    if comment is not None:
        return redirect(comment_location(comment))
    return redirect(f"{thread.get_absolute_url()}#discussion-{thread.pk}")


def comment_location(comment: Comment) -> str:
    """The thread page address that shows `comment` (on a later page if need be)."""
    thread_url = comment.thread.get_absolute_url()
    top_path = comment.path.split("/", 1)[0]
    earlier_tops = Comment.objects.filter(thread_id=comment.thread_id, depth=0, path__lt=top_path)
    page = earlier_tops.count() // PAGE_SIZE
    if page == 0:
        return f"{thread_url}#comment-{comment.pk}"
    # The next page starts after the last top-level comment of the previous one.
    after = earlier_tops.order_by("path").values_list("pk", flat=True)[page * PAGE_SIZE - 1]
    return f"{thread_url}?comments_after={after}#comment-{comment.pk}"


def posted(request: HttpRequest):
    """The POST data to bind a form to, or None for a GET (an empty POST still binds)."""
    return request.POST if request.method == "POST" else None
