"""Reading: location queries, list filters and map bounds."""

from __future__ import annotations

import math
from collections.abc import Iterable
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports import routing
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
        if not routing.in_service_area(lat, lon):
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
