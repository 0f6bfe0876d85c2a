"""Response helpers shared by the discussion views (objects come from discussions.access)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from discussions.models import Comment, Thread
from discussions.queries import PAGE_SIZE


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
