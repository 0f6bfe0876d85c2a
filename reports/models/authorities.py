"""Authorities, who fix things, and the routing table of where each wants which reports."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _

from reports.models.services import Service

# What an authority's staff may do in the admin (always limited to their own
# authority's reports by the admin's querysets).
STAFF_PERMISSIONS = [
    "view_report",
    "change_report",
    "view_reportupdate",
    "add_reportupdate",
    "view_photo",
    "view_delivery",
    "change_delivery",
    "view_service",
    "view_thread",
    "change_thread",
    "view_comment",
    "change_comment",
    "view_flag",
    "change_flag",
    "view_cannedresponse",
    "add_cannedresponse",
    "change_cannedresponse",
    "delete_cannedresponse",
    # Their authority's webhooks, and the log of what was sent ("retry now").
    "view_webhook",
    "add_webhook",
    "change_webhook",
    "delete_webhook",
    "view_webhookdelivery",
    "change_webhookdelivery",
]


class Authority(models.Model):
    """Who fixes things: a council, a department, a utility."""

    class SendMethod(models.TextChoices):
        EMAIL = "email", _("Email")
        OPEN311 = "open311", _("Open311 upstream")
        NONE = "none", _("None (handled here)")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    email = models.EmailField(_("public contact email"), blank=True)
    phone = models.CharField(_("public phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("A GeoJSON Polygon or MultiPolygon geometry (lon, lat)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    send_method = models.CharField(
        _("send method"), max_length=16, choices=SendMethod, default=SendMethod.EMAIL
    )
    endpoint = models.URLField(_("Open311 endpoint"), blank=True)
    api_key = models.CharField(_("Open311 API key"), max_length=255, blank=True)
    jurisdiction = models.CharField(_("Open311 jurisdiction"), max_length=120, blank=True)
    # Federation with the authority's Open311 back end: the worker does each
    # (delivery/federation.py) and shows how it went under Delivery → upstream syncs.
    import_requests = models.BooleanField(
        _("import requests made elsewhere"),
        default=False,
        help_text=_(
            "Requests made in the back end (by phone, in the city's own app) appear on "
            "the map and lists here, marked with where they came from."
        ),
    )
    sync_services = models.BooleanField(
        _("keep categories in step"),
        default=False,
        help_text=_(
            "The back end's services and their questions become this authority's "
            "categories; one the back end drops is retired, never deleted while it has "
            "reports."
        ),
    )
    push_updates = models.BooleanField(
        _("send residents' comments upstream"),
        default=False,
        help_text=_(
            "Residents' public comments on reports in the back end are sent there as "
            "updates (servicerequestupdates)."
        ),
    )
    # Members of this group are the authority's staff: they answer officially
    # and moderate its reports.
    staff_group = models.OneToOneField(
        Group,
        verbose_name=_("staff group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authority",
    )

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.staff_group_id is None:
            self.staff_group, created = Group.objects.get_or_create(
                name=f"Staff: {self.name}"[:150]
            )
            if created:
                self.staff_group.permissions.set(
                    Permission.objects.filter(codename__in=STAFF_PERMISSIONS)
                )
        super().save(*args, **kwargs)

    def has_staff(self, user) -> bool:
        if not user.is_authenticated or self.staff_group_id is None:
            return False
        return user.groups.filter(pk=self.staff_group_id).exists()

    def active_staff(self):
        """The staff who may act for it: active members of its group with staff status
        (what `reports.access` asks of a staff member)."""
        from django.contrib.auth import get_user_model

        if self.staff_group_id is None:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(
            groups=self.staff_group_id, is_active=True, is_staff=True
        )


class Contact(models.Model):
    """The routing table: where an authority wants one service's reports."""

    authority = models.ForeignKey(
        Authority, verbose_name=_("authority"), on_delete=models.CASCADE, related_name="contacts"
    )
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="contacts"
    )
    email = models.EmailField(_("email"), blank=True)
    upstream_service_code = models.CharField(_("upstream service code"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(fields=["authority", "service"], name="one_contact_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.authority} / {self.service}"
