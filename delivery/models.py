"""Reports and events on their way out: to authorities (email, Open311) and to webhooks."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.models import RetriedWork
from reports import events
from reports.models import Authority, Report


class DeliveryQuerySet(models.QuerySet):
    def stuck(self) -> DeliveryQuerySet:
        """Not sent after settings.DELIVERY_STUCK_AFTER tries (and still being retried)."""
        return self.exclude(state=Delivery.State.SENT).filter(
            attempts__gte=settings.DELIVERY_STUCK_AFTER
        )

    def not_stuck(self) -> DeliveryQuerySet:
        return self.filter(
            models.Q(state=Delivery.State.SENT)
            | models.Q(attempts__lt=settings.DELIVERY_STUCK_AFTER)
        )


class Delivery(RetriedWork):
    """A report on its way to one authority."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="deliveries"
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="deliveries"
    )
    method = models.CharField(_("method"), max_length=16, choices=Authority.SendMethod)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    external_id = models.CharField(_("upstream id"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When staff and administrators were told that this delivery keeps failing (once).
    stuck_notified_at = models.DateTimeField(_("stuck: people told"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        db_table = "reports_delivery"  # made in the reports app; kept
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "authority"], name="one_delivery_per_authority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.authority}"

    @property
    def is_stuck(self) -> bool:
        return self.state != self.State.SENT and self.attempts >= settings.DELIVERY_STUCK_AFTER


class ReopenNotice(RetriedWork):
    """A reopened report on its way back to an authority it was delivered to."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="reopen_notices"
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="+"
    )
    method = models.CharField(_("method"), max_length=16, choices=Authority.SendMethod)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        db_table = "reports_reopennotice"  # made in the reports app; kept
        verbose_name = _("reopen notice")
        verbose_name_plural = _("reopen notices")
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.report_id} reopened → {self.authority}"


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """An authority's receiver of report events: each one is POSTed there, signed with
    the secret (delivery/webhooks.py; documented on the Open311 page)."""

    class Event(models.TextChoices):
        CREATED = events.CREATED, _("A report is created")
        UPDATED = events.UPDATED, _("A report is updated")
        REOPENED = events.REOPENED, _("A report is reopened")

    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=64, default=new_webhook_secret, editable=False
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        db_table = "reports_webhook"  # made in the reports app; kept
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["authority__name", "url"]
        indexes = [models.Index(fields=["authority", "is_active"])]

    def __str__(self) -> str:
        return f"{self.authority} → {self.url}"


class WebhookDelivery(RetriedWork):
    """One event on its way to one webhook. Written in the transaction of the change."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Given up")

    webhook = models.ForeignKey(
        Webhook, verbose_name=_("webhook"), on_delete=models.CASCADE, related_name="deliveries"
    )
    report = models.ForeignKey(
        Report,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    event = models.CharField(_("event"), max_length=32, choices=Webhook.Event)
    # The receiver's key to drop a delivery it already has (X-Civic-Delivery).
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        db_table = "reports_webhookdelivery"  # made in the reports app; kept
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.report_id} → {self.webhook_id}"


class UpstreamSync(models.Model):
    """How one kind of federation work with an authority's Open311 back end is going:
    where it got to, when it last worked, and its last error. The worker retries a
    failing one with backoff; staff see the row under Delivery → upstream syncs."""

    class Kind(models.TextChoices):
        SERVICES = "services", _("Categories from the back end")
        REQUESTS = "requests", _("Requests made in the back end")
        UPDATES = "updates", _("Residents' comments to the back end")

    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="syncs"
    )
    kind = models.CharField(_("what"), max_length=16, choices=Kind)
    # Requests: the back end's updated_datetime reached. Updates: the last comment looked at.
    cursor_at = models.DateTimeField(_("up to (time)"), null=True, blank=True)
    cursor_id = models.PositiveBigIntegerField(_("up to (comment)"), default=0)
    attempts = models.PositiveIntegerField(_("failures in a row"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    summary = models.CharField(_("last result"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("upstream sync")
        verbose_name_plural = _("upstream syncs")
        ordering = ["authority__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "kind"], name="one_sync_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.authority}: {self.get_kind_display()}"

    @property
    def is_failing(self) -> bool:
        return self.attempts > 0


class UpdatePush(RetriedWork):
    """A resident's public comment on its way to the back end that has the report, as a
    servicerequestupdate (the mySociety extension)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DROPPED = "dropped", _("Not sent: taken down first")

    comment = models.ForeignKey(
        "discussions.Comment",
        verbose_name=_("comment"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="update_pushes"
    )
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.PENDING)
    # The back end's update_id for it.
    external_id = models.CharField(_("upstream id"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("comment sent upstream")
        verbose_name_plural = _("comments sent upstream")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(fields=["comment", "authority"], name="one_push_per_comment")
        ]

    def __str__(self) -> str:
        return f"comment {self.comment_id} → {self.authority}"
