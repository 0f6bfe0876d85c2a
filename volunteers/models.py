"""Volunteer calls on a thread (a report's or a community topic's) and their sign-ups.

The capacity rule lives in `Opportunity.sign_up`, `withdraw` and `set_capacity`:
each locks the opportunity row (`select_for_update`, and on SQLite the
IMMEDIATE transaction the settings ask for) and decides inside one
transaction, so two volunteers racing for the last place never both get it.
The emails those changes cause go to the outbox in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from math import cos, radians

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from discussions.models import Thread
from volunteers import emails


class OpportunityQuerySet(models.QuerySet):
    def visible(self):
        """Calls on threads the public may see."""
        return self.filter(thread__is_hidden=False).exclude(thread__report__is_hidden=True)

    def upcoming(self, now=None):
        now = now or timezone.now()
        return self.filter(state__in=Opportunity.ACTIVE_STATES, end_at__gt=now).order_by(
            "start_at", "pk"
        )

    def this_week(self, now=None):
        now = now or timezone.now()
        return self.filter(start_at__lt=now + timedelta(days=7))

    def near(self, lat: float, lon: float, km: float):
        """Calls with a pin within roughly `km` of a point (a box, on the lat/lon index)."""
        dlat = km / 111.32
        # Longitude degrees shrink with latitude.
        dlon = km / (111.32 * max(cos(radians(lat)), 0.1))
        return self.filter(
            lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon
        )

    def with_counts(self):
        return self.annotate(
            confirmed_count=Count("signups", filter=Q(signups__state__in=Signup.HOLDING_STATES)),
            waitlist_count=Count("signups", filter=Q(signups__state=Signup.State.WAITLISTED)),
        )


class Opportunity(models.Model):
    """A call for volunteers: when, where, how many, what to bring."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        FULL = "full", _("Full")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("Problem solved")
        PARTLY = "partly", _("Partly solved")
        NOT_SOLVED = "not_solved", _("Not solved")
        DID_NOT_HAPPEN = "did_not_happen", _("Did not take place")

    ACTIVE_STATES = (State.OPEN, State.FULL)

    thread = models.ForeignKey(
        Thread,
        verbose_name=_("discussion"),
        on_delete=models.CASCADE,
        related_name="opportunities",
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), blank=True)
    start_at = models.DateTimeField(_("starts"))
    end_at = models.DateTimeField(_("ends"))
    meeting_point = models.CharField(_("meeting point"), max_length=255)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    # Null: no limit on the number of volunteers.
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    what_to_bring = models.CharField(_("what to bring"), max_length=255, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_opportunities",
    )
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome, blank=True)
    outcome_note = models.TextField(_("what happened"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # When the reminders for the current date went out (cleared when the date moves).
    reminded_at = models.DateTimeField(_("reminders sent"), null=True, blank=True)
    # When the organiser was asked to close the call with an outcome.
    close_asked_at = models.DateTimeField(_("asked to close"), null=True, blank=True)
    # The organiser unsubscribed from this call's emails.
    organiser_muted = models.BooleanField(_("organiser gets no emails"), default=False)
    # Bumped when the date or place changes: calendar clients update their copy.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("volunteer call")
        verbose_name_plural = _("volunteer calls")
        ordering = ["start_at", "pk"]
        indexes = [
            models.Index(fields=["state", "start_at"]),
            models.Index(fields=["thread", "start_at"]),
            models.Index(fields=["lat", "lon"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="opportunity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1),
                name="opportunity_capacity_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("volunteers:detail", args=[self.pk])

    @property
    def has_place(self) -> bool:
        return self.lat is not None and self.lon is not None

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def has_ended(self) -> bool:
        return self.end_at <= timezone.now()

    @property
    def accepts_signups(self) -> bool:
        return self.is_active and not self.has_ended

    @property
    def needs_outcome(self) -> bool:
        return self.is_active and self.has_ended

    def clean(self) -> None:
        errors = {}
        if self.start_at and self.end_at and self.end_at <= self.start_at:
            errors["end_at"] = _("The end must be after the start.")
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = _("Give at least one place, or leave it empty for no limit.")
        if errors:
            raise ValidationError(errors)

    # --- the capacity rule -------------------------------------------------------------

    def _locked(self) -> Opportunity:
        """This call's row, locked until the transaction ends."""
        return type(self).objects.select_for_update().get(pk=self.pk)

    def _refresh_from(self, locked: Opportunity) -> None:
        for name in ("state", "capacity", "start_at", "end_at", "updated_at"):
            setattr(self, name, getattr(locked, name))

    @staticmethod
    def _holding_count(opportunity_id: int) -> int:
        return Signup.objects.filter(
            opportunity_id=opportunity_id, state__in=Signup.HOLDING_STATES
        ).count()

    def _update_fullness(self, locked: Opportunity, holding: int) -> None:
        if locked.state not in self.ACTIVE_STATES:
            return
        full = locked.capacity is not None and holding >= locked.capacity
        state = self.State.FULL if full else self.State.OPEN
        if state != locked.state:
            locked.state = state
            locked.save(update_fields=["state"])

    def sign_up(self, user, *, note: str = "", show_name: bool = False) -> SignupResult:
        """Confirm `user` if a place is free, else put them on the waiting list.

        A withdrawn volunteer signing up again takes the same row (one per user and
        call). Raises SignupRefused when the call takes no sign-ups or the user is
        already on it.
        """
        with transaction.atomic():
            locked = self._locked()
            if not locked.accepts_signups:
                raise SignupRefused(_("This call no longer takes sign-ups."))
            existing = (
                Signup.objects.select_for_update().filter(opportunity=locked, user=user).first()
            )
            if existing is not None and existing.state != Signup.State.WITHDRAWN:
                raise SignupRefused(_("You have already signed up for this call."))
            holding = self._holding_count(locked.pk)
            has_room = locked.capacity is None or holding < locked.capacity
            state = Signup.State.CONFIRMED if has_room else Signup.State.WAITLISTED
            now = timezone.now()
            signup = existing or Signup(opportunity=locked, user=user, created_at=now)
            signup.state = state
            signup.note = note
            signup.show_name = show_name
            signup.updated_at = now
            signup.withdrawn_at = None
            # The waiting list is in order of (re)joining.
            signup.queued_at = now
            try:
                with transaction.atomic():
                    signup.save()
            except IntegrityError as exc:  # the unique constraint: a second row
                raise SignupRefused(_("You have already signed up for this call.")) from exc
            self._update_fullness(locked, holding + (state == Signup.State.CONFIRMED))
            self._refresh_from(locked)
            signup.opportunity = locked
            emails.signed_up(signup)
        return SignupResult(signup=signup)

    def withdraw(self, signup: Signup) -> SignupResult:
        """Withdraw a sign-up; a freed place goes at once to the first person waiting."""
        with transaction.atomic():
            locked = self._locked()
            signup = Signup.objects.select_for_update().get(pk=signup.pk, opportunity=locked)
            if signup.state == Signup.State.WITHDRAWN:
                return SignupResult(signup=signup)
            freed = signup.state in Signup.HOLDING_STATES
            now = timezone.now()
            signup.state = Signup.State.WITHDRAWN
            signup.withdrawn_at = signup.updated_at = now
            signup.save(update_fields=["state", "withdrawn_at", "updated_at"])
            promoted = self._promote(locked) if freed else []
            self._update_fullness(locked, self._holding_count(locked.pk))
            self._refresh_from(locked)
            for moved in promoted:
                emails.promoted(moved)
        return SignupResult(signup=signup, promoted=promoted)

    def _promote(self, locked: Opportunity) -> list[Signup]:
        """Move the first people waiting into the free places (call inside the lock)."""
        if not locked.is_active or locked.end_at <= timezone.now():
            return []
        waiting = (
            Signup.objects.filter(opportunity=locked, state=Signup.State.WAITLISTED)
            .select_related("user")
            .order_by("queued_at", "pk")
        )
        if locked.capacity is not None:
            free = locked.capacity - self._holding_count(locked.pk)
            if free <= 0:
                return []
            waiting = waiting[:free]
        promoted = list(waiting)
        now = timezone.now()
        for signup in promoted:
            signup.state = Signup.State.CONFIRMED
            signup.updated_at = now
            signup.opportunity = locked
        Signup.objects.bulk_update(promoted, ["state", "updated_at"])
        return promoted

    def set_capacity(self, capacity: int | None, *, move_to_waitlist: bool = False) -> SignupResult:
        """Change the number of places (None: no limit).

        Raising it promotes people waiting. Lowering it below the confirmed count is
        refused unless `move_to_waitlist` says so; then the newest confirmed
        volunteers go back to the head of the waiting list, and are told.
        """
        if capacity is not None and capacity < 1:
            raise CapacityRefused(_("Give at least one place, or leave it empty for no limit."))
        with transaction.atomic():
            locked = self._locked()
            holding = self._holding_count(locked.pk)
            moved: list[Signup] = []
            if capacity is not None and capacity < holding:
                if not move_to_waitlist:
                    raise CapacityRefused(
                        _(
                            "%(count)d volunteers are confirmed: lowering the places to "
                            "%(capacity)d moves the newest %(excess)d to the waiting list. "
                            "Tick the box to confirm."
                        )
                        % {"count": holding, "capacity": capacity, "excess": holding - capacity},
                        excess=holding - capacity,
                    )
                moved = list(
                    Signup.objects.filter(opportunity=locked, state=Signup.State.CONFIRMED)
                    .select_related("user")
                    .order_by("-created_at", "-pk")[: holding - capacity]
                )
                now = timezone.now()
                # Back to the head of the queue, in their original order.
                head = (
                    Signup.objects.filter(opportunity=locked, state=Signup.State.WAITLISTED)
                    .order_by("queued_at")
                    .values_list("queued_at", flat=True)
                    .first()
                )
                base = (head or now) - timedelta(seconds=len(moved) + 1)
                for offset, signup in enumerate(reversed(moved)):
                    signup.state = Signup.State.WAITLISTED
                    signup.queued_at = base + timedelta(seconds=offset)
                    signup.updated_at = now
                    signup.opportunity = locked
                Signup.objects.bulk_update(moved, ["state", "queued_at", "updated_at"])
            locked.capacity = capacity
            locked.updated_at = timezone.now()
            locked.save(update_fields=["capacity", "updated_at"])
            promoted = self._promote(locked)
            self._update_fullness(locked, self._holding_count(locked.pk))
            self._refresh_from(locked)
            for signup in moved:
                emails.moved_to_waitlist(signup)
            for signup in promoted:
                emails.promoted(signup)
        return SignupResult(promoted=promoted, moved=moved)


@dataclass
class SignupResult:
    signup: Signup | None = None
    promoted: list = field(default_factory=list)
    moved: list = field(default_factory=list)

    @property
    def is_confirmed(self) -> bool:
        return self.signup is not None and self.signup.state == Signup.State.CONFIRMED


class SignupRefused(Exception):
    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class CapacityRefused(Exception):
    def __init__(self, message, excess: int = 0) -> None:
        super().__init__(str(message))
        self.message = message
        self.excess = excess


class SignupQuerySet(models.QuerySet):
    def upcoming_for(self, user, now=None):
        """The user's places and waiting-list spots on calls still to come."""
        now = now or timezone.now()
        return (
            self.filter(
                user=user,
                state__in=(Signup.State.CONFIRMED, Signup.State.WAITLISTED),
                opportunity__state__in=Opportunity.ACTIVE_STATES,
                opportunity__end_at__gt=now,
            )
            .select_related("opportunity__thread")
            .order_by("opportunity__start_at", "pk")
        )


class Signup(models.Model):
    """One volunteer on one call: confirmed, waiting, withdrawn, or there on the day."""

    class State(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        ATTENDED = "attended", _("Attended")

    # States that take one of the call's places.
    HOLDING_STATES = (State.CONFIRMED, State.ATTENDED)

    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("volunteer call"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("volunteer"),
        on_delete=models.CASCADE,
        related_name="volunteer_signups",
    )
    note = models.CharField(_("note for the organiser"), max_length=500, blank=True)
    show_name = models.BooleanField(_("show my first name publicly"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.CONFIRMED)
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    # Place in the waiting list: the earliest is promoted first.
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    # Set when the volunteer unsubscribes from this call's emails.
    muted = models.BooleanField(_("no more emails about this call"), default=False)
    # The reminder for the call's current date went out to this volunteer.
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    objects = SignupQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "user"], name="one_signup_per_user_and_call"
            )
        ]
        indexes = [
            models.Index(fields=["opportunity", "state", "queued_at"]),
            models.Index(fields=["user", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.opportunity}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.CONFIRMED, self.State.WAITLISTED)

    @property
    def public_first_name(self) -> str:
        return self.user.first_name if self.show_name else ""
