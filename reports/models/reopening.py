"""Hearing back: "has this been fixed?" and "still broken"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models.report import Report


class Questionnaire(models.Model):
    """ "Has this been fixed?", asked once of the reporter: a signed link that works
    once and expires (reports/reopening.py)."""

    class Answer(models.TextChoices):
        FIXED = "fixed", _("Yes, fixed")
        NOT_FIXED = "not_fixed", _("No, still there")

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="questionnaires"
    )
    sent_to = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer = models.CharField(_("answer"), max_length=16, choices=Answer, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.answer or 'unanswered'}"


class StillBroken(models.Model):
    """A resident saying a fixed or closed report is still broken. Enough of them
    (counted since the report last closed) reopen it."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="still_broken"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resident"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("still-broken confirmation")
        verbose_name_plural = _("still-broken confirmations")
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"{self.report_id} still broken ({self.user_id})"
