"""The report itself, its photos and its public timeline."""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.links import reverse_id
from civic.models import display_name, indexed_where_set
from places import geo
from reports.models.authorities import Authority
from reports.models.services import Service, ServiceAttribute


def new_token() -> str:
    """The Open311 token of a report: 32 hex characters."""
    return secrets.token_hex(16)


# A bounding box larger than this share of the service area counts as large.
LARGE_BBOX_SHARE = 0.05


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
        if (north - south) * (east - west) < LARGE_BBOX_SHARE * geo.service_area_size():
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
        # Made in the authority's own Open311 system and brought here (federation).
        UPSTREAM = "upstream", _("The authority's own system")

    OPEN_STATES = (State.SUBMITTED, State.ACKNOWLEDGED, State.IN_PROGRESS)
    CLOSED_STATES = (State.FIXED, State.CLOSED, State.DUPLICATE)

    # Indexed as the first column of ("service", "requested_at") below: an index of its
    # own would be one more to write with every report and never the better one to read.
    service = models.ForeignKey(
        Service,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="reports",
        db_index=False,
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
        db_index=False,  # indexed where set: Meta.indexes
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
        db_index=False,  # indexed where set: Meta.indexes
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
        db_index=False,  # indexed where set: Meta.indexes
        related_name="assigned_reports",
    )
    # Public: how many times it was reopened after being fixed or closed.
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    source = models.CharField(_("source"), max_length=16, choices=Source, default=Source.WEB)
    # The Open311 client it came through. Named by string: open311 sits above reports.
    api_key = models.ForeignKey(
        "open311.ApiKey",
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,  # indexed where set: Meta.indexes
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
        # Ascending, though lists read newest first: both databases read an index
        # backwards as fast. A descending one gets each new row at its left end, where
        # SQLite's B-tree has no append path: it rebalances three pages every other
        # insert, inside the write lock.
        indexes = [
            models.Index(fields=["lat", "lon"]),
            models.Index(fields=["requested_at", "id"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["state", "requested_at"]),
            models.Index(fields=["service", "requested_at"]),
            *indexed_where_set("report", "reporter", "duplicate_of", "assignee", "api_key"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse_id("reports:detail", self.pk)

    @property
    def made_upstream(self) -> bool:
        """Made in the responsible authority's own system and brought here."""
        return self.source == self.Source.UPSTREAM

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

    # Changes after submission go through reports/actions/ (which locks the row,
    # keeps the thread in step, logs and notifies), never through a method here.


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

    # Indexed as the first column of ("report", "created_at") below.
    report = models.ForeignKey(
        Report,
        verbose_name=_("report"),
        on_delete=models.CASCADE,
        related_name="updates",
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed where set (the worker's and the API's updates have none)
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
            *indexed_where_set("reportupdate", "author"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.state or 'note'}"
