"""The new-report form and its helpers (photo location, address search)."""

from __future__ import annotations

import functools
import math

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic import versions
from civic.form_fields import shares_fields
from civic.privacy import PersonalDataCheck
from places import gazetteer as places
from places import geo
from places.geocoding import Place
from reports import routing
from reports.forms.fields import (
    ATTRIBUTE_PREFIX,
    MultipleFileInput,
    PhotosField,
    ServiceChoiceField,
    attribute_answer,
    attribute_field_name,
    attribute_form_field,
    grouped_service_choices,
)
from reports.models import Service, ServiceAttribute


def _photos_help_now() -> str:
    return _(
        "Up to %(count)d photos, %(size)s each. Location data and other metadata are "
        "removed before anything is stored."
    ) % {"count": settings.PHOTOS_PER_REPORT, "size": filesizeformat(settings.PHOTO_MAX_BYTES)}


_photos_help = lazy(_photos_help_now, str)


def active_services() -> list[Service]:
    """The active services with their questions, as the form offers them and the Open311
    API finds them: kept in this process while the services' version holds (every view
    and post of the form lists them all, every Open311 POST names one; they change in
    the admin). Read-only: requests share them."""
    return versions.memo(
        "report-form:services",
        versions.current(versions.SERVICES),
        lambda: routing.keep_candidates_with(
            list(Service.objects.filter(is_active=True).prefetch_related("attributes"))
        ),
        max_age=600,
    )


# Help texts, URLs and the category list are lazy: worked out only when shown. The
# fields are shared by every instance but the category, whose list each one sets.
@shares_fields(copied=("service",))
class ReportForm(PersonalDataCheck, forms.Form):
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
        # htmx: the category's questions load as the user chooses it.
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("reports:service-fields"),
                "hx-trigger": "change",
                "hx-target": "#service-fields",
            }
        ),
    )
    # Set by the map; typed by hand without it (or by whoever prefers numbers).
    lat = forms.FloatField(
        label=gettext_lazy("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lon = forms.FloatField(
        label=gettext_lazy("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    address = forms.CharField(
        label=gettext_lazy("Address or place"),
        max_length=255,
        required=False,
        help_text=gettext_lazy(
            "For example a street and house number, or “outside the library”. Shown "
            "publicly with the report. Press “Find this address” to place the pin from it."
        ),
        # htmx: places matching the address offered as one types (the gazetteer only).
        widget=forms.TextInput(
            attrs={
                "autocomplete": "street-address",
                "hx-get": reverse_lazy("reports:geocode"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#address-results",
                "hx-vals": '{"suggest": "1"}',
                "hx-sync": "this:replace",
                "aria-controls": "address-results",
            }
        ),
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
    # htmx: the photo's location is read as soon as it is chosen.
    photos = PhotosField(
        label=gettext_lazy("Photos"),
        help_text=_photos_help(),
        widget=MultipleFileInput(
            attrs={
                "hx-post": reverse_lazy("reports:photo-location"),
                "hx-trigger": "change",
                "hx-target": "#photo-location",
                "hx-encoding": "multipart/form-data",
                "hx-params": "photos",
                "hx-indicator": "#photo-reading",
            }
        ),
    )
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
    # Only without an account: where the confirmation link goes.
    email = forms.EmailField(
        label=gettext_lazy("Your email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=gettext_lazy(
            "We email you a link: your report is published and sent when you click it. "
            "Never shown publicly."
        ),
        error_messages={
            "required": gettext_lazy(
                "Type your email address: we send the link that publishes your report there."
            ),
            "invalid": gettext_lazy("Type an email address such as name@example.org."),
        },
    )
    # A honeypot: hidden from people, filled in by form-filling robots.
    website = forms.CharField(
        label=gettext_lazy("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    # Public: personal data typed there is shown to the author before it is hidden.
    privacy_fields = ("title", "description")

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
        "email",
        "website",
    ]

    def __init__(
        self,
        *args,
        service: Service | None = None,
        geocode_as: object | None = None,
        guest: bool = False,
        **kwargs,
    ) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.geocode_as = geocode_as
        self.guest = guest
        if not guest:
            del self.fields["email"]
            del self.fields["website"]
        self.placed_at: Place | None = None
        self.places: list[Place] = []
        # Seconds to wait when the address search was over its rate limit (0: it was not).
        self.geocode_wait = 0
        services = active_services()
        field = self.fields["service"]
        # Validated among the services kept here, not looked up again (`to_python`).
        field.services = services
        field.choices = functools.partial(grouped_service_choices, services)
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

    @property
    def is_spam(self) -> bool:
        """The honeypot was filled in: a robot, answered as if all went well."""
        return self.guest and bool(self.cleaned_data.get("website"))

    def _clean_location(self, cleaned: dict) -> None:
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        if lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon):
            if not geo.in_service_area(lat, lon):
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
        if (lat is None) != (lon is None):
            self.add_error(
                "lat",
                ValidationError(
                    _("Type both the latitude and the longitude, or place the pin on the map."),
                    code="half_location",
                ),
            )
            return
        address = cleaned.get("address", "").strip()
        if address and self.geocode_as is not None:
            self._place_from_address(cleaned, address)
            return
        if address:
            message = _(
                "Please also place the pin on the map. We keep the address you typed and "
                "show it with the report, but the pin tells those responsible exactly where "
                "the problem is. Without a mouse: move the map with the arrow keys and press "
                "“Place pin at map centre”, or press “Use my location”."
            )
            self.add_error("lat", ValidationError(message, code="no_location"))
            return
        message = _(
            "Show us where the problem is: click or tap the map, press “Use my location”, "
            "or type the address and press “Find this address”. Without a mouse: move the "
            "map with the arrow keys and press “Place pin at map centre”."
        )
        self.add_error("lat", ValidationError(message, code="no_location"))

    def _place_from_address(self, cleaned: dict, address: str) -> None:
        """No pin but an address: use the one place it matches, or explain why not."""
        values = {"address": address}
        found = places.lookup(address, ident=self.geocode_as)
        if found.problem == "rate_limited":
            self.geocode_wait = found.wait
            error = ValidationError(
                _(
                    "You searched for many addresses in a short time, so we did not look up "
                    "“%(address)s”. Place the pin on the map, or send again in a few minutes."
                ),
                code="geocode_rate_limited",
                params=values,
            )
        elif found.problem:
            error = ValidationError(
                _(
                    "We could not look up “%(address)s” just now: the address search is not "
                    "answering. Place the pin on the map instead; everything you typed is kept."
                ),
                code="geocoding_failed",
                params=values,
            )
        elif len(found.places) == 1:
            self.placed_at = found.places[0]
            cleaned["lat"], cleaned["lon"] = found.places[0].lat, found.places[0].lon
            return
        elif found.places:
            self.places = found.places
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

    def hold_kwargs(self) -> dict:
        """Keyword arguments for `reports.guest.hold_report` (a report without an account)."""
        kwargs = self.submit_kwargs()
        return {
            "email": self.cleaned_data["email"].strip(),
            "name": kwargs.pop("contact_name"),
            "phone": kwargs.pop("contact_phone"),
            **kwargs,
        }


class PhotoLocationForm(forms.Form):
    """The photos chosen on the new-report form, posted early to read their GPS position."""

    photos = PhotosField(required=True)

    def location(self) -> tuple[float, float] | None:
        for processed in self.cleaned_data["photos"]:
            if processed.gps:
                return processed.gps
        return None


class GuestAccountForm(forms.Form):
    """A password for an account with the email a guest report just confirmed."""

    password1 = forms.CharField(
        label=gettext_lazy("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict:
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ. Type the same one twice."))
        elif first:
            from django.contrib.auth import get_user_model
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(first, get_user_model()(email=self.email))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class PlacePinForm(forms.Form):
    """Staff placing a report whose location was to be confirmed: a known place or a point."""

    address = forms.CharField(label=gettext_lazy("Street or place"), max_length=255, required=False)
    lat = forms.FloatField(
        label=gettext_lazy("Latitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lon = forms.FloatField(
        label=gettext_lazy("Longitude"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def __init__(self, *args, ident: object = None, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.ident = ident

    def clean(self) -> dict:
        cleaned = super().clean()
        lat, lon = cleaned.get("lat"), cleaned.get("lon")
        address = (cleaned.get("address") or "").strip()
        if lat is None and lon is None and address:
            found = places.lookup(address, ident=self.ident).places
            if not found:
                raise ValidationError(
                    _("No known street or place matches “%(address)s”. Type the coordinates.")
                    % {"address": address}
                )
            lat, lon = found[0].lat, found[0].lon
        if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
            raise ValidationError(_("Give a street or place, or both latitude and longitude."))
        if not geo.in_service_area(lat, lon):
            raise ValidationError(_("This point is outside the area we cover."))
        cleaned["point"] = (round(lat, 6), round(lon, 6))
        return cleaned
