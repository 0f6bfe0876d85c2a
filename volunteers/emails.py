"""The emails of a volunteer call, queued in the outbox inside the change that causes them.

Every email carries a signed one-click link (and List-Unsubscribe headers) that stops
the emails about that one call, for that one person.
"""

from __future__ import annotations

from django.apps import apps
from django.core import signing
from django.urls import reverse
from django.utils import translation

from civic import tasks
from civic.links import absolute_url
from civic.models import language_of
from civic.outbox import queue_email

UNSUBSCRIBE_SALT = "volunteers.unsubscribe"


def unsubscribe_token(kind: str, pk: int) -> str:
    """kind "s": a volunteer's sign-up; kind "o": the organiser of a call."""
    return signing.dumps([kind, pk], salt=UNSUBSCRIBE_SALT, compress=False)


def read_unsubscribe_token(token: str) -> tuple[str, int] | None:
    try:
        kind, pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if kind not in ("s", "o"):
        return None
    return kind, int(pk)


def _name(user) -> str:
    return user.first_name or user.get_full_name() or ""


def _queue(to: str, template: str, opportunity, token: str, recipient, **context) -> None:
    unsubscribe = absolute_url(reverse("volunteers:unsubscribe", args=[token]))
    with translation.override(language_of(recipient)):
        queue_email(
            to,
            f"volunteer-{template}",
            {
                "opportunity": opportunity,
                "call_url": absolute_url(opportunity.get_absolute_url()),
                "page_url": absolute_url(opportunity.thread.get_absolute_url()),
                "ics_url": absolute_url(reverse("volunteers:ics", args=[opportunity.pk])),
                "recipient_name": _name(recipient),
                "unsubscribe_url": unsubscribe,
                **context,
            },
            headers={
                "List-Unsubscribe": f"<{unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )


def to_volunteer(signup, template: str, **context) -> bool:
    """Queue `template` for one volunteer, unless they stopped this call's emails."""
    user = signup.user
    if signup.muted or not user.is_active or not user.email:
        return False
    _queue(
        user.email,
        template,
        signup.opportunity,
        unsubscribe_token("s", signup.pk),
        user,
        signup=signup,
        **context,
    )
    return True


def to_organiser(opportunity, template: str, **context) -> bool:
    user = opportunity.organiser
    if user is None or opportunity.organiser_muted or not user.is_active or not user.email:
        return False
    _queue(
        user.email,
        template,
        opportunity,
        unsubscribe_token("o", opportunity.pk),
        user,
        **context,
    )
    return True


SIGNED_UP_TASK = "volunteers.signed-up"


def signed_up(signup) -> None:
    """Hand the volunteer's confirmation (with its calendar link) to the worker."""
    tasks.defer(SIGNED_UP_TASK, signup_id=signup.pk, state=signup.state)


def _send_signed_up(*, signup_id: int, state: str) -> None:
    """The task: "you are signed up" or "you are on the waiting list", as it was then
    (a place that freed meanwhile sends its own "promoted" email)."""
    Signup = apps.get_model("volunteers", "Signup")  # the models import this module
    signup = Signup.objects.select_related("opportunity", "user").filter(pk=signup_id).first()
    if signup is None or signup.state == Signup.State.WITHDRAWN:
        return  # withdrawn meanwhile: nothing to confirm
    to_volunteer(signup, "confirmed" if state == Signup.State.CONFIRMED else "waitlisted")


tasks.register(SIGNED_UP_TASK, _send_signed_up)


def promoted(signup) -> None:
    to_volunteer(signup, "promoted")


def moved_to_waitlist(signup) -> None:
    to_volunteer(signup, "moved")
