"""Reading: location queries, list filters and map bounds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from places import geo
from reports.forms.fields import grouped_service_choices
from reports.models import Report, Service


class PointForm(forms.Form):
    lat = forms.FloatField(min_value=-90, max_value=90)
    lon = forms.FloatField(min_value=-180, max_value=180)


class NearFeedForm(PointForm):
    """A point and a radius in metres, for the "near here" feed."""

    radius = forms.IntegerField(min_value=10, max_value=5000, required=False)

    def clean_radius(self) -> int:
        return self.cleaned_data.get("radius") or 500


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
        if not geo.in_service_area(lat, lon):
            raise ValidationError(_("pin is outside the service area."), code="outside_area")
        return lat, lon


# Group values differ from every state's value: "closed" alone is the Closed state.
STATE_GROUPS = {"open": Report.OPEN_STATES, "finished": Report.CLOSED_STATES}


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
            ("finished", gettext_lazy("Fixed or closed")),
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
        return geo.parse_bbox(self.cleaned_data["bbox"])


def _day_start(day: date, days_later: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=days_later), time.min))


class OpenDataFilterForm(ReportFilterForm):
    """The list's filters plus what a researcher narrows a download by: the authority,
    an area (bbox=west,south,east,north) and the dates reported (from, to; inclusive)."""

    authority = forms.SlugField(label=gettext_lazy("Authority"), required=False, max_length=50)
    bbox = forms.CharField(label=gettext_lazy("Area (west,south,east,north)"), required=False)
    # "from" is a Python keyword: the form field is named from_date, sent as ?from=.
    date_from = forms.DateField(label=gettext_lazy("Reported from"), required=False)
    date_to = forms.DateField(label=gettext_lazy("Reported until"), required=False)

    QUERY_NAMES = {"from": "date_from", "to": "date_to"}

    def __init__(self, data=None, *args, authorities: Iterable | None = None, **kwargs) -> None:
        if data is not None:
            data = data.copy()
            for public, field in self.QUERY_NAMES.items():
                if public in data and field not in data:
                    data[field] = data[public]
        super().__init__(data, *args, **kwargs)
        if authorities is not None:
            self.fields["authority"].widget = forms.Select(
                choices=[("", _("All authorities")), *((a.slug, a.name) for a in authorities)]
            )
        for name in ("date_from", "date_to"):
            self.fields[name].widget.input_type = "date"

    def clean_bbox(self) -> tuple[float, float, float, float] | None:
        if not self.cleaned_data.get("bbox"):
            return None
        return MapFilterForm.clean_bbox(self)

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("“from” must not be after “to”."), code="date_order")
        return data

    def filter(self, reports: QuerySet[Report]) -> QuerySet[Report]:
        reports = super().filter(reports)
        data = self.cleaned_data
        if data.get("authority"):
            reports = reports.filter(authority__slug=data["authority"])
        if data.get("bbox"):
            reports = reports.in_bbox(*data["bbox"])
        # Whole days in the site's time zone, the end day included; a range on the column
        # itself (not on its date) keeps the requested_at index usable.
        if data.get("date_from"):
            reports = reports.filter(requested_at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            reports = reports.filter(requested_at__lt=_day_start(data["date_to"], 1))
        return reports

    def querystring(self) -> str:
        if not self.is_valid():
            return ""
        public = {field: name for name, field in self.QUERY_NAMES.items()}
        values = {}
        for key, value in self.cleaned_data.items():
            if not value:
                continue
            if key == "bbox":
                value = ",".join(f"{v:g}" for v in value)
            values[public.get(key, key)] = value
        return urlencode(values)
