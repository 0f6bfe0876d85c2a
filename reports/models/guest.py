"""Reports from people without an account, held until their email is confirmed."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports.models.report import Report
from reports.models.services import Service


def pending_photo_path(instance: PendingPhoto, filename: str) -> str:
    return f"pending/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.jpg"


class PendingReport(models.Model):
    """A report sent without an account, held until its email address is confirmed.

    Not a Report yet: it is nowhere public, in no API answer, and reaches nobody. The
    confirmation link turns it into a report through `submit_report`; an unconfirmed one
    is deleted with its photos when it expires (reports.guest).
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    show_name = models.BooleanField(_("show name publicly"), default=False)
    service = models.ForeignKey(
        Service, verbose_name=_("category"), on_delete=models.CASCADE, related_name="+"
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    report = models.OneToOneField(
        Report,
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("report awaiting confirmation")
        verbose_name_plural = _("reports awaiting confirmation")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.email})"


class PendingPhoto(models.Model):
    """A processed photo of a pending report (already stripped of its metadata)."""

    pending = models.ForeignKey(PendingReport, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=pending_photo_path)
    thumbnail = models.ImageField(upload_to=pending_photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.image.name
