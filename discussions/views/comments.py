"""Comments: the next page, posting, replying, editing, deleting, flagging, moderating."""

from __future__ import annotations

import functools

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from civic import ratelimit, signed_in
from civic.csrf import get_token
from civic.kept import CSRF_PLACEHOLDER
from civic.models import display_name
from discussions import actions, live
from discussions.access import comment_for_user, thread_for_user
from discussions.forms import CommentForm, FlagForm, ModerateForm
from discussions.models import Comment, Flag, Thread
from discussions.queries import (
    comments_for_display,
    comments_page,
    poll_url,
    thread_for_viewer,
    viewer_for,
)
from discussions.rendering import Viewer, render_article, render_nodes, render_tree
from discussions.views.common import back_to_thread, comment_location, posted, refused


def _viewer(request: HttpRequest, thread: Thread) -> Viewer:
    if request.user.is_authenticated and not hasattr(thread, "viewer_follows"):
        thread = thread_for_viewer(thread.pk, request.user)
    return viewer_for(thread, request.user)


def _too_fast() -> str:
    return _("You are posting too quickly. Please wait a minute and try again.")


def _form_response(request: HttpRequest, template: str, context: dict, status: int = 200):
    """A form with its errors: the fragment for htmx, the page otherwise.

    htmx swaps only 2xx responses and 429 (see htmx-config in base.html), so an invalid
    htmx form answers 200, and one over a rate limit 429."""
    if request.htmx:
        return render(request, template, context, status=status)
    headings = {
        "discussions/partials/comment_form.html": _("Add a comment"),
        "discussions/partials/reply_form.html": _("Reply"),
        "discussions/partials/edit_form.html": _("Edit your comment"),
        "discussions/partials/delete_form.html": _("Delete your comment"),
        "discussions/partials/flag_form.html": _("Flag a comment"),
        "discussions/partials/moderate_form.html": _("Moderate a comment"),
    }
    return render(
        request,
        "discussions/comment_form_page.html",
        {**context, "form_template": template, "heading": headings.get(template, "")},
        status=status,
    )


# --- the next page of comments ("show more") -------------------------------------------


@require_http_methods(["GET", "POST"])
@signed_in.keeps_user
def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the next page of top-level comments (htmx). POST: a new top-level comment."""
    thread, access = thread_for_user(request.user, pk)
    if request.method == "POST":
        return _post(request, thread, official=access.official)
    try:
        after = int(request.GET.get("after", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Which page of comments?"))
    if not request.htmx:
        return redirect(f"{thread.get_absolute_url()}?comments_after={after}#comments-{pk}")
    viewer = _viewer(request, thread)
    page = comments_page(pk, request.user, after=after)
    return render(
        request,
        "discussions/partials/comments_page.html",
        {
            "thread": thread,
            "comments_html": render_tree(page.comments, viewer),
            "has_more": page.has_more,
            "more_url": f"{request.path}?after={page.last_top_id}",
            "more_href": f"{thread.get_absolute_url()}?comments_after={page.last_top_id}"
            f"#comments-{pk}",
        },
    )


# --- posting and replying --------------------------------------------------------------


def _counted_post(
    request: HttpRequest,
    thread: Thread,
    body: str,
    reply_to: Comment | None,
    official: bool | None,
) -> tuple[Comment | None, int]:
    """The comment, counted against its author's limit in the same transaction (one
    write, not two): (comment, 0), or (None, seconds to wait) over the limit. It is
    checked, masked and rendered before that transaction."""
    new = actions.prepare_comment(thread, request.user, body, reply_to=reply_to, official=official)
    return ratelimit.counted("comment", request.user.pk, new.create)


@functools.lru_cache(maxsize=1024)
def _empty_form_with_placeholder(thread_pk: int, language: str) -> str:
    # The form shows nothing of its thread but the pk (its URLs and field ids).
    context = {"form": CommentForm(), "thread": {"pk": thread_pk}, "oob": True}
    return render_to_string(
        "discussions/partials/comment_form.html", {**context, "csrf_token": CSRF_PLACEHOLDER}
    )


def _empty_form(thread_pk: int, request: HttpRequest) -> str:
    """The thread's empty comment form, which takes the place of the one just posted:
    the same for everyone in a language but for the request's own CSRF token, so it is
    rendered once per thread and language and the token put in, as kept pages are."""
    form = _empty_form_with_placeholder(thread_pk, get_language())
    return mark_safe(form.replace(CSRF_PLACEHOLDER, get_token(request)))


def _post(
    request: HttpRequest,
    thread: Thread,
    reply_to: Comment | None = None,
    official: bool | None = None,
) -> HttpResponse:
    """`official`: whether the author speaks officially in `thread`, when known."""
    if not request.user.is_authenticated:
        return redirect_to_login(thread.get_absolute_url())
    form = CommentForm(request.POST)
    template = (
        "discussions/partials/reply_form.html"
        if reply_to
        else "discussions/partials/comment_form.html"
    )
    context = {"form": form, "thread": thread, "comment": reply_to}
    if not form.is_valid():
        return _form_response(request, template, context)
    if not display_name(request.user):
        form.add_error(
            None,
            _("Choose your display name on your account page first: it is shown beside comments."),
        )
        return _form_response(request, template, context)
    try:
        comment, wait = _counted_post(
            request, thread, form.cleaned_data["body"], reply_to, official
        )
    except actions.NotAllowed as refusal:
        return refused(request, refusal.message)
    if wait:
        form.add_error(None, _too_fast())
        return ratelimit.limited(_form_response(request, template, context, status=429), wait)
    if not request.htmx:
        messages.success(request, _("Your comment has been posted."))
        return back_to_thread(thread, comment)
    comment.author = request.user
    viewer = _viewer(request, thread)
    # Three swaps that need nothing of the request: no context processors.
    response = HttpResponse(
        render_to_string(
            "discussions/partials/posted.html",
            {
                "node_html": render_nodes([comment], viewer),
                "thread": thread,
                "reply_to": reply_to,
                "form_html": None if reply_to else _empty_form(thread.pk, request),
            },
        )
    )
    target = f"#replies-{comment.parent_id}" if comment.parent_id else f"#comments-{thread.pk}"
    return reswap(retarget(response, target), "beforeend")


@signed_in.keeps_user
@login_required
@require_http_methods(["GET", "POST"])
def comment_reply(request: HttpRequest, pk: int) -> HttpResponse:
    comment, access = comment_for_user(request.user, pk)
    thread = comment.thread
    if not thread.is_open:
        return refused(request, _("This discussion is closed to new comments."))
    if not access.reply:
        return refused(request, _("You cannot reply to this comment."))
    if request.method == "POST":
        return _post(request, thread, reply_to=comment)
    return _form_response(
        request,
        "discussions/partials/reply_form.html",
        {"form": CommentForm(), "thread": thread, "comment": comment},
    )


# --- the author's edit and delete ------------------------------------------------------


def _updated(request: HttpRequest, comment: Comment, message: str) -> HttpResponse:
    """After a change: the comment's new <article> (htmx, replacing the old one and
    closing its form) or a redirect back to it."""
    if not request.htmx:
        messages.success(request, message)
        return back_to_thread(comment.thread, comment)
    fresh = comments_for_display(comment.thread_id, request.user).get(pk=comment.pk)
    response = render(
        request,
        "discussions/partials/updated.html",
        {"article": render_article(fresh, _viewer(request, comment.thread)), "comment": fresh},
    )
    return reswap(retarget(response, f"#comment-{comment.pk}"), "outerHTML")


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment, access = comment_for_user(request.user, pk)
    if not comment.thread.is_open:
        return refused(request, _("This discussion is closed to new comments."))
    if not access.edit:
        return refused(request, _("You can only edit your own comments, in the first 15 minutes."))
    form = CommentForm(posted(request), initial={"body": comment.body})
    context = {"form": form, "thread": comment.thread, "comment": comment}
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_comment(comment, request.user, form.cleaned_data["body"])
        except actions.NotAllowed as refusal:
            return refused(request, refusal.message)
        return _updated(request, comment, _("Your comment has been updated."))
    return _form_response(request, "discussions/partials/edit_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment, access = comment_for_user(request.user, pk)
    if not access.delete:
        return refused(request, _("You can only delete your own comments."))
    form = forms.Form(posted(request))
    if request.method == "POST" and form.is_valid():
        actions.delete_comment(comment, request.user)
        return _updated(request, comment, _("Your comment has been deleted."))
    return _form_response(
        request,
        "discussions/partials/delete_form.html",
        {"form": form, "thread": comment.thread, "comment": comment},
    )


# --- flags and moderation --------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def comment_flag(request: HttpRequest, pk: int) -> HttpResponse:
    comment, access = comment_for_user(request.user, pk)
    if Flag.objects.filter(comment=comment, user=request.user).exists():
        return refused(request, _("You have already flagged this comment."))
    if not access.flag:
        return refused(request, _("You cannot flag this comment."))
    form = FlagForm(posted(request))
    context = {"form": form, "thread": comment.thread, "comment": comment}
    if request.method == "POST" and form.is_valid():
        if wait := ratelimit.hit("flag", request.user.pk):
            form.add_error(None, _too_fast())
            response = _form_response(request, "discussions/partials/flag_form.html", context, 429)
            return ratelimit.limited(response, wait)
        try:
            actions.flag_comment(comment, request.user, form.reason_text())
        except actions.NotAllowed as refusal:
            return refused(request, refusal.message)
        return _updated(request, comment, _("Thank you. Moderators will look at this comment."))
    return _form_response(request, "discussions/partials/flag_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def comment_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    comment, access = comment_for_user(request.user, pk)
    if not access.moderate:
        return refused(request, _("Only moderators of this discussion can hide comments."))
    initial = {"action": "unhide" if comment.is_hidden else "hide"}
    form = ModerateForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        hide = form.cleaned_data["action"] == "hide"
        actions.set_hidden(
            comment,
            by=request.user,
            hidden=hide,
            reason=form.cleaned_data.get("public_reason", ""),
        )
        return _updated(
            request,
            comment,
            _("The comment is hidden.") if hide else _("The comment is visible again."),
        )
    return _form_response(
        request,
        "discussions/partials/moderate_form.html",
        {"form": form, "thread": comment.thread, "comment": comment},
    )


# --- reading ---------------------------------------------------------------------------


@require_GET
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment's permanent address: the page of its thread that shows it."""
    comment, _access = comment_for_user(request.user, pk)
    return redirect(comment_location(comment))


# Live poll: see discussions/live.py for the version number it compares.
POLL_BATCH = 200


@require_GET
def comments_since(request: HttpRequest, pk: int) -> HttpResponse:
    """What changed in the thread since version `v`: 204 (or 304) when nothing did,
    at the cost of at most one query; else the changed comments, each as a node the
    page's script places (new ones under their parent, changed ones in place).

    For a visible thread the empty answer comes earlier still, from
    discussions.middleware.EmptyPollMiddleware; this view gives the same one."""
    try:
        since = int(request.GET.get("v", ""))
    except ValueError:
        return HttpResponseBadRequest("v")
    state = live.current_state(pk)
    if state is None:
        return HttpResponse(status=404)
    version, is_hidden = state
    if is_hidden:
        # Only its moderators may follow a hidden thread (404 for everyone else).
        thread_for_user(request.user, pk)
    response = unchanged(request, pk, since, version)
    if response is None:
        response = _changes(request, pk, since)
        _poll_headers(response, pk, version)
    return response


def unchanged(request: HttpRequest, pk: int, since: int, version: int) -> HttpResponse | None:
    """The poll's answer when the viewer is up to date (304 to a matching ETag, else
    204), or None when there is something to send."""
    if f'"{pk}.{version}"' in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    elif since == version:
        response = HttpResponse(status=204)
    else:
        return None
    return _poll_headers(response, pk, version)


def _poll_headers(response: HttpResponse, pk: int, version: int) -> HttpResponse:
    response["ETag"] = f'"{pk}.{version}"'
    response["Cache-Control"] = "private, no-cache"
    return response


def _changes(request: HttpRequest, pk: int, since: int) -> HttpResponse:
    user = request.user
    thread, _access = thread_for_user(user, pk)
    viewer = viewer_for(thread, user)
    changed = list(
        comments_for_display(pk, user).filter(version__gt=since).order_by("version")[:POLL_BATCH]
    )
    if len(changed) == POLL_BATCH:
        # The rest comes with the next poll.
        thread.version = changed[-1].version
    changed.sort(key=lambda c: c.path)
    return render(
        request,
        "discussions/partials/poll.html",
        {
            "thread": thread,
            "poll_url": poll_url(thread),
            "nodes_html": render_nodes(changed, viewer),
            "count": len(changed),
            # The owner's page parts that move with the version (a report's timeline).
            "owner_html": mark_safe(live.owner_fragments(request, thread)),
        },
    )
