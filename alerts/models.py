"""Area and category alerts, and what each is about to tell its owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models import Authority, Report, ReportUpdate, Service


class AlertQuerySet(models.QuerySet):
    def active(self):
        return self.filter(confirmed_at__isnull=False)


class Alert(models.Model):
    """ "Email me about new reports" in an area: around a point, an authority's
    area, a drawn polygon, or one service (matching in alerts/matching.py)."""

    class Kind(models.TextChoices):
        RADIUS = "radius", _("Around a point")
        AUTHORITY = "authority", _("An authority's area")
        POLYGON = "polygon", _("An area I draw")
        SERVICE = "service", _("One category, everywhere")

    class Frequency(models.TextChoices):
        INSTANT = "instant", _("As they come")
        DAILY = "daily", _("Once a day")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    email = models.EmailField(_("email"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    radius = models.PositiveIntegerField(_("radius (m)"), null=True, blank=True)
    polygon = models.JSONField(_("area"), null=True, blank=True)
    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), null=True, blank=True, on_delete=models.CASCADE
    )
    service = models.ForeignKey(
        Service, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE
    )
    # The area's bounding box (radius and polygon): the matching query's prefilter.
    west = models.FloatField(null=True, blank=True)
    south = models.FloatField(null=True, blank=True)
    east = models.FloatField(null=True, blank=True)
    north = models.FloatField(null=True, blank=True)
    include_updates = models.BooleanField(_("also updates on reports there"), default=False)
    # For guests; signed-in people follow their account's email preference.
    frequency = models.CharField(
        _("how often"), max_length=8, choices=Frequency, default=Frequency.DAILY
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        db_table = "reports_alert"  # made in the reports app; kept
        verbose_name = _("area alert")
        verbose_name_plural = _("area alerts")
        indexes = [
            models.Index(fields=["kind", "west", "east"]),
            models.Index(fields=["service"]),
            models.Index(fields=["authority"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.describe()}"

    def describe(self) -> str:
        if self.kind == self.Kind.RADIUS:
            return str(_("within %(radius)d m of %(lat).5f, %(lon).5f")) % {
                "radius": self.radius or 0,
                "lat": self.lat or 0,
                "lon": self.lon or 0,
            }
        if self.kind == self.Kind.AUTHORITY and self.authority_id:
            return str(_("reports for %(name)s")) % {"name": self.authority.name}
        if self.kind == self.Kind.SERVICE and self.service_id:
            return str(_("%(service)s reports")) % {"service": self.service.name}
        return str(_("an area you drew"))


class AlertNotice(models.Model):
    """A new report (or update) an alert matched, waiting for the next email."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="pending")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="+")
    update = models.ForeignKey(
        ReportUpdate, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "reports_alertnotice"  # made in the reports app; kept
        verbose_name = _("alert notice")
        verbose_name_plural = _("alert notices")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "report", "update"], name="one_notice_per_match"
            )
        ]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.report_id}"


class AlertCursor(models.Model):
    """How far the alert job has read: the last report and timeline entry matched."""

    name = models.CharField(max_length=40, primary_key=True)
    last_report_id = models.BigIntegerField(default=0)
    last_update_id = models.BigIntegerField(default=0)

    class Meta:
        db_table = "reports_alertcursor"  # made in the reports app; kept

    def __str__(self) -> str:
        return f"{self.name}: {self.last_report_id}/{self.last_update_id}"
