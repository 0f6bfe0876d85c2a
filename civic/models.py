from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def indexed_where_set(prefix: str, *names: str) -> list[models.Index]:
    """Indexes on keys most rows leave empty, each only over the rows that have one.

    A lookup by such a key (`parent_id = 5`, a cascade's `IN (…)`) implies it is set,
    so both databases still read these; a new row without the key writes nothing to
    them, which inside the one write lock is a page fewer to write per key. The fields
    themselves say `db_index=False`."""
    return [
        models.Index(
            fields=[name], name=f"{prefix}_{name}_set", condition=Q(**{f"{name}__isnull": False})
        )
        for name in names
    ]


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 1, 2, 4 … minutes, capped."""
    seconds = min(60 * 2 ** max(attempts - 1, 0), settings.OUTBOX_MAX_BACKOFF_SECONDS)
    return timedelta(seconds=seconds)


class RetriedWork(models.Model):
    """A row of work the worker claims, tries, and retries with backoff until it is done.

    The row is the source of truth: a claim is a conditional UPDATE (so two
    workers never take the same row) that stamps the row with the claim's own
    token and the time it was taken; the claim is a lease of WORKER_LEASE_SECONDS
    from that moment, after which another worker may take the row again (its
    worker died mid-send). Right before sending, the row is checked again: still
    held by this claim and not sent. A failure records its error and the next try.
    Subclasses define `State` with PENDING, SENDING and SENT, and a `state` field.
    """

    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim_token = models.CharField(_("claim"), max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        abstract = True

    @staticmethod
    def lease() -> timedelta:
        """How long a claim holds its row: longer than one send can take (SMTP and
        upstream timeouts are 20 s), so only a dead worker's rows are taken again."""
        return timedelta(seconds=settings.WORKER_LEASE_SECONDS)

    @classmethod
    def due_filter(cls, now) -> Q:
        return Q(state=cls.State.PENDING, next_attempt_at__lte=now) | Q(
            state=cls.State.SENDING, claimed_at__lt=now - cls.lease()
        )

    @classmethod
    def due_ids(cls, now, limit: int) -> list[int]:
        return list(
            cls.objects.filter(cls.due_filter(now))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )

    @classmethod
    def claim(cls, pk: int) -> str | None:
        """Take one due row; its lease starts now, when this row is taken (not when the
        round started). Returns the claim's token, or None if another worker has the
        row or it is not due."""
        now = timezone.now()
        token = uuid.uuid4().hex
        taken = cls.objects.filter(cls.due_filter(now), pk=pk).update(
            state=cls.State.SENDING, claimed_at=now, claim_token=token
        )
        return token if taken else None

    def still_claimed(self, lock: bool = False) -> bool:
        """Is this row still held by the claim it was loaded under, and not sent yet?

        Asked right before sending. With `lock` (inside a transaction), the row stays
        locked until the transaction ends, so no other worker can take it meanwhile."""
        rows = type(self).objects.filter(
            pk=self.pk, state=self.State.SENDING, claim_token=self.claim_token, sent_at=None
        )
        if lock:
            rows = rows.select_for_update()
        return bool(self.claim_token) and rows.exists()

    @classmethod
    def claim_due(cls, limit: int) -> Iterator[int]:
        """Claim the rows due now (up to `limit`) one at a time, yielding each claimed id.

        The round works through the rows that were due when it started; each is
        claimed (its lease starting) just before it is sent, so a long round never
        holds claims it is not working on, nor takes over a row whose lease ran out
        while this round was busy. On PostgreSQL each row is picked with
        `SELECT … FOR UPDATE SKIP LOCKED` and stamped in the same transaction:
        concurrent workers take different rows at once instead of racing for the
        same one. Elsewhere (SQLite has one writer at a time) the conditional
        UPDATE of `claim` decides.
        """
        candidates = cls.due_ids(timezone.now(), limit)
        if not connection.features.has_select_for_update_skip_locked:
            for pk in candidates:
                if cls.claim(pk):
                    yield pk
            return
        while candidates:
            with transaction.atomic():
                now = timezone.now()
                pk = (
                    cls.objects.filter(cls.due_filter(now), pk__in=candidates)
                    .order_by("next_attempt_at")
                    .select_for_update(skip_locked=True)
                    .values_list("pk", flat=True)
                    .first()
                )
                if pk is None:
                    return
                cls.objects.filter(pk=pk).update(
                    state=cls.State.SENDING, claimed_at=now, claim_token=uuid.uuid4().hex
                )
            candidates.remove(pk)
            yield pk

    def mark_sent(self, now, **fields) -> None:
        type(self).objects.filter(pk=self.pk).update(
            state=self.State.SENT,
            attempts=self.attempts + 1,
            sent_at=now,
            last_error="",
            claimed_at=None,
            claim_token="",
            **fields,
        )

    def mark_failed(self, error: Exception, now) -> None:
        """Record the error and schedule the next try: the work is never dropped."""
        attempts = self.attempts + 1
        type(self).objects.filter(pk=self.pk).update(
            state=self.State.PENDING,
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
            claimed_at=None,
            claim_token="",
        )
        logger.warning(
            "%s %s failed (attempt %s): %s", self._meta.model_name, self.pk, attempts, error
        )


class OutboundEmail(RetriedWork):
    """One email waiting to go, or gone. Written in the transaction that causes it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    to = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class Task(RetriedWork):
    """Work a request handed to the worker (civic/tasks.py): written in the request's
    own transaction, done by the worker with retries until it has been done once."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Running")
        SENT = "sent", _("Done")

    name = models.CharField(_("name"), max_length=100)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class Profile(models.Model):
    """What a person chooses about themselves: the name others see and the email they get."""

    class Frequency(models.TextChoices):
        INSTANT = "instant", _("As it happens")
        DAILY = "daily", _("Once a day")
        OFF = "off", _("Never")

    # The kinds of email a person can tune (field name → what it is about).
    EMAIL_KINDS = {
        "email_comments": _("Comments on what I follow"),
        "email_status": _("Status changes on what I follow"),
        "email_alerts": _("My area alerts"),
    }

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        blank=True,
        help_text=_("Shown beside what you write. Not your email address."),
    )
    show_name_on_reports = models.BooleanField(
        _("show my name on my reports"),
        default=False,
        help_text=_("The starting choice on a new report; you can still change it each time."),
    )
    email_comments = models.CharField(
        _("comments on what I follow"),
        max_length=8,
        choices=Frequency,
        default=Frequency.INSTANT,
    )
    email_status = models.CharField(
        _("status changes on what I follow"),
        max_length=8,
        choices=Frequency,
        default=Frequency.INSTANT,
    )
    email_alerts = models.CharField(
        _("my area alerts"), max_length=8, choices=Frequency, default=Frequency.DAILY
    )
    # Set at sign-up and by the footer's language switcher: emails to this person are
    # written in it, whoever's request or worker round causes them. Blank: the site's.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            # Two people may not look alike: "Ana" and "ana" are the same name.
            models.UniqueConstraint(
                Lower("display_name"),
                condition=~Q(display_name=""),
                name="unique_display_name_ci",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or f"{self.user_id}"

    @classmethod
    def of(cls, user) -> Profile | None:
        """The user's profile if it was loaded or exists (no query when select_related)."""
        try:
            return user.profile
        except cls.DoesNotExist:
            return None

    @classmethod
    def for_user(cls, user) -> Profile:
        profile, _created = cls.objects.get_or_create(user=user)
        return profile

    @classmethod
    def name_taken(cls, name: str, *, exclude_user_id: int | None = None) -> bool:
        qs = cls.objects.filter(display_name__iexact=name.strip())
        if exclude_user_id is not None:
            qs = qs.exclude(user_id=exclude_user_id)
        return qs.exists()


def language_of(user) -> str:
    """The language to write to this user in: theirs if they chose one, else the site's.

    No query when the profile was select_related (or already looked at)."""
    profile = Profile.of(user) if user is not None and getattr(user, "pk", None) else None
    if profile and profile.language in dict(settings.LANGUAGES):
        return profile.language
    return settings.LANGUAGE_CODE


def display_name(user) -> str:
    """The display name a user chose, or "" (no query when the profile was select_related)."""
    if user is None or not getattr(user, "pk", None):
        return ""
    profile = Profile.of(user)
    return profile.display_name if profile else ""


class RateCounter(models.Model):
    """One fixed-window rate-limit counter (see civic/ratelimit.py): the database storage.

    The key names the scope, who acts, the window and which window it is, so a row is
    only ever counted up; rows whose window is over are purged by the worker.
    """

    key = models.CharField(max_length=200, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit counter")

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class DataVersion(models.Model):
    """A named counter that every change to some data bumps (see civic/versions.py).

    Cached responses are keyed by it: a new value is a new key, so nothing has to be
    invalidated across processes or nodes.
    """

    name = models.CharField(max_length=64, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("data version")

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class PrivateOriginal(models.Model):
    """What someone typed into a public text before its personal data (emails, phone
    numbers, number plates) was hidden: kept for staff, never shown publicly.

    Generic, so every app's public texts use it: one row per object and field, replaced
    when the text is edited again and deleted when the text no longer needs hiding."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    field = models.CharField(_("field"), max_length=64)
    original = models.TextField(_("original text"))
    kinds = models.JSONField(_("what was hidden"), default=list)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("original of a masked text")
        verbose_name_plural = _("originals of masked texts")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "field"], name="private_original_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id} {self.field}"
