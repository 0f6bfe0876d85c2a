"""Forms for the reports pages: every input of the web side goes through one of these."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civic import ratelimit
from reports import geocoding, routing
from reports.geocoding import GeocodingError, Place
from reports.models import Authority, Report, ReportUpdate, Service, ServiceAttribute
from reports.photos import ProcessedPhoto, process_photo

ATTRIBUTE_PREFIX = "attribute-"
# A short list reads best as radio buttons; a long one as a select.
RADIO_MAX_CHOICES = 5
DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


# ---------------------------------------------------------------------------
# Photos


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to PHOTOS_PER_REPORT files, each decoded and cleaned by `process_photo`.

    Cleans to a list of `ProcessedPhoto`, so the submit function never sees a raw upload.
    """

    widget = MultipleFileInput

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", "image/jpeg,image/png,image/webp,image/gif")

    def clean(self, data, initial=None) -> list[ProcessedPhoto]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        limit = settings.PHOTOS_PER_REPORT
        if len(files) > limit:
            raise ValidationError(
                ngettext(
                    "You can attach at most %(limit)d photo; you chose %(count)d.",
                    "You can attach at most %(limit)d photos; you chose %(count)d.",
                    limit,
                )
                % {"limit": limit, "count": len(files)},
                code="too_many_photos",
            )
        processed: list[ProcessedPhoto] = []
        errors: list[ValidationError] = []
        for upload in files:
            try:
                super().to_python(upload)  # empty file, over-long name
                processed.append(process_photo(upload))
            except ValidationError as exc:
                errors.append(exc)
        if errors:
            raise ValidationError(errors)
        return processed


# ---------------------------------------------------------------------------
# Service attributes (Open311 "attributes"): one form field per ServiceAttribute


def attribute_field_name(attribute: ServiceAttribute) -> str:
    return f"{ATTRIBUTE_PREFIX}{attribute.code}"


def attribute_form_field(attribute: ServiceAttribute) -> forms.Field:
    """The form field that asks a ServiceAttribute's question, by its datatype."""
    common = {
        "label": attribute.description,
        "required": attribute.required,
        "help_text": attribute.datatype_description,
    }
    Datatype = ServiceAttribute.Datatype
    choices = [(str(v.get("key")), v.get("name") or str(v.get("key"))) for v in attribute.values]
    match attribute.datatype:
        case Datatype.NUMBER:
            return forms.DecimalField(
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}), **common
            )
        case Datatype.DATETIME:
            return forms.DateTimeField(
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT
                ),
                input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
                **common,
            )
        case Datatype.TEXT:
            return forms.CharField(
                widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, **common
            )
        case Datatype.SINGLEVALUELIST:
            if len(choices) <= RADIO_MAX_CHOICES:
                return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
            return forms.ChoiceField(
                choices=[("", _("Choose one…")), *choices], widget=forms.Select, **common
            )
        case Datatype.MULTIVALUELIST:
            return forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        case _:
            return forms.CharField(max_length=255, **common)


def attribute_answer(value) -> str | int | float | list[str] | None:
    """A cleaned answer as stored in Report.attributes (JSON): None means "not answered".

    Numbers are stored as JSON numbers, date-times as ISO 8601 strings, list answers
    as their keys (a list of keys for multivaluelist).
    """
    if value in (None, "", [], ()):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value).strip() or None


# ---------------------------------------------------------------------------
# The new-report form


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return obj.name


def grouped_service_choices(services: Iterable[Service]) -> list:
    """[("", placeholder), (group, [(code, name), ...]), ...] for a <select> with optgroups."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for service in services:
        groups.setdefault(service.group, []).append((service.code, service.name))
    if list(groups) == [""]:
        return [("", _("Choose a category…")), *groups[""]]
    ungrouped = groups.pop("", [])
    if ungrouped:
        groups[_("Other")] = ungrouped
    return [("", _("Choose a category…")), *groups.items()]


class ReportForm(forms.Form):
    """The web form for a new report: everything `submit_report` needs, validated.

    The service's attribute fields are added from the chosen service (from the posted
    data, or `service=` for the htmx fragment), so required questions are enforced here.

    `geocode_as` (the user's id) lets a report without a pin be placed from its address
    when address search is on; the searches count against that user's "geocode" rate
    limit. After validation, `placed_at` is the place used, and `places` the choices
    when the address matched several.
    """

    service = ServiceChoiceField(
        label=gettext_lazy("Category"),
        queryset=Service.objects.none(),
        to_field_name="code",
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Choose the category that fits the problem best."),
            "invalid_choice": gettext_lazy("Choose one of the categories in the list."),
        },
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label=gettext_lazy("Address or place"),
        max_length=255,
        required=False,
        help_text=gettext_lazy(
            "For example a street and house number, or “outside the library”. "
            "Shown publicly with the report."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=120,
        help_text=gettext_lazy("A short summary, such as “Deep pothole by the bus stop”."),
        error_messages={"required": gettext_lazy("Give your report a short title.")},
    )
    description = forms.CharField(
        label=gettext_lazy("What is wrong?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Everything that helps to find and fix it. Public."),
    )
    photos = PhotosField(label=gettext_lazy("Photos"))
    name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=gettext_lazy("Sent to those responsible; shown publicly only if you say so."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("Never shown publicly; only sent to those responsible."),
    )
    show_name = forms.BooleanField(
        label=gettext_lazy("Show my name publicly on this report"),
        required=False,
        help_text=gettext_lazy("Otherwise the report shows “Anonymous”."),
    )

    field_order = [
        "service",
        "lat",
        "lon",
        "address",
        "title",
        "description",
        "photos",
        "name",
        "phone",
        "show_name",
    ]

    def __init__(
        self,
        *args,
        service: Service | None = None,
        geocode_as: object | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.geocode_as = geocode_as
        self.placed_at: Place | None = None
        self.places: list[Place] = []
        if geocoding.is_enabled():
            self.fields["address"].help_text = _(
                "For example a street and house number, or “outside the library”. Shown "
                "publicly with the report. Press “Find this address” to place the pin from it."
            )
        self.fields["photos"].help_text = _(
            "Up to %(count)d photos, %(size)s each. Location data and other metadata are "
            "removed before anything is stored."
        ) % {"count": settings.PHOTOS_PER_REPORT, "size": filesizeformat(settings.PHOTO_MAX_BYTES)}
        # htmx: the category's questions and the photo's location load as the user goes.
        self.fields["service"].widget.attrs.update(
            {
                "hx-get": reverse("reports:service-fields"),
                "hx-trigger": "change",
                "hx-target": "#service-fields",
            }
        )
        self.fields["photos"].widget.attrs.update(
            {
                "hx-post": reverse("reports:photo-location"),
                "hx-trigger": "change",
                "hx-target": "#photo-location",
                "hx-encoding": "multipart/form-data",
                "hx-params": "photos",
                "hx-indicator": "#photo-reading",
            }
        )
        services = list(Service.objects.filter(is_active=True).prefetch_related("attributes"))
        field = self.fields["service"]
        field.queryset = Service.objects.filter(is_active=True)
        field.choices = grouped_service_choices(services)
        if service is None:
            code = self.data.get("service") if self.is_bound else self.initial.get("service")
            code = getattr(code, "code", code)
            service = next((s for s in services if s.code == code), None)
        self.chosen_service = service
        self.information: list[ServiceAttribute] = []
        self.attribute_names: list[str] = []
        if service is not None:
            for attribute in service.attributes.all():
                if not attribute.variable:
                    self.information.append(attribute)
                    continue
                name = attribute_field_name(attribute)
                self.fields[name] = attribute_form_field(attribute)
                self.attribute_names.append(name)

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.attribute_names]

    @property
    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("title", "description")]

    def clean(self) -> dict:
        cleaned = super().clean()
        self._clean_location(cleaned)
        if cleaned.get("show_name") and not cleaned.get("name", "").strip():
            self.add_error(
                "name",
                ValidationError(
                    _("Type the name to show, or untick “Show my name publicly”."),
                    code="name_required",
                ),
            )
        return cleaned

    def _clean_location(self, cleaned: dict) -> None:
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        if lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon):
            if not routing.in_service_area(lat, lon):
                self.add_error(
                    "lat",
                    ValidationError(
                        _(
                            "This place is outside the area we cover, so nobody here could fix "
                            "it. Move the pin to a place inside the area shown on the map."
                        ),
                        code="outside_area",
                    ),
                )
            return
        address = cleaned.get("address", "").strip()
        searchable = self.geocode_as is not None and geocoding.is_enabled()
        if address and searchable:
            self._place_from_address(cleaned, address)
            return
        if address:
            message = _(
                "Please also place the pin on the map. We keep the address you typed and "
                "show it with the report, but the pin tells those responsible exactly where "
                "the problem is. Without a mouse: move the map with the arrow keys and press "
                "“Place pin at map centre”, or press “Use my location”."
            )
        elif searchable:
            message = _(
                "Place the pin on the map where the problem is: click or tap the map, press "
                "“Use my location”, or type the address and press “Find this address”."
            )
        else:
            message = _(
                "Place the pin on the map where the problem is: click or tap the map, or "
                "press “Use my location”. Without a mouse: move the map with the arrow keys "
                "and press “Place pin at map centre”."
            )
        self.add_error("lat", ValidationError(message, code="no_location"))

    def _place_from_address(self, cleaned: dict, address: str) -> None:
        """No pin but an address: use the one place it matches, or explain why not."""
        values = {"address": address}
        if ratelimit.hit("geocode", self.geocode_as):
            error = ValidationError(
                _(
                    "You searched for many addresses in a short time, so we did not look up "
                    "“%(address)s”. Place the pin on the map, or send again in a few minutes."
                ),
                code="geocode_rate_limited",
                params=values,
            )
        else:
            try:
                places = geocoding.search(address)
            except GeocodingError:
                places = None
            if places is None:
                error = ValidationError(
                    _(
                        "We could not look up “%(address)s” just now: the address search is not "
                        "answering. Place the pin on the map instead; everything you typed is kept."
                    ),
                    code="geocoding_failed",
                    params=values,
                )
            elif len(places) == 1:
                self.placed_at = places[0]
                cleaned["lat"], cleaned["lon"] = places[0].lat, places[0].lon
                return
            elif places:
                self.places = places
                error = ValidationError(
                    _(
                        "Several places match “%(address)s”. Choose the right one below (“Put "
                        "the pin here”), or place the pin on the map."
                    ),
                    code="address_ambiguous",
                    params=values,
                )
            else:
                error = ValidationError(
                    _(
                        "We could not find “%(address)s” in the area we cover. Check the spelling, "
                        "add the street number or district, or place the pin on the map."
                    ),
                    code="address_not_found",
                    params=values,
                )
        self.add_error("lat", error)

    def attribute_answers(self) -> dict:
        answers = {}
        for name in self.attribute_names:
            answer = attribute_answer(self.cleaned_data.get(name))
            if answer is not None:
                answers[name.removeprefix(ATTRIBUTE_PREFIX)] = answer
        return answers

    def submit_kwargs(self) -> dict:
        """Keyword arguments for `reports.actions.submit_report` (add the reporter)."""
        data = self.cleaned_data
        return {
            "service": data["service"],
            "lat": round(data["lat"], 6),
            "lon": round(data["lon"], 6),
            "title": data["title"].strip(),
            "description": data["description"].strip(),
            "address": data["address"].strip(),
            "attributes": self.attribute_answers(),
            "contact_name": data["name"].strip(),
            "contact_phone": data["phone"].strip(),
            "show_name": data["show_name"],
            "photos": data["photos"],
        }


class PhotoLocationForm(forms.Form):
    """The photos chosen on the new-report form, posted early to read their GPS position."""

    photos = PhotosField(required=True)

    def location(self) -> tuple[float, float] | None:
        for processed in self.cleaned_data["photos"]:
            if processed.gps:
                return processed.gps
        return None


# ---------------------------------------------------------------------------
# Staff answering on the report page

STAFF_NOTE_MAX_LENGTH = 2000
# "Expected by Friday" means by the end of Friday, in the site's time zone.
EXPECTED_TIME_OF_DAY = time(23, 59)


class StaffUpdateForm(forms.Form):
    """A staff member's public answer on the report page: a new status, a note, or both,
    and the day the fix is expected by.

    `save(by=…)` applies it through the report's state methods, which write the official
    timeline entry and tell the followers.
    """

    state = forms.ChoiceField(label=gettext_lazy("Status"), choices=Report.State.choices)
    duplicate_of = forms.CharField(
        label=gettext_lazy("Original report number"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "Only for “Duplicate”: the number of the report this one repeats, such as 123."
        ),
    )
    note = forms.CharField(
        label=gettext_lazy("Public note"),
        required=False,
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Shown on this page and sent to everyone who follows the report. Needed when the "
            "status stays the same. Up to 2,000 characters."
        ),
    )
    expected_at = forms.DateField(
        label=gettext_lazy("Expected by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The day you expect it to be fixed. Shown with the report."),
    )

    def __init__(self, *args, report: Report, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        # The report page has other forms: keep this one's ids apart.
        kwargs.setdefault("auto_id", "staff-%s")
        self.report = report
        self.current_expected: date | None = (
            timezone.localdate(report.expected_at) if report.expected_at else None
        )
        kwargs["initial"] = {
            "state": report.state,
            "duplicate_of": report.duplicate_of_id or "",
            "expected_at": self.current_expected,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.fields["state"].help_text = _("Now “%(state)s”. Keep it to add a note only.") % {
            "state": report.get_state_display()
        }
        self.original: Report | None = None

    def clean_duplicate_of(self) -> int | None:
        raw = self.cleaned_data["duplicate_of"].strip().removeprefix("#").strip()
        if not raw:
            return None
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise ValidationError(
                _("Type the number of the original report, such as 123."), code="invalid"
            )
        return number

    def clean_expected_at(self) -> date | None:
        day = self.cleaned_data["expected_at"]
        # A date set earlier may have passed; only a newly chosen one must be ahead.
        if day is not None and day != self.current_expected and day < timezone.localdate():
            raise ValidationError(
                _("The expected date cannot be in the past."), code="expected_in_past"
            )
        return day

    def clean(self) -> dict:
        cleaned = super().clean()
        state = cleaned.get("state")
        if state == Report.State.DUPLICATE and "duplicate_of" in cleaned:
            self._clean_original(cleaned["duplicate_of"])
        if state == self.report.state and "note" in cleaned and not cleaned["note"]:
            self.add_error(
                "note",
                ValidationError(
                    _("Write a public note, or choose a new status."), code="note_required"
                ),
            )
        return cleaned

    def _clean_original(self, number: int | None) -> None:
        if number is None:
            message = _("Type the number of the report this one repeats.")
        elif number == self.report.pk:
            message = _("A report cannot be a duplicate of itself. Type the original's number.")
        else:
            self.original = Report.objects.visible().filter(pk=number).first()
            if self.original is not None:
                return
            message = _(
                "There is no public report #%(number)d. Check the number on the original "
                "report's page."
            ) % {"number": number}
        self.add_error("duplicate_of", ValidationError(message, code="invalid_original"))

    @transaction.atomic
    def save(self, *, by) -> ReportUpdate:
        """Apply the answer; returns the new timeline entry."""
        report, data = self.report, self.cleaned_data
        if data["expected_at"] != self.current_expected:
            report.expected_at = (
                timezone.make_aware(datetime.combine(data["expected_at"], EXPECTED_TIME_OF_DAY))
                if data["expected_at"]
                else None
            )
            report.save(update_fields=["expected_at"])
        if data["state"] == Report.State.DUPLICATE:
            return report.mark_duplicate(self.original, by=by, note=data["note"])
        return report.set_state(data["state"], by=by, note=data["note"])


# ---------------------------------------------------------------------------
# Reading: location queries, list filters, map bounds


class PointForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)


class AddressSearchForm(forms.Form):
    """The address typed on the new-report form, searched with "Find this address"."""

    address = forms.CharField(
        max_length=255,
        error_messages={
            "required": gettext_lazy("Type an address or a place first, then press “Find”."),
        },
    )

    def clean_address(self) -> str:
        return " ".join(self.cleaned_data["address"].split())


class PinForm(forms.Form):
    """pin=lat,lon: the place a resident chose from the address search without JavaScript."""

    pin = forms.CharField(max_length=60)

    def clean_pin(self) -> tuple[float, float]:
        try:
            lat, lon = (float(part) for part in self.cleaned_data["pin"].split(","))
        except ValueError as exc:
            raise ValidationError(_("pin must be lat,lon."), code="pin_format") from exc
        if not routing.in_service_area(lat, lon):
            raise ValidationError(_("pin is outside the service area."), code="outside_area")
        return lat, lon


STATE_GROUPS = {"open": Report.OPEN_STATES, "closed": Report.CLOSED_STATES}


class ReportFilterForm(forms.Form):
    """The filters of the report list, shared with the map's GeoJSON."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("Words in title or address")}
        ),
    )
    service = forms.SlugField(
        label=gettext_lazy("Category"), required=False, widget=forms.Select, max_length=64
    )
    state = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Any status")),
            ("open", gettext_lazy("Open (not yet fixed)")),
            ("closed", gettext_lazy("Fixed or closed")),
            (gettext_lazy("One status"), Report.State.choices),
        ],
    )

    def __init__(self, *args, services: Iterable[Service] | None = None, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if services is not None:
            choices = grouped_service_choices(services)
            choices[0] = ("", _("All categories"))
            self.fields["service"].widget.choices = choices

    def filter(self, reports: QuerySet[Report]) -> QuerySet[Report]:
        data = self.cleaned_data
        if data.get("service"):
            reports = reports.filter(service__code=data["service"])
        state = data.get("state")
        if state in STATE_GROUPS:
            reports = reports.filter(state__in=STATE_GROUPS[state])
        elif state:
            reports = reports.filter(state=state)
        if text := data.get("q", "").strip():
            reports = reports.filter(
                Q(title__icontains=text)
                | Q(description__icontains=text)
                | Q(address__icontains=text)
            )
        return reports

    def querystring(self) -> str:
        """The active filters as a query string, for links that must keep them."""
        if not self.is_valid():
            return ""
        return urlencode({k: v for k, v in self.cleaned_data.items() if v})


class MapFilterForm(ReportFilterForm):
    """Filters plus the map's bounds: bbox=west,south,east,north (WGS84 degrees)."""

    bbox = forms.CharField(max_length=200)

    def clean_bbox(self) -> tuple[float, float, float, float]:
        raw = self.cleaned_data["bbox"]
        try:
            west, south, east, north = (float(part) for part in raw.split(","))
        except ValueError as exc:
            raise ValidationError(
                _("bbox must be four numbers: west,south,east,north."), code="bbox_format"
            ) from exc
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise ValidationError(_("bbox must be finite numbers."), code="bbox_format")
        if not (-90 <= south < north <= 90):
            raise ValidationError(
                _("bbox latitudes must be between -90 and 90, south below north."),
                code="bbox_range",
            )
        if not (-180 <= west < east <= 180):
            raise ValidationError(
                _("bbox longitudes must be between -180 and 180, west left of east."),
                code="bbox_range",
            )
        return west, south, east, north


# ---------------------------------------------------------------------------
# Admin


def validate_boundary(value) -> dict | None:
    """A GeoJSON Polygon or MultiPolygon (a Feature is unwrapped), valid for shapely."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if value in (None, "", {}):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValidationError(_("This is not valid JSON: %s") % exc, code="json") from exc
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(
            _(
                'The boundary must be a GeoJSON geometry of type "Polygon" or "MultiPolygon", '
                'such as {"type": "Polygon", "coordinates": [[[lon, lat], …]]}.'
            ),
            code="geometry_type",
        )
    try:
        geometry = shape(value)
    except Exception as exc:  # shapely raises many types for bad coordinates
        raise ValidationError(
            _("The coordinates do not describe a polygon: %s") % exc, code="geometry_invalid"
        ) from exc
    if geometry.is_empty:
        raise ValidationError(_("The boundary is empty."), code="geometry_empty")
    if not geometry.is_valid:
        raise ValidationError(
            _("The boundary is not a valid polygon: %s") % explain_validity(geometry),
            code="geometry_invalid",
        )
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ValidationError(
            _("Coordinates must be longitude, latitude in degrees (in that order)."),
            code="geometry_range",
        )
    return value


class AuthorityAdminForm(forms.ModelForm):
    website = forms.URLField(label=gettext_lazy("website"), required=False, assume_scheme="https")
    endpoint = forms.URLField(
        label=gettext_lazy("Open311 endpoint"), required=False, assume_scheme="https"
    )
    boundary = forms.JSONField(
        label=gettext_lazy("boundary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "A GeoJSON Polygon or MultiPolygon in longitude, latitude order "
            "(for example drawn on geojson.io). Leave empty for an authority without an area."
        ),
    )

    class Meta:
        model = Authority
        fields = (
            "name",
            "slug",
            "is_active",
            "email",
            "phone",
            "website",
            "boundary",
            "send_method",
            "endpoint",
            "api_key",
            "jurisdiction",
            "staff_group",
        )

    def clean_boundary(self):
        return validate_boundary(self.cleaned_data.get("boundary"))


class ReportAdminForm(forms.ModelForm):
    """The report change form, plus a state change with a public note for the timeline."""

    new_state = forms.ChoiceField(
        label=gettext_lazy("Change status to"),
        required=False,
        choices=[("", gettext_lazy("(keep the current status)")), *Report.State.choices],
    )
    media_url = forms.URLField(
        label=gettext_lazy("external media URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )
    public_note = forms.CharField(
        label=gettext_lazy("Public note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=gettext_lazy(
            "Shown on the report's public timeline, marked “Official” when you are staff of "
            "the responsible authority."
        ),
    )

    class Meta:
        model = Report
        fields = (
            "title",
            "service",
            "description",
            "address",
            "lat",
            "lon",
            "attributes",
            "authority",
            "expected_at",
            "duplicate_of",
            "is_hidden",
            "reporter",
            "contact_name",
            "contact_email",
            "contact_phone",
            "show_name",
            "media_url",
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        new_state = cleaned.get("new_state")
        if new_state == Report.State.DUPLICATE and not cleaned.get(
            "duplicate_of", getattr(self.instance, "duplicate_of", None)
        ):
            self.add_error(
                "new_state",
                _("To mark a report as a duplicate, choose the original in “duplicate of”."),
            )
        return cleaned
