"""Admin forms: authority boundaries and the report's status change with a public note."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.models import Authority, Report


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
