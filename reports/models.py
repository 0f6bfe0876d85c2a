from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.models import RetriedWork, display_name


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


class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def get_for_key(self, raw: str) -> ApiKey | None:
        if not raw:
            return None
        return self.active().filter(key_hash=ApiKey.hash(raw)).first()


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


def new_token() -> str:
    """The Open311 token of a report: 32 hex characters."""
    return secrets.token_hex(16)


# A bounding box larger than this share of the service area counts as large.
LARGE_BBOX_SHARE = 0.05


def _service_area_size() -> float:
    west, south, east, north = settings.SERVICE_AREA
    return (north - south) * (east - west)


class ReportQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)

    def open(self):
        return self.filter(state__in=Report.OPEN_STATES)

    def closed(self):
        return self.filter(state__in=Report.CLOSED_STATES)

    def with_due(self):
        """Annotates `due_at`: the staff's expected date, else the service's target."""
        return self.annotate(due_at=Coalesce("expected_at", "target_at"))

    def overdue(self, now: datetime | None = None):
        """Open reports whose due time has passed. (Spelled out rather than filtered on
        `due_at`, so the database can use the target_at index.)"""
        now = now or timezone.now()
        return self.open().filter(
            Q(expected_at__lt=now) | Q(expected_at__isnull=True, target_at__lt=now)
        )

    def in_bbox(self, west: float, south: float, east: float, north: float):
        if (north - south) * (east - west) < LARGE_BBOX_SHARE * _service_area_size():
            return self.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
        # A box over much of the area matches most reports. Filtering on an
        # expression keeps the database off the lat/lon index, so a newest-first
        # query walks the requested_at index and stops at its LIMIT instead of
        # sorting every match (10 ms instead of 200 ms on 100,000 reports).
        return self.alias(
            box_lat=ExpressionWrapper(F("lat") + 0.0, output_field=models.FloatField()),
            box_lon=ExpressionWrapper(F("lon") + 0.0, output_field=models.FloatField()),
        ).filter(box_lat__gte=south, box_lat__lte=north, box_lon__gte=west, box_lon__lte=east)


class Report(models.Model):
    """One service request: a problem in public space, public from the start."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        IN_PROGRESS = "in_progress", _("In progress")
        FIXED = "fixed", _("Fixed")
        CLOSED = "closed", _("Closed")
        DUPLICATE = "duplicate", _("Duplicate")

    class Source(models.TextChoices):
        WEB = "web", _("Website")
        API = "api", _("Open311 API")
        IMPORT = "import", _("Import")

    OPEN_STATES = (State.SUBMITTED, State.ACKNOWLEDGED, State.IN_PROGRESS)
    CLOSED_STATES = (State.FIXED, State.CLOSED, State.DUPLICATE)

    service = models.ForeignKey(
        Service, verbose_name=_("category"), on_delete=models.PROTECT, related_name="reports"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # Empty only while the location is to be confirmed: an Open311 request that sent an
    # address nobody could find. Such a report is listed but not mapped until staff place it.
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    address_id = models.CharField(_("address id"), max_length=120, blank=True)
    zipcode = models.CharField(_("postcode"), max_length=20, blank=True)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    # Private: never shown publicly, never in API output; only sent to the authority.
    contact_name = models.CharField(_("reporter's name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("reporter's email"), blank=True)
    contact_phone = models.CharField(_("reporter's phone"), max_length=40, blank=True)
    device_id = models.CharField(_("device id"), max_length=120, blank=True)
    account_id = models.CharField(_("account id"), max_length=120, blank=True)
    show_name = models.BooleanField(_("show name publicly"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.SUBMITTED)
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("responsible authority"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    requested_at = models.DateTimeField(_("reported"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    expected_at = models.DateTimeField(_("expected"), null=True, blank=True)
    # When the service's target says it is due (reports/deadlines.py); `expected_at`,
    # the staff's own date, wins over it.
    target_at = models.DateTimeField(_("target"), null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    is_hidden = models.BooleanField(_("hidden"), default=False)
    # The colleague of the authority's staff who looks after it (never shown publicly).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_reports",
    )
    # Public: how many times it was reopened after being fixed or closed.
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.WEB)
    api_key = models.ForeignKey(
        ApiKey,
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    media_url = models.URLField(_("external media URL"), max_length=500, blank=True)
    token = models.CharField(max_length=32, unique=True, default=new_token)
    thread = models.OneToOneField(
        "discussions.Thread",
        verbose_name=_("discussion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report",
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["lat", "lon"]),
            models.Index(fields=["-requested_at", "-id"]),
            models.Index(fields=["-updated_at"]),
            models.Index(fields=["state", "-requested_at"]),
            models.Index(fields=["service", "-requested_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def due_at(self) -> datetime | None:
        """When it is due: the staff's expected date, else the service's target."""
        return self.expected_at or self.target_at

    @due_at.setter
    def due_at(self, value) -> None:
        # `ReportQuerySet.with_due()` annotates the same value; the fields decide.
        pass

    def is_overdue(self, now: datetime | None = None) -> bool:
        due = self.due_at
        return bool(self.is_open and due is not None and due < (now or timezone.now()))

    @property
    def clock(self) -> str:
        """ "due in 2 days", "3 days overdue", "fixed within target" (or empty)."""
        from reports.deadlines import clock_text

        return clock_text(self)

    @property
    def has_location(self) -> bool:
        """False while the location is to be confirmed (no point on the map yet)."""
        return self.lat is not None and self.lon is not None

    @property
    def open311_status(self) -> str:
        return "open" if self.is_open else "closed"

    @property
    def public_name(self) -> str:
        """The reporter as shown publicly: their display name when they chose to be
        named (the name they gave, for guests and Open311 clients), else "Anonymous"."""
        if self.show_name:
            if self.reporter_id and display_name(self.reporter):
                return display_name(self.reporter)
            if self.contact_name:
                return self.contact_name
            if self.reporter_id and self.reporter.first_name:
                return self.reporter.get_full_name()
        return str(_("Anonymous"))

    def answers(self) -> list[dict]:
        """The attribute answers as (question text, answer value names) pairs, in the
        service's order: what pages and emails show. Reads `service.attributes`
        (prefetch it for a list). Never iterate `attributes.items` in a template: an
        answer whose code is "items" shadows the dict method."""
        answers = []
        stored = self.attributes if isinstance(self.attributes, dict) else {}
        for attribute in self.service.attributes.all():
            if attribute.code not in stored:
                continue
            value = stored[attribute.code]
            if attribute.datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
                values = value if isinstance(value, list) else [value]
                value = ", ".join(str(attribute.value_name(v)) for v in values)
            elif attribute.datatype == ServiceAttribute.Datatype.SINGLEVALUELIST:
                value = attribute.value_name(value)
            elif attribute.datatype == ServiceAttribute.Datatype.DATETIME:
                with contextlib.suppress(ValueError, TypeError):
                    value = datetime.fromisoformat(str(value))
            answers.append(
                {
                    "question": attribute.description,
                    "value": value,
                    "is_datetime": isinstance(value, datetime),
                }
            )
        return answers

    # Changes after submission go through reports/actions.py (which locks the row,
    # keeps the thread in step, logs and notifies); these are short names for them.

    def set_state(
        self, state: str, *, by=None, note: str = "", is_official: bool | None = None
    ) -> ReportUpdate:
        """Move to `state` (or just add a note): `reports.actions.change_state`."""
        from reports.actions import change_state

        return change_state(self, state, by=by, note=note, is_official=is_official)

    def acknowledge(self, *, by=None, note: str = "") -> ReportUpdate:
        return self.set_state(self.State.ACKNOWLEDGED, by=by, note=note)

    def start(self, *, by=None, note: str = "") -> ReportUpdate:
        return self.set_state(self.State.IN_PROGRESS, by=by, note=note)

    def fix(self, *, by=None, note: str = "") -> ReportUpdate:
        return self.set_state(self.State.FIXED, by=by, note=note)

    def close(self, *, by=None, note: str = "") -> ReportUpdate:
        return self.set_state(self.State.CLOSED, by=by, note=note)

    def reopen(self, *, by=None, note: str = "") -> ReportUpdate:
        return self.set_state(self.State.SUBMITTED, by=by, note=note)

    def mark_duplicate(self, original: Report, *, by=None, note: str = "") -> ReportUpdate:
        """`reports.actions.mark_duplicate`."""
        from reports.actions import mark_duplicate

        return mark_duplicate(self, original, by=by, note=note)


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
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["order", "title", "id"]
        indexes = [models.Index(fields=["authority", "order"])]

    def __str__(self) -> str:
        return self.title


def photo_path(instance: Photo, filename: str) -> str:
    return f"photos/{timezone.now():%Y/%m}/{secrets.token_hex(12)}.jpg"


def thumbnail_path(instance: Photo, filename: str) -> str:
    return f"photos/{timezone.now():%Y/%m}/{secrets.token_hex(12)}-thumb.jpg"


class Photo(models.Model):
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("image"), upload_to=photo_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=thumbnail_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.image.name


class ReportUpdate(models.Model):
    """One entry of a report's public timeline: a state change, a note, or both."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(_("new state"), max_length=16, choices=Report.State, blank=True)
    note = models.TextField(_("public note"), blank=True)
    is_official = models.BooleanField(_("official"), default=False)
    external_id = models.CharField(_("upstream id"), max_length=120, blank=True)
    # A picture the authority's back office sent with its update (Open311 media_url).
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("report update")
        verbose_name_plural = _("report updates")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["report", "created_at"]),
            # servicerequestupdates: the public updates of a time window, in order.
            models.Index(fields=["created_at", "id"]),
            # A back office's update_id, looked up to keep its POSTs idempotent.
            models.Index(fields=["external_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.state or 'note'}"


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
        verbose_name = _("reopen notice")
        verbose_name_plural = _("reopen notices")
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.report_id} reopened → {self.authority}"


class AlertQuerySet(models.QuerySet):
    def active(self):
        return self.filter(confirmed_at__isnull=False)


class Alert(models.Model):
    """ "Email me about new reports" in an area: around a point, an authority's
    area, a drawn polygon, or one service (matching in reports/alerts.py)."""

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

    def __str__(self) -> str:
        return f"{self.name}: {self.last_report_id}/{self.last_update_id}"


class PlaceQuerySet(models.QuerySet):
    def in_bbox(self, west: float, south: float, east: float, north: float):
        return self.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)


class Place(models.Model):
    """The embedded gazetteer: a named point (street, landmark, postcode) for address
    search and reverse lookup with no network. See reports/places.py."""

    class Kind(models.TextChoices):
        STREET = "street", _("Street")
        LANDMARK = "landmark", _("Landmark")
        POSTCODE = "postcode", _("Postcode")

    name = models.CharField(_("name"), max_length=200)
    # Accents and case removed, abbreviations expanded (reports.places.normalise).
    search_name = models.CharField(_("search name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.STREET)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # The source's own id (an OpenStreetMap id, an address register's id): Open311 address_id.
    ref = models.CharField(_("reference"), max_length=120, blank=True, db_index=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        indexes = [models.Index(fields=["lat", "lon"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "search_name", "lat", "lon"], name="one_place_per_point"
            )
        ]

    def __str__(self) -> str:
        return self.name


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


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class Webhook(models.Model):
    """An authority's receiver of report events: each one is POSTed there, signed with
    the secret (reports/webhooks.py; documented on the Open311 page)."""

    class Event(models.TextChoices):
        CREATED = "report.created", _("A report is created")
        UPDATED = "report.updated", _("A report is updated")
        REOPENED = "report.reopened", _("A report is reopened")

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
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.report_id} → {self.webhook_id}"
