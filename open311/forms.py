"""Input of the GeoReport v2 API: the POST service request and the GET filters.

Every value goes through a form; the errors become the spec's error list.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.forms import DeclarativeFieldsMetaclass
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import Truncator

from civic.form_fields import shares_fields
from places import gazetteer as places
from places import geo
from places.geo import in_service_area
from reports.forms.fields import attribute_answer, attribute_form_field
from reports.models import Report, Service, ServiceAttribute
from reports.photos import ProcessedPhoto, process_photo

# The spec: the default query window, and the longest a start/end range may span.
WINDOW = dt.timedelta(days=90)
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
MAX_IDS = 1000
DEFAULT_RADIUS_METRES = 1000
MAX_RADIUS_METRES = 100_000
DESCRIPTION_MAX = 4000  # "free form text limited to 4,000 characters"
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_ID = re.compile(r"^[0-9]{1,19}$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_w3c(value: str, *, end_of_day: bool = False, naive_ok: bool = False) -> dt.datetime:
    """A W3C (ISO 8601 profile) date or datetime; the spec requires a timezone.

    A complete date without a time (2010-01-31) is valid W3C and taken as the
    start of that day in UTC, or its end when `end_of_day` (an inclusive end_date).
    """
    value = value.strip()
    try:
        if _DATE_ONLY.match(value):
            day = parse_date(value)
            moment = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
            return moment.replace(tzinfo=dt.UTC)
        parsed = parse_datetime(value)
        if parsed is not None and timezone.is_naive(parsed):
            if not naive_ok:
                raise ValidationError(
                    f"{value!r} has no timezone: W3C datetimes must end in Z or an offset "
                    "such as +01:00 (e.g. 2010-01-01T00:00:00Z)."
                )
            parsed = timezone.make_aware(parsed)
        if parsed is not None:
            # Normalise now: an offset that pushes the instant out of range fails here,
            # not in the database.
            return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError, TypeError):
        pass
    raise ValidationError(
        f"{value!r} is not a W3C datetime (e.g. 2010-01-01T00:00:00Z or 1994-11-05T08:15:30-05:00)."
    )


class W3CDateTimeField(forms.Field):
    def __init__(self, *, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        return parse_w3c(str(value), end_of_day=self.end_of_day)


def is_id(value: str) -> bool:
    """An ASCII number that fits the database.

    (str.isdigit would also take "³" and other non-ASCII digits, which int() refuses.)
    """
    return bool(_ID.match(value)) and int(value) < 2**63


def shift(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """moment + delta, held at the ends of the calendar instead of overflowing."""
    try:
        return moment + delta
    except OverflowError:
        edge = dt.datetime.max if delta > dt.timedelta(0) else dt.datetime.min
        return edge.replace(tzinfo=dt.UTC)


def comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class _InputFormMetaclass(DeclarativeFieldsMetaclass):
    def __new__(mcs, name, bases, attrs):
        return shares_fields()(super().__new__(mcs, name, bases, attrs))


class InputForm(forms.BaseForm, metaclass=_InputFormMetaclass):
    """A form that reads the API's input and is never shown: it changes neither its
    widgets nor its choices, so its instances, and those of every subclass, share the
    class's fields (civic/form_fields.py).
    """


class ServiceRequestForm(InputForm):
    """POST requests: one new service request for `service`.

    Location: the spec allows lat+long, address_string or address_id, any one alone.
    An address is looked up in the gazetteer (address_id by the places' references,
    address_string by name), then in the external geocoder when one is configured.
    An address nobody can find is still accepted: `location_pending` is then true and
    the report waits, listed but not mapped, for staff to place its pin.
    """

    lat = forms.FloatField(required=False)
    long = forms.FloatField(required=False)
    address_string = forms.CharField(required=False, max_length=255)
    address_id = forms.CharField(required=False, max_length=255)
    email = forms.EmailField(required=False)
    device_id = forms.CharField(required=False, max_length=120)
    account_id = forms.CharField(required=False, max_length=120)
    first_name = forms.CharField(required=False, max_length=60)
    last_name = forms.CharField(required=False, max_length=60)
    phone = forms.CharField(required=False, max_length=40)
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX, strip=False)
    media_url = forms.URLField(required=False, max_length=500, assume_scheme="https")
    # The media-upload extension (Bloomington's GeoReporter sends `media` as a
    # multipart file): processed like a web upload.
    media = forms.FileField(required=False)

    def __init__(self, *args, service: Service, geocode_as: object = None, **kwargs):
        self.service = service
        self.geocode_as = geocode_as
        super().__init__(*args, **kwargs)

    def clean_description(self) -> str:
        return self.cleaned_data["description"].strip()

    def clean_media(self) -> ProcessedPhoto | None:
        upload = self.cleaned_data.get("media")
        return process_photo(upload) if upload else None

    def clean(self):
        data = super().clean()
        data["location_pending"] = False
        if "lat" not in self.errors and "long" not in self.errors:
            self._check_location(data)
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        data["contact_name"] = name.strip()
        data["attributes"] = self._clean_attributes()
        return data

    def _check_location(self, data: dict) -> None:
        lat, lon = data.get("lat"), data.get("long")
        if (lat is None) != (lon is None):
            missing = "long" if lon is None else "lat"
            self.add_error(None, f"lat and long must be sent together: {missing} is missing.")
        elif lat is None:
            if data.get("address_string", "").strip() or data.get("address_id", "").strip():
                self._locate_address(data)
            else:
                self.add_error(
                    None,
                    "A location is required: send lat and long (WGS84 decimal degrees), "
                    "address_string or address_id.",
                )
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            self.add_error(None, "lat must be within -90..90 and long within -180..180.")
        elif not in_service_area(lat, lon):
            west, south, east, north = settings.SERVICE_AREA
            self.add_error(
                None,
                f"The point {lat}, {lon} is outside the area this server covers "
                f"(lat {south}..{north}, long {west}..{east}).",
            )

    def _locate_address(self, data: dict) -> None:
        """The point of an address-only request, or location_pending when none is found."""
        found = places.by_ref(data.get("address_id", ""))
        address = data.get("address_string", "").strip()
        if found is None and address:
            lookup = places.lookup(address, ident=self.geocode_as)
            # The first (best) match: a client sending an address means that place.
            found = lookup.places[0] if lookup.places else None
        if found is not None and in_service_area(found.lat, found.lon):
            data["lat"], data["long"] = round(found.lat, 6), round(found.lon, 6)
            if not address:
                data["address_string"] = found.display_name
        else:
            data["location_pending"] = True

    def _clean_attributes(self) -> dict:
        """attribute[code]=v and attribute[code][]=v, checked against the definition."""
        sent: dict[str, list[str]] = {}
        for key in self.data:
            match = _ATTRIBUTE_KEY.match(key)
            if match:
                values = [v.strip() for v in self.data.getlist(key)]
                sent.setdefault(match.group(1), []).extend(v for v in values if v)
        answers: dict = {}
        # Unknown codes are ignored, as an older client may still send them.
        for attribute in self.service.attributes.all():
            if not attribute.variable:
                continue
            values = sent.get(attribute.code, [])
            label = f"attribute[{attribute.code}]"
            if not values:
                if attribute.required:
                    self.add_error(None, f"{label} is required ({attribute.description}).")
                continue
            try:
                answers[attribute.code] = clean_attribute_value(attribute, values)
            except ValidationError as exc:
                for message in exc.messages:
                    self.add_error(None, f"{label}: {message}")
        return answers

    def title(self) -> str:
        description = self.cleaned_data.get("description", "")
        first_line = description.splitlines()[0].strip() if description else ""
        return Truncator(first_line).chars(120) if first_line else self.service.name


def clean_attribute_value(attribute: ServiceAttribute, values: list[str]):
    """The stored answer for one attribute, validated by the web form's own field for
    its datatype (reports.forms.fields), so both entry points accept the same answers."""
    Datatype = ServiceAttribute.Datatype
    multiple = attribute.datatype == Datatype.MULTIVALUELIST
    if not multiple and len(values) > 1:
        raise ValidationError(f"only one value is allowed for a {attribute.datatype}.")
    if attribute.datatype == Datatype.DATETIME:
        # W3C like every date here; one without an offset is taken as local time.
        moment = parse_w3c(values[0], naive_ok=True)
        try:
            return timezone.localtime(moment).isoformat(timespec="seconds")
        except OverflowError:
            raise ValidationError(f"{values[0]!r} is out of range.") from None
    if attribute.datatype == Datatype.STRING:
        # "A string of characters without line breaks."
        values = [" ".join(values[0].split())]
    field = attribute_form_field(attribute)
    cleaned = field.clean(list(dict.fromkeys(values)) if multiple else values[0])
    answer = attribute_answer(cleaned)
    # Kept to what every JSON reader holds exactly (and never Infinity).
    if isinstance(answer, int | float) and not abs(answer) < 10**15:
        raise ValidationError(f"{values[0]!r} is out of range.")
    return answer


class RequestFilterForm(InputForm):
    """GET requests: the spec's filters and the extensions real deployments use."""

    service_request_id = forms.CharField(required=False)
    service_code = forms.CharField(required=False)
    status = forms.CharField(required=False)
    start_date = W3CDateTimeField(required=False)
    end_date = W3CDateTimeField(required=False, end_of_day=True)
    updated_after = W3CDateTimeField(required=False)
    updated_before = W3CDateTimeField(required=False, end_of_day=True)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=10**9)
    lat = forms.FloatField(required=False, min_value=-90, max_value=90)
    long = forms.FloatField(required=False, min_value=-180, max_value=180)
    radius = forms.FloatField(required=False, min_value=0, max_value=MAX_RADIUS_METRES)
    extensions = forms.CharField(required=False)

    # "can be declared multiple times, comma delimited": repeats are joined.
    LISTS = ("service_request_id", "service_code", "status")

    def __init__(self, data, *args, **kwargs):
        if any(len(data.getlist(key)) > 1 for key in self.LISTS):
            data = data.copy()
            for key in self.LISTS:
                data.setlist(key, [",".join(data.getlist(key))])
        super().__init__(data, *args, **kwargs)

    @property
    def by_ids(self) -> bool:
        """service_request_id was given: it overrides every other filter."""
        return bool(self.data.get("service_request_id", "").strip())

    def clean_service_request_id(self) -> list[int]:
        raw = comma_list(self.cleaned_data["service_request_id"])
        if len(raw) > MAX_IDS:
            raise ValidationError(f"at most {MAX_IDS} ids at once.")
        # An id that is not a number names no request: it simply matches nothing.
        return [int(v) for v in raw if is_id(v)]

    def clean_service_code(self) -> list[str]:
        return comma_list(self.cleaned_data["service_code"])

    def clean_status(self) -> list[str]:
        statuses = [s.lower() for s in comma_list(self.cleaned_data["status"])]
        wrong = [s for s in statuses if s not in ("open", "closed")]
        if wrong:
            raise ValidationError(f"{', '.join(wrong)}: status must be open or closed.")
        return statuses

    def clean_page_size(self) -> int:
        # Larger pages are served at the documented maximum rather than refused.
        return min(self.cleaned_data["page_size"] or PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)

    def clean_extensions(self) -> bool:
        return self.cleaned_data["extensions"].strip().lower() in ("true", "1")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        has_lat, has_lon = data.get("lat") is not None, data.get("long") is not None
        if has_lat != has_lon:
            self.add_error(None, "lat and long must be sent together.")
        if data.get("radius") is not None and not has_lat:
            self.add_error(None, "radius needs lat and long.")
        for start, end in (("start_date", "end_date"), ("updated_after", "updated_before")):
            if data.get(start) and data.get(end):
                if data[start] > data[end]:
                    self.add_error(None, f"{start} is after {end}.")
                elif data[end] - data[start] > WINDOW + dt.timedelta(days=1):
                    self.add_error(None, f"{start} to {end} may not span more than 90 days.")
        return data

    def filter(self, queryset, now: dt.datetime):
        """Apply the filters; the ids, when given, override every other one."""
        data = self.cleaned_data
        if self.by_ids:
            return queryset.filter(pk__in=data["service_request_id"])
        if data["service_code"]:
            queryset = queryset.filter(service__code__in=data["service_code"])
        statuses = set(data["status"])
        if statuses == {"open"}:
            queryset = queryset.filter(state__in=Report.OPEN_STATES)
        elif statuses == {"closed"}:
            queryset = queryset.filter(state__in=Report.CLOSED_STATES)
        queryset = self._window(queryset, now)
        if data["lat"] is not None:
            radius = DEFAULT_RADIUS_METRES if data["radius"] is None else data["radius"]
            queryset = geo.near(queryset, data["lat"], data["long"], radius)
        return queryset

    def _window(self, queryset, now):
        """The spec's default: the most recent 90 days of requested_datetime.

        A client that asks only by update time (updated_after/updated_before)
        gets the same default window on updated_datetime instead.
        """
        data = self.cleaned_data
        start, end = data["start_date"], data["end_date"]
        after, before = data["updated_after"], data["updated_before"]
        if after:
            queryset = queryset.filter(updated_at__gte=after)
        if before:
            queryset = queryset.filter(updated_at__lte=before)
        if not (start or end) and (after or before):
            if not after:
                queryset = queryset.filter(updated_at__gte=shift(before, -WINDOW))
            return queryset
        if start and not end:
            end = shift(start, WINDOW)
        elif end and not start:
            start = shift(end, -WINDOW)
        elif not start:
            start, end = now - WINDOW, None
        queryset = queryset.filter(requested_at__gte=start)
        return queryset.filter(requested_at__lte=end) if end else queryset

    def page_bounds(self) -> tuple[int, int]:
        size = self.cleaned_data["page_size"]
        page = self.cleaned_data["page"] or 1
        return (page - 1) * size, page * size
