"""Thread-level actions: follow, support, and the unsubscribe link in emails."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from civic import signed_in
from discussions import actions
from discussions.access import thread_for_user
from discussions.forms import ToggleForm
from discussions.models import Follow, Thread
from discussions.notifications import read_unsubscribe_token
from discussions.views.common import back_to_thread, posted


def _toggle_response(request: HttpRequest, thread: Thread, template: str, message: str):
    if request.htmx:
        return render(request, template, {"discussion": _button_context(request, thread)})
    messages.success(request, message)
    return back_to_thread(thread)


def _button_context(request: HttpRequest, thread: Thread) -> dict:
    return {
        "thread": thread,
        "is_authenticated": True,
        "is_following": Follow.objects.filter(thread=thread, user=request.user).exists(),
        "is_supporting": thread.supports.filter(user=request.user).exists(),
    }


@require_POST
@login_required
def thread_follow(request: HttpRequest, pk: int) -> HttpResponse:
    thread, _access = thread_for_user(request.user, pk)
    form = ToggleForm(request.POST)
    form.is_valid()
    following = actions.set_following(thread, request.user, form.cleaned_data.get("on", False))
    return _toggle_response(
        request,
        thread,
        "discussions/partials/follow_button.html",
        _("You are following this discussion. We will email you about new comments.")
        if following
        else _("You no longer follow this discussion."),
    )


@signed_in.keeps_user
@require_POST
@login_required
def thread_support(request: HttpRequest, pk: int) -> HttpResponse:
    thread, _access = thread_for_user(request.user, pk)
    form = ToggleForm(request.POST)
    form.is_valid()
    supporting = form.cleaned_data.get("on", False)
    actions.set_support(thread, request.user, supporting)
    return _toggle_response(
        request,
        thread,
        "discussions/partials/support_button.html",
        _("Thank you for your support.") if supporting else _("Your support is withdrawn."),
    )


INTENT_SESSION_KEY = "thread_intent"


class IntentForm(forms.Form):
    action = forms.ChoiceField(choices=[("support", "support"), ("follow", "follow")])


@require_POST
def thread_intent(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Me too" or "Follow" pressed while signed out: remember it, and carry it out once
    the visitor has signed in or signed up (the `next` of both pages is the resume URL)."""
    thread, _access = thread_for_user(request.user, pk)
    form = IntentForm(request.POST)
    if not form.is_valid():
        return back_to_thread(thread)
    resume = reverse("discussions:thread-resume", args=[thread.pk])
    if request.user.is_authenticated:
        return redirect(resume)
    request.session[INTENT_SESSION_KEY] = {
        "thread": thread.pk,
        "action": form.cleaned_data["action"],
    }
    messages.info(
        request,
        _("Sign in or create an account, and we will add your “me too”.")
        if form.cleaned_data["action"] == "support"
        else _("Sign in or create an account, and you will follow this discussion."),
    )
    return redirect(f"{reverse('account_login')}?{urlencode({'next': resume})}")


@login_required
@require_http_methods(["GET"])
def thread_resume(request: HttpRequest, pk: int) -> HttpResponse:
    """After sign-in: do what was asked before it, if it was asked in this session for
    this thread (a link alone changes nothing)."""
    thread, _access = thread_for_user(request.user, pk)
    intent = request.session.pop(INTENT_SESSION_KEY, None)
    if intent and intent.get("thread") == thread.pk:
        if intent.get("action") == "support":
            actions.set_support(thread, request.user, True)
            messages.success(request, _("Thank you for your support."))
        elif intent.get("action") == "follow":
            actions.set_following(thread, request.user, True)
            messages.success(
                request,
                _("You are following this discussion. We will email you about new comments."),
            )
    return back_to_thread(thread)


@csrf_exempt  # the signed token is the authority; mail clients POST it without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every discussion email: no sign-in needed.

    GET shows one button (link scanners fetch GETs; they must not unsubscribe
    anyone); POST, from that button or from a mail client's one-click
    List-Unsubscribe-Post, stops the emails."""
    ids = read_unsubscribe_token(token)
    if ids is None:
        return render(request, "discussions/unsubscribe.html", {"invalid": True}, status=400)
    user_id, thread_id = ids
    thread = Thread.objects.filter(pk=thread_id).first()
    form = forms.Form(posted(request))
    done = False
    if request.method == "POST" and form.is_valid():
        Follow.objects.filter(user_id=user_id, thread_id=thread_id).delete()
        done = True
    return render(
        request, "discussions/unsubscribe.html", {"thread": thread, "done": done, "form": form}
    )
