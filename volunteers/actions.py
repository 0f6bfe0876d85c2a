"""What organisers do with a call: post, edit, message, take attendance, cancel, close.

The capacity rule itself lives on the model (`Opportunity.sign_up`, `withdraw`,
`set_capacity`); these functions call it and send the emails each change owes.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import privacy, versions
from discussions.models import Thread
from volunteers import emails, reporting
from volunteers.models import Opportunity, Signup

SCHEDULE_FIELDS = ("start_at", "end_at")
DETAIL_FIELDS = ("start_at", "end_at", "meeting_point", "lat", "lon", "what_to_bring", "title")


def can_organise(user, *, verified: bool | None = None) -> bool:
    """Staff, or a signed-in resident whose email address is verified (`verified`, when
    the caller has read it already)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    if verified is None:
        verified = EmailAddress.objects.filter(user=user, verified=True).exists()
    return verified


@dataclass(frozen=True)
class Access:
    """What one user may do with one call."""

    can_manage: bool = False  # roster, emails, attendance, edit, cancel, close

    @classmethod
    def of(cls, user, opportunity: Opportunity) -> Access:
        if not user.is_authenticated or not user.is_active:
            return cls()
        if opportunity.organiser_id == user.pk:
            return cls(can_manage=True)
        # The staff of the thread's official group (a report's authority), site-wide
        # moderators and superusers.
        return cls(can_manage=opportunity.thread.can_moderate(user))


def active_signups(opportunity: Opportunity):
    return opportunity.signups.filter(
        state__in=(Signup.State.CONFIRMED, Signup.State.WAITLISTED, Signup.State.ATTENDED)
    ).select_related("user")


@transaction.atomic
def create_opportunity(thread: Thread, organiser, **fields) -> Opportunity:
    now = timezone.now()
    masked = _mask(fields)
    opportunity = Opportunity(
        thread=thread, organiser=organiser, created_at=now, updated_at=now, **fields
    )
    if opportunity.start_at <= now:
        raise ValidationError({"start_at": _("The start must be in the future.")})
    opportunity.full_clean()
    opportunity.save()
    privacy.keep(opportunity, masked, new=True)
    return opportunity


# A call's public texts, where personal data is hidden (and kept for staff).
MASKED_FIELDS = ("title", "description")


def _mask(fields: dict) -> dict[str, privacy.Masked]:
    """Mask the public texts among `fields` in place; their `mask()` results."""
    masked = {name: privacy.mask(fields[name]) for name in MASKED_FIELDS if name in fields}
    fields.update({name: m.text for name, m in masked.items()})
    return masked


def update_opportunity(
    opportunity: Opportunity,
    fields: dict,
    *,
    capacity=None,
    capacity_given: bool = False,
    move_to_waitlist: bool = False,
) -> list[str]:
    """Save an edit; if the date or place changed, tell everyone and reschedule the
    reminders. Returns the names of the changed fields. Capacity goes through
    `set_capacity` (which may refuse) before anything else is saved."""
    fields = dict(fields)
    masked = _mask(fields)
    with transaction.atomic():
        locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        if capacity_given and capacity != locked.capacity:
            locked.set_capacity(capacity, move_to_waitlist=move_to_waitlist)
            locked.refresh_from_db()
        changed = [name for name, value in fields.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, fields[name])
        if not changed:
            _copy(locked, opportunity)
            return []
        locked.updated_at = timezone.now()
        update = [*changed, "updated_at"]
        if any(name in DETAIL_FIELDS for name in changed):
            locked.sequence += 1
            update.append("sequence")
        if any(name in SCHEDULE_FIELDS for name in changed):
            # The reminder for the old date is dropped; the worker sends one for the new date.
            locked.reminded_at = None
            locked.close_asked_at = None
            update += ["reminded_at", "close_asked_at"]
            Signup.objects.filter(opportunity=locked).update(reminded_at=None)
        locked.full_clean()
        locked.save(update_fields=update)
        privacy.keep(locked, {name: masked[name] for name in changed if name in masked})
        if any(name in DETAIL_FIELDS for name in changed):
            labels = {
                "start_at": _("the time"),
                "end_at": _("the time"),
                "meeting_point": _("the meeting point"),
                "lat": _("the meeting point"),
                "lon": _("the meeting point"),
                "what_to_bring": _("what to bring"),
                "title": _("the title"),
            }
            what = ", ".join(dict.fromkeys(str(labels[n]) for n in changed if n in labels))
            for signup in active_signups(locked).exclude(state=Signup.State.ATTENDED):
                signup.opportunity = locked
                emails.to_volunteer(signup, "changed", changes=what)
        _copy(locked, opportunity)
        return changed


def _copy(source: Opportunity, target: Opportunity) -> None:
    for f in Opportunity._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


@transaction.atomic
def cancel_opportunity(opportunity: Opportunity, reason: str = "") -> int:
    """Cancel the call and tell everyone still on it; returns how many were told."""
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.state == Opportunity.State.CANCELLED:
        return 0
    now = timezone.now()
    locked.state = Opportunity.State.CANCELLED
    locked.closed_at = locked.updated_at = now
    locked.save(update_fields=["state", "closed_at", "updated_at"])
    told = 0
    for signup in active_signups(locked).exclude(state=Signup.State.ATTENDED):
        signup.opportunity = locked
        told += emails.to_volunteer(signup, "cancelled", reason=reason)
    _copy(locked, opportunity)
    return told


@transaction.atomic
def close_opportunity(opportunity: Opportunity, outcome: str, note: str = "", *, by) -> None:
    """Close the call with its outcome. "Problem solved" on a report's call writes a
    public entry on the report's timeline."""
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    now = timezone.now()
    locked.state = Opportunity.State.CLOSED
    locked.outcome = outcome
    locked.outcome_note = note
    locked.closed_at = locked.updated_at = now
    locked.save(update_fields=["state", "outcome", "outcome_note", "closed_at", "updated_at"])
    if outcome == Opportunity.Outcome.SOLVED:
        report = reporting.report_for_thread(locked.thread_id)
        if report is not None:
            attended = locked.signups.filter(state=Signup.State.ATTENDED).count()
            text = _("Volunteers solved this problem at “%(title)s”.") % {"title": locked.title}
            if attended:
                text += " " + _("%(count)d volunteers took part.") % {"count": attended}
            if note:
                text += " " + note
            reporting.post_timeline_note(report, text, by=by)
    _copy(locked, opportunity)


def mark_attendance(opportunity: Opportunity, attended_ids: set[int]) -> int:
    """After the event: who came (attended) and who did not (back to confirmed)."""
    with transaction.atomic():
        Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        holding = Signup.objects.filter(opportunity=opportunity, state__in=Signup.HOLDING_STATES)
        now = timezone.now()
        came = holding.filter(pk__in=attended_ids).update(
            state=Signup.State.ATTENDED, updated_at=now
        )
        holding.exclude(pk__in=attended_ids).filter(state=Signup.State.ATTENDED).update(
            state=Signup.State.CONFIRMED, updated_at=now
        )
        versions.bump(versions.VOLUNTEERS)  # the call's page counts who came
        return came


@transaction.atomic
def email_volunteers(opportunity: Opportunity, message: str) -> int:
    told = 0
    for signup in active_signups(opportunity):
        signup.opportunity = opportunity
        told += emails.to_volunteer(signup, "message", message=message)
    return told


# ---------------------------------------------------------------------------
# The worker's and the unsubscribe link's bookkeeping


def claim_reminder(pk: int, now) -> bool:
    """Take the day-before reminder of one call (once across workers)."""
    return bool(Opportunity.objects.filter(pk=pk, reminded_at__isnull=True).update(reminded_at=now))


def mark_reminded(signups, now) -> None:
    Signup.objects.filter(pk__in=[signup.pk for signup in signups]).update(reminded_at=now)


def claim_close_question(pk: int, now) -> bool:
    """Take "close it with an outcome" of one ended call (asked once across workers)."""
    return bool(
        Opportunity.objects.filter(pk=pk, close_asked_at__isnull=True).update(close_asked_at=now)
    )


def mute(kind: str, pk: int) -> None:
    """No more emails about one call: to a volunteer ("s", their sign-up) or its organiser."""
    if kind == "s":
        Signup.objects.filter(pk=pk).update(muted=True)
    else:
        Opportunity.objects.filter(pk=pk).update(organiser_muted=True)
