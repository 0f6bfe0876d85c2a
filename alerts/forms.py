"""The "Email me about new reports" form: one of four kinds of area, and for guests
an email address to confirm."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from shapely.errors import GEOSException
from shapely.geometry import Polygon, mapping, shape

from alerts.models import Alert
from places import geo
from places.geo import polygon_bbox, radius_bbox
from reports.forms.fields import grouped_service_choices
from reports.models import Authority, Service

RADII = [(200, "200 m"), (500, "500 m"), (1000, "1 km"), (2000, "2 km"), (5000, "5 km")]
MAX_POINTS = 200


def parse_area(text: str) -> dict:
    """A GeoJSON Polygon (or Feature), or a list of "lat, lon" points, one per line or
    separated by semicolons, as a GeoJSON Polygon geometry (lon, lat)."""
    text = (text or "").strip()
    if not text:
        raise forms.ValidationError(_("Draw the area on the map, or type its corners."))
    if text.startswith("{"):
        try:
            data = json.loads(text)
            if data.get("type") == "Feature":
                data = data.get("geometry") or {}
            if data.get("type") != "Polygon":
                raise ValueError
            polygon = shape(data)
        except (ValueError, TypeError, AttributeError, KeyError, GEOSException) as exc:
            raise forms.ValidationError(
                _("That is not a GeoJSON Polygon. Paste a Polygon, or type the corners.")
            ) from exc
    else:
        points = []
        for part in text.replace(";", "\n").splitlines():
            if not part.strip():
                continue
            try:
                lat, lon = (float(v) for v in part.replace(" ", ",").split(",") if v)
            except ValueError as exc:
                raise forms.ValidationError(
                    _("“%(part)s” is not a corner: write latitude, longitude."),
                    params={"part": part.strip()},
                ) from exc
            points.append((lon, lat))
        if len(points) < 3:
            raise forms.ValidationError(_("An area needs at least three corners."))
        if len(points) > MAX_POINTS:
            raise forms.ValidationError(_("Use at most %(n)d corners."), params={"n": MAX_POINTS})
        polygon = Polygon(points)
    if not polygon.is_valid or polygon.area == 0:
        raise forms.ValidationError(
            _("The area's edges cross or enclose nothing: draw the corners in order around it.")
        )
    west, south, east, north = polygon.bounds
    if not (geo.in_service_area(south, west) or geo.in_service_area(north, east)):
        raise forms.ValidationError(_("That area is outside the area this site covers."))
    return mapping(polygon)


class AlertForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("What to hear about"),
        choices=Alert.Kind.choices,
        widget=forms.RadioSelect,
        initial=Alert.Kind.RADIUS,
    )
    lat = forms.FloatField(label=gettext_lazy("Latitude"), required=False)
    lon = forms.FloatField(label=gettext_lazy("Longitude"), required=False)
    radius = forms.TypedChoiceField(
        label=gettext_lazy("Distance"), choices=RADII, coerce=int, initial=500, required=False
    )
    authority = forms.ModelChoiceField(
        label=gettext_lazy("Authority"),
        queryset=Authority.objects.filter(is_active=True),
        required=False,
        empty_label=gettext_lazy("Choose an authority"),
    )
    area = forms.CharField(
        label=gettext_lazy("Area corners"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "Click the corners on the map, or type one “latitude, longitude” per line "
            "(or paste a GeoJSON Polygon)."
        ),
    )
    service = forms.ChoiceField(label=gettext_lazy("Category"), required=False)
    include_updates = forms.BooleanField(
        label=gettext_lazy("Also tell me about progress on reports there"), required=False
    )
    email = forms.EmailField(
        label=gettext_lazy("Your email"),
        required=False,
        help_text=gettext_lazy("We send a link to confirm it. Never shown to anyone."),
    )
    frequency = forms.ChoiceField(
        label=gettext_lazy("How often"),
        choices=Alert.Frequency.choices,
        initial=Alert.Frequency.DAILY,
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        services = list(Service.objects.filter(is_active=True))
        self.fields["service"].choices = grouped_service_choices(services)
        self.services = {s.code: s for s in services}
        if user is not None and user.is_authenticated:
            del self.fields["email"]
            del self.fields["frequency"]

    def clean(self) -> dict:
        data = super().clean()
        kind = data.get("kind")
        if kind == Alert.Kind.RADIUS:
            lat, lon = data.get("lat"), data.get("lon")
            if lat is None or lon is None:
                self.add_error(
                    "lat", _("Choose the point on the map, or type its latitude and longitude.")
                )
            elif not geo.in_service_area(lat, lon):
                self.add_error("lat", _("That point is outside the area this site covers."))
            if not data.get("radius"):
                self.add_error("radius", _("Choose a distance."))
        elif kind == Alert.Kind.AUTHORITY and not data.get("authority"):
            self.add_error("authority", _("Choose an authority."))
        elif kind == Alert.Kind.POLYGON:
            try:
                data["polygon"] = parse_area(data.get("area", ""))
            except forms.ValidationError as error:
                self.add_error("area", error)
        elif kind == Alert.Kind.SERVICE and data.get("service") not in self.services:
            self.add_error("service", _("Choose a category."))
        if "email" in self.fields and not data.get("email"):
            self.add_error("email", _("Give the email address the alerts should go to."))
        return data

    def build(self) -> Alert:
        data = self.cleaned_data
        kind = data["kind"]
        alert = Alert(kind=kind, include_updates=data.get("include_updates", False))
        if kind == Alert.Kind.RADIUS:
            alert.lat, alert.lon, alert.radius = data["lat"], data["lon"], data["radius"]
            alert.west, alert.south, alert.east, alert.north = radius_bbox(
                alert.lat, alert.lon, alert.radius
            )
        elif kind == Alert.Kind.POLYGON:
            alert.polygon = data["polygon"]
            alert.west, alert.south, alert.east, alert.north = polygon_bbox(alert.polygon)
        elif kind == Alert.Kind.AUTHORITY:
            alert.authority = data["authority"]
        else:
            alert.service = self.services[data["service"]]
        if self.user is not None and self.user.is_authenticated:
            alert.user, alert.email = self.user, self.user.email
        else:
            alert.email = data["email"]
            alert.frequency = data.get("frequency") or Alert.Frequency.DAILY
        return alert
