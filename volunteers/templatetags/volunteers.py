"""The volunteer calls block that report and topic pages load by name:

    {% load volunteers %}{% volunteer_calls thread %}

so reports and discussions never import volunteers.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django import template
from django.db.models import Prefetch
from django.urls import reverse

from discussions.queries import ViewerState
from volunteers import reporting
from volunteers.actions import can_organise
from volunteers.forms import SignupForm
from volunteers.models import Opportunity, Signup

register = template.Library()

# Calls shown on one page: the active ones first, then the latest closed ones.
CALLS_PER_PAGE = 10


def call_context(request, thread, only: int | None = None) -> dict:
    """What the calls block shows for `thread` (or just one call): a fixed number of
    queries whatever the number of calls and volunteers."""
    user = request.user
    calls = (
        Opportunity.objects.filter(thread=thread)
        .with_counts()
        .select_related("organiser__profile")
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=Signup.objects.filter(
                    show_name=True, state__in=Signup.HOLDING_STATES
                ).select_related("user"),
                to_attr="public_signups",
            )
        )
    )
    if only is not None:
        calls = calls.filter(pk=only)
    else:
        calls = calls.exclude(state=Opportunity.State.CANCELLED)
    # Active calls by date, then closed ones, newest first.
    calls = sorted(
        calls.order_by("-start_at")[:CALLS_PER_PAGE],
        key=lambda c: (not c.is_active, c.start_at.timestamp() * (1 if c.is_active else -1)),
    )
    mine: dict[int, Signup] = {}
    moderator = False
    if user.is_authenticated:
        mine = {
            s.opportunity_id: s
            for s in Signup.objects.filter(user=user, opportunity__in=[c.pk for c in calls])
        }
        if calls and any(c.organiser_id != user.pk for c in calls):
            moderator = thread.can_moderate(user)
    # "Problem solved" on a report's call: its responsible staff get a one-click "mark fixed"
    # (looked up only when such a call is shown to a staff member).
    can_mark_fixed = False
    solved = any(c.outcome == Opportunity.Outcome.SOLVED for c in calls)
    if solved and user.is_authenticated and user.is_staff:
        report = reporting.report_for_thread(thread.pk)
        can_mark_fixed = reporting.may_mark_fixed(user, report)
    items = []
    for call in calls:
        call.thread = thread
        signup = mine.get(call.pk)
        items.append(
            {
                "call": call,
                "my_signup": signup if signup is not None and signup.is_active else None,
                "can_manage": user.is_authenticated and (call.organiser_id == user.pk or moderator),
                "public_names": [
                    s.user.first_name for s in call.public_signups if s.user.first_name
                ],
                "signup_form": SignupForm(prefix_pk=call.pk),
                "can_mark_fixed": can_mark_fixed and call.outcome == Opportunity.Outcome.SOLVED,
            }
        )
    return {
        "request": request,
        "user": user,
        "thread": thread,
        "calls": items,
        "can_organise": bool(thread.pk) and (only is None) and can_organise(user),
        "new_url": reverse("volunteers:new", args=[thread.pk]) if thread.pk else "",
        "next": request.get_full_path(),
    }


def _viewer_state_columns() -> tuple[str, ...]:
    calls, signups = Opportunity._meta.db_table, Signup._meta.db_table
    addresses = EmailAddress._meta.db_table
    return (
        f"""EXISTS(SELECT 1 FROM {calls} o WHERE o.thread_id = %s AND (o.organiser_id = %s
                 OR EXISTS(SELECT 1 FROM {signups} s
                           WHERE s.opportunity_id = o.id AND s.user_id = %s)))""",
        f"EXISTS(SELECT 1 FROM {addresses} WHERE user_id = %s AND verified)",
    )


def _viewer_state_params(thread_id: int, user) -> list:
    return [thread_id, user.pk, user.pk, user.pk]


def _decide_viewer_state(values: tuple, user) -> tuple | None:
    took_part, verified = values
    if took_part:
        return None
    return ("calls", can_organise(user, verified=bool(verified)))


def viewer_state() -> ViewerState:
    """What the calls block shows that depends on the signed-in `user`, for the page cache
    (discussions.queries.viewer_signature): whether they may post a call
    (`can_organise`). None when they have signed up for one of the thread's calls or
    organise one (the block is theirs alone). Read with the viewer's part in the thread,
    in the same query."""
    return ViewerState(
        columns=_viewer_state_columns(),
        params=_viewer_state_params,
        decide=_decide_viewer_state,
    )


@register.inclusion_tag("volunteers/partials/calls.html", takes_context=True)
def volunteer_calls(context, thread):
    return call_context(context["request"], thread)
