"""Admin forms: authorities (boundary, unique name) and the report change form, whose
owned fields (status, visibility, category, authority, duplicate, text) are applied by
`reports.actions`, never saved directly."""

from __future__ import annotations

import json

from django import forms
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reports.models import Authority, Report, Service


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

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = Authority.objects.exclude(pk=self.instance.pk)
        if others.filter(name__iexact=name).exists():
            raise ValidationError(
                _("Another authority is already called “%(name)s”. Choose a different name.")
                % {"name": name},
                code="duplicate_name",
            )
        # Its staff group is named after it: a group of that name must not belong to
        # another authority (or the save would fail on the group's unique name).
        if (
            self.instance.staff_group_id is None
            and Group.objects.filter(name=f"Staff: {name}"[:150], authority__isnull=False)
            .exclude(authority=self.instance.pk)
            .exists()
        ):
            raise ValidationError(
                _("The staff group of another authority already uses this name."),
                code="duplicate_group",
            )
        return name


class ReportAdminForm(forms.ModelForm):
    """The report change form, plus a state change with a public note for the timeline.

    The admin sets `user` on the class (see `ReportAdmin.get_form`): the original a
    report may duplicate is looked up among the reports that user may see, and is
    typed as a number, so a refused value never shows anyone else's report.
    """

    user = None

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
    duplicate_of = forms.ModelChoiceField(
        label=gettext_lazy("Duplicate of (report number)"),
        queryset=Report.objects.none(),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 10}),
        error_messages={
            "invalid_choice": gettext_lazy(
                "There is no report with this number among the public reports of your "
                "authority. Check the number on the original report's page."
            )
        },
    )
    moderation_reason = forms.CharField(
        label=gettext_lazy("Why (for the moderation log)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=gettext_lazy(
            "Needed to hide or show the report again. Kept with the original values in "
            "the moderation log; never shown publicly."
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
            "contact_name",
            "contact_email",
            "contact_phone",
            "show_name",
            "media_url",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "duplicate_of" in self.fields:
            self.fields["duplicate_of"].queryset = self._originals()
        if "authority" in self.fields:
            self.fields["authority"].queryset = Authority.objects.filter(is_active=True)
        if "service" in self.fields:
            self.fields["service"].queryset = Service.objects.filter(is_active=True) | (
                Service.objects.filter(pk=self.instance.service_id)
            )

    def _originals(self):
        """The reports this user may name as an original: public ones, of their own
        authorities (all public ones for a superuser), never this report."""
        originals = Report.objects.visible().exclude(pk=self.instance.pk)
        user = self.user
        if user is None or not user.is_authenticated:
            return originals.none()
        if user.is_superuser:
            return originals
        return originals.filter(
            authority__staff_group__in=user.groups.filter(authority__isnull=False)
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        new_state = cleaned.get("new_state")
        will_be_duplicate = new_state == Report.State.DUPLICATE or (
            not new_state and self.instance.state == Report.State.DUPLICATE
        )
        original = cleaned.get("duplicate_of")
        if new_state == Report.State.DUPLICATE and not original:
            self.add_error(
                "new_state",
                _("To mark a report as a duplicate, type the original's number in “duplicate of”."),
            )
        elif original and not will_be_duplicate and "duplicate_of" in self.changed_data:
            self.add_error(
                "duplicate_of",
                _("To mark the report as a duplicate, also choose the status “Duplicate”."),
            )
        elif original and original.duplicate_of_id == self.instance.pk:
            self.add_error("duplicate_of", _("That report is itself a duplicate of this one."))
        if "is_hidden" in self.changed_data and not cleaned.get("moderation_reason", "").strip():
            self.add_error(
                "moderation_reason",
                _("Say why you hide the report or show it again."),
            )
        if "authority" in self.changed_data and cleaned.get("authority") is None:
            self.add_error("authority", _("Choose the authority the report goes to."))
        if "title" in self.changed_data and not cleaned.get("title", "").strip():
            self.add_error("title", _("A report needs a title."))
        return cleaned
