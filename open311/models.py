"""Open311 clients and their keys."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic import rows
from reports.models import Authority


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def get_for_key(self, raw: str) -> ApiKey | None:
        """The active key `raw` is, or None. Plain SQL: every Open311 POST asks, and
        building this one-row lookup through the ORM cost more than running it."""
        if not raw:
            return None
        if self.query.where or self.query.select_related:
            # Narrowed or joined by the caller: the ORM honours that.
            return self.active().filter(key_hash=ApiKey.hash(raw)).first()
        return rows.select_one(
            self.model, "key_hash = %s AND is_active", [ApiKey.hash(raw)], using=self.db
        )


class ApiKey(models.Model):
    """An Open311 client. Only a hash of the key is stored."""

    name = models.CharField(_("name"), max_length=120)
    contact_email = models.EmailField(_("contact email"), blank=True)
    prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    can_post = models.BooleanField(_("may submit requests"), default=True)
    # An authority's back office: it may post updates (POST servicerequestupdates) to
    # that authority's reports, speaking officially for it.
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text=_("Only for an authority's own back office."),
    )
    can_post_updates = models.BooleanField(_("may post updates for its authority"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        db_table = "reports_apikey"  # made in the reports app; kept
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def create_key(cls, name: str, **fields) -> tuple[ApiKey, str]:
        """Make a key; the raw key is returned once and never stored."""
        raw = secrets.token_urlsafe(24)
        key = cls.objects.create(name=name, prefix=raw[:8], key_hash=cls.hash(raw), **fields)
        return key, raw
