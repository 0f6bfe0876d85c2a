"""Form fields shared by the web form and the Open311 API: photos and service attributes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.models import Service, ServiceAttribute
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
        self.widget.attrs.setdefault(
            "accept", "image/jpeg,image/png,image/webp,image/gif,image/heic,image/heif,.heic,.heif"
        )

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


class ServiceChoiceField(forms.ModelChoiceField):
    """A service by its code. With `services` (the active ones, as the form was given
    them), the code is looked up among those rather than in the database."""

    services: list[Service] | None = None

    def label_from_instance(self, obj: Service) -> str:
        return obj.name

    def to_python(self, value):
        if self.services is None or value in self.empty_values:
            return super().to_python(value)
        for service in self.services:
            if service.code == value:
                return service
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


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
