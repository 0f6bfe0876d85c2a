"""Volunteer calls: the list and map, one call, posting and editing, signing up and
withdrawing, and the organiser's roster with its actions."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic import ratelimit, signed_in
from civic.spreadsheets import cell
from discussions.models import Thread
from volunteers import actions, calendar, emails, reporting
from volunteers.actions import Access, can_organise
from volunteers.forms import (
    AttendanceForm,
    CancelForm,
    CloseForm,
    EmptyForm,
    MessageForm,
    NearForm,
    OpportunityForm,
    SignupForm,
)
from volunteers.models import CapacityRefused, Opportunity, Signup, SignupRefused
from volunteers.templatetags.volunteers import call_context

LIST_LIMIT = 100
FEED_LIMIT = 500


def _visible_thread(pk: int) -> Thread:
    thread = get_object_or_404(Thread.objects.visible().select_related("report"), pk=pk)
    report = getattr(thread, "report", None) if thread.kind == Thread.Kind.REPORT else None
    if report is not None and report.is_hidden:
        raise Http404
    return thread


def _get_opportunity(request: HttpRequest, pk: int, *, manage: bool = False):
    """The call and what the user may do with it; 404 if its page is hidden,
    403 if `manage` is asked of someone who may not."""
    opportunity = get_object_or_404(
        Opportunity.objects.visible().select_related("thread", "organiser"), pk=pk
    )
    access = Access.of(request.user, opportunity)
    if manage and not access.can_manage:
        raise PermissionDenied
    return opportunity, access


def _refused(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    return render(request, "volunteers/refused.html", {"message": message}, status=status)


def _back(request: HttpRequest, opportunity: Opportunity) -> HttpResponse:
    """Post/redirect/get: to `next` if it is ours, else to the call on its page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(f"{opportunity.thread.get_absolute_url()}#call-{opportunity.pk}")


def _render_call(request: HttpRequest, opportunity: Opportunity, **extra) -> HttpResponse:
    context = call_context(request, opportunity.thread, only=opportunity.pk)
    context.update(extra)
    # The block swapped on the call's own page sits under its h1.
    if (
        request.headers.get("HX-Current-URL", "")
        .split("?")[0]
        .endswith(opportunity.get_absolute_url())
    ):
        context["heading_level"] = 2
    return render(request, "volunteers/partials/call.html", {**context, **context["calls"][0]})


# --- reading -----------------------------------------------------------------------------


@require_GET
def opportunity_list(request: HttpRequest) -> HttpResponse:
    form = NearForm(request.GET or None)
    calls = Opportunity.objects.visible().upcoming().with_counts().select_related("thread")
    if form.this_week():
        calls = calls.this_week()
    if near := form.near():
        calls = calls.near(*near)
    calls = list(calls[:LIST_LIMIT])
    return render(
        request,
        "volunteers/list.html",
        {
            "form": form,
            "calls": calls,
            "mapped": [c for c in calls if c.has_place],
        },
    )


@require_GET
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, _access = _get_opportunity(request, pk)
    context = call_context(request, opportunity.thread, only=opportunity.pk)
    return render(
        request,
        "volunteers/detail.html",
        {**context, **context["calls"][0], "opportunity": opportunity},
    )


@require_GET
def opportunity_ics(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, _access = _get_opportunity(request, pk)
    response = HttpResponse(calendar.single(opportunity), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="volunteer-call-{pk}.ics"'
    return response


@require_GET
def opportunity_feed(request: HttpRequest) -> HttpResponse:
    calls = Opportunity.objects.visible().upcoming()[:FEED_LIMIT]
    body = calendar.feed(calls, _("Volunteer calls"))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


# --- posting and editing -------------------------------------------------------------------


def _form_page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_new(request: HttpRequest, thread_pk: int) -> HttpResponse:
    thread = _visible_thread(thread_pk)
    if not can_organise(request.user):
        return _refused(
            request,
            _("To organise volunteers, confirm your email address first (see your account page)."),
        )
    initial = {"meeting_point": thread.address, "lat": thread.lat, "lon": thread.lon}
    form = OpportunityForm(request.POST or None, initial=initial)
    context = {"form": form, "thread": thread}
    if request.method == "POST" and form.is_valid():
        if wait := ratelimit.hit("volunteer-call", request.user.pk):
            form.add_error(
                None,
                _("You have posted many calls recently. Please try again in %(minutes)d minutes.")
                % {"minutes": max(wait // 60, 1)},
            )
            return ratelimit.limited(_form_page(request, "volunteers/form.html", context), wait)
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in ("move_to_waitlist", "post_as_is")
        }
        opportunity = actions.create_opportunity(thread, request.user, **data)
        messages.success(request, _("Your call is posted. Volunteers can sign up now."))
        return redirect(f"{thread.get_absolute_url()}#call-{opportunity.pk}")
    return _form_page(request, "volunteers/form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, _access = _get_opportunity(request, pk, manage=True)
    if not opportunity.is_active:
        return _refused(request, _("This call is closed or cancelled: it can no longer change."))
    form = OpportunityForm(request.POST or None, instance=opportunity)
    context = {
        "form": form,
        "thread": opportunity.thread,
        "opportunity": opportunity,
    }
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        capacity = data.pop("capacity", None)
        move = data.pop("move_to_waitlist", False)
        data.pop("post_as_is", None)
        # The form already wrote its values on the instance; compare with the stored row.
        opportunity.refresh_from_db()
        try:
            changed = actions.update_opportunity(
                opportunity, data, capacity=capacity, capacity_given=True, move_to_waitlist=move
            )
        except CapacityRefused as refusal:
            form.add_error("capacity", refusal.message)
            return _form_page(request, "volunteers/form.html", context, status=400)
        except ValidationError as error:
            form.add_error(None, error)
            return _form_page(request, "volunteers/form.html", context, status=400)
        if changed:
            messages.success(request, _("The call is updated; everyone signed up is told."))
        else:
            messages.info(request, _("The call is saved."))
        return redirect("volunteers:roster", pk=opportunity.pk)
    return _form_page(request, "volunteers/form.html", context, status=400 if form.errors else 200)


# --- signing up --------------------------------------------------------------------------


@signed_in.keeps_user
@login_required
@require_POST
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, _access = _get_opportunity(request, pk)
    form = SignupForm(request.POST, prefix_pk=opportunity.pk)
    if not form.is_valid():
        if request.htmx:
            return _render_call(request, opportunity, signup_form=form)
        return _refused(request, _("Please correct the note (at most 500 characters)."), 400)
    try:
        result = opportunity.sign_up(
            request.user,
            note=form.cleaned_data["note"],
            show_name=form.cleaned_data["show_name"],
        )
    except SignupRefused as refusal:
        if request.htmx:  # htmx swaps only successes: say it in the block itself
            return _render_call(request, opportunity, error=refusal.message)
        return _refused(request, refusal.message, status=409)
    if result.is_confirmed:
        message = _("You are signed up. A confirmation email with a calendar link is on its way.")
    else:
        message = _(
            "The call is full: you are on the waiting list. We email you if a place frees up."
        )
    if request.htmx:
        return _render_call(request, opportunity, message=message)
    messages.success(request, message)
    return _back(request, opportunity)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, _access = _get_opportunity(request, pk)
    EmptyForm(request.POST).is_valid()
    signup = Signup.objects.filter(opportunity=opportunity, user=request.user).first()
    if signup is None or not signup.is_active:
        message = _("You are not signed up for this call.")
        if request.htmx and not request.POST.get("next"):
            return _render_call(request, opportunity, error=message)
        return _refused(request, message, status=409)
    opportunity.withdraw(signup)
    message = _("You have withdrawn. Thank you for letting the organiser know.")
    if request.htmx and not request.POST.get("next"):
        return _render_call(request, opportunity, message=message)
    messages.success(request, message)
    return _back(request, opportunity)


# --- the organiser's roster ------------------------------------------------------------------


def _roster_signups(opportunity: Opportunity) -> list[Signup]:
    order = {"confirmed": 0, "attended": 0, "waitlisted": 1, "withdrawn": 2}
    signups = list(opportunity.signups.select_related("user").order_by("queued_at", "pk"))
    return sorted(signups, key=lambda s: order[s.state])


def _roster_page(request, opportunity, access, status: int = 200, **forms) -> HttpResponse:
    signups = _roster_signups(opportunity)
    holding = [s for s in signups if s.state in Signup.HOLDING_STATES]
    report = reporting.report_for_thread(opportunity.thread_id)
    context = {
        "opportunity": opportunity,
        "signups": signups,
        "confirmed_count": len(holding),
        "waitlist_count": sum(s.state == Signup.State.WAITLISTED for s in signups),
        "message_form": forms.get("message_form") or MessageForm(),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "close_form": forms.get("close_form") or CloseForm(),
        "attendance_form": forms.get("attendance_form") or AttendanceForm(signups=holding),
        "has_started": opportunity.start_at <= timezone.now(),
        "report": report,
        "can_mark_fixed": opportunity.outcome == Opportunity.Outcome.SOLVED
        and reporting.may_mark_fixed(request.user, report),
    }
    return render(request, "volunteers/roster.html", context, status=status)


@login_required
@require_GET
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, access = _get_opportunity(request, pk, manage=True)
    return _roster_page(request, opportunity, access)


@login_required
@require_GET
def roster_csv(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, _access = _get_opportunity(request, pk, manage=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="volunteers-call-{pk}.csv"'
    writer = csv.writer(response)
    writer.writerow(["name", "email", "state", "note", "signed up", "public first name"])
    for signup in _roster_signups(opportunity):
        writer.writerow(
            [
                cell(signup.user.get_full_name()),
                cell(signup.user.email),
                signup.state,
                cell(signup.note),
                signup.created_at.isoformat(),
                "yes" if signup.show_name else "no",
            ]
        )
    return response


@login_required
@require_POST
def email_all(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, access = _get_opportunity(request, pk, manage=True)
    form = MessageForm(request.POST)
    if not form.is_valid():
        return _roster_page(request, opportunity, access, status=400, message_form=form)
    if wait := ratelimit.hit("volunteer-email", request.user.pk):
        form.add_error(
            None,
            _("You have emailed the volunteers recently. Please try again in %(minutes)d minutes.")
            % {"minutes": max(wait // 60, 1)},
        )
        return ratelimit.limited(
            _roster_page(request, opportunity, access, message_form=form), wait
        )
    told = actions.email_volunteers(opportunity, form.cleaned_data["message"])
    messages.success(
        request, _("Your message is on its way to %(count)d volunteers.") % {"count": told}
    )
    return redirect("volunteers:roster", pk=pk)


@login_required
@require_POST
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, access = _get_opportunity(request, pk, manage=True)
    if opportunity.start_at > timezone.now():
        return _refused(request, _("Attendance can be marked once the event has started."), 409)
    holding = [s for s in _roster_signups(opportunity) if s.state in Signup.HOLDING_STATES]
    form = AttendanceForm(request.POST, signups=holding)
    if not form.is_valid():
        return _roster_page(request, opportunity, access, status=400, attendance_form=form)
    came = actions.mark_attendance(opportunity, form.attended_ids())
    messages.success(request, _("Attendance saved: %(count)d came.") % {"count": came})
    return redirect("volunteers:roster", pk=pk)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, access = _get_opportunity(request, pk, manage=True)
    if not opportunity.is_active:
        return _refused(request, _("This call is already closed or cancelled."), 409)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _roster_page(request, opportunity, access, status=400, cancel_form=form)
    told = actions.cancel_opportunity(opportunity, form.cleaned_data["reason"])
    messages.success(
        request, _("The call is cancelled; %(count)d volunteers are told.") % {"count": told}
    )
    return redirect("volunteers:roster", pk=pk)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity, access = _get_opportunity(request, pk, manage=True)
    if not opportunity.is_active:
        return _refused(request, _("This call is already closed or cancelled."), 409)
    if not opportunity.has_ended:
        return _refused(request, _("A call can be closed with its outcome once it has ended."), 409)
    form = CloseForm(request.POST)
    if not form.is_valid():
        return _roster_page(request, opportunity, access, status=400, close_form=form)
    actions.close_opportunity(
        opportunity,
        form.cleaned_data["outcome"],
        form.cleaned_data["outcome_note"],
        by=request.user,
    )
    messages.success(request, _("The call is closed. Thank you for organising it!"))
    return redirect("volunteers:roster", pk=pk)


@login_required
@require_POST
def mark_fixed(request: HttpRequest, pk: int) -> HttpResponse:
    """The responsible staff's one click after volunteers solved a report's problem."""
    opportunity = get_object_or_404(Opportunity.objects.visible().select_related("thread"), pk=pk)
    report = reporting.report_for_thread(opportunity.thread_id)
    if opportunity.outcome != Opportunity.Outcome.SOLVED or not reporting.may_mark_fixed(
        request.user, report
    ):
        raise PermissionDenied
    EmptyForm(request.POST).is_valid()
    reporting.mark_fixed(
        report, _("Fixed by volunteers: %(title)s") % {"title": opportunity.title}, by=request.user
    )
    messages.success(request, _("The report is marked fixed."))
    return redirect(report)


# --- email links -------------------------------------------------------------------------


@csrf_exempt  # the signed token is the authority; mail clients POST it without a session
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows one button (link scanners must not unsubscribe anyone); POST stops
    the emails about this one call."""
    found = emails.read_unsubscribe_token(token)
    if found is None:
        return render(request, "volunteers/unsubscribe.html", {"invalid": True}, status=400)
    kind, pk = found
    if kind == "s":
        signup = get_object_or_404(Signup.objects.select_related("opportunity"), pk=pk)
        opportunity = signup.opportunity
    else:
        opportunity = get_object_or_404(Opportunity, pk=pk)
    done = False
    if request.method == "POST":
        actions.mute(kind, pk)
        done = True
    return render(
        request,
        "volunteers/unsubscribe.html",
        {"opportunity": opportunity, "done": done, "action": request.path},
    )
