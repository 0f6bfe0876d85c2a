from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.privacy import PersonalDataCheck
from places.geo import in_service_area
from volunteers.models import Opportunity, Signup

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)


class OpportunityForm(PersonalDataCheck, forms.ModelForm):
    """Post or edit a call. Times are in the site's time zone."""

    privacy_fields = ("title", "description")

    start_at = forms.DateTimeField(
        label=_("Starts"), widget=DateTimeLocalInput(), input_formats=[DATETIME_FORMAT]
    )
    end_at = forms.DateTimeField(
        label=_("Ends"), widget=DateTimeLocalInput(), input_formats=[DATETIME_FORMAT]
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        required=False,
        help_text=_("Leave empty for no limit."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    lat = forms.FloatField(
        label=_("Latitude of the meeting point"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "data-pin-lat": ""}),
    )
    lon = forms.FloatField(
        label=_("Longitude of the meeting point"),
        required=False,
        widget=forms.NumberInput(attrs={"step": "any", "data-pin-lon": ""}),
    )
    move_to_waitlist = forms.BooleanField(
        label=_("Move the newest confirmed volunteers to the waiting list"),
        required=False,
        help_text=_("Needed only when you lower the places below the number already confirmed."),
    )

    class Meta:
        model = Opportunity
        fields = [
            "title",
            "description",
            "start_at",
            "end_at",
            "meeting_point",
            "lat",
            "lon",
            "capacity",
            "what_to_bring",
        ]
        labels = {"title": _("What is it?")}
        help_texts = {
            "title": _("For example: Clean-up at Elm Park playground."),
            "meeting_point": _("For example: the north gate of the park."),
            "what_to_bring": _("For example: gloves, a water bottle."),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            del self.fields["move_to_waitlist"]

    def clean_start_at(self):
        start = self.cleaned_data["start_at"]
        moved = self.instance.pk is None or start != self.instance.start_at
        if moved and start <= timezone.now():
            raise forms.ValidationError(_("The start must be in the future."))
        return start

    def clean_capacity(self):
        capacity = self.cleaned_data.get("capacity")
        if capacity is not None and capacity < 1:
            raise forms.ValidationError(
                _("Give at least one place, or leave it empty for no limit.")
            )
        return capacity

    def clean(self):
        data = super().clean()
        start, end = data.get("start_at"), data.get("end_at")
        if start and end and end <= start:
            self.add_error("end_at", _("The end must be after the start."))
        elif start and end and end - start > timedelta(days=14):
            self.add_error("end_at", _("A call lasts at most two weeks: post several calls."))
        lat, lon = data.get("lat"), data.get("lon")
        if (lat is None) != (lon is None):
            self.add_error("lat", _("Give both the latitude and the longitude, or neither."))
        elif lat is not None and not in_service_area(lat, lon):
            west, south, east, north = settings.SERVICE_AREA
            self.add_error(
                "lat",
                _(
                    "This point is outside the area this site covers "
                    "(latitude %(south)s to %(north)s, longitude %(west)s to %(east)s)."
                )
                % {"south": south, "north": north, "west": west, "east": east},
            )
        return data

    def _post_clean(self) -> None:
        # Capacity goes through Opportunity.set_capacity (it moves people), not the form.
        capacity = self.cleaned_data.pop("capacity", None) if self.instance.pk else None
        super()._post_clean()
        if self.instance.pk:
            self.cleaned_data["capacity"] = capacity


class SignupForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the organiser"),
        required=False,
        max_length=500,
        help_text=_("Only the organiser and the authority's staff see it."),
        widget=forms.TextInput(),
    )
    show_name = forms.BooleanField(
        label=_("Show my first name in the public list of volunteers"), required=False
    )

    def __init__(self, *args, prefix_pk: int | None = None, **kwargs) -> None:
        # Several calls on one page: each form's ids must be unique.
        kwargs.setdefault("auto_id", f"id_call{prefix_pk}_%s" if prefix_pk else "id_%s")
        super().__init__(*args, **kwargs)


class EmptyForm(forms.Form):
    """A one-button POST (withdraw, mark fixed)."""


class MessageForm(forms.Form):
    message = forms.CharField(
        label=_("Message to every volunteer"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent to confirmed volunteers and those on the waiting list."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        required=False,
        max_length=500,
        help_text=_("Everyone who signed up receives this in the cancellation email."),
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did it go?"), choices=Opportunity.Outcome.choices, widget=forms.RadioSelect
    )
    outcome_note = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown publicly on the call (and on the report's timeline if it is solved)."),
    )


class AttendanceForm(forms.Form):
    attended = forms.MultipleChoiceField(
        label=_("Who came"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, signups=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [
            (str(s.pk), s.user.get_full_name() or s.user.email) for s in signups
        ]
        self.initial.setdefault(
            "attended", [str(s.pk) for s in signups if s.state == Signup.State.ATTENDED]
        )

    def attended_ids(self) -> set[int]:
        return {int(pk) for pk in self.cleaned_data["attended"]}


class NearForm(forms.Form):
    """The filters of /volunteers/."""

    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("", _("All upcoming")), ("week", _("This week"))],
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    lon = forms.FloatField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    km = forms.ChoiceField(
        label=_("Near me"),
        required=False,
        choices=[("", _("Anywhere")), ("1", _("Within 1 km")), ("3", _("Within 3 km"))],
    )

    def near(self) -> tuple[float, float, float] | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        if data.get("km") and data.get("lat") is not None and data.get("lon") is not None:
            return data["lat"], data["lon"], float(data["km"])
        return None

    def this_week(self) -> bool:
        return self.is_valid() and self.cleaned_data.get("when") == "week"
