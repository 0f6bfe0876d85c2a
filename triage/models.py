"""Ready-made answers of an authority's staff."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reports.models import Authority, Report


class CannedResponseQuerySet(models.QuerySet):
    def for_state(self, state: str):
        """Responses for `state`, and those for any state."""
        return self.filter(Q(state="") | Q(state=state))


class CannedResponse(models.Model):
    """A ready-made public note of an authority's staff, optionally for one status;
    inserted into the note with one click and edited before it is sent."""

    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        on_delete=models.CASCADE,
        related_name="canned_responses",
    )
    state = models.CharField(
        _("for the status"),
        max_length=16,
        choices=Report.State,
        blank=True,
        help_text=_("Offered when this status is chosen; empty: offered for every status."),
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"), max_length=2000)
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = CannedResponseQuerySet.as_manager()

    class Meta:
        db_table = "reports_cannedresponse"  # made in the reports app; kept
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["order", "title", "id"]
        indexes = [models.Index(fields=["authority", "order"])]

    def __str__(self) -> str:
        return self.title
