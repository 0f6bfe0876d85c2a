"""Services (Open311 categories) and the questions each one asks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Service(models.Model):
    """An Open311 service: a category of problem a resident can report."""

    class Type(models.TextChoices):
        REALTIME = "realtime", _("Realtime")
        BATCH = "batch", _("Batch")
        BLACKBOX = "blackbox", _("Blackbox")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    group = models.CharField(_("group"), max_length=120, blank=True)
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=Type, default=Type.REALTIME)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # A public promise: reports of this service are due this many working days after
    # they come in (reports/deadlines.py), unless staff set their own date.
    # Defined by this authority's Open311 back end: kept in step with its services.json
    # (delivery/federation.py). Staff may still edit it; the next sync brings it back.
    upstream_authority = models.ForeignKey(
        "reports.Authority",
        verbose_name=_("defined by the back end of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="synced_services",
    )
    target_working_days = models.PositiveSmallIntegerField(
        _("target (working days)"),
        null=True,
        blank=True,
        help_text=_("Working days to fix a report of this category. Shown publicly."),
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["group", "order", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceAttribute(models.Model):
    """An extra question a service asks (Open311 service definition attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Short text")
        NUMBER = "number", _("Number")
        DATETIME = "datetime", _("Date and time")
        TEXT = "text", _("Long text")
        SINGLEVALUELIST = "singlevaluelist", _("One choice from a list")
        MULTIVALUELIST = "multivaluelist", _("Several choices from a list")

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="attributes"
    )
    code = models.SlugField(_("code"), max_length=64)
    datatype = models.CharField(_("datatype"), max_length=20, choices=Datatype)
    required = models.BooleanField(_("required"), default=False)
    # False: informational only, no answer expected (Open311 `variable`).
    variable = models.BooleanField(_("asks for a value"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    description = models.CharField(_("question"), max_length=255)
    datatype_description = models.CharField(_("answer hint"), max_length=255, blank=True)
    values = models.JSONField(
        _("values"),
        default=list,
        blank=True,
        help_text=_('For list datatypes: [{"key": "...", "name": "..."}, ...]'),
    )

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="unique_attribute_code")
        ]

    def __str__(self) -> str:
        return f"{self.service.code}:{self.code}"

    @property
    def is_list(self) -> bool:
        return self.datatype in (self.Datatype.SINGLEVALUELIST, self.Datatype.MULTIVALUELIST)

    def value_name(self, key: str) -> str:
        for value in self.values or []:
            if str(value.get("key")) == str(key):
                return value.get("name", key)
        return key
